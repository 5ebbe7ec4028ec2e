"""HTTP end-to-end: the dispatcher's gates hold for any operation, for any user and whatever a card sends.

- a newly registered `change` operation whose handler has no confirmation code still gets a confirmation step,
  and declining it changes nothing;
- in a group chat only the user who asked can confirm (or decline) the change;
- help / cancel / start over while a card is pending, and card submits with junk or no text, never crash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import dialogs.ops  # noqa: F401  (fills the process-wide registry)
from bot.demo import demo_roles
from dialogs.context import OperationContext
from dialogs.registry import Outcome, Param, ParamType, Registry
from dialogs.registry import registry as contract_registry
from tests.e2e.e2e_support import AVERY, DANA, Bot, SandboxThread, facts

NEW_OP = "e2e.set_nickname"
INACTIVE = "This card is no longer active. Please start again or use the most recent card."


def registry_with_new_change_op(calls: list[dict[str, Any]]) -> Registry:
    """Every shipped operation plus one new `change` declared here, whose handler just does the change."""
    registry = Registry()
    for op in contract_registry:
        registry.add(op)

    @registry.operation(NEW_OP, kind="change", params=[Param("customer", ParamType.CUSTOMER),
                                                       Param("subscription", ParamType.SUBSCRIPTION),
                                                       Param("nickname")])
    async def set_nickname(ctx: OperationContext, args: dict[str, Any]) -> Outcome:
        calls.append(args)
        sub = await ctx.client.subscriptions.rename(args["customer"]["id"], args["subscription"]["id"],
                                                    args["nickname"], request_id=ctx.request_id("nickname"))
        return Outcome(message=f"The nickname is now {sub.friendly_name}.")

    return registry


def run_new_op(nickname: str) -> dict[str, Any]:
    """The payload of a button that starts the new operation (the same gates as typed text)."""
    return {"pb": "run", "op": NEW_OP,
            "params": {"customer": "Contoso Ltd", "subscription": "Microsoft 365 E3", "nickname": nickname}}


async def test_new_change_operation_gets_a_confirmation_and_decline_changes_nothing(sandbox: SandboxThread):
    calls: list[dict[str, Any]] = []
    original = (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["friendlyName"]
    async with Bot(sandbox.url, registry=registry_with_new_change_op(calls)) as bot:
        asked = await bot.submit(run_new_op("Pilot group"))
        assert asked.title == "Please confirm"
        assert facts(asked.card) == {"Customer": "Contoso Ltd", "Subscription": "Microsoft 365 E3",
                                     "Nickname": "Pilot group"}
        assert asked.buttons == ["Confirm", "Cancel"]
        assert calls == [], "the handler must not run before the confirmation"

        declined = await bot.click("Cancel")
        assert declined.texts == ["OK, nothing was changed."]
        stale = await bot.click("Confirm")
        assert stale.texts == [INACTIVE]
        assert calls == []
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["friendlyName"] == original

        await bot.submit(run_new_op("Pilot group"))
        done = await bot.say("yes")
        assert done.texts == ["The nickname is now Pilot group."]
        assert len(calls) == 1
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["friendlyName"] == "Pilot group"


async def test_a_viewer_cannot_start_a_change(sandbox: SandboxThread, tmp_path: Path):
    """Avery holds viewer + approver in the demo roles: the change is refused before anything is asked."""
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps(demo_roles()), encoding="utf-8")
    async with Bot(sandbox.url, roles_file=str(roles), conversation_id="a:personal-avery") as bot:
        seen = await bot.say("suspend contoso's E3", user=AVERY)
        assert not seen.cards
        assert "agent" in seen.texts[0].lower()
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "active"
        reads = await bot.say("show contoso subscriptions", user=AVERY)
        assert reads.title == "Subscriptions of Contoso Ltd"


async def test_group_chat_only_the_requester_can_confirm(sandbox: SandboxThread):
    async with Bot(sandbox.url, conversation_id="19:e2e-group@thread.v2", conversation_type="groupChat") as bot:
        asked = await bot.say("suspend contoso's E3", user=DANA)
        assert asked.title == "Microsoft 365 E3"

        refused = await bot.click("Confirm", user=AVERY)
        assert refused.texts == [f"Only {DANA.name}, who started this request, can answer this card."]
        refused = await bot.click("Cancel", user=AVERY)
        assert refused.texts == [f"Only {DANA.name}, who started this request, can answer this card."]
        typed = await bot.say("yes", user=AVERY)
        assert "is now suspended" not in typed.screen
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "active"

        done = await bot.click("Confirm", user=DANA)
        assert "Microsoft 365 E3 is now suspended." in done.screen
        assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "suspended"


# ----------------------------------------------------------------------------------------------- interruptions


@pytest.fixture
async def bot(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url) as bot:
        yield bot


async def test_help_while_a_confirmation_is_pending_keeps_it(bot: Bot, shared_sandbox: SandboxThread):
    asked = await bot.say("turn off auto-renew for litware's teams premium")
    assert asked.title == "Microsoft Teams Premium"
    helped = await bot.say("help")
    assert helped.cards[0]["body"][0]["text"] == "What I can do"
    assert helped.texts == ["I'm still waiting for your answer about: change auto-renew."]
    done = await bot.click("Confirm")
    assert "Auto-renew is now off." in done.screen
    assert (await shared_sandbox.subscription("Litware Inc", "Microsoft Teams Premium"))["autoRenewEnabled"] is False


async def test_cancel_while_a_confirmation_is_pending(bot: Bot, shared_sandbox: SandboxThread):
    await bot.say("suspend wingtip's defender for business")
    cancelled = await bot.say("cancel")
    assert cancelled.texts == ["Cancelled. Nothing was changed."]
    stale = await bot.click("Confirm")
    assert stale.texts == [INACTIVE]
    sub = await shared_sandbox.subscription("Wingtip Toys", "Microsoft Defender for Business")
    assert sub["status"] == "active"


async def test_start_over_while_a_form_is_pending_forgets_the_flow_and_the_context(bot: Bot):
    await bot.say("show contoso subscriptions")
    form = await bot.say("add seats to the E3 subscription")
    assert form.title == "Change the number of seats"
    reset = await bot.say("start over")
    assert reset.texts == ["OK, let's start over."]
    stale = await bot.click("Continue", inputs={"quantity": 20})
    assert stale.texts == [INACTIVE]
    # The conversation forgot Contoso: a request that relies on it asks for the customer again.
    seen = await bot.say("show their users")
    assert seen.title == "List users"
    assert "Customer" in seen.screen


JUNK_SUBMITS = [
    {"foo": "bar"},
    {"pb": 7},
    {"pb": "confirm"},
    {"pb": "confirm", "flow": ["not", "a", "string"]},
    {"pb": "explode", "flow": "FLOW"},
    {"pb": "choose", "flow": "FLOW", "slot": "customer", "choice": ["x"]},
    {"pb": "form", "flow": "FLOW", "quantity": {"nested": 1}},
    {"pb": "run", "op": "no.such.operation"},
    {"pb": "more", "op": "customers.list", "params": {}, "page": "two"},
    {"pb": "more", "op": "customers.list", "params": {}, "page": 1, "offset": "x"},
    {"pb": "run", "op": "subscriptions.list", "params": "junk"},
]


async def test_junk_card_submits_never_crash_and_the_pending_card_still_works(bot: Bot,
                                                                               shared_sandbox: SandboxThread):
    asked = await bot.say("add 2 seats to tailspin's project plan 3")
    assert asked.title == "Project Plan 3"
    before = (await shared_sandbox.subscription("Tailspin Toys", "Project Plan 3"))["quantity"]
    flow = bot.button("Confirm")["flow"]
    for junk in JUNK_SUBMITS:
        value = json.loads(json.dumps(junk).replace('"FLOW"', json.dumps(flow)))
        seen = await bot.submit(value)  # fails on a crash reply; every card is validated
        assert seen.messages, f"no answer to {value}"
    status, _ = await bot.app.submit({})  # an empty submit: nothing to answer, and no crash
    assert status in (200, 201) and not bot.app.connector.pending()

    await bot.say("add 2 seats to tailspin's project plan 3")
    done = await bot.click("Confirm")
    assert f"Seats changed from {before} to {before + 2}." in done.screen
    assert (await shared_sandbox.subscription("Tailspin Toys", "Project Plan 3"))["quantity"] == before + 2


async def test_add_seats_to_the_e3_one_asks_how_many(bot: Bot):
    await bot.say("show contoso subscriptions")
    form = await bot.say("add seats to the E3 one")
    assert form.title == "Change the number of seats"
