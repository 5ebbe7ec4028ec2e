"""Payloads of card buttons, exactly as /work/notes/card_actions.md defines them (the dialog engine reads them).

Every Action.Submit `data` carries the reserved key "pb" naming what the click means; Teams merges the card's
inputs (Input.* ids) into the same dict. Approval cards use Action.Execute with only {request_id, version}.
Builders never write these dicts by hand: they call the functions below so the contract lives in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RESERVED_KEY = "pb"
KINDS = ("confirm", "decline", "choose", "form", "run", "more", "cancel")
APPROVAL_VERBS = ("approve", "reject", "withdraw", "refresh")
# Input ids a form may not use, because Teams would merge them over the payload keys.
RESERVED_INPUT_IDS = frozenset({RESERVED_KEY, "flow", "slot", "choice", "op", "params", "page", "offset"})


def _require(value: Any, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")


def confirm(flow: str) -> dict[str, Any]:
    """Confirm the pending change/purchase shown on a confirmation card."""
    _require(flow, "flow")
    return {RESERVED_KEY: "confirm", "flow": flow}


def decline(flow: str) -> dict[str, Any]:
    """Decline the pending change (changes nothing)."""
    _require(flow, "flow")
    return {RESERVED_KEY: "decline", "flow": flow}


def choose(flow: str, slot: str, choice: Any = None) -> dict[str, Any]:
    """Pick one option of a choice card. Without `choice` the value comes from the Input.ChoiceSet id "choice"."""
    _require(flow, "flow")
    _require(slot, "slot")
    data: dict[str, Any] = {RESERVED_KEY: "choose", "flow": flow, "slot": slot}
    if choice is not None:
        data["choice"] = choice
    return data


def form(flow: str) -> dict[str, Any]:
    """Submit a form card; its inputs arrive as other keys (ids = parameter names)."""
    _require(flow, "flow")
    return {RESERVED_KEY: "form", "flow": flow}


def cancel(flow: str) -> dict[str, Any]:
    """Cancel the pending flow."""
    _require(flow, "flow")
    return {RESERVED_KEY: "cancel", "flow": flow}


def run(op: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Start an operation from a button; it passes the same dispatcher gates as typed text."""
    _require(op, "op")
    return {RESERVED_KEY: "run", "op": op, "params": dict(params or {})}


def more(op: str, params: Mapping[str, Any] | None, page: int, offset: int | None = None) -> dict[str, Any]:
    """"Show more" on a list card: page `page` of operation `op`.

    `offset` (an addition to the contract, only emitted when a page did not fit in one card) asks for page
    `page` starting at item `offset`; an engine that pages by item count can treat it as a skip.
    """
    _require(op, "op")
    if not isinstance(page, int) or isinstance(page, bool) or page < 0:
        raise ValueError(f"page must be a non-negative int, got {page!r}")
    data: dict[str, Any] = {RESERVED_KEY: "more", "op": op, "params": dict(params or {}), "page": page}
    if offset:
        data["offset"] = offset
    return data


def approval(request_id: str, version: int) -> dict[str, Any]:
    """Action.Execute data of approval cards: the request id and the version the card was drawn from, nothing else."""
    _require(request_id, "request_id")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"version must be an int, got {version!r}")
    return {"request_id": request_id, "version": version}
