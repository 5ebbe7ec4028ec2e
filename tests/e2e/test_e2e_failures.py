"""HTTP end-to-end: bad input and failures, as a user meets them.

Malformed activities, forms submitted with missing or invalid fields, unknown customers, Partner Center
refusing a change (4xx), Partner Center unreachable (closed port; sandbox stopped and started again), and the
bot itself restarted in the middle of a dialog on the same SQLite state file.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from bot.storage_sqlite import SqliteStorage
from sandbox.config import SandboxConfig
from tests.e2e.e2e_support import Bot, SandboxThread, facts, table_rows

UNREACHABLE = "I can't reach Partner Center right now. Nothing was changed; please try again in a few minutes."
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
async def bot(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url) as bot:
        yield bot


def field_errors(seen) -> list[str]:
    """The red messages of a form card (TextBlocks in the Attention colour)."""
    body = seen.card["body"]
    return [b["text"] for b in body if b.get("type") == "TextBlock" and b.get("color") == "Attention"]


# ----------------------------------------------------------------------------------------------- bad requests


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b'{"type": "message", "text": "hi"}', b"\xff\xfe"])
async def test_malformed_activity_is_400_and_the_bot_keeps_serving(bot: Bot, data: bytes):
    status, body = await bot.app.post_raw(data)
    assert status == 400 and body["error"]["code"] == "BadRequest"
    assert not bot.app.connector.pending()
    seen = await bot.say("show contoso subscriptions")
    assert seen.title == "Subscriptions of Contoso Ltd"


# ----------------------------------------------------------------------------------------------- forms


async def test_form_submitted_with_missing_or_invalid_number_comes_back_with_the_error(bot: Bot,
                                                                                      shared_sandbox: SandboxThread):
    before = (await shared_sandbox.subscription("Litware Inc", "Office 365 E3"))["quantity"]
    form = await bot.say("add seats to litware's office 365 E3")
    assert form.title == "Change the number of seats"
    assert field_errors(form) == []

    again = await bot.click("Continue")  # Teams sends no value for an empty Input.Number
    assert again.title == "Change the number of seats"
    assert field_errors(again) == ["Please correct the highlighted fields.", "This field is required."]
    again = await bot.click("Continue", inputs={"quantity": "lots"})
    assert field_errors(again) == ["Please correct the highlighted fields.", "Enter a whole number."]
    again = await bot.click("Continue", inputs={"quantity": 0})
    assert field_errors(again) == ["Please correct the highlighted fields.", "Enter a number of at least 1."]
    again = await bot.click("Continue", inputs={"quantity": 1_000_000})
    assert field_errors(again) == ["Please correct the highlighted fields.", "Enter a number of at most 100000."]

    asked = await bot.click("Continue", inputs={"quantity": 20})
    assert asked.title == "Office 365 E3"
    # "add seats" + 20 in the form adds 20 (the request's words decide between adding and setting a total)
    assert {r[0]: r[1:] for r in table_rows(asked.card)[1:]}["Seats"] == [str(before), str(before + 20)]
    await bot.click("Cancel")
    assert (await shared_sandbox.subscription("Litware Inc", "Office 365 E3"))["quantity"] == before


async def test_service_request_form_with_empty_title_and_too_long_description(bot: Bot,
                                                                               shared_sandbox: SandboxThread):
    count = len(await shared_sandbox.service_requests())
    form = await bot.say("create a service request")
    assert form.title == "Open a service request"
    again = await bot.click("Continue", inputs={"title": "", "description": "x" * 2500})
    assert again.title == "Open a service request"
    assert field_errors(again) == ["Please correct the highlighted fields.", "This field is required.",
                                   "Use at most 2000 characters."]
    topics = await bot.click("Continue", inputs={"title": "Licences missing", "description": "Two users lost E3."})
    assert topics.buttons[0] == "Licensing and subscriptions"
    asked = await bot.click("Licensing and subscriptions")
    assert asked.title == "New service request"
    await bot.click("Cancel")
    assert len(await shared_sandbox.service_requests()) == count


# ----------------------------------------------------------------------------------------------- names


async def test_misspelt_customer_gets_did_you_mean_suggestions(bot: Bot):
    seen = await bot.say("show subscriptions of Contosso")
    assert seen.texts == ['I couldn\'t find a customer called "Contosso". '
                          "Did you mean: Contoso Ltd, Contoso Pharma, Contoso Electronics?"]
    assert seen.title == "Which customer do you mean?"
    assert seen.buttons == ["Contoso Ltd", "Contoso Pharma", "Contoso Electronics", "Cancel"]
    picked = await bot.click("Contoso Pharma")
    assert picked.title == "Subscriptions of Contoso Pharma"


async def test_unknown_customer_without_look_alikes_asks_again_in_the_form(bot: Bot):
    seen = await bot.say("show subscriptions of Zebra Corp")
    assert seen.title == "List subscriptions"
    assert 'I couldn\'t find a customer called "Zebra Corp".' in field_errors(seen)[-1]
    answered = await bot.say("fabrikam")
    assert answered.title == "Subscriptions of Fabrikam Inc"


# ----------------------------------------------------------------------------------------------- Partner Center errors


async def test_partner_center_refusal_is_explained_with_the_correlation_id(sandbox: SandboxThread):
    before = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 Business Premium")
    async with Bot(sandbox.url) as bot:
        # A reduction outside the 168-hour window is not offered at all (Partner Center would refuse it: 900214).
        asked = await bot.say("set fabrikam's business premium to 12 seats")
        assert {r[0]: r[1:] for r in table_rows(asked.card)[1:]}["Seats"] == [str(before["quantity"]), "12"]
        assert "Outside the cancellation window" in asked.screen and "Confirm" not in asked.buttons
        await bot.click("Cancel")
        # Over the sandbox's 25-licence cap: Partner Center refuses, and the card explains it.
        await bot.say("set fabrikam's business premium to 30 seats")
        refused = await bot.click("Confirm")
        assert refused.title == "Partner Center couldn't do that"
        assert "limit" in refused.screen and "Nothing was changed." in refused.screen
        shown = facts(refused.card)
        assert shown["Partner Center code"] == "800018"
        assert GUID.match(shown["Correlation ID"]) and shown["Correlation ID"] == bot.client.correlation_id
    after = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 Business Premium")
    assert after["quantity"] == before["quantity"]


async def test_unknown_invoice_is_a_plain_not_found(bot: Bot):
    seen = await bot.say("show invoice G999999999")
    assert seen.title == "Partner Center couldn't do that"
    assert "couldn't find" in seen.screen
    assert GUID.match(facts(seen.card)["Correlation ID"])


# ----------------------------------------------------------------------------------------------- unreachable


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_partner_center_on_a_closed_port_gives_a_clear_message():
    async with Bot(f"http://127.0.0.1:{closed_port()}") as bot:
        seen = await bot.say("show subscriptions for contoso")
        assert seen.texts == [UNREACHABLE] and not seen.cards
        seen = await bot.say("what's our balance")
        assert seen.texts == [UNREACHABLE]


async def test_sandbox_stopped_mid_dialog_then_back(tmp_path: Path):
    sandbox = SandboxThread(SandboxConfig(port=0, db_path=str(tmp_path / "pc.db"))).start()
    try:
        async with Bot(sandbox.url) as bot:
            asked = await bot.say("suspend northwind traders' copilot")
            assert asked.title == "Microsoft 365 Copilot"
            sandbox.stop()

            down = await bot.click("Confirm")
            assert down.texts == [UNREACHABLE]
            down = await bot.say("show contoso subscriptions")
            assert down.texts == [UNREACHABLE]

            sandbox.start()  # same port, same database
            back = await bot.say("show contoso subscriptions")
            assert back.title == "Subscriptions of Contoso Ltd"
            # The confirmation from before the outage is still answerable: nothing had been changed.
            await bot.say("suspend northwind traders' copilot")
            done = await bot.click("Confirm")
            assert "Microsoft 365 Copilot is now suspended." in done.screen
        sub = await sandbox.subscription("Northwind Traders", "Microsoft 365 Copilot")
        assert sub["status"] == "suspended"
    finally:
        sandbox.stop()


async def test_confirmation_survives_an_outage_at_the_click(tmp_path: Path):
    """Confirm while Partner Center is down: nothing changed, the same card works once it is back."""
    sandbox = SandboxThread(SandboxConfig(port=0, db_path=str(tmp_path / "pc.db"))).start()
    try:
        async with Bot(sandbox.url) as bot:
            await bot.say("turn off auto-renew for wingtip's business standard")
            sandbox.stop()
            assert (await bot.click("Confirm")).texts == [UNREACHABLE]
            sandbox.start()
            done = await bot.click("Confirm")
            assert "Auto-renew is now off." in done.screen
        sub = await sandbox.subscription("Wingtip Toys", "Microsoft 365 Business Standard")
        assert sub["autoRenewEnabled"] is False
    finally:
        sandbox.stop()


# ----------------------------------------------------------------------------------------------- bot restart


async def test_bot_restart_keeps_the_pending_confirmation(sandbox: SandboxThread, tmp_path: Path):
    state = tmp_path / "state.db"
    before = (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["quantity"]
    storage = SqliteStorage(state)
    try:
        async with Bot(sandbox.url, storage=storage) as first:
            asked = await first.say("add 3 seats to contoso's E3")
            assert {r[0]: r[1:] for r in table_rows(asked.card)[1:]}["Seats"] == [str(before), str(before + 3)]
            confirm = first.button("Confirm")
    finally:
        storage.close()

    storage = SqliteStorage(state)
    try:
        async with Bot(sandbox.url, storage=storage) as second:  # a new process: new engine, same state file
            done = await second.submit(confirm)
            assert f"Seats changed from {before} to {before + 3}." in done.screen
    finally:
        storage.close()
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["quantity"] == before + 3


async def test_bot_restart_continues_a_pending_form_and_the_context(sandbox: SandboxThread, tmp_path: Path):
    state = tmp_path / "state.db"
    storage = SqliteStorage(state)
    try:
        async with Bot(sandbox.url, storage=storage) as first:
            await first.say("show fabrikam's subscriptions")
            form = await first.say("change the number of seats of fabrikam's exchange online")
            assert form.title == "Change the number of seats"
    finally:
        storage.close()

    storage = SqliteStorage(state)
    try:
        async with Bot(sandbox.url, storage=storage) as second:
            asked = await second.say("12")
            assert asked.title == "Exchange Online (Plan 1)"
            assert {r[0]: r[1:] for r in table_rows(asked.card)[1:]}["Seats"] == ["10", "12"]
            await second.say("yes")
            users = await second.say("show their users")  # the conversation still talks about Fabrikam
            assert users.title == "Users of Fabrikam Inc"
    finally:
        storage.close()
    assert (await sandbox.subscription("Fabrikam Inc", "Exchange Online (Plan 1)"))["quantity"] == 12
