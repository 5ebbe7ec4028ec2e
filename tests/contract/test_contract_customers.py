"""client.customers against the sandbox: seek paging, search, get/create/delete, billing profile + If-Match."""

from __future__ import annotations

import uuid

import pytest
from contract_helpers import audit_total, customer_named, new_customer_body, state

from partner_center import errors


async def test_list_seeks_across_page_boundaries_with_the_continuation_header(pc, wire):
    everything = await pc.customers.list(size=500).to_list()
    assert len(everything) == 40
    wire.clear()
    pages = [page async for page in pc.customers.list(size=7).by_page()]
    assert [len(p.items) for p in pages] == [7, 7, 7, 7, 7, 5]
    ids = [c.id for p in pages for c in p.items]
    assert ids == [c.id for c in everything] and len(set(ids)) == 40
    assert all(p.continuation_token for p in pages[:-1]) and pages[-1].continuation_token is None
    first, *follow = wire.log
    assert first.query == "size=7" and "MS-ContinuationToken" not in first.sent_headers
    for exchange, previous in zip(follow, pages, strict=False):
        assert exchange.path == "/v1/customers" and "seekOperation=Next" in exchange.query
        assert exchange.sent_headers["ms-continuationtoken"] == previous.continuation_token
    # each page is its own logical call: its own MS-RequestId, echoed by the sandbox
    assert len({e.sent_request_id for e in wire.log}) == len(wire.log)
    assert all(e.echoed_request_id == e.sent_request_id for e in wire.log)


async def test_page_resumes_from_a_stored_page_across_turns(pc):
    pager = pc.customers.list(size=15)
    first = await pager.first_page()
    second = await pager.next_page(first)
    third = await pager.next_page(second)
    assert second is not None and third is not None
    assert await pager.next_page(third) is None
    assert len(first.items) + len(second.items) + len(third.items) == 40


async def test_search_by_company_name_and_domain_keeps_the_filter_across_pages(pc, wire):
    contoso = await pc.customers.search("contoso", size=1).to_list()
    names = sorted(c.company_name for c in contoso)
    assert names == ["Contoso Electronics", "Contoso Ltd", "Contoso Pharma"]
    assert sum(1 for e in wire.log if "seekOperation=Next" in e.query) == 2
    fabrikam = await customer_named(pc, "Fabrikam Inc")
    by_domain = await pc.customers.search(fabrikam.domain[:6].upper(), field="Domain").to_list()
    assert fabrikam.id in {c.id for c in by_domain}
    assert all(c.domain.startswith(fabrikam.domain[:6]) for c in by_domain)
    assert await pc.customers.search("zz-nobody").to_list() == []


async def test_get_create_is_idempotent_and_delete(pc, sandbox):
    fabrikam = await customer_named(pc, "Fabrikam Inc")
    got = await pc.customers.get(fabrikam.id)
    assert got.company_name == "Fabrikam Inc" and got.tenant_id == fabrikam.id and got.domain == fabrikam.domain
    rid = str(uuid.uuid4())
    created = await pc.customers.create(new_customer_body("contractnew"), request_id=rid)
    assert created.company_name == "Contractnew Contract" and created.domain == "contractnew.onmicrosoft.com"
    assert created.user_name == "admin@contractnew.onmicrosoft.com" and created.initial_password
    audits = audit_total(sandbox)
    again = await pc.customers.create(new_customer_body("contractnew"), request_id=rid)
    assert again.id == created.id and audit_total(sandbox) == audits
    assert (await pc.customers.get(created.id)).company_name == "Contractnew Contract"
    assert len(await pc.customers.list().to_list()) == 41
    await pc.customers.delete(created.id)
    with pytest.raises(errors.NotFoundError) as caught:
        await pc.customers.get(created.id)
    assert caught.value.code == 60003
    assert state(sandbox).store.count("customer", "") == 40


async def test_billing_profile_update_needs_the_current_etag(pc):
    cust = await customer_named(pc, "Northwind Traders")
    profile = await pc.customers.get_billing_profile(cust.id)
    assert profile.etag and profile.email and profile.default_address.country
    changed = profile.to_wire()
    changed["email"] = "ap@northwind.example"
    updated = await pc.customers.update_billing_profile(cust.id, changed, etag=profile.etag)
    assert updated.email == "ap@northwind.example" and updated.etag and updated.etag != profile.etag
    stale = dict(changed, email="late@northwind.example")
    with pytest.raises(errors.BadRequestError) as caught:
        await pc.customers.update_billing_profile(cust.id, stale, etag=profile.etag)
    assert caught.value.code == 2055
    assert (await pc.customers.get_billing_profile(cust.id)).email == "ap@northwind.example"
    # a weak/quoted etag as echoed by HTTP caches is accepted as well
    again = await pc.customers.update_billing_profile(cust.id, dict(changed, language="en"),
                                                      etag=f'W/"{updated.etag}"')
    assert again.etag != updated.etag
