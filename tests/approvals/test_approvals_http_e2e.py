"""Purchases with four-eyes approval, end to end: activities POSTed to /api/messages of the real bot app, the
real sandbox behind the Partner Center client, replies captured by the local connector."""

from __future__ import annotations

import asyncio

from dialogs.approval_state import Status
from tests.approvals.conftest import BLAKE, VIC, card_text, make_world, personal, texts
from tests.support.botapp import AVERY, DANA

BUY = "buy 5 Business Premium for Northwind Traders, 1 year, billed monthly"


async def test_approve_buys_exactly_one_order_and_tells_everyone(world):
    cid = await world.customer_id("Northwind Traders")
    orders_before = await world.orders(cid)
    subs_before = {s["id"] for s in await world.subscriptions(cid)}
    record = await world.request(DANA, BUY)
    assert record.status == Status.PENDING and record.requester.id == DANA.aad_object_id
    assert record.line["quantity"] == 5 and record.line["termDuration"] == "P1Y"
    assert record.line["billingCycle"] == "monthly" and record.price == {"unit": 22.0, "total": 110.0,
                                                                         "currency": "USD"}
    assert {p.id for p in record.approvers} == {AVERY.aad_object_id, BLAKE.aad_object_id}
    # The requester's card and one card per approver were posted (and remembered for later edits).
    assert {(c.conversation_id, c.view) for c in record.cards} == {
        (personal(DANA), "requester"), (personal(AVERY), "approver"), (personal(BLAKE), "approver")}
    assert await world.orders(cid) == orders_before  # nothing bought before the approval

    card = await world.click(AVERY, "approve", record.id, 1)
    assert "Approved" in card_text(card)
    calls = await world.calls()
    record = await world.record(record.id)
    assert record.status == Status.ORDERED and len(record.order_ids) == 1
    orders_after = await world.orders(cid)
    assert len(orders_after) == len(orders_before) + 1
    new_subs = [s for s in await world.subscriptions(cid) if s["id"] not in subs_before]
    assert len(new_subs) == 1 and new_subs[0]["quantity"] == 5
    assert new_subs[0]["offerName"] == "Microsoft 365 Business Premium"
    # Every posted copy was edited to the final state, and the requester heard about approval and the order.
    updated = {(c.conversation_id, c.activity_id) for c in calls if c.operation == "update"}
    assert updated == {(c.conversation_id, c.activity_id) for c in record.cards}
    to_dana = texts([c for c in calls if c.conversation_id == personal(DANA) and c.operation == "send"])
    assert f"approved request {record.id}" in to_dana and record.order_ids[0] in to_dana
    assert new_subs[0]["id"] in to_dana  # the order card lists the new subscription


async def test_durable_sqlite_storage_approve_buys_once(tmp_path):
    from bot.storage_sqlite import SqliteStorage

    storage = SqliteStorage(tmp_path / "state.db")
    try:
        async for world in make_world(tmp_path, storage=storage):
            cid = await world.customer_id("Northwind Traders")
            before = len(await world.orders(cid))
            record = await world.request(DANA, BUY)
            await asyncio.gather(world.click(AVERY, "approve", record.id, 1),
                                 world.click(BLAKE, "approve", record.id, 1))
            await world.calls()
            record = await world.record(record.id)
            assert record.status == Status.ORDERED and len(await world.orders(cid)) == before + 1
    finally:
        storage.close()


async def test_reject_needs_a_reason_and_buys_nothing(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    form = await world.click(AVERY, "reject", record.id, 1)
    assert any(e.get("type") == "Input.Text" and e.get("id") == "reason" for e in form["body"])
    assert (await world.record(record.id)).status == Status.PENDING
    card = await world.click(AVERY, "reject", record.id, 1, reason="Over this month's budget")
    assert "Rejected" in card_text(card)
    calls = await world.calls()
    record = await world.record(record.id)
    assert record.status == Status.REJECTED and record.reason == "Over this month's budget"
    assert "Over this month's budget" in texts([c for c in calls if c.conversation_id == personal(DANA)])
    late = await world.click(BLAKE, "approve", record.id, 1)
    assert "already rejected" in card_text(late)
    await world.calls()
    assert len(await world.orders(cid)) == before and (await world.record(record.id)).status == Status.REJECTED


async def test_withdraw_by_requester_only_and_buys_nothing(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    refused = await world.click(AVERY, "withdraw", record.id, 1)
    assert "Only Dana (demo)" in card_text(refused)
    card = await world.click(DANA, "withdraw", record.id, 1)
    assert "withdrawn" in card_text(card).lower()
    late = await world.click(AVERY, "approve", record.id, 1)
    assert "already withdrawn" in card_text(late)
    await world.calls()
    assert (await world.record(record.id)).status == Status.WITHDRAWN
    assert len(await world.orders(cid)) == before


async def test_double_click_replay_and_two_approvers_at_once_make_one_order(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    cards = await asyncio.gather(world.click(AVERY, "approve", record.id, 1),
                                 world.click(AVERY, "approve", record.id, 1),
                                 world.click(BLAKE, "approve", record.id, 1),
                                 world.click(BLAKE, "approve", record.id, 1))
    assert all("Approve" not in [a.get("title") for a in c["actions"]] for c in cards)
    await world.calls()
    # Teams retries an invoke it thinks failed: replay the first click once more after everything settled.
    replay = await world.click(AVERY, "approve", record.id, 1)
    await world.calls()
    record = await world.record(record.id)
    assert record.status == Status.ORDERED and len(record.order_ids) == 1
    assert [e.action for e in record.history] == ["approved", "ordered"]
    assert len(await world.orders(cid)) == before + 1
    assert record.order_ids[0] in card_text(replay)


async def test_requester_cannot_approve_own_request_even_holding_every_role(tmp_path):
    async for world in make_world(tmp_path, roles=None):  # no roles file: everyone holds every role
        cid = await world.customer_id("Northwind Traders")
        before = len(await world.orders(cid))
        record = await world.request(DANA, BUY)
        assert DANA.aad_object_id not in {p.id for p in record.approvers}
        card = await world.click(DANA, "approve", record.id, 1)
        assert "can't approve your own request" in card_text(card)
        await world.calls()
        assert (await world.record(record.id)).status == Status.PENDING
        assert len(await world.orders(cid)) == before
        await world.click(AVERY, "approve", record.id, 1)  # someone else may
        await world.calls()
        assert (await world.record(record.id)).status == Status.ORDERED


async def test_viewer_cannot_request_and_non_approver_cannot_approve(world):
    calls = await world.say(VIC, BUY)
    assert "purchaser role" in texts(calls) and not await world.service.store.entries()
    record = await world.request(DANA, BUY)
    card = await world.click(VIC, "approve", record.id, 1)
    assert "approver role" in card_text(card)
    assert not [a for a in card["actions"] if a.get("verb") == "approve"]  # read-only view
    await world.calls()
    assert (await world.record(record.id)).status == Status.PENDING


async def test_expired_request_cannot_be_approved(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    world.clock.advance(hours=72, seconds=1)
    card = await world.click(AVERY, "approve", record.id, 1)
    assert "expired" in card_text(card)
    calls = await world.calls()
    assert (await world.record(record.id)).status == Status.EXPIRED
    assert f"{record.id} expired" in texts([c for c in calls if c.conversation_id == personal(DANA)])
    assert len(await world.orders(cid)) == before


async def test_refresh_never_changes_anything_and_shows_each_viewer_their_view(world):
    record = await world.request(DANA, BUY)
    approver = await world.click(AVERY, "refresh", record.id, 1, trigger="automatic")
    requester = await world.click(DANA, "refresh", record.id, 1, trigger="automatic")
    viewer = await world.click(VIC, "refresh", record.id, 1)
    assert {a["verb"] for a in approver["actions"]} == {"approve", "reject"}
    assert {a["verb"] for a in requester["actions"]} == {"withdraw"}
    assert viewer["actions"] == []
    # An automatic refresh is only ever a read, whatever verb it carries.
    await world.click(AVERY, "approve", record.id, 1, trigger="automatic")
    await world.calls()
    assert (await world.record(record.id)).status == Status.PENDING and (await world.record(record.id)).version == 1
