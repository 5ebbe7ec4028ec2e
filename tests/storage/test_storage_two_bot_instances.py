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
        listed = await b.say("audit log for contoso")
        assert listed.screen.count("Contoso Ltd") >= 3


async def test_concurrent_turns_on_two_instances_keep_every_audit_entry(azurite, sandbox: SandboxThread):
    async with instances(azurite, sandbox.url) as [(a, storage), (b, _)]:
        a.app.conversation_id, b.app.conversation_id = "a:personal-one", "a:personal-two"
        await asyncio.gather(a.say("suspend contoso's E3"), b.say("suspend fabrikam's business premium"))
        await asyncio.gather(a.say("yes"), b.say("yes"))
        entries = (await StorageAuditLog(storage).query()).entries
        assert sorted(e["customer"]["name"] for e in entries) == ["Contoso Ltd", "Fabrikam Inc"]
