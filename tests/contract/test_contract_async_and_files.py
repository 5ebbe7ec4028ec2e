"""client.subscriptions.register (202 + Location, api.md §7.1 S8/S9) and client.invoices.statement (a streamed
PDF, §12.1 B7) against the sandbox: the Location is polled to the end; the PDF arrives whole and typed; a
non-Azure subscription and an unknown invoice get typed errors."""

from __future__ import annotations

import httpx
import pytest
from contract_helpers import customer_named

from partner_center.errors import BadRequestError, NotFoundError


async def test_register_an_azure_plan_then_poll_its_location_until_registered(pc, sandbox):
    fabrikam = await customer_named(pc, "Fabrikam Inc")
    subs = await pc.subscriptions.list(fabrikam.id).to_list()
    azure = next(s for s in subs if "azure" in (s.offer_name or "").lower())
    accepted = await pc.subscriptions.register(fabrikam.id, azure.id)
    assert accepted.location.endswith(f"/subscriptions/{azure.id}/registrationstatus")
    assert (await pc.long_running.poll(accepted.location)).state == "registering"
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        [op] = [o for o in (await http.get("/_sandbox/operations")).json()["items"] if o["kind"] == "registration"]
        assert (await http.post(f"/_sandbox/operations/{op['id']}", json={"complete": True})).status_code == 200
    assert (await pc.long_running.poll(accepted.location)).state == "registered"
    other = next(s for s in subs if "azure" not in (s.offer_name or "").lower())
    with pytest.raises(BadRequestError):
        await pc.subscriptions.register(fabrikam.id, other.id)


async def test_statement_streams_a_pdf_and_unknown_invoices_are_not_found(pc):
    invoice = (await pc.invoices.list().to_list(1))[0]
    async with pc.invoices.statement(invoice.id) as download:
        data = b"".join([chunk async for chunk in download.chunks()])
    assert download.content_type.startswith("application/pdf")
    assert data.startswith(b"%PDF-") and invoice.id.encode() in data
    with pytest.raises(NotFoundError):
        async with pc.invoices.statement("D0000000XX") as download:
            async for _ in download.chunks():
                pass
