"""HTTP end-to-end: every read operation and the conversation intents, typed the way partner staff type them.

One sandbox for the module (nothing here changes Partner Center). What is asserted is what the user sees
(card headings, rows, facts, messages), checked against the sandbox's own answers over HTTP.
"""

from __future__ import annotations

import pytest

from tests.e2e.e2e_support import DANA, Bot, SandboxThread, _message, facts, table_rows


@pytest.fixture
async def bot(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url) as bot:
        yield bot


# ----------------------------------------------------------------------------------------------- customers


async def test_customers_list_pages_with_show_more(bot: Bot, shared_sandbox: SandboxThread):
    first = await bot.say("show my customers")
    assert first.title == "Customers"
    assert first.has("Contoso Ltd", "contoso.onmicrosoft.com", "Fabrikam Inc")
    assert "Show more" in first.buttons
    second = await bot.click("Show more")
    assert second.title == "Customers"
    names_first = {b for b in first.buttons if b != "Show more"}
    names_second = {b for b in second.buttons if b != "Show more"}
    assert names_second and not names_first & names_second, "page 2 repeats page 1"
    everyone = (await shared_sandbox.get_json("/v1/customers", size=100))["items"]
    known = {c["companyProfile"]["companyName"] for c in everyone}
    assert names_first | names_second <= known


async def test_customers_search(bot: Bot):
    seen = await bot.say("find customers named contoso")
    assert seen.title == 'Customers matching "contoso"'
    assert seen.buttons == ["Contoso Ltd", "Contoso Pharma", "Contoso Electronics"]


async def test_customers_search_then_context_still_works(bot: Bot):
    """A search names no single customer: it must not break (or replace) the conversation's customer."""
    await bot.say("show contoso subscriptions")
    await bot.say("search for customer fabrikam")
    seen = await bot.say("show their users")
    assert seen.title == "Users of Contoso Ltd"


async def test_customers_get(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("show customer details for fabrikam")
    customer = await shared_sandbox.customer("Fabrikam Inc")
    assert seen.title == "Fabrikam Inc"
    shown = facts(seen.card)
    assert shown["Domain"] == customer["companyProfile"]["domain"] == "fabrikam.onmicrosoft.com"
    assert shown["Tenant ID"] == customer["id"]
    assert {"Subscriptions", "Users", "Orders"} <= set(seen.buttons)


# ----------------------------------------------------------------------------------------------- subscriptions


@pytest.mark.parametrize("text, title", [("show contoso subscriptions", "Subscriptions of Contoso Ltd"),
                                         ("show contoso's E3 subscription", "Microsoft 365 E3")])
async def test_the_first_message_after_a_start_knows_customer_names(shared_sandbox: SandboxThread, text: str,
                                                                     title: str):
    """The customer directory (the recognizer's gazetteer) loads in the background; the first turn must not
    lose "contoso" and ask which customer is meant."""
    async with Bot(shared_sandbox.url) as fresh:
        seen = await fresh.say(text)
        assert seen.title == title


async def test_subscriptions_list_shows_each_subscription_with_its_seats(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("show contoso subscriptions")
    assert seen.title == "Subscriptions of Contoso Ltd"
    for sub in await shared_sandbox.subscriptions("Contoso Ltd"):
        assert sub["offerName"] in seen.buttons
        assert f"{sub['quantity']} seats" in seen.screen


async def test_subscriptions_get_by_product_name(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("show contoso's E3 subscription")
    sub = await shared_sandbox.subscription("Contoso Ltd", "Microsoft 365 E3")
    assert seen.title == "Microsoft 365 E3"
    shown = facts(seen.card)
    assert shown["Customer"] == "Contoso Ltd"
    assert shown["Seats"] == f"{sub['quantity']} seats"
    assert shown["Subscription ID"] == sub["id"]
    assert shown["Status"] == "Active"


async def test_subscriptions_addons(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("what addons does contoso's business premium have")
    customer = await shared_sandbox.customer("Contoso Ltd")
    parent = await shared_sandbox.subscription("Contoso Ltd", "Microsoft 365 Business Premium")
    addons = (await shared_sandbox.get_json(
        f"/v1/customers/{customer['id']}/subscriptions/{parent['id']}/addons"))["items"]
    assert addons, "the seed gives Contoso's Business Premium an add-on"
    assert seen.title == "Add-ons of Microsoft 365 Business Premium"
    assert seen.buttons == [a["offerName"] for a in addons]


# ----------------------------------------------------------------------------------------------- users, licences


async def test_users_list_and_get(bot: Bot, shared_sandbox: SandboxThread):
    customer = await shared_sandbox.customer("Contoso Ltd")
    users = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/users"))["items"]
    seen = await bot.say("list users at contoso")
    assert seen.title == "Users of Contoso Ltd"
    assert seen.buttons == [u["displayName"] for u in users]
    someone = users[2]
    seen = await bot.say(f"show user {someone['displayName']} at contoso")
    assert seen.title == someone["displayName"]
    assert facts(seen.card)["Sign-in name"] == someone["userPrincipalName"]
    assert facts(seen.card)["User ID"] == someone["id"]


async def test_licenses_available(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("how many licences does contoso have available")
    assert seen.title == "Licences of Contoso Ltd"
    rows = table_rows(seen.card)
    assert rows[0] == ["Product", "Assigned", "Available", "Total"]
    customer = await shared_sandbox.customer("Contoso Ltd")
    skus = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/subscribedskus"))["items"]
    expected = {s["productSku"]["name"]: [str(s["consumedUnits"]), str(s["availableUnits"]), str(s["activeUnits"])]
                for s in skus}
    assert {r[0]: r[1:] for r in rows[1:]} == expected


async def test_licenses_assigned_to_a_user(bot: Bot, shared_sandbox: SandboxThread):
    customer = await shared_sandbox.customer("Contoso Ltd")
    users = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/users"))["items"]
    user = next(u for u in users if u["userPrincipalName"].startswith("sakura"))
    assigned = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/users/{user['id']}/licenses"))
    seen = await bot.say(f"what licences does {user['userPrincipalName']} have at contoso")
    assert seen.title == f"Licences of {user['userPrincipalName']}"
    for licence in assigned["items"]:
        assert licence["productSku"]["name"] in seen.screen


# ----------------------------------------------------------------------------------------------- orders


async def test_orders_list_and_get_from_context(bot: Bot, shared_sandbox: SandboxThread):
    customer = await shared_sandbox.customer("Contoso Ltd")
    orders = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/orders"))["items"]
    seen = await bot.say("show contoso's orders")
    assert seen.title == "Orders of Contoso Ltd"
    assert seen.buttons == [f"Order {o['id']}" for o in orders]
    # The order id is asked for (the customer comes from the conversation), then the order is shown.
    form = await bot.say("details of order")
    assert form.title == "Show order details"
    seen = await bot.click("Continue", inputs={"order": orders[0]["id"]})
    assert seen.title == f"Order {orders[0]['id']}"
    assert "Contoso Ltd" in seen.screen


async def test_orders_get_by_clicking_a_row(bot: Bot, shared_sandbox: SandboxThread):
    await bot.say("show orders for contoso")
    customer = await shared_sandbox.customer("Contoso Ltd")
    first = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/orders"))["items"][0]
    seen = await bot.click(f"Order {first['id']}")
    assert seen.title == f"Order {first['id']}"
    offer = first["lineItems"][0]
    assert str(offer["quantity"]) in seen.screen


async def test_orders_get_typed_with_id(bot: Bot, shared_sandbox: SandboxThread):
    customer = await shared_sandbox.customer("Contoso Ltd")
    first = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/orders"))["items"][0]
    seen = await bot.say(f"show order {first['id']} for contoso")
    assert seen.title == f"Order {first['id']}"


# ----------------------------------------------------------------------------------------------- billing


async def test_invoices_list_get_and_line_items(bot: Bot, shared_sandbox: SandboxThread):
    invoices = (await shared_sandbox.get_json("/v1/invoices"))["items"]
    seen = await bot.say("show my invoices")
    assert seen.title == "Invoices"
    assert seen.buttons[:3] == [i["id"] for i in invoices[:3]]
    one_time = next(i for i in invoices if i["id"].startswith("G"))
    seen = await bot.say(f"show invoice {one_time['id']}")
    assert seen.title == f"Invoice {one_time['id']}"
    assert facts(seen.card)["Type"] == "One-time"
    seen = await bot.click("Line items")  # new commerce from March 2026: the v2 export, as a job
    assert f"Preparing the line items of invoice {one_time['id']}" in seen.screen, seen.screen
    [posted] = await bot.app.connector.next(1, timeout=30)  # the job's card, posted when the export is ready
    assert f"Line items of invoice {one_time['id']}" in _message(posted).screen
    seen = await bot.say(f"line items of invoice {one_time['id']} for contoso")  # one customer: v1 pages
    assert seen.title == f"Line items of invoice {one_time['id']}"
    assert "has no line items to show" not in seen.screen, "a one-time invoice has one-time line items"
    assert "Contoso Ltd" in seen.screen


async def test_recurring_invoice_line_items_through_the_form(bot: Bot, shared_sandbox: SandboxThread):
    invoices = (await shared_sandbox.get_json("/v1/invoices"))["items"]
    recurring = next(i for i in invoices if i["invoiceType"] == "Recurring")
    form = await bot.say("show the line items of an invoice")
    assert form.title == "Show invoice line items"
    seen = await bot.say(recurring["id"])  # typed instead of using the card: one word is the answer
    assert seen.title == f"Line items of invoice {recurring['id']}"
    assert "has no line items to show" not in seen.screen


async def test_invoice_get_recurring_id_typed(bot: Bot, shared_sandbox: SandboxThread):
    invoices = (await shared_sandbox.get_json("/v1/invoices"))["items"]
    recurring = next(i for i in invoices if i["invoiceType"] == "Recurring")
    seen = await bot.say(f"show invoice {recurring['id']}")
    assert seen.title == f"Invoice {recurring['id']}"


async def test_billing_balance(bot: Bot, shared_sandbox: SandboxThread):
    summary = await shared_sandbox.get_json("/v1/invoices/summary")
    seen = await bot.say("what's our balance")
    assert seen.title == "Account balance"
    assert facts(seen.card)["Balance"] == f"${summary['balanceAmount']:,.2f}"


async def test_a_new_request_while_a_form_waits_is_not_taken_as_the_answer(bot: Bot):
    form = await bot.say("add seats to contoso's E3")
    assert form.title == "Change the number of seats"
    seen = await bot.say("what's our balance")
    assert seen.title == "Account balance", "the question was answered, not taken for the number of seats"
    stale = await bot.click("Continue", inputs={"quantity": 20})
    assert stale.texts == ["This card is no longer active. Please start again or use the most recent card."]


# ----------------------------------------------------------------------------------------------- support


async def test_service_requests_list_open_and_get(bot: Bot, shared_sandbox: SandboxThread):
    everything = await shared_sandbox.service_requests()
    open_ones = [s for s in everything if s["status"] == "open"]
    seen = await bot.say("show open service requests")
    assert seen.title == "Service requests"
    assert seen.buttons == [s["title"] for s in open_ones][:10]
    assert "Closed" not in seen.screen
    waiting = next(s for s in everything if s["status"] == "attention_needed")
    seen = await bot.say(f"show service request {waiting['id']}")
    assert seen.title == waiting["title"]
    assert facts(seen.card)["Status"] == "Needs your attention"


# ----------------------------------------------------------------------------------------------- conversation


async def test_help(bot: Bot):
    seen = await bot.say("what can you do")
    assert seen.title == "What I can do"
    assert seen.has("show Contoso's subscriptions", "add 5 seats to Fabrikam's Business Premium")


async def test_greeting(bot: Bot):
    seen = await bot.say("hello")
    assert seen.texts == [f"Hi {DANA.name}! What can I do for you? Type \"help\" to see examples."]


async def test_whoami(bot: Bot):
    seen = await bot.say("who am i")
    assert f"You are {DANA.name}." in seen.screen
    assert "agent" in seen.screen and "viewer" in seen.screen
    assert facts(seen.card)["User ID"] == DANA.aad_object_id


async def test_whoami_typed_as_one_word(bot: Bot):
    seen = await bot.say("whoami")
    assert f"You are {DANA.name}." in seen.screen


async def test_cancel_with_nothing_pending(bot: Bot):
    seen = await bot.say("cancel")
    assert seen.texts == ["There is nothing to cancel."]


@pytest.mark.parametrize("text", ["what's the weather in Paris", "book me a flight to london",
                                  "cancel our Dropbox Business plan", "add five seats to our Webex account"])
async def test_out_of_scope_says_so_and_shows_what_it_can_do(bot: Bot, text: str):
    seen = await bot.say(text)
    assert seen.texts[0].startswith("I can only help with Microsoft Partner Center tasks")
    assert "Other vendors' products" in seen.texts[0]
    assert seen.cards and seen.messages[-1].cards[0]["body"][0]["text"] == "What I can do"
