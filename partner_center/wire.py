"""JSON wire helpers: camelCase request bodies, tolerant value coercion, lenient enum and date parsing.

Partner Center answers camelCase and accepts request keys case-insensitively (api.md §1.4); we always send
camelCase so that snake_case dicts written by callers still reach the service in the documented form.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

E = TypeVar("E", bound=enum.Enum)

# Values of these keys are free-form maps whose keys are data, not property names: never rename them.
_OPAQUE_MAPS = frozenset({"provisioningContext", "dynamicAttributes", "parameters", "additionalInfo", "tags"})


def to_camel(name: str) -> str:
    """`auto_renew_enabled` -> `autoRenewEnabled`; names without underscores are left exactly as given."""
    if "_" not in name or name.startswith("_"):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest if part)


def to_wire_value(value: Any) -> Any:
    """Turn a caller's body (dicts with snake/camel keys, models, enums, datetimes) into JSON-ready data."""
    to_wire = getattr(value, "to_wire", None)
    if callable(to_wire):
        return to_wire()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            wire_key = to_camel(str(key))
            out[wire_key] = dict(item) if wire_key in _OPAQUE_MAPS and isinstance(item, Mapping) else (
                to_wire_value(item)
            )
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_wire_value(item) for item in value]
    return value


def dig(data: Any, path: Sequence[str]) -> Any:
    """Follow a key path; exact key first, then a case-insensitive match (some services answer PascalCase)."""
    current = data
    for key in path:
        if not isinstance(current, Mapping):
            return None
        if key in current:
            current = current[key]
            continue
        lowered = key.lower()
        for candidate, value in current.items():
            if isinstance(candidate, str) and candidate.lower() == lowered:
                current = value
                break
        else:
            return None
    return current


_NORMALIZE = re.compile(r"[\s_\-]+")
_ENUM_LOOKUPS: dict[type, dict[str, Any]] = {}


def _norm(text: str) -> str:
    return _NORMALIZE.sub("", text).lower()


def coerce_enum(enum_cls: type[E], value: Any) -> E | Any:
    """Known value -> enum member (case/underscore-insensitive); unknown -> the raw value, never an exception.

    Integers are mapped by declaration order only for enums marked `_int_ordered_` (older service request
    payloads send `"status": 1`); otherwise an integer is returned unchanged.
    """
    if value is None or isinstance(value, enum_cls):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        members = list(enum_cls)
        if getattr(enum_cls, "_int_ordered_", False) and 0 <= value < len(members):
            return members[value]
        return value
    if not isinstance(value, str):
        return value
    lookup = _ENUM_LOOKUPS.get(enum_cls)
    if lookup is None:
        lookup = {_norm(str(member.value)): member for member in enum_cls}
        lookup.update({_norm(member.name): member for member in enum_cls})
        _ENUM_LOOKUPS[enum_cls] = lookup
    return lookup.get(_norm(value), value)


def parse_datetime(value: Any) -> datetime | None:
    """ISO-8601 with 0-7 fractional digits and Z/offset; `0001-01-01...` (the service's "empty") -> None."""
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("0001-01-01"):
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    match = re.match(r"^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$", text)
    if match:  # Python accepts at most 6 fractional digits in every version we support
        text = f"{match.group(1)}.{match.group(2)[:6].ljust(6, '0')}{match.group(3)}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def as_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no"}:
            return False
        return None
    if isinstance(value, (int, float)):
        return bool(value)
    return None


def as_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
