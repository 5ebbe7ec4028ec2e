"""jsonpickle's text for plain JSON data, without jsonpickle's per-value cost.

Bot state is almost always plain JSON (dicts with string keys, lists, strings, numbers, booleans, None), for
which jsonpickle writes exactly what `json.dumps` writes — but walks every value in Python first, which made
state encoding, decoding and botbuilder's change check (`CachedBotState.compute_hash`) a visible share of a
turn's CPU. `encode`/`decode` take the `json` path when that gives the same result and hand everything else
(objects, tuples, sets, non-string keys, a container that appears twice, which jsonpickle writes as a
`py/id` reference) to jsonpickle, so stored text and restored values are unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from jsonpickle import encode as _jsonpickle_encode
from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler

_SCALARS = (str, int, float, bool, type(None))
_TAG = '"py/'  # every jsonpickle tag (py/object, py/id, py/tuple, ...) is a key starting with this


def is_plain(value: Any) -> bool:
    """True for JSON data that jsonpickle would write without a tag: no objects, tuples or sets, only string
    keys not starting with "py/", and no dict or list reachable twice (jsonpickle would write a reference)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if id(item) in seen:
                return False
            seen.add(id(item))
            for key, child in item.items():
                if type(key) is not str or key.startswith("py/"):
                    return False
                if type(child) in _SCALARS:
                    continue
                stack.append(child)
        elif kind is list:
            if id(item) in seen:
                return False
            seen.add(id(item))
            for child in item:
                if type(child) not in _SCALARS:
                    stack.append(child)
        elif kind not in _SCALARS:
            return False
    return True


def encode(value: Any) -> str:
    """The text `jsonpickle.encode(value)` returns."""
    if is_plain(value):
        return json.dumps(value)
    return _jsonpickle_encode(value)


def decode(text: str) -> Any:
    """What `jsonpickle.decode(text)` returns (text written by jsonpickle or by `encode`)."""
    data = json.loads(text)
    return restore(data, text)


def restore(data: Any, text: str | None = None) -> Any:
    """jsonpickle's restore of already parsed JSON; `text` (the source) lets untagged data skip the walk."""
    if text is not None and _TAG not in text:
        return data
    return Unpickler().restore(data)


def state_hash(value: Any) -> str:
    """A change-detection key for botbuilder's cached state: equal for equal plain data, like jsonpickle's."""
    if is_plain(value):
        return json.dumps(value)
    return str(Pickler().flatten(value))
