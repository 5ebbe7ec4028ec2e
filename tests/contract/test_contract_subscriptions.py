"""client.subscriptions against the sandbox: reads, and every PATCH convenience (full-resource body + If-Match)."""

from __future__ import annotations

import json

import pytest
from contract_helpers import advance_clock, customer_named, set_faults, state

from partner_center import errors
from partner_center.models import BillingCycle, SubscriptionStatus


async def _sub(pc, company: str, offer: str):
    cust = await customer_named(pc, company)
    subs = await pc.subscriptions.list(cust.id).to_list()
    return cust.id, next(s for s in subs if s.offer_name == offer and s.parent_subscription_id is None)


async def test_list_get_by_order_and_addons(pc):
    cid, base = await _sub(pc, "Contoso Ltd", "Microsoft 365 Business Premium")
    subs = await pc.subscriptions.list(cid).to_list()
    assert {s.offer_name for s in subs} >= {"Microsoft 365 Business Premium", "Microsoft Teams Essentials"}
    got = await pc.subscriptions.get(cid, base.id)
    assert got == base or got.id == base.id
    assert got.status is SubscriptionStatus.ACTIVE and isinstance(got.billing_cycle, BillingCycle)
    assert got.quantity == 20 and got.term_duration and got.commitment_end_date is not None
    assert got.catalog_item_parts is not None and got.etag
    by_order = await pc.subscriptions.list_by_order(cid, got.order_id).to_list()
    assert [s.id for s in by_order] == [base.id]
    addons = await pc.subscriptions.list_addons(cid, base.id).to_list()
    assert [a.parent_subscription_id for a in addons] == [base.id]
    assert "parentSubscription" in addons[0].links


async def test_provisioning_status_follows_a_seat_change(pc, sandbox):
    cid, sub = await _sub(pc, "Contoso Ltd", "Microsoft Teams Essentials")
    status = await pc.subscriptions.get_provisioning_status(cid, sub.id)
    assert status["status"] == "success" and status["quantity"] == sub.quantity
    await set_faults(sandbox, provisioningDelaySeconds=60)
    await pc.subscriptions.set_quantity(cid, sub.id, sub.quantity + 1)
    status = await pc.subscriptions.get_provisioning_status(cid, sub.id)
    assert status["status"] == "pending" and status["quantity"] == sub.quantity + 1
    await advance_clock(sandbox, 61)
    assert (await pc.subscriptions.get_provisioning_status(cid, sub.id))["status"] == "success"


async def test_quantity_patch_sends_the_full_resource_with_if_match(pc, wire):
    cid, sub = await _sub(pc, "Contoso Ltd", "Microsoft Teams Essentials")
    wire.clear()
    updated = await pc.subscriptions.set_quantity(cid, sub.id, 12)
    assert updated.quantity == 12 and updated.etag != sub.etag
    assert updated.refundable_quantity == 2
    get, patch = wire.log
    assert get.method == "GET" and patch.method == "PATCH"
    assert patch.sent_headers["if-match"] == f'"{sub.etag}"'
    assert (await pc.subscriptions.get(cid, sub.id)).quantity == 12
    # the decrease of the 2 seats just added is inside the 168-hour window; below that is not
    assert (await pc.subscriptions.set_quantity(cid, sub.id, 10)).quantity == 10
    with pytest.raises(errors.BadRequestError) as caught:
        await pc.subscriptions.set_quantity(cid, sub.id, 9)
    assert caught.value.code == 900214


async def test_suspend_reactivate_rename_auto_renew_and_cancel(pc):
    cid, sub = await _sub(pc, "Fabrikam Inc", "Exchange Online (Plan 1)")  # bought 4 days ago
    assert (await pc.subscriptions.suspend(cid, sub.id)).status is SubscriptionStatus.SUSPENDED
    assert (await pc.subscriptions.reactivate(cid, sub.id)).status is SubscriptionStatus.ACTIVE
    renamed = await pc.subscriptions.rename(cid, sub.id, "  Mailboxes HQ  ")
    assert renamed.friendly_name == "Mailboxes HQ"
    flipped = await pc.subscriptions.set_auto_renew(cid, sub.id, not sub.auto_renew_enabled)
    assert flipped.auto_renew_enabled is (not sub.auto_renew_enabled)
    cancelled = await pc.subscriptions.cancel(cid, sub.id)
    assert cancelled.status is SubscriptionStatus.DELETED and cancelled.auto_renew_enabled is False
    with pytest.raises(errors.BadRequestError) as caught:
        await pc.subscriptions.rename(cid, sub.id, "too late")
    assert caught.value.code == 2011


async def test_generic_update_with_snake_case_changes(pc, wire):
    cid, sub = await _sub(pc, "Wingtip Toys", "Microsoft 365 Business Standard")
    wire.clear()
    updated = await pc.subscriptions.update(cid, sub.id, {"friendly_name": "Office staff", "quantity": 9})
    assert updated.friendly_name == "Office staff" and updated.quantity == 9
    patch = wire.to("PATCH", sub.id)
    assert len(patch) == 1


async def test_unknown_enum_values_from_the_wire_do_not_break_models(pc, sandbox):
    """api.md §21: tolerate statuses the client does not know (e.g. a future value)."""
    cid, sub = await _sub(pc, "Litware Inc", "Microsoft Teams Premium")
    store = state(sandbox).store
    doc = store.get("subscription", sub.id, cid)
    doc["status"] = "transferring"
    doc["billingCycle"] = "quadrennial"
    store.put("subscription", sub.id, doc, cid, doc["offerName"])
    got = await pc.subscriptions.get(cid, sub.id)
    assert got.status == "transferring" and got.billing_cycle == "quadrennial"
    assert json.dumps(got.to_wire())  # still serialisable for a read-modify-write
