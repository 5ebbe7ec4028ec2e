"""Several bot instances on one Azure Blob Storage container (Azurite): conversation state, the audit log and
approvals are shared, so a load balancer may send any turn to any instance.

Each instance is a full `create_app` (own adapter, engine, Partner Center client, blob client and connector)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest

from bot.audit import StorageAuditLog
from bot.storage_blob import AzureBlobStorage, blob_storage
from tests.e2e.e2e_support import Bot, SandboxThread
from tests.support.azurite import Azurite, container_name


@pytest.fixture
def sandbox():
    sandbox = SandboxThread().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@asynccontextmanager
async def instances(azurite: Azurite, pc_url: str, count: int = 2, *,
                    roles_file: str = "") -> AsyncIterator[list[tuple[Bot, AzureBlobStorage]]]:
    """`count` bot apps on one fresh container, each with its own blob client and audit log over it."""
    name = container_name("bots")
    async with AsyncExitStack() as stack:
        running = []
        for _ in range(count):
            storage = blob_storage(azurite.connection_string, name)
            stack.push_async_callback(storage.aclose)
            bot = Bot(pc_url, storage=storage, roles_file=roles_file)
            bot.engine.audit = StorageAuditLog(storage)
            await bot.__aenter__()
            stack.push_async_callback(bot.__aexit__, None, None, None)
            running.append((bot, storage))
        yield running


async def test_a_dialog_started_on_instance_a_continues_on_instance_b(azurite, sandbox: SandboxThread):
    async with instances(azurite, sandbox.url) as [(a, _), (b, storage)]:
        asked = await a.say("suspend contoso's E3")
        assert asked.title == "Microsoft 365 E3" and asked.buttons == ["Confirm", "Cancel"]
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "active"

        # The confirmation typed to the other instance finds the pending dialog in the shared container.
        done = await b.say("yes")
        assert "Microsoft 365 E3 is now suspended." in done.screen, done.screen
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "suspended"
        assert a.app.connector.pending() == [], "instance A sent nothing for a turn it did not receive"

        # The conversation context moves too: "it" on instance A is the subscription B just suspended.
        again = await a.say("reactivate it")
        assert again.title == "Microsoft 365 E3"
        await a.click("Confirm")
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "active"

        # Both changes are in the one audit log, whichever instance made them, and either instance lists them.
        log = StorageAuditLog(storage)
        entries = (await log.query()).entries
        assert [e["operation"] for e in entries] == ["subscriptions.reactivate", "subscriptions.suspend"]
        listed = await b.submit({"pb": "run", "op": "audit.records", "params": {"customer": "Contoso Ltd"}})
        assert listed.screen.count("Contoso Ltd") >= 3


async def test_concurrent_turns_on_two_instances_keep_every_audit_entry(azurite, sandbox: SandboxThread):
    async with instances(azurite, sandbox.url) as [(a, storage), (b, _)]:
        a.app.conversation_id, b.app.conversation_id = "a:personal-one", "a:personal-two"
        await asyncio.gather(a.say("suspend contoso's E3"), b.say("suspend fabrikam's business premium"))
        await asyncio.gather(a.say("yes"), b.say("yes"))
        entries = (await StorageAuditLog(storage).query()).entries
        assert sorted(e["customer"]["name"] for e in entries) == ["Contoso Ltd", "Fabrikam Inc"]


# ----------------------------------------------------------------------------------------------- approvals

BUY = "buy 5 Business Premium for Northwind Traders, 1 year, billed monthly"


def _purchase_workflow_missing() -> str | None:
    from dialogs.registry import registry

    op = registry.get("orders.purchase")
    if op is None or not op.available:
        return "orders.purchase (the approval workflow) is not available in dialogs.registry.registry yet"
    return None


def _personal(user) -> str:
    return f"a:personal-{user.aad_object_id[:8]}"


async def test_the_same_approval_sent_to_two_instances_at_once_orders_once(azurite, tmp_path):
    reason = _purchase_workflow_missing()
    if reason:
        pytest.skip(reason)
    import json

    from bot import local_channel as lc
    from bot.config import Settings
    from bot.wiring import build_engine
    from dialogs.approval_state import Status
    from partner_center import PartnerCenterClient
    from partner_center.auth import StaticTokenProvider
    from sandbox.config import SandboxConfig
    from sandbox.server import start_sandbox
    from tests.support.botapp import AVERY, DANA, BotApp

    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps({"default": ["viewer"], "users": {DANA.aad_object_id: ["viewer", "purchaser"],
                                                                  AVERY.aad_object_id: ["viewer", "approver"]}}))
    settings = Settings(storage_kind="memory", roles_file=str(roles))
    sandbox = await start_sandbox(SandboxConfig(port=0, customers=40, seed=7))
    name = container_name("approve")
    async with AsyncExitStack() as stack:
        stack.push_async_callback(sandbox.stop)
        apps = []
        for _ in range(2):
            storage = blob_storage(azurite.connection_string, name)
            stack.push_async_callback(storage.aclose)
            client = PartnerCenterClient(sandbox.url, StaticTokenProvider("sandbox-dev-token"))
            stack.push_async_callback(client.close)
            engine = build_engine(settings, client=client, storage=storage)  # audit log in the shared container
            stack.push_async_callback(engine.purchases.close)
            apps.append(await stack.enter_async_context(BotApp(engine, settings=settings, storage=storage)))
        a, b = apps

        async def settle() -> None:
            for app in apps:
                await app.engine.purchases.drain()

        for user in (DANA, AVERY):  # both people talk to instance A first: their chats are known to both
            await a.install(user, conversation_id=_personal(user))
        cid = next(c.id for c in await a.engine.client.customers.search("Northwind Traders").to_list(5)
                   if c.company_name == "Northwind Traders")
        orders_before = len(await a.engine.client.orders.list(cid).to_list())

        await b.send_text(BUY, DANA, conversation_id=_personal(DANA))  # requested on B ...
        await settle()
        flow = next(act["data"]["flow"] for call in b.connector.pending()
                    for card in call.cards for act in card.get("actions", [])
                    if isinstance(act.get("data"), dict) and act["data"].get("pb") == "confirm")
        await a.submit({"pb": "confirm", "flow": flow}, DANA, conversation_id=_personal(DANA))  # ... confirmed on A
        await settle()
        [entry] = await b.engine.purchases.store.entries()
        record = await b.engine.purchases.store.load(entry.id)
        assert record.status == Status.PENDING and record.version == 1

        # The approver's click reaches both instances at the same moment (two deliveries, as after a retry).
        clicks = [lc.invoke_activity("approve", {"request_id": record.id, "version": 1},
                                     **app.envelope(AVERY, conversation_id=_personal(AVERY))) for app in apps]
        answers = await asyncio.gather(a.post(clicks[0]), b.post(clicks[1]))
        assert [status for status, _ in answers] == [200, 200], answers
        assert all(body["type"] == "application/vnd.microsoft.card.adaptive" for _, body in answers), answers
        await settle()

        record = await a.engine.purchases.store.load(record.id)
        assert record.status == Status.ORDERED and len(record.order_ids) == 1
        assert len(await a.engine.client.orders.list(cid).to_list()) == orders_before + 1, "exactly one order"
        # Both instances wrote to one audit log: one request, one approval, one order.
        entries = (await StorageAuditLog(a.storage).query(limit=50)).entries
        actions = sorted(e.get("action") for e in entries if (e.get("approval") or {}).get("id") == record.id)
        assert actions == ["approval.approved", "approval.ordered", "approval.requested"], actions
