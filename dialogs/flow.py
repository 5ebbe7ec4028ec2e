"""The persisted state of one pending operation ("flow") and of what the conversation is about ("context").

Everything here is JSON-serializable: it lives in bot storage between turns, so a restarted bot continues
the dialog where it stopped.
"""

from __future__ import annotations

import secrets
from typing import Any

from partner_center import clock

FLOW_TTL_SECONDS = 24 * 3600


def new_flow(op_id: str, user_id: str, raw: dict[str, Any], text: str | None = None,
             now: float | None = None, user_name: str = "") -> dict[str, Any]:
    return {
        "id": secrets.token_hex(6),
        "op": op_id,
        "user": user_id,
        "user_name": user_name,
        "raw": {k: v for k, v in raw.items() if v not in (None, "")},
        "values": {},
        "errors": {},
        "stage": "new",
        "awaiting": None,
        "options": [],
        "confirmed": False,
        "text": text,
        "created": now if now is not None else clock.timestamp(),
    }


def user_slot(state: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Per-user slice of a conversation's state: in a group chat every member has their own flow."""
    users = state.setdefault("users", {})
    slot = users.setdefault(user_id, {})
    slot.setdefault("ctx", {})
    slot.setdefault("flow", None)
    return slot


def find_flow_owner(state: dict[str, Any], flow_id: str) -> tuple[str, str] | None:
    """(user id, name) of whoever owns `flow_id`: a slot in `state`, or the conversation's owners record."""
    for user_id, slot in state.get("users", {}).items():
        flow = slot.get("flow")
        if flow and flow.get("id") == flow_id:
            return user_id, flow.get("user_name") or user_id
    owner = (state.get("owners") or {}).get(flow_id)  # see dialogs.flow_store
    if isinstance(owner, list | tuple) and owner:
        return str(owner[0]), str(owner[1] if len(owner) > 1 and owner[1] else owner[0])
    return None


def expired(flow: dict[str, Any], now: float | None = None) -> bool:
    return (now if now is not None else clock.timestamp()) - float(flow.get("created", 0)) > FLOW_TTL_SECONDS
