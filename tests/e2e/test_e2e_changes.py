"""HTTP end-to-end: every change operation, from the typed request through the before -> after confirmation to
the Partner Center state, including a conversation that relies on context and one with a disambiguation card.

Each test gets a fresh sandbox (they change the same seeded subscriptions).
"""

from __future__ import annotations

import pytest

from tests.e2e.e2e_support import Bot, SandboxThread, facts, table_rows

HEADER = ["Setting", "Before", "After"]


def change_rows(seen) -> dict[str, list[str]]:
    """The confirmation table as {setting: [before, after]}, after checking its header."""
    rows = table_rows(seen.card)
    assert rows[0] == HEADER
    return {r[0]: r[1:] for r in rows[1:]}


@pytest.fixture
async def bot(sandbox: SandboxThread):
    async with Bot(sandbox.url) as bot:
        yield bot


async def test_context_show_subscriptions_then_suspend_the_e3_one_then_reactivate_it(bot: Bot,
                                                                                      sandbox: SandboxThread):
    listed = await bot.say("show Contoso's subscriptions")
    assert listed.title == "Subscriptions of Contoso Ltd"

    asked = await bot.say("suspend the E3 one")
    assert asked.title == "Microsoft 365 E3"
    assert "Suspend a subscription" in asked.screen
    assert facts(asked.card)["Customer"] == "Contoso Ltd"
    assert change_rows(asked) == {"Status": ["Active", "Suspended"]}
    assert asked.buttons == ["Confirm", "Cancel"]
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "active", \
        "nothing changes before the confirmation"

    done = await bot.click("Confirm")
    assert "Microsoft 365 E3 is now suspended." in done.screen
    assert facts(done.card)["Status"] == "Suspended"
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "suspended"

    again = await bot.say("reactivate it")
    assert again.title == "Microsoft 365 E3"
    assert change_rows(again)["Status"] == ["Suspended", "Active"]
    done = await bot.say("yes")
    assert "Microsoft 365 E3 is active again." in done.screen
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "active"


async def test_change_quantity_adds_seats(bot: Bot, sandbox: SandboxThread):
    before = await sandbox.subscription("Contoso Ltd", "Microsoft 365 Business Premium")
    asked = await bot.say("add 5 seats to contoso's business premium")
    assert asked.title == "Microsoft 365 Business Premium"
    assert change_rows(asked)["Seats"] == [str(before["quantity"]), str(before["quantity"] + 5)]
    done = await bot.click("Confirm")
    assert f"Seats changed from {before['quantity']} to {before['quantity'] + 5}." in done.screen
    after = await sandbox.subscription("Contoso Ltd", "Microsoft 365 Business Premium")
    assert after["quantity"] == before["quantity"] + 5


async def test_change_quantity_to_a_total(bot: Bot, sandbox: SandboxThread):
    before = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 Business Premium")
    asked = await bot.say("set fabrikam's business premium to 18 seats")
    assert facts(asked.card)["Customer"] == "Fabrikam Inc"
    assert change_rows(asked) == {"Seats": [str(before["quantity"]), "18"]}
    await bot.click("Confirm")
    assert (await sandbox.subscription("Fabrikam Inc", "Microsoft 365 Business Premium"))["quantity"] == 18


async def test_change_quantity_removes_seats_with_a_warning(bot: Bot, sandbox: SandboxThread):
    before = await sandbox.subscription("Contoso Ltd", "Microsoft 365 Business Premium")
    asked = await bot.say("remove 2 seats from contoso's business premium")
    assert change_rows(asked)["Seats"] == [str(before["quantity"]), str(before["quantity"] - 2)]
    assert "can only be reduced within 7 days" in asked.screen
    done = await bot.click("Confirm")
    assert f"Seats changed from {before['quantity']} to {before['quantity'] - 2}." in done.screen
    after = await sandbox.subscription("Contoso Ltd", "Microsoft 365 Business Premium")
    assert after["quantity"] == before["quantity"] - 2


async def test_suspend_declined_changes_nothing(bot: Bot, sandbox: SandboxThread):
    asked = await bot.say("suspend fabrikam's exchange online")
    assert asked.title == "Exchange Online (Plan 1)"
    declined = await bot.click("Cancel")
    assert declined.texts == ["OK, nothing was changed."]
    assert (await sandbox.subscription("Fabrikam Inc", "Exchange Online (Plan 1)"))["status"] == "active"
    stale = await bot.click("Confirm")
    assert stale.texts == ["This card is no longer active. Please start again or use the most recent card."]
    assert (await sandbox.subscription("Fabrikam Inc", "Exchange Online (Plan 1)"))["status"] == "active"


async def test_cancel_subscription_warns_and_cancels(bot: Bot, sandbox: SandboxThread):
    offer = "Microsoft Teams Audio Conferencing with dial-out to USA/CAN"
    asked = await bot.say("cancel contoso's teams audio conferencing subscription")
    assert asked.title == offer
    assert change_rows(asked)["Status"] == ["Active", "Cancelled"]
    assert "Cancelling can't be undone." in asked.screen
    done = await bot.click("Confirm")
    assert f"{offer} was cancelled." in done.screen
    assert (await sandbox.subscription("Contoso Ltd", offer))["status"] == "deleted"


async def test_set_autorenew_off(bot: Bot, sandbox: SandboxThread):
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft Teams Essentials"))["autoRenewEnabled"] is True
    asked = await bot.say("turn off auto-renew for contoso's teams essentials")
    assert asked.title == "Microsoft Teams Essentials"
    assert change_rows(asked)["Auto-renew"] == ["Yes", "No"]
    done = await bot.click("Confirm")
    assert "Auto-renew is now off." in done.screen
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft Teams Essentials"))["autoRenewEnabled"] is False


async def test_rename_sets_the_nickname(bot: Bot, sandbox: SandboxThread):
    before = await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3")
    asked = await bot.say("change the nickname of contoso's E3 to Head office")
    assert asked.title == "Microsoft 365 E3"
    assert change_rows(asked)["Nickname"] == [before["friendlyName"], "Head office"]
    done = await bot.click("Confirm")
    assert "Head office" in done.screen
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["friendlyName"] == "Head office"
    # The new name is what the subscription is called from now on.
    seen = await bot.say("show contoso subscriptions")
    assert "Head office" in seen.buttons


async def test_rename_typed_with_rename(bot: Bot):
    asked = await bot.say("rename contoso's E3 to Head office E3")
    assert change_rows(asked)["Nickname"] == ["Microsoft 365 E3", "Head office E3"]


async def test_disambiguation_choice_card_then_change(bot: Bot, sandbox: SandboxThread):
    asked = await bot.say("suspend northwind's E5")
    assert asked.title == "Which customer do you mean?"
    assert asked.buttons == ["Northwind Traders", "Northwind Health", "Cancel"]
    assert asked.has("northwindtraders.onmicrosoft.com", "northwindhealth.onmicrosoft.com")
    confirm = await bot.click("Northwind Health")
    assert confirm.title == "Microsoft 365 E5"
    assert facts(confirm.card)["Customer"] == "Northwind Health"
    assert change_rows(confirm) == {"Status": ["Active", "Suspended"]}
    await bot.click("Confirm")
    assert (await sandbox.subscription("Northwind Health", "Microsoft 365 E5"))["status"] == "suspended"
    # The other Northwind was not touched.
    assert all(s["status"] != "suspended" for s in await sandbox.subscriptions("Northwind Traders"))


async def test_service_request_create_through_the_form(bot: Bot, sandbox: SandboxThread):
    before = {s["id"] for s in await sandbox.service_requests()}
    form = await bot.say("open a support ticket for contoso")
    assert form.title == "Open a service request"
    topics = await bot.click("Continue", inputs={"title": "Users cannot sign in to Outlook",
                                                 "description": "Since this morning nobody at Contoso can sign "
                                                                "in to Exchange mail."})
    # The topic is asked with a choice card, filtered by what was written: the Microsoft 365 service topic first.
    assert topics.buttons[0] == "Microsoft 365 service issue"
    assert "Billing" not in topics.buttons
    asked = await bot.click("Microsoft 365 service issue")
    assert asked.title == "New service request"
    assert facts(asked.card) == {
        "Customer": "Contoso Ltd",
        "Title": "Users cannot sign in to Outlook",
        "Description": "Since this morning nobody at Contoso can sign in to Exchange mail.",
        "Support topic": "Microsoft 365 service issue",
        "Severity": "Moderate",
    }
    assert {s["id"] for s in await sandbox.service_requests()} == before, "nothing is opened before confirming"
    done = await bot.click("Confirm")
    created = [s for s in await sandbox.service_requests() if s["id"] not in before]
    assert len(created) == 1
    assert created[0]["title"] == "Users cannot sign in to Outlook" and created[0]["severity"] == "moderate"
    assert created[0]["supportTopicId"] == "32444675"
    assert "Contoso Ltd" in created[0]["description"]
    assert created[0]["id"] in done.screen


async def test_service_request_update_adds_a_note_and_closes(bot: Bot, sandbox: SandboxThread):
    waiting = next(s for s in await sandbox.service_requests() if s["status"] == "attention_needed")
    asked = await bot.say(f"add a note to service request {waiting['id']}: customer sent the logs")
    assert facts(asked.card)["Note"] == "customer sent the logs"
    done = await bot.click("Confirm")
    assert f"Service request {waiting['id']} was updated." in done.screen
    notes = (await sandbox.service_request(waiting["id"])).get("notes") or []
    assert any(n.get("text") == "customer sent the logs" for n in notes)

    asked = await bot.say(f"mark service request {waiting['id']} as closed")
    assert change_rows(asked)["Status"] == ["Needs your attention", "Closed"]
    await bot.click("Confirm")
    assert (await sandbox.service_request(waiting["id"]))["status"] == "closed"


async def test_service_request_close_typed_plainly(bot: Bot, sandbox: SandboxThread):
    waiting = next(s for s in await sandbox.service_requests() if s["status"] == "attention_needed")
    asked = await bot.say(f"close service request {waiting['id']}")
    assert change_rows(asked)["Status"] == ["Needs your attention", "Closed"]


async def test_change_seats_phrased_with_the_number_of_seats(bot: Bot):
    await bot.say("show fabrikam's subscriptions")
    form = await bot.say("change the number of seats of the exchange online subscription")
    assert form.title == "Change the number of seats"


@pytest.mark.parametrize("customer, text", [("fabrikam", "add seats to their exchange online"),
                                            ("contoso", "add seats to the E3")])
async def test_add_seats_to_a_subscription_of_the_customer_in_context(bot: Bot, customer: str, text: str):
    await bot.say(f"show {customer}'s subscriptions")
    form = await bot.say(text)
    assert form.title == "Change the number of seats"


async def test_seats_typed_in_the_form_follow_the_request_words(bot: Bot, sandbox: SandboxThread):
    """"add seats to the E3" + 5 in the form adds 5 (it does not set the total to 5)."""
    before = await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3")
    await bot.say("show contoso's subscriptions")
    await bot.say("add seats to the E3")
    asked = await bot.click("Continue", inputs={"quantity": "5"})
    assert change_rows(asked)["Seats"] == [str(before["quantity"]), str(before["quantity"] + 5)]
    await bot.click("Confirm")
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["quantity"] == before["quantity"] + 5


async def test_service_request_update_without_note_or_status_asks_for_one(bot: Bot, sandbox: SandboxThread):
    """Nothing to change yet: the form asks for a note or a status before any confirmation is shown."""
    waiting = next(s for s in await sandbox.service_requests() if s["status"] == "attention_needed")
    form = await bot.say(f"update service request {waiting['id']}")
    assert "Add a note, or give the new status" in form.screen
    assert "Confirm" not in form.buttons
    asked = await bot.click("Continue", inputs={"title": "called the customer back"})
    assert facts(asked.card)["Note"] == "called the customer back"
    await bot.click("Confirm")
    notes = (await sandbox.service_request(waiting["id"])).get("notes") or []
    assert any(n.get("text") == "called the customer back" for n in notes)
