"""audit.records over HTTP: the real bot (engine, recognizer, Partner Center client) against a sandbox, with the
audit log in bot storage. A confirmed change appears in the bot's section and in Partner Center's records,
filters narrow both, "Show more" pages both, and a Partner Center failure still shows the bot's entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botbuilder.core import MemoryStorage

from bot.audit import StorageAuditLog
from dialogs.registry import registry
from tests.e2e.e2e_support import DANA, Bot, SandboxThread


@pytest.fixture
def sandbox():
    sandbox = SandboxThread().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


RUN = {"pb": "run", "op": "audit.records", "params": {}}


def sections(seen) -> tuple[str, str]:
    """The card's text split at the Partner Center heading: (bot section, Partner Center section)."""
    screen = seen.screen
    assert "Changes made through PartnerBot" in screen and "Partner Center activity records" in screen, screen
    head, pc = screen.split("Partner Center activity records", 1)
    return head.split("Changes made through PartnerBot", 1)[1], pc


async def bot_with_log(sandbox: SandboxThread, storage=None) -> tuple[Bot, StorageAuditLog]:
    bot = Bot(sandbox.url)
    log = StorageAuditLog(storage or MemoryStorage())
    bot.engine.audit = log
    await bot.__aenter__()
    return bot, log


def test_audit_records_is_a_read_operation_with_the_contract_slots():
    op = registry["audit.records"]
    assert op.available and op.kind.value == "read" and op.role.value == "viewer"
    assert {"customer", "period", "user"} <= {p.name for p in op.params}
    assert not any(p.required for p in op.params)


async def test_a_change_shows_in_both_sections(sandbox: SandboxThread):
    bot, log = await bot_with_log(sandbox)
    try:
        before = await sandbox.subscription("Contoso Ltd", "Microsoft 365 Business Premium")
        await bot.say("add 3 seats to contoso's business premium")
        await bot.click("Confirm")
        [stored] = (await log.query()).entries
        assert stored["operation"] == "subscriptions.change_quantity" and stored["outcome"] == "succeeded"
        assert stored["user"]["id"] == DANA.aad_object_id and stored["customer"]["name"] == "Contoso Ltd"
        assert stored["at"].endswith("Z") and stored["request_id"]

        seen = await bot.say("show the activity log for Contoso")
        assert seen.title == "Activity log · Contoso Ltd"
        mine, theirs = sections(seen)
        assert "Contoso Ltd" in mine and "Succeeded" in mine
        assert f"{before['quantity']} → {before['quantity'] + 3}" in mine.replace(",", "")
        assert "Update subscription" in theirs and "Contoso Ltd" in theirs
        assert "Show more" not in seen.buttons

        # Another customer's log shows neither entry.
        other = await bot.submit({**RUN, "params": {"customer": "Fabrikam Inc"}})
        mine, theirs = sections(other)
        assert "No changes were made through PartnerBot in this period." in mine
        assert "Contoso" not in theirs
    finally:
        await bot.__aexit__(None, None, None)


async def test_user_filter_and_unknown_period(sandbox: SandboxThread):
    bot, log = await bot_with_log(sandbox)
    try:
        await log.append({"operation": "subscriptions.suspend", "kind": "change", "outcome": "succeeded",
                          "user": {"id": "aad-bob", "name": "Bob Ross", "upn": "bob@partner.example"},
                          "parameters": {"customer": {"id": "x", "name": "Northwind"}}})
        await log.append({"operation": "subscriptions.activate", "kind": "change", "outcome": "failed",
                          "user": {"id": "aad-eve", "name": "Eve", "upn": "eve@partner.example"},
                          "error": {"code": 800002, "correlation_id": "corr-9"}})
        seen = await bot.submit({"pb": "run", "op": "audit.records", "params": {"user": "bob@partner.example",
                                                                              "period": "sometime soon"}})
        mine, _ = sections(seen)
        assert "Bob Ross" in mine and "Eve" not in mine
        assert "User: bob@partner.example" in seen.screen
        assert 'I did not understand the period "sometime soon"' in seen.screen

        everyone = await bot.submit(RUN)
        mine, _ = sections(everyone)
        assert "correlation id corr-9" in mine and mine.index("Eve") < mine.index("Bob Ross"), "newest first"
    finally:
        await bot.__aexit__(None, None, None)


async def test_show_more_pages_both_sections_with_a_fixed_end(sandbox: SandboxThread):
    bot, log = await bot_with_log(sandbox)
    try:
        for i in range(11):
            await log.append({"operation": "subscriptions.update_nickname", "kind": "change",
                              "outcome": "succeeded", "user": {"id": "u", "name": f"Agent {i:02d}"}})
        first = await bot.submit(RUN)
        mine, _ = sections(first)
        assert "Agent 10" in mine and "Agent 03" in mine and "Agent 02" not in mine
        assert "Show more" in first.buttons
        more = bot.button("Show more")
        assert more["params"]["until"].endswith("Z")
        # An entry written after the first page does not shift the next one.
        await log.append({"operation": "subscriptions.update_nickname", "kind": "change", "outcome": "succeeded",
                          "user": {"id": "u", "name": "Agent late"}})
        second = await bot.click("Show more")
        mine, _ = sections(second)
        assert "Agent 02" in mine and "Agent 00" in mine and "Agent 03" not in mine and "late" not in mine
    finally:
        await bot.__aexit__(None, None, None)


async def test_partner_center_failure_still_shows_the_bots_entries(sandbox: SandboxThread):
    bot, log = await bot_with_log(sandbox)
    try:
        await log.append({"operation": "subscriptions.suspend", "kind": "change", "outcome": "succeeded",
                          "user": {"id": "u", "name": "Agent Smith"}})
        sandbox.stop()
        seen = await bot.submit(RUN)
        mine, theirs = sections(seen)
        assert "Agent Smith" in mine
        assert "could not be loaded" in theirs
    finally:
        await bot.__aexit__(None, None, None)


async def test_partner_center_records_are_limited_to_the_window(sandbox: SandboxThread):
    from dialogs.ops.audit import window_for

    until = datetime(2026, 3, 15, 12, tzinfo=UTC)
    start, end, understood = window_for("March 2026", until)
    assert (start, end, understood) == (datetime(2026, 3, 1, tzinfo=UTC), until, True)
    start, end, understood = window_for(None, until)
    assert end - start == timedelta(days=30) and understood
    assert window_for("next blue moon", until)[2] is False
