"""Carts -> checkout -> orders -> subscriptions, idempotency, sandbox caps, order rules."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sandbox_helpers import audit_count, customer_by_name, subscriptions_of

from sandbox import catalog_data as cat
from sandbox.config import SandboxConfig

TEAMS_ESSENTIALS = next(i for i in cat.ITEMS if i.title == "Microsoft Teams Essentials").catalog_item_id
BUSINESS_BASIC = next(i for i in cat.ITEMS if i.title == "Microsoft 365 Business Basic").catalog_item_id
TEAMS_PHONE = next(i for i in cat.ITEMS if i.title == "Microsoft Teams Phone Standard").catalog_item_id
WINDOWS_SERVER = next(i for i in cat.ITEMS if i.title == "Windows Server 2022 Standard").catalog_item_id
LEGACY_O365 = next(i for i in cat.ITEMS if i.legacy_offer_id and i.title == "Office 365 E3").legacy_offer_id


def _line(catalog_item_id: str, quantity: int, i: int = 0, **extra: object) -> dict:
    return {"id": i, "catalogItemId": catalog_item_id, "quantity": quantity, "billingCycle": "monthly",
            "termDuration": "P1Y", **extra}


async def _cart(client: httpx.AsyncClient, cid: str, lines: list[dict]) -> dict:
    r = await client.post(f"/v1/customers/{cid}/carts", json={"lineItems": lines})
    assert r.status_code == 201, r.text
    return r.json()


async def test_checkout_creates_orders_and_subscriptions(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Northwind Traders"))["id"]  # 2 subscriptions
    before = {s["id"] for s in await subscriptions_of(client, cid)}
    cart = await _cart(client, cid, [_line(TEAMS_ESSENTIALS, 20, 0, friendlyName="Teams for Northwind"),
                                     _line(WINDOWS_SERVER, 2, 1, billingCycle="one_time", termDuration=None)])
    assert cart["status"] == "Active" and cart["lineItems"][0]["orderGroup"] != cart["lineItems"][1]["orderGroup"]
    assert cart["lineItems"][0]["pricing"]["extendedPrice"] == 80.0 and "error" not in cart["lineItems"][0]
    r = await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout", headers={"MS-RequestId": "co-1"})
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["orderErrors"] == [] and len(result["orders"]) == 2
    assert all(o["status"] == "completed" for o in result["orders"])
    teams_order = next(o for o in result["orders"] if o["lineItems"][0]["offerId"] == TEAMS_ESSENTIALS)
    sid = teams_order["lineItems"][0]["subscriptionId"]
    subs = await subscriptions_of(client, cid)
    new = [s for s in subs if s["id"] not in before]
    assert [s["id"] for s in new] == [sid]  # perpetual software creates no subscription
    assert new[0]["quantity"] == 20 and new[0]["friendlyName"] == "Teams for Northwind"
    assert new[0]["orderId"] == teams_order["id"]
    r = await client.get(f"/v1/customers/{cid}/subscriptions", params={"order_id": teams_order["id"]})
    assert [s["id"] for s in r.json()["items"]] == [sid]
    assert (await client.get(f"/v1/customers/{cid}/carts/{cart['id']}")).json()["status"] == "Ordered"
    orders = (await client.get(f"/v1/customers/{cid}/orders")).json()["items"]
    assert {o["id"] for o in result["orders"]} <= {o["id"] for o in orders}
    one_time = (await client.get(f"/v1/customers/{cid}/orders", params={"billingType": "OneTime"})).json()
    assert [o["billingCycle"] for o in one_time["items"]] == ["one_time"]
    # the same checkout again (new request id): stored result, nothing bought twice
    r2 = await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout")
    assert r2.status_code == 201 and [o["id"] for o in r2.json()["orders"]] == [o["id"] for o in result["orders"]]
    assert len(await subscriptions_of(client, cid)) == len(subs)


async def test_dropped_checkout_response_is_replayed_for_the_same_request_id(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Litware Inc"))["id"]
    cart = await _cart(client, cid, [_line(BUSINESS_BASIC, 5)])
    await client.post("/_sandbox/faults", json={"dropNextMutations": 1})
    url = f"/v1/customers/{cid}/carts/{cart['id']}/checkout"
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(url, headers={"MS-RequestId": "checkout-litware"})
    count = len(await subscriptions_of(client, cid))
    r = await client.post(url, headers={"MS-RequestId": "checkout-litware"})
    assert r.status_code == 201 and r.headers["X-Sandbox-Replayed"] == "true"
    assert len(r.json()["orders"]) == 1
    assert len(await subscriptions_of(client, cid)) == count


async def test_dropped_order_create_is_not_applied_twice(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Litware Inc"))["id"]
    body = {"billingCycle": "monthly", "lineItems": [{"lineItemNumber": 0, "offerId": BUSINESS_BASIC,
                                                      "quantity": 3, "termDuration": "P1M"}]}
    await client.post("/_sandbox/faults", json={"dropNextMutations": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(f"/v1/customers/{cid}/orders", json=body, headers={"MS-RequestId": "order-1"})
    orders_before = len((await client.get(f"/v1/customers/{cid}/orders")).json()["items"])
    r = await client.post(f"/v1/customers/{cid}/orders", json=body, headers={"MS-RequestId": "order-1"})
    assert r.status_code == 201 and r.json()["lineItems"][0]["quantity"] == 3
    assert len((await client.get(f"/v1/customers/{cid}/orders")).json()["items"]) == orders_before


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(port=0, seed=7, checkout_delay_ms=300)])
async def test_concurrent_checkout_is_409(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Litware Inc"))["id"]
    cart = await _cart(client, cid, [_line(BUSINESS_BASIC, 2)])
    url = f"/v1/customers/{cid}/carts/{cart['id']}/checkout"
    first, second = await asyncio.gather(client.post(url), _later(client.post(url)))
    assert first.status_code == 201
    assert second.status_code == 409 and second.json()["code"] == 800064


async def _later(coro):
    await asyncio.sleep(0.1)
    return await coro


async def test_repeat_checkout_error_knob(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Litware Inc"))["id"]
    cart = await _cart(client, cid, [_line(BUSINESS_BASIC, 1)])
    url = f"/v1/customers/{cid}/carts/{cart['id']}/checkout"
    assert (await client.post(url)).status_code == 201
    await client.post("/_sandbox/faults", json={"repeatCheckoutError": True})
    r = await client.post(url)
    assert r.status_code == 400 and r.json()["code"] == 800065


async def test_line_errors_block_checkout(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Litware Inc"))["id"]
    cart = await _cart(client, cid, [
        _line("CFQ7TTC0XXXX:0001:CFQ7TTC0YYYY", 1, 0),
        _line(TEAMS_ESSENTIALS, 26, 1),
        _line(BUSINESS_BASIC, 1, 2, termDuration="P3Y"),
        _line(LEGACY_O365, 1, 3),
        _line(TEAMS_PHONE, 1, 4, provisioningContext={"parentSubscriptionId": "00000000-0000-0000-0000-000000000001"}),
    ])
    codes = [line["error"]["errorCode"] for line in cart["lineItems"]]
    assert codes == ["catalog_item_id_is_not_valid", "sandbox_limit_exceeded", "billing_plan_not_supported",
                     "legacy_offer_not_eligible_for_purchase", "subscription_is_not_valid"]
    before = await audit_count(client)
    r = await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout")
    assert r.status_code == 400 and r.json()["code"] == 800009 and len(r.json()["data"]) == 5
    assert await audit_count(client) == before
    # fix the cart with PUT, then checkout succeeds
    r = await client.put(f"/v1/customers/{cid}/carts/{cart['id']}", json={"lineItems": [_line(BUSINESS_BASIC, 4)]})
    assert r.status_code == 201 and "error" not in r.json()["lineItems"][0]
    assert (await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout")).status_code == 201
    r = await client.put(f"/v1/customers/{cid}/carts/{cart['id']}", json={"lineItems": [_line(BUSINESS_BASIC, 4)]})
    assert r.status_code == 400 and r.json()["code"] == 800065


async def test_cart_quantity_and_line_number_rules(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Litware Inc"))["id"]
    r = await client.post(f"/v1/customers/{cid}/carts", json={"lineItems": [_line(TEAMS_ESSENTIALS, 301)]})
    assert r.status_code == 400 and r.json()["code"] == 900275
    r = await client.post(f"/v1/customers/{cid}/carts", json={"lineItems": [_line(BUSINESS_BASIC, 1, 3)]})
    assert r.status_code == 400 and r.json()["code"] == 800071
    r = await client.get(f"/v1/customers/{cid}/carts/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and r.json()["code"] == 800008


async def test_addon_with_parent_subscription(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Northwind Traders"))["id"]
    base = next(s for s in await subscriptions_of(client, cid) if s["offerName"] == "Microsoft 365 Business Basic")
    cart = await _cart(client, cid, [_line(TEAMS_PHONE, 2, provisioningContext={"parentSubscriptionId": base["id"]})])
    assert "error" not in cart["lineItems"][0]
    r = await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout")
    sid = r.json()["orders"][0]["lineItems"][0]["subscriptionId"]
    addons = (await client.get(f"/v1/customers/{cid}/subscriptions/{base['id']}/addons")).json()["items"]
    assert [a["id"] for a in addons] == [sid] and addons[0]["parentSubscriptionId"] == base["id"]


async def test_subscription_cap_reports_order_errors(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Contoso Ltd"))["id"]  # 4 subscriptions already
    cart = await _cart(client, cid, [_line(BUSINESS_BASIC, 1, 0), _line(TEAMS_ESSENTIALS, 1, 1)])
    r = await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout")
    assert r.status_code == 201
    assert r.json()["orders"] == [] and r.json()["orderErrors"] == [
        {"orderGroupId": "0", "code": 800018, "description": "The sandbox limit has been met."}]
    assert len(await subscriptions_of(client, cid)) == 4
    body = {"lineItems": [{"offerId": BUSINESS_BASIC, "quantity": 1, "termDuration": "P1M"},
                          {"offerId": TEAMS_ESSENTIALS, "quantity": 1, "termDuration": "P1M"}]}
    r = await client.post(f"/v1/customers/{cid}/orders", json=body)
    assert r.status_code == 400 and r.json()["code"] == 800018


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(port=0, seed=7, provisioning_delay_s=120)])
async def test_orders_are_pending_until_provisioned(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Northwind Traders"))["id"]
    count = len(await subscriptions_of(client, cid))
    cart = await _cart(client, cid, [_line(TEAMS_ESSENTIALS, 3)])
    order = (await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout")).json()["orders"][0]
    assert order["status"] == "pending" and "subscriptionId" not in order["lineItems"][0]
    assert len(await subscriptions_of(client, cid)) == count
    status = (await client.get(f"/v1/customers/{cid}/orders/{order['id']}/provisioningstatus")).json()
    assert status["items"][0]["status"] == "prefulfillmentPending"
    await client.post("/_sandbox/clock", json={"advanceSeconds": 121})
    done = (await client.get(f"/v1/customers/{cid}/orders/{order['id']}")).json()
    assert done["status"] == "completed" and done["lineItems"][0]["subscriptionId"]
    assert len(await subscriptions_of(client, cid)) == count + 1


async def test_order_cancel_rules(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Northwind Traders"))["id"]
    seeded = (await client.get(f"/v1/customers/{cid}/orders")).json()["items"][0]
    r = await client.patch(f"/v1/customers/{cid}/orders/{seeded['id']}", json={"status": "cancelled"})
    assert r.status_code == 400 and r.json()["code"] == 800063
    body = {"billingCycle": "one_time", "lineItems": [{"lineItemNumber": 0, "offerId": WINDOWS_SERVER, "quantity": 1}]}
    order = (await client.post(f"/v1/customers/{cid}/orders", json=body)).json()
    r = await client.patch(f"/v1/customers/{cid}/orders/{order['id']}", json={"id": order["id"], "status": "Cancelled"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = await client.patch(f"/v1/customers/{cid}/orders/{order['id']}", json={"status": "cancelled"})
    assert r.status_code == 400 and r.json()["code"] == 800061
    old = (await client.post(f"/v1/customers/{cid}/orders", json=body)).json()
    await client.post("/_sandbox/clock", json={"advanceSeconds": 61 * 86400})
    r = await client.patch(f"/v1/customers/{cid}/orders/{old['id']}", json={"status": "cancelled"})
    assert r.status_code == 400 and r.json()["code"] == 800061
    r = await client.patch(f"/v1/customers/{cid}/orders/{old['id']}", json={"billingCycle": "annual"})
    assert r.status_code == 400 and r.json()["code"] == 800002
    r = await client.get(f"/v1/customers/{cid}/orders/nope")
    assert r.status_code == 404 and r.json()["code"] == 20000


async def test_direct_order_validation(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Northwind Traders"))["id"]
    r = await client.post(f"/v1/customers/{cid}/orders", json={"lineItems": [{"offerId": "bogus", "quantity": 1}]})
    assert r.status_code == 400 and r.json()["code"] == 800004
    body = {"lineItems": [{"offerId": BUSINESS_BASIC, "quantity": 30}]}
    r = await client.post(f"/v1/customers/{cid}/orders", json=body)
    assert r.status_code == 400 and r.json()["code"] == 800018
