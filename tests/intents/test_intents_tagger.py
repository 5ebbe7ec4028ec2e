"""The learned slot tagger (averaged perceptron over tokens with gazetteer features) and the zh-TW slots it and the
rules must resolve: Chinese product names, Chinese company names, Chinese numerals. Names and phrasings here are
written for this test, not taken from the training pools."""

from __future__ import annotations

import pytest

from intents.customers import CustomerDirectory
from intents.entities import analyse
from intents.recognizer import RecognitionContext
from intents.tagger import labels_for


def test_labels_follow_the_surface_text():
    assert labels_for("give the Night Owls group Global Reader at Contoso",
                      {"group": "Night Owls", "role": "Global Reader", "customer": "Contoso"}) == [
        "O", "O", "B-group", "I-group", "O", "B-role", "I-role", "O", "B-customer"]
    assert labels_for("add 5 seats", {"quantity": "5"}) == ["O", "O", "O"]
    assert labels_for("add seats", {"customer": "Nowhere"}) is None


@pytest.mark.parametrize(("text", "intent", "slot", "value"), [
    ("give the Night Owls group Security Reader at Contoso", "gdap.assign_group", "group", "Night Owls"),
    ("put the Weekend Crew security group into Fabrikam's GDAP relationship as Global Reader", "gdap.assign_group",
     "group", "Weekend Crew"),
    ("create an Autopilot profile named Loading Dock Scanners for Litware", "devices.create_policy", "policy",
     "Loading Dock Scanners"),
    ("show devices in the Spring Intake Chromebooks batch at Contoso", "devices.list", "batch",
     "Spring Intake Chromebooks"),
])
def test_the_tagger_finds_names_it_never_saw(recognizer, context, text, intent, slot, value):
    tagged = recognizer.model.tagger.tag(analyse(text, context.customers), intent,
                                         ("customer", "group", "role", "policy", "batch"))
    assert tagged.get(slot) == value


ZH_DIRECTORY = CustomerDirectory.from_records([
    {"companyName": "台北精機", "domain": "taipeiprecision.onmicrosoft.com"},
    {"companyName": "綠洲咖啡", "domain": "oasiscafe.onmicrosoft.com"},
    {"companyName": "綠洲咖啡烘焙", "domain": "oasisroast.onmicrosoft.com"},
    {"companyName": "Contoso", "domain": "contoso.onmicrosoft.com"},
])


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("幫綠洲咖啡的 Microsoft 365 商務進階版加十二個授權", "subscriptions.change_quantity",
     {"customer": "綠洲咖啡", "subscription": "Microsoft 365 商務進階版", "quantity": "12"}),
    ("把台北精機的商務基本版減少三個授權", "subscriptions.change_quantity",
     {"customer": "台北精機", "subscription": "商務基本版", "quantity": "3"}),
    ("為綠洲咖啡烘焙購買二十五套商務標準版", "orders.purchase",
     {"customer": "綠洲咖啡烘焙", "offer": "商務標準版", "quantity": "25"}),
    ("台北精機的商務進階版還能取消嗎？", "subscriptions.cancellation_window",
     {"customer": "台北精機", "subscription": "商務進階版"}),
])
def test_chinese_products_companies_and_numerals(recognizer, text, intent, slots):
    result = recognizer.recognize_sync(text, RecognitionContext(locale="zh-TW", customers=ZH_DIRECTORY))
    assert result.intent == intent
    assert result.slots == slots
