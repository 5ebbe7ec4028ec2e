"""client.carts / client.orders against the sandbox: cart lifecycle, checkout, order reads and sandbox cancel,
and a checkout whose response is dropped after the sandbox applied it (retried without a second order)."""

from __future__ import annotations

import uuid

from contract_helpers import customer_named, fault_settings, set_faults, state

from partner_center.models import CartStatus, OrderStatus, SubscriptionStatus
from sandbox import catalog_data as cat

TEAMS_ESSENTIALS = next(i for i in cat.ITEMS if i.title == "Microsoft Teams Essentials").catalog_item_id
BUSINESS_BASIC = next(i for i in cat.ITEMS if i.title == "Microsoft 365 Business Basic").catalog_item_id
WINDOWS_SERVER = next(i for i in cat.ITEMS if i.title == "Windows Server 2022 Standard").catalog_item_id


def _line(catalog_item_id: str, quantity: int, **extra: object) -> dict:
    return {"catalog_item_id": catalog_item_id, "quantity": quantity, "billing_cycle": "monthly",
            "term_duration": "P1Y", **extra}


def _create_order_audits(running, cid: str) -> int:
    return sum(1 for r in state(running).store.list_audit("2000-01-01T00:00:00.000Z", "2999-01-01T00:00:00.000Z",
                                                          customer_id=cid)
               if r[1]["operationType"] == "create_order")


async def test_cart_create_get_update_checkout_and_orders(pc):
    cust = await customer_named(pc, "Northwind Traders")
    before = {s.id for s in await pc.subscriptions.list(cust.id).to_list()}
    cart = await pc.carts.create(cust.id, [_line(TEAMS_ESSENTIALS, 4, friendly_name="Teams NW"),
                                           _line(WINDOWS_SERVER, 2, billing_cycle="one_time", term_duration=None)])
    assert cart.status is CartStatus.ACTIVE and len(cart.line_items) == 2
    assert [li.id for li in cart.line_items] == [0, 1] and cart.expiration_timestamp > cart.creation_timestamp
    assert all(li.error_code is None for li in cart.line_items)
    got = await pc.carts.get(cust.id, cart.id)
    assert got.id == cart.id and got.line_items[0].quantity == 4
    edited = got.to_wire()
    edited["lineItems"][0]["quantity"] = 6
    updated = await pc.carts.update(cust.id, cart.id, edited)
    assert updated.line_items[0].quantity == 6 and updated.status is CartStatus.ACTIVE
    result = await pc.carts.checkout(cust.id, cart.id)
    assert result.order_errors == [] and len(result.orders) == 2
    assert all(o.status is OrderStatus.COMPLETED for o in result.orders)
    assert (await pc.carts.get(cust.id, cart.id)).status is CartStatus.ORDERED
    teams = next(o for o in result.orders if o.line_items[0].offer_id == TEAMS_ESSENTIALS)
    software = next(o for o in result.orders if o.id != teams.id)
    new_subs = [s for s in await pc.subscriptions.list(cust.id).to_list() if s.id not in before]
    assert [s.id for s in new_subs] == [teams.line_items[0].subscription_id]
    assert new_subs[0].quantity == 6 and new_subs[0].friendly_name == "Teams NW"
    assert new_subs[0].status is SubscriptionStatus.ACTIVE
    by_order = await pc.subscriptions.list_by_order(cust.id, teams.id).to_list()
    assert [s.id for s in by_order] == [new_subs[0].id]
    orders = await pc.orders.list(cust.id).to_list()
    assert {teams.id, software.id} <= {o.id for o in orders}
    one_time = await pc.orders.list(cust.id, billing_type="one_time").to_list()
    assert [o.id for o in one_time] == [software.id]
    assert (await pc.orders.get(cust.id, teams.id)).line_items[0].quantity == 6
    cancelled = await pc.orders.cancel(cust.id, software.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert (await pc.orders.get(cust.id, software.id)).status is OrderStatus.CANCELLED


async def test_dropped_checkout_is_retried_with_the_same_request_id_and_buys_once(pc, sandbox, wire, sleeper):
    cust = await customer_named(pc, "Litware Inc")
    orders_before = len(await pc.orders.list(cust.id).to_list())
    subs_before = len(await pc.subscriptions.list(cust.id).to_list())
    audits_before = _create_order_audits(sandbox, cust.id)
    cart = await pc.carts.create(cust.id, [_line(BUSINESS_BASIC, 3)])
    await set_faults(sandbox, dropNextMutations=1)
    wire.clear()
    approval_id = str(uuid.uuid4())
    result = await pc.carts.checkout(cust.id, cart.id, request_id=approval_id)
    assert fault_settings(sandbox).drop_next_mutations == 0  # the fault fired
    attempts = wire.to("POST", f"/carts/{cart.id}/checkout")
    assert [a.status for a in attempts] == [None, 201]  # first response dropped, second answered
    assert {a.sent_request_id for a in attempts} == {approval_id}
    assert attempts[1].echoed_request_id == approval_id and attempts[1].replayed
    assert len(sleeper.delays) == 1
    assert len(result.orders) == 1 and result.order_errors == []
    assert len(await pc.orders.list(cust.id).to_list()) == orders_before + 1
    assert len(await pc.subscriptions.list(cust.id).to_list()) == subs_before + 1
    assert _create_order_audits(sandbox, cust.id) == audits_before + 1
    # the order the caller got back is the one that was stored
    assert (await pc.orders.get(cust.id, result.orders[0].id)).id == result.orders[0].id


async def test_dropped_checkout_without_a_caller_request_id_still_buys_once(pc, sandbox, wire):
    cust = await customer_named(pc, "Wingtip Toys")
    orders_before = len(await pc.orders.list(cust.id).to_list())
    cart = await pc.carts.create(cust.id, [_line(BUSINESS_BASIC, 2)])
    await set_faults(sandbox, dropNextMutations=1)
    wire.clear()
    result = await pc.carts.checkout(cust.id, cart.id)
    attempts = wire.to("POST", "/checkout")
    assert len(attempts) == 2 and attempts[0].sent_request_id == attempts[1].sent_request_id
    assert len(result.orders) == 1
    assert len(await pc.orders.list(cust.id).to_list()) == orders_before + 1
