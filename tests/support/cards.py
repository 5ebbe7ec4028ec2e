"""Shared test helpers for Adaptive Cards: schema 1.5 validation with a precise error path, size limit, and the
card action contract (/work/notes/card_actions.md).

    from tests.support.cards import validate_card, iter_actions, assert_action_contract
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import adaptive_cards
from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

MAX_CARD_BYTES = 28 * 1024
SCHEMA_FILE = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json"


# Teams chart elements (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/
# charts-in-adaptive-cards) are not in the 1.5 schema; these fragments describe the shape PartnerBot sends, so a
# chart is validated like any other element instead of being skipped. Unknown properties are errors here too.
_NUMBER = {"type": "number"}
_X = {"type": ["string", "number"]}
_COLOR = {"type": "string"}
_POINT = {"type": "object", "required": ["x", "y"], "additionalProperties": False,
          "properties": {"x": _X, "y": _NUMBER, "color": _COLOR}}
_SERIES = {"type": "object", "required": ["legend", "values"], "additionalProperties": False,
           "properties": {"legend": {"type": "string"}, "values": {"type": "array", "items": _POINT},
                          "color": _COLOR}}
_SLICE = {"type": "object", "required": ["legend", "value"], "additionalProperties": False,
          "properties": {"legend": {"type": "string"}, "value": _NUMBER, "color": _COLOR}}
_AXES = {"xAxisTitle": {"type": "string"}, "yAxisTitle": {"type": "string"}}
CHART_ELEMENTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # type: (schema of one item of "data", extra properties)
    "Chart.VerticalBar": (_POINT, {**_AXES, "showBarValues": {"type": "boolean"}, "color": _COLOR}),
    "Chart.VerticalBar.Grouped": (_SERIES, {**_AXES, "showBarValues": {"type": "boolean"},
                                            "stacked": {"type": "boolean"}}),
    "Chart.HorizontalBar": (_POINT, {**_AXES, "color": _COLOR, "displayMode": {
        "enum": ["AbsoluteWithAxis", "AbsoluteNoAxis", "PartToWhole"]}}),
    "Chart.Line": (_SERIES, {**_AXES, "color": _COLOR}),
    "Chart.Pie": (_SLICE, {}),
    "Chart.Donut": (_SLICE, {}),
}


def _chart_definition(kind: str, item: dict[str, Any], extra: dict[str, Any],
                      element: dict[str, Any]) -> dict[str, Any]:
    common = {key: value for key, value in element["properties"].items()}  # fallback, spacing, id, ...
    return {
        "type": "object", "additionalProperties": False, "required": ["type", "data"],
        "allOf": [{"$ref": "#/definitions/Extendable.Element"}],
        "properties": {**common, "type": {"enum": [kind]}, "title": {"type": "string"},
                       "showTitle": {"type": "boolean"}, "colorSet": {"type": "string"},
                       "horizontalAlignment": {"$ref": "#/definitions/HorizontalAlignment"},
                       "data": {"type": "array", "minItems": 1, "items": item}, **extra},
    }


@cache
def _validator() -> Draft6Validator:
    definitions = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["definitions"]
    for kind, (item, extra) in CHART_ELEMENTS.items():
        definitions[kind] = _chart_definition(kind, item, extra, definitions["Extendable.Element"])
        definitions["ImplementationsOf.Element"]["anyOf"].append(
            {"required": ["type"], "allOf": [{"$ref": f"#/definitions/{kind}"}]})
    return Draft6Validator({"$ref": "#/definitions/AdaptiveCard", "definitions": definitions})


def json_path(parts: Any) -> str:
    """["body", 3, "items", 0] -> "$.body[3].items[0]"."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _is_type_mismatch(error: ValidationError, at: list[Any]) -> bool:
    """True when `error` says the element at `at` is not the branch's type (its "type" enum did not match)."""
    path = list(error.absolute_path)
    return (error.validator == "enum" and path == [*at, "type"]) or (
        error.validator == "required" and path == at and "'type'" in error.message
    )


def _leaf(error: ValidationError) -> tuple[list[Any], str]:
    """Descend through anyOf/allOf into the branch whose "type" matches, to the deepest concrete error."""
    at = list(error.absolute_path)
    if not error.context:
        return at, error.message
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    matching = [errs for errs in branches.values() if not any(_is_type_mismatch(e, at) for e in errs)]
    if not matching:
        instance = error.instance
        kind = instance.get("type") if isinstance(instance, dict) else None
        if isinstance(instance, dict) and kind is None:
            return at, "element has no 'type'"
        if isinstance(instance, dict):
            return at, f"unknown or misplaced element type {kind!r}"
        return at, error.message
    if len(matching) > 1:
        return at, error.message
    leaves = [_leaf(sub) for sub in matching[0]]
    return max(leaves, key=lambda leaf: len(leaf[0]))


def schema_errors(card: Any) -> list[str]:
    """Every schema error as "<json path>: <message>", first in document order."""
    errors = sorted(_validator().iter_errors(card), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{json_path(path)}: {message}" for path, message in (_leaf(e) for e in errors)]


def validate_card(card: Any) -> None:
    """Assert `card` is a valid Adaptive Card 1.5 (official schema) and under the Teams size limit (28 KB).

    Raises AssertionError naming the JSON path of the first schema error, e.g.
    "$.body[2].facts[0].value: 5 is not of type 'string'".
    """
    errors = schema_errors(card)
    if errors:
        raise AssertionError(f"invalid Adaptive Card: {errors[0]}" + (
            f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
    if card.get("version") != "1.5":
        raise AssertionError(f"$.version: expected '1.5', got {card.get('version')!r}")
    size = len(json.dumps(card).encode("utf-8"))
    if size >= MAX_CARD_BYTES:
        raise AssertionError(f"card is {size} bytes, over the {MAX_CARD_BYTES}-byte Teams limit")


def iter_actions(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every action object (Action.* in actions, ActionSets, selectAction, refresh) with its JSON path."""
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            yield path, node
        for key, value in node.items():
            yield from iter_actions(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_actions(value, f"{path}[{index}]")


_PB_KEYS = {
    "confirm": {"flow"},
    "decline": {"flow"},
    "cancel": {"flow"},
    "form": {"flow"},
    "choose": {"flow", "slot", "choice"},
    "run": {"op", "params"},
    "more": {"op", "params", "page"},
}
_PB_OPTIONAL = {"choose": {"choice"}, "more": {"offset"}}
_APPROVAL_VERBS = {"approve", "reject", "withdraw", "refresh"}


def check_action_data(action: dict[str, Any]) -> None:
    """Assert one action follows the card action contract."""
    kind = action["type"]
    if kind == "Action.Submit":
        data = action.get("data")
        assert isinstance(data, dict), f"Action.Submit data must be a dict, got {data!r}"
        pb = data.get("pb")
        assert pb in _PB_KEYS, f"unknown pb {pb!r} in {data!r}"
        keys = set(data) - {"pb"}
        required = _PB_KEYS[pb] - _PB_OPTIONAL.get(pb, set())
        assert required <= keys, f"{pb}: missing {required - keys} in {data!r}"
        assert keys <= _PB_KEYS[pb] | _PB_OPTIONAL.get(pb, set()), f"{pb}: unexpected {keys - _PB_KEYS[pb]}"
        for key in ("flow", "op", "slot"):
            if key in data:
                assert isinstance(data[key], str) and data[key], f"{pb}.{key} must be a non-empty string"
        if "params" in data:
            assert isinstance(data["params"], dict), f"{pb}.params must be a dict"
            json.dumps(data["params"])
        if pb == "more":
            assert isinstance(data["page"], int) and data["page"] >= 0, "more.page must be an int >= 0"
            assert isinstance(data.get("offset", 0), int), "more.offset must be an int"
    elif kind == "Action.Execute":
        assert action.get("verb") in _APPROVAL_VERBS, f"unknown verb {action.get('verb')!r}"
        data = action.get("data")
        assert isinstance(data, dict) and set(data) == {"request_id", "version"}, f"Execute data {data!r}"
        assert isinstance(data["request_id"], str) and isinstance(data["version"], int)
    elif kind in ("Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility"):
        return
    else:
        raise AssertionError(f"unexpected action type {kind!r}")


def assert_action_contract(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Check every action of the card (incl. refresh) against the contract; returns the actions found."""
    found = []
    for path, action in iter_actions(card):
        try:
            check_action_data(action)
        except AssertionError as exc:
            raise AssertionError(f"{path}: {exc}") from None
        found.append(action)
    return found


def card_texts(card: Any) -> list[str]:
    """All visible strings of a card (TextBlock text, fact titles/values, action titles, choices), in order."""
    out: list[str] = []
    if isinstance(card, dict):
        for key in ("text", "title", "value", "label", "placeholder", "errorMessage", "fallbackText"):
            if isinstance(card.get(key), str):
                out.append(card[key])
        for key, value in card.items():
            if key not in ("data",):
                out.extend(card_texts(value))
    elif isinstance(card, list):
        for value in card:
            out.extend(card_texts(value))
    return out


def card_text(card: Any) -> str:
    """All visible strings joined by newlines (for "the card mentions X" assertions)."""
    return "\n".join(card_texts(card))
