"""A crash at every step of an approval: the process "dies" at a named fault point (dialogs/approval_store.py
FAULT_POINTS: between a record and its index entry, before the checkout, after the cart is stored, after Partner
Center answered the order), then a new service starts on the same storage. With no user action, its sweep
repairs the index and finishes every approved request — `ordered` (or `failed`) within 60 s — and no order is
ever placed twice."""

from __future__ import annotations

import asyncio
import time

import pytest

from dialogs.approval_state import Status
from dialogs.approval_store import FAULT_POINTS, ORPHAN_GRACE, new_request_id, record_key
from dialogs.approvals import ApprovalService
from dialogs.turn import Turn, User
from tests.approvals.conftest import make_world, personal
from tests.support.botapp import AVERY, DANA

BUY = "buy 5 Business Premium for Northwind Traders, 1 year, billed monthly"


class Killed(BaseException):
    """The process died here: nothing after this point runs (not an Exception, so no handler catches it)."""


def kill_at(point: str, hit: int):
    seen = {"n": 0}

    def fault(name: str) -> None:
        if name == point:
            seen["n"] += 1
            if seen["n"] == hit:
                raise Killed(point)

    return fault


async def _until_final(service: ApprovalService, request_id: str, within: float = 60.0) -> Status:
    started = time.monotonic()
    while time.monotonic() - started < within:
        record = await service.store.load(request_id)
        entry = {e.id: e for e in await service.store.entries()}.get(request_id)
        if (record is not None and record.status in (Status.ORDERED, Status.FAILED) and entry is not None
                and entry.status == record.status.value):  # ... and the index says so too
            return record.status
        await asyncio.sleep(0.05)
    raise AssertionError(f"{request_id} is still {record.status if record else None} after {within} s")


CASES = [("change.recorded", 1),  # the approval stored, its index entry not (still "pending" there)
         ("fulfil.started", 1),  # approved, nothing sent to Partner Center yet
         ("fulfil.cart_stored", 1),  # the cart exists and is stored on the record, not checked out
         ("fulfil.ordered", 1),  # Partner Center placed the order; the record does not know yet
         ("change.recorded", 2)]  # "ordered" stored, its index entry still "approved"


def test_every_fault_point_is_covered():
    assert {p for p, _ in CASES} | {"create.indexed"} == set(FAULT_POINTS)


@pytest.mark.parametrize(("point", "hit"), CASES)
async def test_kill_at_each_step_then_restart_orders_exactly_once(tmp_path, point: str, hit: int):
    async for world in make_world(tmp_path):
        cid = await world.customer_id("Northwind Traders")
        before = len(await world.orders(cid))
        record = await world.request(DANA, BUY)
        old = world.service
        old.store.fault_point = kill_at(point, hit)
        approve = Turn(user=User(AVERY.aad_object_id, AVERY.name, AVERY.aad_object_id),
                       conversation_id=personal(AVERY), verb="approve", trigger="manual",
                       value={"request_id": record.id, "version": 1})
        try:
            await old.on_invoke(approve, {})
            await old.drain()
        except Killed:
            pass
        await old.close()  # the old process is gone: none of its background work goes on
        old.store.fault_point = None
        stored = await world.record(record.id)
        assert stored.status in (Status.APPROVED, Status.ORDERED), stored.status

        restarted = ApprovalService(old.registry, world.client, old.roles, storage=world.bot.storage,
                                    clock=world.clock)
        restarted.start_sweeper(interval=0.2)  # what the app's startup hook does (default every 15 s)
        try:
            status = await _until_final(restarted, record.id)
            await restarted.drain()
        finally:
            await restarted.close()
        orders = await world.orders(cid)
        assert status == Status.ORDERED
        assert len(orders) == before + 1, "exactly one order"
        final = await world.record(record.id)
        assert len(final.order_ids) == 1
        entry = {e.id: e for e in await restarted.store.entries()}[record.id]
        assert entry.status == "ordered" and entry.version == final.version, "the index was repaired"


async def test_kill_between_index_entry_and_record_leaves_nothing_behind(tmp_path):
    async for world in make_world(tmp_path):
        service = world.service
        cid = await world.customer_id("Northwind Traders")
        template = await world.request(DANA, BUY)
        before = len(await world.orders(cid))
        ids_before = {e.id for e in await service.store.entries()}
        service.store.fault_point = kill_at("create.indexed", 1)
        template.id = new_request_id()
        with pytest.raises(Killed):  # a second request: the process dies after its index entry
            await service.store.create(template)
        service.store.fault_point = None
        orphan = [e for e in await service.store.entries() if e.id not in ids_before]
        assert len(orphan) == 1
        assert (await world.bot.storage.read([record_key(orphan[0].id)])) == {}
        restarted = ApprovalService(service.registry, world.client, service.roles, storage=world.bot.storage,
                                    clock=world.clock)
        await restarted.resume()
        assert orphan[0].id in {e.id for e in await restarted.store.entries()}, "kept during the grace period"
        world.clock.advance(seconds=ORPHAN_GRACE.total_seconds() + 1)
        await restarted.resume()
        await restarted.drain()
        assert orphan[0].id not in {e.id for e in await restarted.store.entries()}
        assert len(await world.orders(cid)) == before
