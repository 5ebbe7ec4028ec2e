"""HTTP end-to-end: co-sell referrals through the bot (api.md §14) — listing leads, opening one by its customer's
name, accepting / winning / declining with the documented transitions, creating one from a form, and an invalid
transition refused with nothing changed. Asserted: what the user sees and the sandbox's referrals after."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_support import Bot, SandboxThread, facts
from tests.e2e.test_e2e_changes import change_rows


@pytest.fixture
async def bot(sandbox: SandboxThread):
    async with Bot(sandbox.url) as bot:
        yield bot


async def _referrals(sandbox: SandboxThread, **query: str) -> list[dict]:
    return (await sandbox.get_json("/partnerapi/v1.0/engagements/referrals", **{"$top": "100", **query}))["value"]


async def test_any_new_leads_lists_only_new_referrals_and_opens_one(bot: Bot, sandbox: SandboxThread):
    new = await _referrals(sandbox, **{"$filter": "status eq 'New'"})
    seen = await bot.say("any new leads?")
    assert seen.title == "Referrals"
    assert set(seen.buttons) == {r["name"] for r in new}
    opened = await bot.click(new[0]["name"])
    assert opened.title == f"Referral: {new[0]['name']}"
    shown = facts(opened.card)
    assert shown["Customer"] == new[0]["customerProfile"]["name"]
    assert shown["Status"] == "New"
    assert "Accept" in opened.buttons and "Mark won" not in opened.buttons


async def test_open_the_referral_from_a_customer_by_name(bot: Bot, sandbox: SandboxThread):
    target = next(r for r in await _referrals(sandbox) if r["status"] == "Active")
    first_word = target["customerProfile"]["name"].split()[0]
    seen = await bot.say(f"open the referral from {first_word}")
    if seen.title != f"Referral: {target['name']}":  # several referrals of that customer: pick from the choices
        seen = await bot.click(target["name"])
    assert seen.title == f"Referral: {target['name']}"
    assert facts(seen.card)["Stage"] == "Accepted"
    assert {"Mark won", "Mark lost", "Decline"} <= set(seen.buttons)


async def test_accept_then_win_with_confirmation_and_decline_changes_nothing(bot: Bot, sandbox: SandboxThread):
    target = next(r for r in await _referrals(sandbox) if r["status"] == "New" and r["direction"] == "Incoming")
    asked = await bot.say(f"accept the {target['name']} referral")
    assert change_rows(asked)["Status"] == [f"New · {target['substatus']}", "Active · Accepted"]
    assert asked.buttons == ["Confirm", "Cancel"]
    await bot.click("Cancel")
    assert (await sandbox.get_json(f"/partnerapi/v1.0/engagements/referrals/{target['id']}"))["status"] == "New"

    asked = await bot.say(f"accept the {target['name']} referral")
    done = await bot.click("Confirm")
    assert f'Referral "{target["name"]}" is now Active · Accepted.' in done.screen
    after = await sandbox.get_json(f"/partnerapi/v1.0/engagements/referrals/{target['id']}")
    assert (after["status"], after["substatus"]) == ("Active", "Accepted")

    asked = await bot.click("Mark won")
    rows = change_rows(asked)
    assert rows["Status"] == ["Active · Accepted", "Closed · Won"]
    assert "A closed referral cannot be reopened." in asked.screen
    await bot.click("Confirm")
    after = await sandbox.get_json(f"/partnerapi/v1.0/engagements/referrals/{target['id']}")
    assert (after["status"], after["substatus"]) == ("Closed", "Won")


async def test_an_invalid_transition_is_explained_and_changes_nothing(bot: Bot, sandbox: SandboxThread):
    closed = next(r for r in await _referrals(sandbox) if r["substatus"] == "Lost")
    seen = await bot.say(f"accept the {closed['name']} referral")
    assert "does not allow" in seen.screen and "Confirm" not in seen.buttons
    after = await sandbox.get_json(f"/partnerapi/v1.0/engagements/referrals/{closed['id']}")
    assert (after["status"], after["substatus"], after["eTag"]) == ("Closed", "Lost", closed["eTag"])


async def test_create_a_referral_from_the_form(bot: Bot, sandbox: SandboxThread):
    before = len(await _referrals(sandbox))
    form = await bot.say("create a referral for Fabrikam")
    assert form.title == "Create a referral"
    asked = await bot.click("Continue", inputs={"title": "Fabrikam Copilot pilot", "deal_value": "abc"})
    assert "Enter the deal value as a number" in asked.screen
    assert len(await _referrals(sandbox)) == before
    asked = await bot.click("Continue", inputs={"title": "Fabrikam Copilot pilot", "deal_value": "25,000"})
    assert facts(asked.card)["Customer"] == "Fabrikam Inc"
    assert facts(asked.card)["Deal value"] == "$25,000.00"  # USD unless the request names a currency
    await bot.click("Cancel")
    assert len(await _referrals(sandbox)) == before, "declined: nothing created"
    await bot.say("create a referral for Fabrikam")
    asked = await bot.click("Continue", inputs={"title": "Fabrikam Copilot pilot", "deal_value": "25,000"})
    done = await bot.click("Confirm")
    assert 'Referral "Fabrikam Copilot pilot" created.' in done.screen
    created = [r for r in await _referrals(sandbox) if r["name"] == "Fabrikam Copilot pilot"]
    assert len(created) == 1 and created[0]["details"]["dealValue"] == 25000
    assert created[0]["details"]["currency"] == "USD" and created[0]["customerProfile"]["name"] == "Fabrikam Inc"


async def test_support_topics_are_listed(bot: Bot, sandbox: SandboxThread):
    topics = (await sandbox.get_json("/v1/servicerequests/supporttopics"))["items"]
    seen = await bot.say("what support topics are there?")
    assert seen.title == "Support topics"
    assert all(t["name"] in seen.screen and t["description"] in seen.screen for t in topics)
