"""Subscriptions: reads and the PATCH state machine (api.md §7.3)."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import audit_count, customer_by_name, subscriptions_of

from sandbox.config import SandboxConfig


async def _sub(client: httpx.AsyncClient, company: str, offer: str) -> tuple[str, dict]:
    cid = (await customer_by_name(client, company))["id"]
    subs = await subscriptions_of(client, cid)
    return cid, next(s for s in subs if s["offerName"] == offer)


async def _patch(client: httpx.AsyncClient, cid: str, sid: str, body: dict, **headers: str) -> httpx.Response:
    return await client.patch(f"/v1/customers/{cid}/subscriptions/{sid}", json=body, headers=headers)


def _code(r: httpx.Response) -> int:
    return r.json().get("code")


async def test_reads(client: httpx.AsyncClient) -> None:
    cid, sub = await _sub(client, "Contoso Ltd", "Microsoft 365 Business Premium")
    r = await client.get(f"/v1/customers/{cid}/subscriptions/{sub['id']}")
    assert r.status_code == 200 and r.json()["id"] == sub["id"]
    assert r.headers["ETag"].strip('"') == sub["attributes"]["etag"]
    assert sub["productType"]["id"] == "OnlineServicesNCE" and sub["offerId"].count(":") == 2
    assert not any(k.startswith("_") for k in sub)
    r = await client.get(f"/v1/customers/{cid}/subscriptions/{sub['id']}/addons")
    addons = r.json()["items"]
    assert [a["offerName"] for a in addons] == ["Microsoft Teams Audio Conferencing with dial-out to USA/CAN"]
    assert addons[0]["parentSubscriptionId"] == sub["id"] and "parentSubscription" in addons[0]["links"]
    r = await client.get(f"/v1/customers/{cid}/subscriptions", params={"order_id": sub["orderId"]})
    assert [s["id"] for s in r.json()["items"]] == [sub["id"]]
    r = await client.get(f"/v1/customers/{cid}/subscriptions", params={"order_id": "nope"})
    assert r.status_code == 404 and _code(r) == 20000
    r = await client.get(f"/v1/customers/{cid}/subscriptions/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and _code(r) == 20003


async def test_quantity_bounds_and_sandbox_seat_cap(client: httpx.AsyncClient) -> None:
    cid, sub = await _sub(client, "Contoso Ltd", "Microsoft Teams Essentials")
    for quantity, code in [(0, 2002), (301, 2002), (26, 800018)]:
        r = await _patch(client, cid, sub["id"], {"quantity": quantity})
        assert r.status_code == 400 and _code(r) == code, (quantity, r.text)
    r = await _patch(client, cid, sub["id"], {"quantity": 12})
    assert r.status_code == 200 and r.json()["quantity"] == 12
    assert r.json()["refundableQuantity"]["totalQuantity"] == 2


async def test_new_commerce_decrease_window(client: httpx.AsyncClient) -> None:
    cid, old = await _sub(client, "Contoso Ltd", "Microsoft Teams Essentials")  # bought 200 days ago
    r = await _patch(client, cid, old["id"], {"quantity": 9})
    assert r.status_code == 400 and _code(r) == 900214
    assert (await _patch(client, cid, old["id"], {"quantity": 13})).status_code == 200
    assert (await _patch(client, cid, old["id"], {"quantity": 11})).status_code == 200  # within the 3 just added
    r = await _patch(client, cid, old["id"], {"quantity": 9})
    assert r.status_code == 400 and _code(r) == 900214
    _, fresh = await _sub(client, "Contoso Ltd", "Microsoft 365 Business Premium")  # bought 3 days ago
    r = await _patch(client, cid, fresh["id"], {"quantity": 15})
    assert r.status_code == 200 and r.json()["quantity"] == 15
    await client.post("/_sandbox/clock", json={"advanceSeconds": 8 * 86400})
    r = await _patch(client, cid, fresh["id"], {"quantity": 14})
    assert r.status_code == 400 and _code(r) == 900214
    r = await _patch(client, cid, fresh["id"], {"status": "deleted"})
    assert r.status_code == 400 and _code(r) == 900213


async def test_cancel_within_window_then_deleted_is_final(client: httpx.AsyncClient) -> None:
    cid, sub = await _sub(client, "Fabrikam Inc", "Exchange Online (Plan 1)")  # bought 4 days ago
    r = await _patch(client, cid, sub["id"], {"status": "Deleted"})
    assert r.status_code == 200 and r.json()["status"] == "deleted" and r.json()["autoRenewEnabled"] is False
    for body in ({"quantity": 3}, {"status": "active"}, {"friendlyName": "again"}):
        r = await _patch(client, cid, sub["id"], body)
        assert r.status_code == 400 and _code(r) == 2011


async def test_suspend_cascades_and_reactivation_rules(client: httpx.AsyncClient) -> None:
    cid, base = await _sub(client, "Contoso Ltd", "Microsoft 365 Business Premium")
    addon = (await client.get(f"/v1/customers/{cid}/subscriptions/{base['id']}/addons")).json()["items"][0]
    r = await _patch(client, cid, base["id"], {"status": "suspended"})
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    child = (await client.get(f"/v1/customers/{cid}/subscriptions/{addon['id']}")).json()
    assert child["status"] == "suspended"
    r = await _patch(client, cid, base["id"], {"quantity": 21})
    assert r.status_code == 400 and _code(r) == 800091
    r = await _patch(client, cid, addon["id"], {"status": "active"})
    assert r.status_code == 409 and _code(r) == 27009
    assert (await _patch(client, cid, base["id"], {"status": "active"})).json()["status"] == "active"
    assert (await _patch(client, cid, addon["id"], {"status": "active"})).json()["status"] == "active"
    r = await _patch(client, cid, base["id"], {"status": "expired"})
    assert r.status_code == 400 and _code(r) == 800096


async def test_billing_cycle_term_and_ineligible_changes(client: httpx.AsyncClient) -> None:
    cid, sub = await _sub(client, "Contoso Ltd", "Microsoft 365 E3")
    other_cycle = "annual" if sub["billingCycle"] != "annual" else "monthly"
    r = await _patch(client, cid, sub["id"], {"billingCycle": other_cycle})
    assert r.status_code == 400 and _code(r) == 2054
    r = await _patch(client, cid, sub["id"], {"termDuration": "P3Y" if sub["termDuration"] != "P3Y" else "P1Y"})
    assert r.status_code == 400 and _code(r) == 2006
    cid2, azure = await _sub(client, "Fabrikam Inc", "Azure plan")
    assert _code(await _patch(client, cid2, azure["id"], {"quantity": 2})) == 800095
    assert _code(await _patch(client, cid2, azure["id"], {"autoRenewEnabled": True})) == 800093
    cid3, trial = await _sub(client, "Tailspin Toys", "Microsoft 365 Business Premium Trial")
    assert trial["isTrial"] is True
    assert _code(await _patch(client, cid3, trial["id"], {"quantity": 20})) == 800095


async def test_legacy_subscription_rules(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Adventure Works Cycles"))["id"]
    legacy = next(s for s in await subscriptions_of(client, cid) if s["productType"]["id"] == "OnlineServices")
    assert legacy["offerId"].count("-") == 4  # GUID offer id
    assert _code(await _patch(client, cid, legacy["id"], {"status": "deleted"})) == 800096
    assert _code(await _patch(client, cid, legacy["id"], {"autoRenewEnabled": False})) == 800093
    r = await _patch(client, cid, legacy["id"], {"quantity": 4})  # legacy seats can go down any time
    assert r.status_code == 200 and r.json()["quantity"] == 4


async def test_full_body_patch_etag_rename_and_autorenew(client: httpx.AsyncClient) -> None:
    cid, sub = await _sub(client, "Northwind Traders", "Microsoft 365 Business Basic")
    before = await audit_count(client)
    r = await _patch(client, cid, sub["id"], {**sub, "friendlyName": "Northwind HQ"},
                     **{"If-Match": f'"{sub["attributes"]["etag"]}"'})
    assert r.status_code == 200 and r.json()["friendlyName"] == "Northwind HQ"
    assert r.json()["attributes"]["etag"] != sub["attributes"]["etag"]
    r2 = await _patch(client, cid, sub["id"], {"AutoRenewEnabled": False},
                      **{"If-Match": f'"{sub["attributes"]["etag"]}"'})
    assert r2.status_code == 400 and _code(r2) == 2055
    r3 = await _patch(client, cid, sub["id"], {"AutoRenewEnabled": False})
    assert r3.status_code == 200 and r3.json()["autoRenewEnabled"] is False
    r4 = await _patch(client, cid, sub["id"], r3.json())  # unchanged body: no-op, no audit record
    assert r4.status_code == 200
    assert await audit_count(client) == before + 2
    records = (await client.get("/v1/auditrecords", params={"startDate": "2000-01-01"})).json()["items"]
    last = records[-1]
    assert last["operationType"] == "update_subscription" and last["resourceType"] == "subscription"
    assert last["customerId"] == cid and '"AutoRenewEnabled":false' in last["resourceNewValue"]


async def test_provisioning_status_is_app_user_only(client: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    cid, sub = await _sub(client, "Northwind Traders", "Microsoft 365 Business Basic")
    r = await client.get(f"/v1/customers/{cid}/subscriptions/{sub['id']}/provisioningstatus")
    assert r.status_code == 200 and r.json()["status"] == "success" and r.json()["quantity"] == sub["quantity"]
    form = {"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret"}
    token = (await anon.post("/tenant/oauth2/v2.0/token", data=form)).json()["access_token"]
    r = await anon.get(f"/v1/customers/{cid}/subscriptions/{sub['id']}/provisioningstatus",
                       headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and _code(r) == 900329


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(port=0, seed=7, provisioning_delay_s=60)])
async def test_provisioning_status_pending_after_seat_change(client: httpx.AsyncClient) -> None:
    cid, sub = await _sub(client, "Northwind Traders", "Microsoft 365 Business Basic")
    assert (await _patch(client, cid, sub["id"], {"quantity": sub["quantity"] + 1})).status_code == 200
    url = f"/v1/customers/{cid}/subscriptions/{sub['id']}/provisioningstatus"
    assert (await client.get(url)).json()["status"] == "pending"
    await client.post("/_sandbox/clock", json={"advanceSeconds": 61})
    assert (await client.get(url)).json()["status"] == "success"


async def test_scheduled_instructions_rules_when_the_client_is_bypassed(client: httpx.AsyncClient) -> None:
    """api.md §23.7 rule 4: auto-renew must be on, only new commerce, product/quantity validated; null drops it."""
    cid, sub = await _sub(client, "Fabrikam Inc", "Microsoft 365 E3")  # seeded: renews in 20 days
    product_id, sku_id, availability_id = sub["offerId"].split(":")
    plan = {"product": {"productId": product_id, "skuId": sku_id, "availabilityId": availability_id,
                        "billingCycle": "monthly", "termDuration": "P1Y"}, "quantity": 10}
    r = await _patch(client, cid, sub["id"], {"scheduledNextTermInstructions": plan, "autoRenewEnabled": False})
    assert r.status_code == 400 and _code(r) == 800002
    r = await _patch(client, cid, sub["id"], {"scheduledNextTermInstructions": "soon"})
    assert r.status_code == 400 and _code(r) == 800002
    r = await _patch(client, cid, sub["id"], {"scheduledNextTermInstructions": {**plan, "quantity": 0}})
    assert r.status_code == 400 and _code(r) == 2002
    unchanged = (await client.get(f"/v1/customers/{cid}/subscriptions/{sub['id']}")).json()
    assert "scheduledNextTermInstructions" not in unchanged and unchanged["autoRenewEnabled"] is True
    r = await _patch(client, cid, sub["id"], {"scheduledNextTermInstructions": plan})
    assert r.status_code == 200 and r.json()["scheduledNextTermInstructions"]["quantity"] == 10
    assert r.json()["quantity"] == 25
    r = await _patch(client, cid, sub["id"], {"scheduledNextTermInstructions": None})
    assert r.status_code == 200 and "scheduledNextTermInstructions" not in r.json()
    legacy_cid, legacy = await _sub(client, "Adventure Works Cycles", "Exchange Online (Plan 1)")
    r = await _patch(client, legacy_cid, legacy["id"], {"scheduledNextTermInstructions": plan})
    assert r.status_code == 400 and _code(r) == 900244
