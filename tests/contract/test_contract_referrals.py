"""client.referrals against the sandbox's Partner API host (api.md §14): OData paging and filters, get, create,
JSON Patch updates with eTags, the documented status transitions and their errors."""

from __future__ import annotations

import pytest

from partner_center.errors import BadRequestError, NotFoundError, PartnerCenterError
from partner_center.referrals import ReferralStatus, ReferralSubstatus, transition_allowed

NEW_REFERRAL = {
    "type": "Shared", "name": "Tailspin Copilot pilot",
    "customerProfile": {"name": "Tailspin Toys", "address": {"country": "US", "city": "Redmond"}},
    "consent": {"consentToToShareInfoWithOthers": True, "consentToContact": True},
    "details": {"dealValue": 25000, "currency": "USD", "notes": "Pilot for 50 users"},
}


async def test_list_follows_odata_next_links_on_the_partner_api_host(pc, wire):
    everything = await pc.referrals.list(top=100).to_list()
    assert len(everything) >= 10
    assert {r.status for r in everything} >= {ReferralStatus.NEW, ReferralStatus.ACTIVE, ReferralStatus.CLOSED}
    wire.clear()
    paged = await pc.referrals.list(top=3).to_list()
    assert [r.id for r in paged] == [r.id for r in everything]
    assert all(e.path == "/partnerapi/v1.0/engagements/referrals" for e in wire.log)
    assert len(wire.log) == (len(everything) + 2) // 3
    created = [r.created for r in everything]
    assert created == sorted(created, reverse=True)


async def test_filters_by_status_and_direction(pc):
    incoming_new = await pc.referrals.list(status="New", direction="Incoming").to_list()
    assert incoming_new and all(r.status is ReferralStatus.NEW and r.direction == "Incoming" for r in incoming_new)
    closed = await pc.referrals.list(status="Closed").to_list()
    assert {r.substatus for r in closed} == {ReferralSubstatus.WON, ReferralSubstatus.LOST,
                                             ReferralSubstatus.DECLINED, ReferralSubstatus.EXPIRED}


async def test_get_and_unknown_id(pc):
    first = (await pc.referrals.list(top=1).first_page()).items[0]
    again = await pc.referrals.get(first.id)
    assert again.name == first.name and again.deal_value == first.deal_value and again.etag
    with pytest.raises(NotFoundError):
        await pc.referrals.get("00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValueError):
        await pc.referrals.get(" ")


async def test_create_then_accept_then_win_with_etags(pc):
    created = await pc.referrals.create(NEW_REFERRAL)
    assert created.status is ReferralStatus.NEW and created.customer_name == "Tailspin Toys"
    assert created.deal_value == 25000 and created.currency == "USD"
    accepted = await pc.referrals.update(created.id, {"status": "Active", "substatus": "Accepted"},
                                         etag=created.etag)
    assert accepted.status is ReferralStatus.ACTIVE and accepted.etag != created.etag
    # The old eTag is stale now: a concurrent edit is refused, not overwritten.
    with pytest.raises(PartnerCenterError) as stale:
        await pc.referrals.update(created.id, {"status": "Closed", "substatus": "Lost"}, etag=created.etag)
    assert stale.value.status == 412
    assert (await pc.referrals.get(created.id)).status is ReferralStatus.ACTIVE
    won = await pc.referrals.update(created.id, {"status": "Closed", "substatus": "Won"}, etag=accepted.etag)
    assert won.substatus is ReferralSubstatus.WON


async def test_undocumented_transitions_and_bad_bodies_are_refused(pc):
    closed = (await pc.referrals.list(status="Closed").to_list())[0]
    with pytest.raises(BadRequestError):
        await pc.referrals.update(closed.id, {"status": "Active", "substatus": "Accepted"})
    assert (await pc.referrals.get(closed.id)).status is ReferralStatus.CLOSED
    with pytest.raises(BadRequestError):
        await pc.referrals.create({**NEW_REFERRAL, "type": "Whatever"})
    with pytest.raises(BadRequestError):
        await pc.referrals.create({**NEW_REFERRAL, "details": {"dealValue": -5, "currency": "USD"}})
    with pytest.raises(ValueError):
        await pc.referrals.update(closed.id, {})
    assert transition_allowed("New", "Active", "Accepted") and not transition_allowed("Closed", "New", "Pending")
