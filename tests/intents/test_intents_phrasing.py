"""Phrasings the recognizer must generalise to: conversation commands, politeness, contractions, zh-TW."""

from __future__ import annotations

import pytest

from intents.offline import OfflineRecognizer


def test_warm_up_builds_the_model_once():
    recognizer = OfflineRecognizer()
    recognizer.warm_up()
    model = recognizer.model
    recognizer.warm_up()
    assert recognizer.model is model
    assert OfflineRecognizer().model is model  # shared by every instance using the bundled training data


@pytest.mark.parametrize("text", ["whoami", "who am i", "Who am I?", "whoami?", "which account am I signed in with"])
def test_whoami(recognizer, context, text):
    assert recognizer.recognize_sync(text, context).intent == "whoami"


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("can you verify MPN 4455667 for me please", "partner.verify_mpn", {"mpn_id": "4455667"}),
    ("what's the price of Business Premium?", "catalog.offer", {"offer": "Business Premium"}),
    ("could you show Contoso's subs", "subscriptions.list", {"customer": "Contoso"}),
    ("get rid of Fabrikam's Visio Plan 2 subscription", "subscriptions.cancel",
     {"customer": "Fabrikam", "subscription": "Visio Plan 2"}),
    ("buy 3 B4ms reserved instances for Litware for 1 year", "orders.purchase_reservation",
     {"quantity": "3", "offer": "B4ms", "customer": "Litware", "term": "1 year"}),
    ("stop auto renewal on Contoso's E5", "subscriptions.set_autorenew", {"customer": "Contoso", "subscription": "E5"}),
])
def test_polite_and_contracted_requests(recognizer, context, text, intent, slots):
    result = recognizer.recognize_sync(text, context)
    assert (result.intent, result.slots) == (intent, slots)


@pytest.mark.parametrize("text", ["play some jazz", "how do I bake sourdough bread", "buy 3 seats for the cinema",
                                  "取消我的健身房會員"])
def test_everyday_requests_are_out_of_scope(recognizer, context, text):
    result = recognizer.recognize_sync(text, context)
    assert result.intent == "none" and result.slots == {}


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("顯示 Contoso 的訂閱", "subscriptions.list", {"customer": "Contoso"}),
    ("幫 Fabrikam 的 Business Premium 加 5 個授權", "subscriptions.change_quantity",
     {"customer": "Fabrikam", "subscription": "Business Premium", "quantity": "5"}),
    ("把 Litware 的 E3 授權數改成三十", "subscriptions.change_quantity",
     {"customer": "Litware", "subscription": "E3", "quantity": "30"}),
    ("不要暫停，幫我恢復 Contoso 的 E5 訂閱", "subscriptions.reactivate",
     {"customer": "Contoso", "subscription": "E5"}),
    ("幫 Wingtip Toys 買十二套 Teams Essentials", "orders.purchase",
     {"customer": "Wingtip Toys", "quantity": "12", "offer": "Teams Essentials"}),
    ("列出上個月的發票", "invoices.list", {"period": "上個月"}),
])
def test_traditional_chinese_main_intents(recognizer, context, text, intent, slots):
    result = recognizer.recognize_sync(text, context)
    assert (result.intent, result.slots) == (intent, slots)


def test_names_with_dots_and_countries(recognizer):
    from intents.customers import CustomerDirectory
    from intents.recognizer import RecognitionContext

    directory = CustomerDirectory.from_records([{"companyName": "St. Mary's Clinic", "domain": "stmarys.com"}])
    context = RecognitionContext(customers=directory)
    result = recognizer.recognize_sync("is St. Mary's Clinic a nonprofit?", context)
    assert (result.intent, result.slots) == ("customers.qualification", {"customer": "St. Mary's Clinic"})
    result = recognizer.recognize_sync("change the usage location of ana@stmarys.com to Ireland", context)
    assert result.slots == {"user": "ana@stmarys.com"}


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("show order a3f9c20b1e4d for Contoso", "orders.get", {"order": "a3f9c20b1e4d", "customer": "Contoso"}),
    ("show invoice D0OFMSS27D", "invoices.get", {"invoice": "D0OFMSS27D"}),
    ("add seats to the E3 one", "subscriptions.change_quantity", {"subscription": "E3"}),
    ("add one seat to Contoso's E3", "subscriptions.change_quantity",
     {"quantity": "1", "customer": "Contoso", "subscription": "E3"}),
])
def test_ids_named_by_context_and_pronoun_one(recognizer, context, text, intent, slots):
    result = recognizer.recognize_sync(text, context)
    assert (result.intent, result.slots) == (intent, slots)


@pytest.mark.parametrize(("text", "intent"), [
    ("change seats", "subscriptions.change_quantity"), ("purchase licences", "orders.purchase"),
    ("new ticket", "service_requests.create"), ("show orders", "orders.list"),
    ("pending approvals", "approvals.pending"),
])
def test_terse_commands(recognizer, text, intent):
    assert recognizer.recognize_sync(text).intent == intent
