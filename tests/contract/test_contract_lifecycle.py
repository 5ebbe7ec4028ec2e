"""New-commerce lifecycle (api.md §23) through the client against the sandbox on its own clock: the 168-hour window
at 1 h / 167 h / 169 h after purchase and after renewal, changes scheduled for renewal (set, validate, drop, wiped by a
mid-term change, applied at renewal), auto-renew off -> expired, and the transition eligibilities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from contract_helpers import advance_clock, customer_named, state

from partner_center import errors
from partner_center.models import BillingCycle, SubscriptionStatus
from sandbox import catalog_data as cat

E3 = next(i for i in cat.ITEMS if i.title == "Microsoft 365 E3" and not i.is_legacy)
E5 = next(i for i in cat.ITEMS if i.title == "Microsoft 365 E5" and not i.is_legacy)
HOUR = 3600


async def _buy(pc, company: str = "Northwind Traders", quantity: int = 10, term: str = "P1M"):
    cust = await customer_named(pc, company)
    cart = await pc.carts.create(cust.id, [{"catalog_item_id": E3.catalog_item_id, "quantity": quantity,
                                            "billing_cycle": "monthly", "term_duration": term}])
    result = await pc.carts.checkout(cust.id, cart.id)
    sid = result.orders[0].line_items[0].subscription_id
    return cust.id, await pc.subscriptions.get(cust.id, sid)


@pytest.mark.parametrize("hours, open_", [(1, True), (167, True), (169, False)])
async def test_window_after_purchase(pc, sandbox, hours, open_):
    cid, sub = await _buy(pc)
    await advance_clock(sandbox, hours * HOUR)
    now = state(sandbox).now()
    got = await pc.subscriptions.get(cid, sub.id)
    assert (got.cancellation_allowed_until_date >= now) is open_
    assert got.refundable_quantity == (10 if open_ else 0)
    if open_:
        assert [d.quantity for d in got.refundable_details] == [10]
        reduced = await pc.subscriptions.set_quantity(cid, sub.id, 7)
        assert reduced.quantity == 7 and reduced.refundable_quantity == 7
        cancelled = await pc.subscriptions.cancel(cid, sub.id)
        assert cancelled.status is SubscriptionStatus.DELETED
        return
    with pytest.raises(errors.BadRequestError) as reduce:
        await pc.subscriptions.set_quantity(cid, sub.id, 7)
    assert (reduce.value.status, reduce.value.code) == (400, 900214)
    assert "168-hour window for reducing seats" in reduce.value.description
    with pytest.raises(errors.BadRequestError) as cancel:
        await pc.subscriptions.cancel(cid, sub.id)
    assert (cancel.value.status, cancel.value.code) == (400, 900213)
    assert "168-hour cancellation window" in cancel.value.description
    # Seats added mid-term have their own 168 hours; only those can be removed.
    await pc.subscriptions.set_quantity(cid, sub.id, 12)
    assert (await pc.subscriptions.set_quantity(cid, sub.id, 11)).quantity == 11
    with pytest.raises(errors.BadRequestError):
        await pc.subscriptions.set_quantity(cid, sub.id, 9)
    assert (await pc.subscriptions.get(cid, sub.id)).quantity == 11


async def _to_renewal(pc, sandbox, cid, sid, extra_hours: float) -> None:
    sub = await pc.subscriptions.get(cid, sid)
    renews = sub.commitment_end_date.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    wait = (renews - state(sandbox).now()).total_seconds() + extra_hours * HOUR
    await advance_clock(sandbox, wait)


@pytest.mark.parametrize("hours, open_", [(1, True), (167, True), (169, False)])
async def test_window_reopens_at_renewal(pc, sandbox, hours, open_):
    cid, sub = await _buy(pc)
    first_end = sub.commitment_end_date
    await _to_renewal(pc, sandbox, cid, sub.id, hours)
    renewed = await pc.subscriptions.get(cid, sub.id)
    assert renewed.status is SubscriptionStatus.ACTIVE and renewed.commitment_end_date > first_end
    assert renewed.etag != sub.etag  # an If-Match from before the renewal no longer matches
    assert renewed.refundable_quantity == (10 if open_ else 0)
    if open_:
        assert (await pc.subscriptions.set_quantity(cid, sub.id, 4)).quantity == 4
    else:
        with pytest.raises(errors.BadRequestError) as caught:
            await pc.subscriptions.cancel(cid, sub.id)
        assert caught.value.code == 900213


async def test_schedule_change_applies_at_renewal_and_end_dates_roll_forward(pc, sandbox):
    cid, sub = await _buy(pc, term="P1Y")
    await advance_clock(sandbox, 200 * HOUR)  # outside the window
    scheduled = await pc.subscriptions.schedule_change(cid, sub.id, quantity=6, billing_cycle="annual")
    plan = scheduled.scheduled_next_term_instructions
    assert plan is not None and plan.quantity == 6 and plan.billing_cycle is BillingCycle.ANNUAL
    assert plan.product_id == E3.product_id and plan.term_duration == "P1Y"
    assert scheduled.quantity == 10 and scheduled.auto_renew_enabled is True
    end = scheduled.commitment_end_date
    await _to_renewal(pc, sandbox, cid, sub.id, 2)
    renewed = await pc.subscriptions.get(cid, sub.id)
    assert renewed.quantity == 6 and renewed.billing_cycle is BillingCycle.ANNUAL
    assert renewed.scheduled_next_term_instructions is None
    assert renewed.commitment_end_date.date() == end.date().replace(year=end.year + 1)
    assert renewed.refundable_quantity == 6  # the window reopened for the renewed seats
    # A year later, auto-renew off: the term ends and the subscription expires.
    await pc.subscriptions.set_auto_renew(cid, sub.id, False)
    await _to_renewal(pc, sandbox, cid, sub.id, 1)
    expired = await pc.subscriptions.get(cid, sub.id)
    assert expired.status is SubscriptionStatus.EXPIRED
    with pytest.raises(errors.BadRequestError) as caught:
        await pc.subscriptions.set_quantity(cid, sub.id, 3)
    assert caught.value.code == 900277


async def test_upgrade_at_renewal_and_eligibilities(pc, sandbox):
    cid, sub = await _buy(pc, term="P1Y")
    targets = await pc.subscriptions.transition_eligibilities(cid, sub.id, "scheduled").to_list()
    ids = [t.catalog_item_id for t in targets]
    assert ids[0] == E3.catalog_item_id and E5.catalog_item_id in ids and all(t.is_eligible for t in targets)
    assert ("P1Y", "annual") in targets[0].terms
    immediate = await pc.subscriptions.transition_eligibilities(cid, sub.id, "immediate").to_list()
    assert E3.catalog_item_id not in [t.catalog_item_id for t in immediate]
    await pc.subscriptions.schedule_change(cid, sub.id, catalog_item_id=E5.catalog_item_id, quantity=8)
    await _to_renewal(pc, sandbox, cid, sub.id, 1)
    renewed = await pc.subscriptions.get(cid, sub.id)
    assert renewed.offer_id == E5.catalog_item_id and renewed.offer_name == "Microsoft 365 E5"
    assert renewed.quantity == 8
    with pytest.raises(ValueError):
        pc.subscriptions.transition_eligibilities(cid, sub.id, "someday")


async def test_cancel_scheduled_change_and_mid_term_change_wipes_it(pc):
    cid, sub = await _buy(pc, term="P1Y")
    await pc.subscriptions.schedule_change(cid, sub.id, quantity=5)
    dropped = await pc.subscriptions.cancel_scheduled_change(cid, sub.id)
    assert dropped.scheduled_next_term_instructions is None and dropped.quantity == 10
    await pc.subscriptions.schedule_change(cid, sub.id, quantity=5)
    raised = await pc.subscriptions.set_quantity(cid, sub.id, 12)  # any mid-term change drops it (§23.4)
    assert raised.scheduled_next_term_instructions is None
    await pc.subscriptions.schedule_change(cid, sub.id, quantity=5)
    off = await pc.subscriptions.set_auto_renew(cid, sub.id, False)  # §23.7 rule 7
    assert off.scheduled_next_term_instructions is None


@pytest.mark.parametrize("kwargs, code", [
    ({"quantity": 26}, 800018),
    ({"term_duration": "P3M"}, 800002),
    ({"catalog_item_id": "NOPE00000000:0001:NOPE00000000"}, 800004),
    ({"custom_term_end_date": "2020-01-31"}, 900245),
])
async def test_schedule_change_rejections_change_nothing(pc, kwargs, code):
    cid, sub = await _buy(pc, term="P1Y")
    with pytest.raises(errors.BadRequestError) as caught:
        await pc.subscriptions.schedule_change(cid, sub.id, **kwargs)
    assert caught.value.code == code
    after = await pc.subscriptions.get(cid, sub.id)
    assert after.scheduled_next_term_instructions is None and after.etag == sub.etag


async def test_schedule_change_needs_auto_renew_and_new_commerce(pc):
    cid, sub = await _buy(pc, term="P1Y")
    await pc.subscriptions.set_auto_renew(cid, sub.id, False)
    # The client sends autoRenewEnabled: true with the instructions (as documented), which turns it back on.
    scheduled = await pc.subscriptions.schedule_change(cid, sub.id, quantity=4)
    assert scheduled.auto_renew_enabled and scheduled.scheduled_next_term_instructions.quantity == 4
    cust = await customer_named(pc, "Adventure Works Cycles")
    legacy = next(s for s in await pc.subscriptions.list(cust.id).to_list() if s.catalog_item_parts is None
                  and s.offer_name == "Exchange Online (Plan 1)")
    with pytest.raises(ValueError):
        await pc.subscriptions.schedule_change(cust.id, legacy.id, quantity=4)


async def test_list_by_partner_filters_by_mpn_id(pc, sandbox):
    cid, sub = await _buy(pc, term="P1Y")
    store = state(sandbox).store
    doc = store.get("subscription", sub.id, cid)
    doc["partnerId"] = "4847383"  # sold through an indirect reseller
    store.put("subscription", sub.id, doc, cid, doc["offerName"])
    assert [s.id for s in await pc.subscriptions.list_by_partner(cid, "4847383").to_list()] == [sub.id]
    assert await pc.subscriptions.list_by_partner(cid, "1111111").to_list() == []
    with pytest.raises(ValueError):
        pc.subscriptions.list_by_partner(cid, " ")


async def test_support_contact_is_the_partner_by_default(pc, sandbox):
    cid, sub = await _buy(pc, term="P1Y")
    contact = await pc.subscriptions.get_support_contact(cid, sub.id)
    assert contact["supportTenantId"] == state(sandbox).config.partner_tenant_id
    assert contact["supportMpnId"] == state(sandbox).config.partner_mpn_id and contact["name"]
    assert contact["attributes"]["objectType"] == "SupportContact"
    with pytest.raises(errors.NotFoundError):
        await pc.subscriptions.get_support_contact(cid, "00000000-0000-0000-0000-000000000000")
