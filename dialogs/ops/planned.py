"""Every intent of the contract that has no handler yet is still declared, so the bot answers honestly.

The dispatcher tells the user the operation is not available yet instead of guessing or failing; `partnerbot
operations` lists these as "planned". `dialogs.ops` calls `declare_planned()` after every area module: it only
fills ids nobody declared.
"""

from __future__ import annotations

from dialogs.registry import DEFAULT_ROLE, Kind, Operation, Param, ParamType, registry
from intents.contract import load_intents

_ENTITY_SLOTS = {"customer": ParamType.CUSTOMER, "subscription": ParamType.SUBSCRIPTION, "user": ParamType.USER,
                 "quantity": ParamType.INT}


def declare_planned() -> int:
    added = 0
    for intent in load_intents().values():
        if intent.id in registry:
            continue
        params = tuple(Param(s, _ENTITY_SLOTS.get(s, ParamType.TEXT), required=False) for s in intent.slots)
        kind = Kind(intent.kind)
        registry.add(Operation(id=intent.id, kind=kind, area=intent.id.split(".")[0], params=params,
                               role=DEFAULT_ROLE[kind], handler=None, summary=intent.summary))
        added += 1
    return added



