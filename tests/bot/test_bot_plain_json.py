"""bot.plain_json gives jsonpickle's exact text and values, taking the json path only where that is the same."""

from __future__ import annotations

import json
import random
from enum import StrEnum

import jsonpickle
import pytest
from botbuilder.core import StoreItem

from bot import plain_json


class Color(StrEnum):
    RED = "red"


def _random_plain(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        return rng.choice([None, True, False, 0, -7, 2**70, 1.5, -0.0, "", "text", "é 中文 \n \"q\"", "py/ text"])
    if roll < 0.7:
        return {rng.choice(["a", "b", "flow", "e_tag", "中", "json://1", " "]) + str(i): _random_plain(rng, depth + 1)
                for i in range(rng.randint(0, 4))}
    return [_random_plain(rng, depth + 1) for _ in range(rng.randint(0, 4))]


@pytest.mark.parametrize("seed", range(40))
def test_random_plain_data_encodes_and_decodes_exactly_like_jsonpickle(seed):
    value = _random_plain(random.Random(seed))
    assert plain_json.is_plain(value)
    text = jsonpickle.encode(value)
    assert plain_json.encode(value) == text
    assert plain_json.decode(text) == jsonpickle.decode(text) == value
    assert plain_json.state_hash(value) == plain_json.state_hash(json.loads(text))


shared = {"id": "c1"}
shared_list = [1, 2]


@pytest.mark.parametrize("value", [
    {"a": shared, "b": shared},  # jsonpickle writes the second as a py/id reference
    {"a": shared_list, "b": shared_list},
    {"t": (1, 2)},
    {"s": {1, 2}},
    {1: "int key"},
    {"py/object": "looks like a tag"},
    {"enum": Color.RED},
    {"item": StoreItem(name="x", e_tag="*")},
    (1, 2),
])
def test_anything_else_goes_through_jsonpickle(value):
    assert not plain_json.is_plain(value)
    text = plain_json.encode(value)
    assert text == jsonpickle.encode(value)
    restored, expected = plain_json.decode(text), jsonpickle.decode(text)
    assert type(restored) is type(expected)
    assert jsonpickle.encode(restored) == jsonpickle.encode(expected)


def test_shared_containers_stay_shared_after_a_round_trip():
    inner = {"id": "c1"}
    restored = plain_json.decode(plain_json.encode({"flow": inner, "ctx": inner}))
    assert restored["flow"] is restored["ctx"]


def test_state_hash_changes_with_the_content():
    state = {"engine": {"users": {"u1": {"flow": None}}}}
    before = plain_json.state_hash(state)
    state["engine"]["users"]["u1"]["flow"] = {"op": "subscriptions.list"}
    assert plain_json.state_hash(state) != before
    assert plain_json.state_hash({"x": (1,)}) != plain_json.state_hash({"x": [1]})


def test_msrest_sends_a_card_activity_unchanged_by_the_plain_object_shortcut():
    import botbuilder.schema as schema
    from botbuilder.schema import Activity, Attachment
    from msrest.serialization import Serializer

    from bot import server

    card = {"type": "AdaptiveCard", "version": "1.5", "body": [
        {"type": "TextBlock", "text": f"é row {i}", "wrap": True, "n": i, "f": 1.5, "x": None} for i in range(5)]}
    activity = Activity(type="message", text="hi", channel_data={"notification": {"alert": True}, "l": [1, "a"]},
                        attachments=[Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card),
                                     Attachment(content_type="x", content={1: "non-string key", "t": (1, 2)})])
    models = {k: v for k, v in vars(schema).items() if isinstance(v, type)}
    assert Serializer.serialize_object is server._serialize_plain_object
    fast = Serializer(models).body(activity, "Activity")
    try:
        Serializer.serialize_object = server._serialize_object
        slow = Serializer(models).body(activity, "Activity")
    finally:
        Serializer.serialize_object = server._serialize_plain_object
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    assert fast["attachments"][0]["content"] == card
