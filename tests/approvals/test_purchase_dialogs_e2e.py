"""The purchase dialogs over HTTP: product by name (choice when ambiguous), term and billing from the
availability, quantity limits, the priced preview, add-ons, trial conversion, the pending list and a shared
approvals channel."""

from __future__ import annotations

import json
import re

from bot import local_channel as lc
from dialogs.approval_state import Status
from tests.approvals.conftest import BLAKE, VIC, card_text, confirm_flow, make_world, personal, texts
from tests.support.botapp import AVERY, DANA


def choices(calls) -> tuple[str, str, dict[str, str]]:
    """(flow, slot, {title: choice id}) of the choice card among `calls`."""
    for call in calls:
        for card in call.cards:
            found, flow, slot = {}, None, None
            for match in re.finditer(r'"title": "([^"]+)", "data": \{"pb": "choose", "flow": "(\w+)", '
                                     r'"slot": "(\w+)", "choice": "([^"]+)"\}', json.dumps(card)):
                found[match.group(1)] = match.group(4)
                flow, slot = match.group(2), match.group(3)
            if found:
                return flow, slot, found
    raise AssertionError(f"no choice card in {texts(calls)[:2000]}")


async def choose(world, calls, title: str):
    flow, slot, options = choices(calls)
    return await world.submit(DANA, {"pb": "choose", "flow": flow, "slot": slot, "choice": options[title]})


def preview_rows(calls) -> dict[str, str]:
    """Label -> value of the purchase confirmation card: what is bought is listed as facts (nothing "before")."""
    for call in calls:
        for card in call.cards:
            if not any(a.get("data", {}).get("pb") == "confirm" for a in card.get("actions", [])):
                continue
            fact_set = next((e for e in card["body"] if e.get("type") == "FactSet"), None)
            if fact_set:
                return {f["title"]: f["value"] for f in fact_set["facts"]}
    raise AssertionError("no confirmation card")


async def test_ambiguous_product_and_plan_are_chosen_and_the_preview_is_priced(world):
    calls = await world.say(DANA, "buy 5 E3 for Northwind Traders")
    _, slot, options = choices(calls)
    assert slot == "offer" and set(options) == {"Microsoft 365 E3", "Office 365 E3"}
    calls = await choose(world, calls, "Microsoft 365 E3")
    _, slot, plans = choices(calls)
    assert slot == "plan" and set(plans) == {"1 month, billed monthly", "1 year, billed monthly",
                                             "1 year, billed annual", "3 years, billed annual",
                                             "3 years, billed every 3 years"}
    calls = await choose(world, calls, "1 year, billed annual")
    rows = preview_rows(calls)
    assert rows["Customer"] == "Northwind Traders" and rows["Product"] == "Microsoft 365 E3"
    assert rows["Term"] == "1 year" and rows["Billing"] == "Annual" and rows["Quantity"] == "5"
    assert rows["Unit price"] == "$36.00" and rows["Total"] == "$180.00"
    assert "estimate" in texts(calls) and confirm_flow(calls)
    assert not await world.service.store.entries()  # nothing is requested before the confirmation


async def test_term_and_billing_from_the_sentence_need_no_question(world):
    calls = await world.say(DANA, "buy 3 Teams Essentials for Northwind Traders, 1 month")
    rows = preview_rows(calls)
    assert rows["Term"] == "1 month" and rows["Billing"] == "Monthly" and rows["Unit price"] == "$4.80"
    assert rows["Total"] == "$14.40"


async def test_quantity_is_checked_against_the_offer_and_the_sandbox(world):
    calls = await world.say(DANA, "buy 400 Business Premium for Northwind Traders, 1 year, billed monthly")
    assert "from 1 to 300" in texts(calls)
    calls = await world.say(DANA, "30")
    assert "at most 25 licences" in texts(calls)
    calls = await world.say(DANA, "12")
    assert preview_rows(calls)["Quantity"] == "12" and preview_rows(calls)["Total"] == "$264.00"


async def test_unknown_product_is_said_plainly(world):
    calls = await world.say(DANA, "buy 5 Quantum Notepad licenses for Northwind Traders")
    assert 'No product in the catalog matches \\"Quantum Notepad\\"' in texts(calls)  # (JSON-escaped)


async def test_addon_for_an_existing_subscription_is_bought_after_approval(world):
    cid = await world.customer_id("Contoso Ltd")
    parent = next(s for s in await world.subscriptions(cid) if s["offerName"] == "Microsoft 365 Business Premium")
    calls = await world.say(DANA, "buy 5 Teams Phone add-on for the Business Premium subscription of Contoso Ltd")
    calls = await choose(world, calls, "1 year, billed monthly")
    rows = preview_rows(calls)
    assert rows["Product"] == "Microsoft Teams Phone Standard" and rows["Add to"] == "Microsoft 365 Business Premium"
    await world.submit(DANA, {"pb": "confirm", "flow": confirm_flow(calls)})
    [entry] = await world.service.store.entries()
    record = await world.record(entry.id)
    assert record.operation == "orders.purchase_addon" and record.line["parentSubscriptionId"] == parent["id"]
    await world.click(AVERY, "approve", record.id, 1)
    await world.calls()
    record = await world.record(record.id)
    assert record.status == Status.ORDERED
    addons = [s for s in await world.subscriptions(cid) if s.get("parentSubscriptionId") == parent["id"]
              and s["offerName"] == "Microsoft Teams Phone Standard"]
    assert len(addons) == 1 and addons[0]["quantity"] == 5


async def test_trial_conversion_buys_the_paid_offer_with_the_trial_quantity(world):
    cid = await world.customer_id("Tailspin Toys")
    calls = await world.say(DANA, "convert the Business Premium trial for Tailspin Toys to paid")
    _, slot, plans = choices(calls)
    assert slot == "plan"
    calls = await choose(world, calls, "1 year, billed monthly")
    rows = preview_rows(calls)
    assert rows["Product"] == "Microsoft 365 Business Premium" and rows["Quantity"] == "25"
    assert rows["Trial"] == "Microsoft 365 Business Premium Trial" and "trial" in texts(calls).lower()
    await world.submit(DANA, {"pb": "confirm", "flow": confirm_flow(calls)})
    [entry] = await world.service.store.entries()
    await world.click(BLAKE, "approve", entry.id, 1)
    await world.calls()
    assert (await world.record(entry.id)).status == Status.ORDERED
    paid = [s for s in await world.subscriptions(cid) if s["offerName"] == "Microsoft 365 Business Premium"]
    assert len(paid) == 1 and paid[0]["quantity"] == 25 and not paid[0].get("isTrial")


async def test_pending_list_for_approvers_and_requesters(world):
    first = await world.request(DANA, "buy 5 Business Premium for Northwind Traders, 1 year, billed monthly")
    second = await world.request(DANA, "buy 2 Power BI Pro for Wingtip Toys, 1 year, billed monthly")
    calls = await world.say(AVERY, "what's waiting for my approval?")
    listing = card_text(calls[-1].cards[0])
    assert "Waiting for your approval" in listing and first.id in listing and second.id in listing
    assert "Your pending requests" not in listing
    calls = await world.say(DANA, "my pending requests")
    listing = calls[-1].cards[0]
    assert "Your pending requests" in card_text(listing) and "Waiting for your approval" not in card_text(listing)
    assert {a["verb"] for a in re_actions(listing)} == {"withdraw"}
    calls = await world.say(VIC, "what's waiting for my approval?")
    assert "Nothing is waiting" in texts(calls)
    # Approving from the list is the same invoke (ids and version only) with the same checks.
    await world.click(AVERY, "approve", first.id, 1)
    await world.calls()
    calls = await world.say(AVERY, "what's waiting for my approval?")
    listing = card_text(calls[-1].cards[0])
    assert first.id not in listing and second.id in listing


def re_actions(card):
    from tests.support.cards import iter_actions

    return [a for _, a in iter_actions(card) if a.get("type") == "Action.Execute" and a.get("verb") != "refresh"]


async def test_requests_go_to_the_configured_approvals_channel(tmp_path):
    channel = "19:approvals@thread.tacv2"
    async for world in make_world(tmp_path, env={"PARTNERBOT_APPROVALS_CONVERSATION": channel}):
        await world.bot.post(lc.installation_update_activity(
            "add", **world.bot.envelope(AVERY, conversation_id=channel, conversation_type="channel")))
        await world.calls()
        record = await world.request(DANA, "buy 5 Business Premium for Northwind Traders, 1 year, billed monthly")
        assert {(c.conversation_id, c.view) for c in record.cards} == {(personal(DANA), "requester"),
                                                                       (channel, "readonly")}
        posted = next(c for c in world.seen if c.conversation_id == channel and c.cards
                      and record.id in card_text(c.cards[0]))
        card = posted.cards[0]
        assert card["actions"] == [] and set(card["refresh"]["userIds"]) == {
            f"29:{u.aad_object_id}" for u in (DANA, AVERY, BLAKE)}
        await world.bot.post(lc.invoke_activity("approve", {"request_id": record.id, "version": 1},
                                                **world.bot.envelope(BLAKE, conversation_id=channel,
                                                                     conversation_type="channel")))
        calls = await world.calls()
        assert (await world.record(record.id)).status == Status.ORDERED
        edited = [c for c in calls if c.operation == "update" and c.conversation_id == channel]
        assert edited and "Ordered" in card_text(edited[-1].cards[0])
