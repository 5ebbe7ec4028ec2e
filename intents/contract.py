"""The intent contract (ids, kinds, slot names), loaded from the project's own copy of intents.yaml.

Kept as a copy inside the package so the bot does not depend on the read-only shared folder at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).with_name("intents.yaml")


@dataclass(frozen=True)
class IntentSpec:
    """One intent of the contract: id, kind (read | change | purchase), summary and allowed slot names."""

    id: str
    kind: str
    summary: str
    slots: tuple[str, ...]


@lru_cache(maxsize=4)
def load_intents(path: str | Path = CONTRACT_PATH) -> dict[str, IntentSpec]:
    """Intents by id, in contract order."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {
        item["id"]: IntentSpec(
            item["id"], item["kind"], item.get("summary", ""), tuple(item.get("slots") or [])
        )
        for item in data["intents"]
    }


@lru_cache(maxsize=4)
def slot_names(path: str | Path = CONTRACT_PATH) -> dict[str, str]:
    """Slot name -> description."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return dict(data["slot_names"])
