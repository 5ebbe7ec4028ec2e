"""Failures around the checkout, end to end: lost responses, Partner Center errors, a crash between approval and
checkout. Whatever happens and however often it is retried, one approval buys at most once."""

from __future__ import annotations

from dialogs.approval_state import Status
from dialogs.approvals import ApprovalService
from partner_center.retry import RetryPolicy
from tests.approvals.conftest import BLAKE, card_text, make_world, personal, texts
from tests.support.botapp import AVERY, DANA

BUY = "buy 5 Business Premium for Northwind Traders, 1 year, billed monthly"


async def test_lost_checkout_response_is_retried_by_the_client_with_the_same_request_id(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    await world.faults(dropAfterMutationRate=1.0)  # cart create and checkout both lose their responses
    await world.click(AVERY, "approve", record.id, 1)
    await world.calls()
    await world.faults(dropAfterMutationRate=0.0)
    record = await world.record(record.id)
    assert record.status == Status.ORDERED and len(record.order_ids) == 1
    assert len(await world.orders(cid)) == before + 1


async def test_lost_responses_without_client_retries_fail_then_manual_retries_buy_once(tmp_path):
    async for world in make_world(tmp_path, retry=RetryPolicy.no_retries()):
        cid = await world.customer_id("Northwind Traders")
        before = len(await world.orders(cid))
        record = await world.request(DANA, BUY)
        await world.faults(dropAfterMutationRate=1.0)
        await world.click(AVERY, "approve", record.id, 1)
        calls = await world.calls()
        record = await world.record(record.id)
        assert record.status == Status.FAILED and not record.failure.definitive  # outcome unknown
        assert record.cart_id is None  # the cart create's answer was lost too
        assert f"{record.id} was approved but the order failed" in texts(
            [c for c in calls if c.conversation_id == personal(DANA)])
        # Retry 1: the cart create is replayed (same MS-RequestId), its id stored, the checkout's answer lost.
        card = await world.click(BLAKE, "approve", record.id, record.version)
        assert "Retrying" in card_text(card)
        await world.calls()
        record = await world.record(record.id)
        assert record.status == Status.FAILED and record.cart_id and record.attempt == 1
        # Retry 2: the checkout is replayed: Partner Center returns the first result, no second order.
        await world.faults(dropAfterMutationRate=0.0)
        await world.click(AVERY, "approve", record.id, record.version)
        await world.calls()
        record = await world.record(record.id)
        assert record.status == Status.ORDERED and record.attempt == 1 and len(record.order_ids) == 1
        assert len(await world.orders(cid)) == before + 1
        assert [e.action for e in record.history] == ["approved", "failed", "retried", "failed", "retried",
                                                      "ordered"]


async def test_partner_center_failure_is_explained_and_a_retry_buys_once(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    await world.faults(rate5xx=1.0)
    await world.click(AVERY, "approve", record.id, 1)
    calls = await world.calls()
    await world.faults(rate5xx=0.0)
    record = await world.record(record.id)
    assert record.status == Status.FAILED and "temporarily unavailable" in record.failure.message
    # The shared cards show the failure; approvers get a retry button; requester and approver are told.
    last = {c.activity_id: c for c in calls if c.operation == "update"}  # each copy's final edit
    assert len(last) == 3 and all("The order failed" in card_text(c.cards[0]) for c in last.values())
    approver_copy = next(c.cards[0] for c in last.values() if c.conversation_id == personal(BLAKE))
    assert [(a["verb"], a["title"]) for a in approver_copy["actions"]] == [("approve", "Retry the order")]
    assert "order failed" in texts([c for c in calls if c.conversation_id == personal(DANA)])
    assert "You can retry it" in texts([c for c in calls if c.conversation_id == personal(AVERY)])
    # Only approvers (not the requester) may retry, and only with the current version.
    own = await world.click(DANA, "approve", record.id, record.version)
    assert "can't approve your own request" in card_text(own)
    stale = await world.click(AVERY, "approve", record.id, record.version - 1)
    assert "out of date" in card_text(stale)
    await world.click(AVERY, "approve", record.id, record.version)
    await world.calls()
    record = await world.record(record.id)
    assert record.status == Status.ORDERED and len(record.order_ids) == 1
    assert len(await world.orders(cid)) == before + 1
    again = await world.click(AVERY, "approve", record.id, record.version)
    assert "nothing was changed" in card_text(again)
    assert len(await world.orders(cid)) == before + 1


async def test_definitive_failure_retries_with_a_new_attempt(world):
    """Contoso Ltd has 4 subscriptions; the sandbox allows 5. The second purchase is refused (order errors),
    which is definitive, so after room is made the retry uses new request ids and a new cart."""
    cid = await world.customer_id("Contoso Ltd")
    first = await world.request(DANA, "buy 3 Teams Premium for Contoso Ltd, 1 year, billed monthly")
    await world.click(AVERY, "approve", first.id, 1)
    await world.calls()
    first = await world.record(first.id)
    assert first.status == Status.ORDERED
    calls = await world.say(DANA, "buy 2 Power BI Pro for Contoso Ltd, 1 year, billed monthly")
    assert "already has 5 subscriptions" in texts(calls)
    from tests.approvals.conftest import confirm_flow

    await world.submit(DANA, {"pb": "confirm", "flow": confirm_flow(calls)})
    second = [e for e in await world.service.store.entries() if e.id != first.id][0]
    await world.click(BLAKE, "approve", second.id, 1)
    await world.calls()
    second = await world.record(second.id)
    assert second.status == Status.FAILED and second.failure.definitive
    assert "sandbox limit" in second.failure.message.lower()
    orders_before_retry = len(await world.orders(cid))
    new_sub = next(li["subscriptionId"] for o in first.result["orders"] for li in o["lineItems"])
    await world.client.subscriptions.cancel(cid, new_sub)  # make room (new-commerce cancel window)
    await world.click(BLAKE, "approve", second.id, second.version)
    await world.calls()
    second = await world.record(second.id)
    assert second.status == Status.ORDERED and second.attempt == 2 and len(second.order_ids) == 1
    assert len(await world.orders(cid)) == orders_before_retry + 1


async def test_crash_between_approval_and_checkout_is_resumed_once(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    service = world.service

    async def crash(request_id: str) -> None:  # the process dies before the checkout
        return None

    service.fulfil = crash
    await world.click(AVERY, "approve", record.id, 1)
    await world.calls()
    assert (await world.record(record.id)).status == Status.APPROVED
    assert len(await world.orders(cid)) == before
    # "The next start": a new service on the same storage resumes what was left approved.
    restarted = ApprovalService(service.registry, world.client, service.roles, storage=world.bot.storage,
                                clock=world.clock)
    await restarted.resume()
    await restarted.drain()
    await restarted.resume()  # a second start has nothing left to do
    await restarted.drain()
    record = await world.record(record.id)
    assert record.status == Status.ORDERED and len(record.order_ids) == 1
    assert len(await world.orders(cid)) == before + 1


async def test_manual_retry_of_a_stuck_approval_resumes_with_the_same_ids(world):
    cid = await world.customer_id("Northwind Traders")
    before = len(await world.orders(cid))
    record = await world.request(DANA, BUY)
    service = world.service
    real_fulfil = service.fulfil

    async def crash(request_id: str) -> None:
        return None

    service.fulfil = crash
    await world.click(AVERY, "approve", record.id, 1)
    await world.calls()
    world.clock.advance(minutes=10)
    stuck = await world.click(AVERY, "refresh", record.id, 2)
    assert [a["title"] for a in stuck["actions"]] == ["Retry the order"]  # offered once the order seems stuck
    service.fulfil = real_fulfil
    await world.click(BLAKE, "approve", record.id, 2)
    await world.calls()
    record = await world.record(record.id)
    assert record.status == Status.ORDERED and record.attempt == 1
    assert len(await world.orders(cid)) == before + 1


async def test_stale_version_is_refused_with_the_current_card(world):
    record = await world.request(DANA, BUY)
    card = await world.click(AVERY, "approve", record.id, 7)
    assert "out of date" in card_text(card) and (await world.record(record.id)).status == Status.PENDING
    assert {a["data"]["version"] for a in card["actions"]} == {1}
