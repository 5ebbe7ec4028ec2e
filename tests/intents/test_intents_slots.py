"""Slot extraction edge cases: the user's own spelling survives, quantity becomes digits."""

from __future__ import annotations

import pytest

from intents.recognizer import RecognitionContext


def rec(recognizer, context, text):
    return recognizer.recognize_sync(text, context)


@pytest.mark.parametrize(("text", "quantity"), [
    ("add twenty seats to Contoso's E3", "20"),
    ("make it a dozen seats on Fabrikam's Business Premium", "12"),
    ("increase Litware's Business Standard to thirty-five licences", "35"),
    ("buy Microsoft 365 Business Premium x15 for Fabrikam", "15"),
    ("set Contoso's Azure spending budget to $10,000", "10000"),
    ("reduce Fabrikam's E3 from 40 to 35 seats", "35"),
])
def test_quantities_as_words_and_symbols(recognizer, context, text, quantity):
    assert rec(recognizer, context, text).slots.get("quantity") == quantity


def test_possessive_is_stripped_but_name_with_apostrophe_kept(recognizer, context):
    assert rec(recognizer, context, "show Wingtip Toys' subscriptions").slots["customer"] == "Wingtip Toys"
    assert rec(recognizer, context, "list Margie's Travel's subs").slots["customer"] == "Margie's Travel"


def test_longest_directory_name_wins_over_look_alike(recognizer, context):
    result = rec(recognizer, context, "suspend Contoso Pharma's E5 subscription")
    assert result.intent == "subscriptions.suspend"
    assert result.slots == {"customer": "Contoso Pharma", "subscription": "E5"}


def test_domain_and_tenant_id_as_customer(recognizer, context):
    assert rec(recognizer, context, "show subs for fabrikam.onmicrosoft.com").slots["customer"] == \
        "fabrikam.onmicrosoft.com"
    tenant = "0b3f2c1d-4e5a-4b6c-8d7e-9f0a1b2c3d4e"
    result = rec(recognizer, context, f"list subscriptions for tenant {tenant}")
    assert result.intent == "subscriptions.list"
    assert result.slots["customer"] == tenant


def test_subscription_guid_is_not_the_customer(recognizer, context):
    sub = "3c9d2e7f-1a4b-4f8e-b2c6-5d0e9a7f1b83"
    result = rec(recognizer, context, f"suspend subscription {sub}")
    assert result.intent == "subscriptions.suspend"
    assert result.slots == {"subscription": sub}


def test_unknown_customer_from_pattern(recognizer, context):
    result = rec(recognizer, context, "show subs for Baker & Sons Plumbing")
    assert result.intent == "subscriptions.list"
    assert result.slots["customer"] == "Baker & Sons Plumbing"
    result = rec(recognizer, context, "add 3 seats to Hilltop Vineyards' Business Premium")
    assert result.slots == {"quantity": "3", "customer": "Hilltop Vineyards", "subscription": "Business Premium"}


def test_unknown_customer_without_directory(recognizer):
    result = recognizer.recognize_sync("list users at Greenleaf Nursery", RecognitionContext())
    assert result.intent == "users.list"
    assert result.slots["customer"] == "Greenleaf Nursery"


def test_typos_and_abbreviations(recognizer, context):
    result = rec(recognizer, context, "pls add 5 lics to contsoo's M365 E3 sub")
    assert result.intent == "subscriptions.change_quantity"
    assert result.slots == {"quantity": "5", "customer": "contsoo", "subscription": "M365 E3"}
    result = rec(recognizer, context, "suspnd the BP sub for Fabrikam")
    assert result.intent == "subscriptions.suspend"
    assert result.slots == {"subscription": "BP", "customer": "Fabrikam"}


@pytest.mark.parametrize(("text", "intent"), [
    ("don't suspend it, reactivate Fabrikam's E3", "subscriptions.reactivate"),
    ("suspend Contoso's E5, no wait, reactivate it", "subscriptions.reactivate"),
    ("don't cancel it, just suspend Litware's Teams Premium", "subscriptions.suspend"),
    ("not suspend - cancel Fabrikam's Visio Plan 2", "subscriptions.cancel"),
])
def test_negation_and_correction(recognizer, context, text, intent):
    result = rec(recognizer, context, text)
    assert result.intent == intent
    assert "customer" in result.slots and "subscription" in result.slots


def test_correction_takes_the_corrected_quantity(recognizer, context):
    result = rec(recognizer, context, "add 5 seats to Contoso's E3, no wait, make it 7")
    assert result.intent == "subscriptions.change_quantity"
    assert result.slots["quantity"] == "7"


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("列出 Contoso 的所有訂閱", "subscriptions.list", {"customer": "Contoso"}),
    ("幫 Fabrikam 購買二十個 Teams Essentials", "orders.purchase",
     {"customer": "Fabrikam", "quantity": "20", "offer": "Teams Essentials"}),
    ("暫停 Litware 的 E5 訂閱", "subscriptions.suspend", {"customer": "Litware", "subscription": "E5"}),
    ("取消 Contoso 的 Visio Plan 2 訂閱", "subscriptions.cancel",
     {"customer": "Contoso", "subscription": "Visio Plan 2"}),
    ("查詢發票 G012345678", "invoices.get", {"invoice": "G012345678"}),
])
def test_traditional_chinese(recognizer, context, text, intent, slots):
    result = rec(recognizer, context, text)
    assert result.intent == intent
    assert result.slots == slots


def test_ids_periods_and_terms(recognizer, context):
    result = rec(recognizer, context, "show line items for invoice G023456781")
    assert (result.intent, result.slots) == ("invoices.line_items", {"invoice": "G023456781"})
    result = rec(recognizer, context, "buy 10 Power BI Pro for Contoso, 1 year term, billed monthly")
    assert result.slots["term"] == "1 year" and result.slots["billing_cycle"] == "monthly"
    result = rec(recognizer, context, "Azure usage analytics for Fabrikam for the last 30 days")
    assert result.slots["period"] == "the last 30 days"
