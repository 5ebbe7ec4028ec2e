"""The shared validate_card helper must fail, and say exactly where, for broken cards."""

from __future__ import annotations

import copy

import pytest

import cards
from cards.elements import CardTooLargeError, adaptive_card, text
from tests.support.cards import assert_action_contract, validate_card

GOOD = {
    "type": "AdaptiveCard", "version": "1.5", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "body": [
        {"type": "TextBlock", "text": "Hi", "wrap": True},
        {"type": "Container", "items": [{"type": "FactSet", "facts": [{"title": "a", "value": "b"}]}]},
    ],
    "actions": [{"type": "Action.Submit", "title": "Go", "data": {"pb": "confirm", "flow": "f"}}],
}


def _broken(mutate) -> dict:
    card = copy.deepcopy(GOOD)
    mutate(card)
    return card


def test_good_card_passes():
    validate_card(GOOD)


@pytest.mark.parametrize("mutate,expected", [
    (lambda c: c["body"][1]["items"][0]["facts"][0].update(value=5),
     "$.body[1].items[0].facts[0].value: 5 is not of type 'string'"),
    (lambda c: c["body"][1]["items"].append({"type": "Bogus"}), "$.body[1].items[1]: unknown or misplaced"),
    (lambda c: c["body"].append({"text": "no type"}), "$.body[2]: element has no 'type'"),
    (lambda c: c["body"][0].update(colour="red"), "$.body[0]: Additional properties are not allowed"),
    (lambda c: c["body"][0].pop("text"), "$.body[0]: 'text' is a required property"),
    (lambda c: c["actions"][0].update(data=3), "$.actions[0].data"),
    (lambda c: c.update(version="1.6"), "$.version: expected '1.5'"),
])
def test_broken_cards_fail_with_the_precise_path(mutate, expected):
    with pytest.raises(AssertionError) as info:
        validate_card(_broken(mutate))
    assert expected in str(info.value)


def test_oversized_card_fails():
    card = _broken(lambda c: c["body"].append({"type": "TextBlock", "text": "x" * 29_000}))
    with pytest.raises(AssertionError, match="over the 28672-byte Teams limit"):
        validate_card(card)


def test_envelope_refuses_oversized_cards_and_facts_are_cut():
    with pytest.raises(CardTooLargeError):
        adaptive_card([text("y" * 30_000)], locale="en-US", fallback_text="big")
    card = cards.result_card("ok", details=[(f"x{i}", "y" * 30_000) for i in range(5)])
    validate_card(card)


@pytest.mark.parametrize("data,expected", [
    ({"pb": "confirm"}, "missing"),
    ({"pb": "launch", "flow": "f"}, "unknown pb"),
    ({"pb": "run", "op": "x", "params": {}, "extra": 1}, "unexpected"),
    ({"pb": "more", "op": "x", "params": {}, "page": "2"}, "more.page"),
])
def test_action_contract_check_catches_bad_payloads(data, expected):
    card = _broken(lambda c: c["actions"][0].update(data=data))
    with pytest.raises(AssertionError, match=expected):
        assert_action_contract(card)


def test_execute_data_must_be_only_request_id_and_version():
    card = _broken(lambda c: c["actions"].append(
        {"type": "Action.Execute", "verb": "approve", "data": {"request_id": "r", "version": 1, "role": "approver"}}))
    with pytest.raises(AssertionError, match="Execute data"):
        assert_action_contract(card)
