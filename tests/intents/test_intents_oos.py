"""Out-of-scope requests that share vocabulary with real intents must come back as `none`, without slots."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text", [
    "cancel my Netflix subscription",
    "what's the weather in West US",
    "book a flight to Seattle",
    "tell me a joke",
    "order pizza for the team",
    "how do I change my Outlook signature",
    "今天天氣如何",
])
def test_out_of_scope_look_alikes(recognizer, context, text):
    result = recognizer.recognize_sync(text, context)
    assert result.intent == "none"
    assert result.slots == {}


@pytest.mark.parametrize(("text", "intent"), [
    ("cancel Contoso's Microsoft 365 E3 subscription", "subscriptions.cancel"),
    ("cancel", "cancel"),
    ("show Contoso's subscriptions", "subscriptions.list"),
])
def test_in_scope_counterparts(recognizer, context, text, intent):
    assert recognizer.recognize_sync(text, context).intent == intent
