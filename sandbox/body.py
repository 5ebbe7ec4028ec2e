"""Request-body helpers: case-insensitive property access and enum parsing (api.md §1.4).

The official SDK sends PascalCase, the docs mix casings, so every lookup ignores case; enums arrive as
`OneTime`, `one_time`, `ONETIME` or integers and are normalised to the wire's lower snake_case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.errors import invalid_input

_MISSING = object()


def _fold(key: str) -> str:
    return key.replace("_", "").casefold()


class Body:
    """Read-only, case-insensitive view of a JSON object (nested objects are wrapped on access)."""

    def __init__(self, data: Mapping[str, Any] | None, path: str = "") -> None:
        self.raw: dict[str, Any] = dict(data or {})
        self.path = path
        self._index = {_fold(k): k for k in self.raw}

    def __contains__(self, key: str) -> bool:
        return _fold(key) in self._index

    def has(self, *names: str) -> bool:
        return any(n in self for n in names)

    def get(self, *names: str, default: Any = None) -> Any:
        """Value of the first present name (aliases allowed, e.g. 'catalogItemId', 'catalogId')."""
        for name in names:
            real = self._index.get(_fold(name))
            if real is not None:
                value = self.raw[real]
                return Body(value, self._sub(name)) if isinstance(value, dict) else value
        return default

    def _sub(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def obj(self, name: str, *, required: bool = False) -> Body:
        value = self.get(name, default=_MISSING)
        if value is _MISSING or value is None:
            if required:
                raise invalid_input(f"The property '{self._sub(name)}' is required.")
            return Body({}, self._sub(name))
        if not isinstance(value, Body):
            raise invalid_input(f"The property '{self._sub(name)}' must be an object.")
        return value

    def list(self, name: str, *, required: bool = False) -> list[Any]:
        value = self.get(name, default=None)
        if value is None:
            if required:
                raise invalid_input(f"The property '{self._sub(name)}' is required.")
            return []
        if not isinstance(value, list):
            raise invalid_input(f"The property '{self._sub(name)}' must be an array.")
        return [Body(v, f"{self._sub(name)}[{i}]") if isinstance(v, dict) else v for i, v in enumerate(value)]

    def str(self, name: str, *, required: bool = False, min_len: int = 0, max_len: int | None = None,
            default: str | None = None) -> str | None:
        value = self.get(name, default=None)
        if value is None or (required and value == ""):
            if required:
                raise invalid_input(f"The property '{self._sub(name)}' is required.")
            return default
        if not isinstance(value, str):
            raise invalid_input(f"The property '{self._sub(name)}' must be a string.")
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            limits = f"{min_len}..{max_len}" if max_len is not None else f">= {min_len}"
            raise invalid_input(f"The length of '{self._sub(name)}' must be {limits} characters.")
        return value

    def int(self, name: str, *, required: bool = False, default: int | None = None,
            minimum: int | None = None) -> int | None:
        value = self.get(name, default=None)
        if value is None:
            if required:
                raise invalid_input(f"The property '{self._sub(name)}' is required.")
            return default
        return as_int(value, self._sub(name), minimum=minimum)

    def bool(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self.get(name, default=None)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise invalid_input(f"The property '{self._sub(name)}' must be a boolean.")

    def enum(self, name: str, allowed: Iterable[str], *, required: bool = False,
             default: str | None = None) -> str | None:
        value = self.get(name, default=None)
        if value is None:
            if required:
                raise invalid_input(f"The property '{self._sub(name)}' is required.")
            return default
        return parse_enum(value, allowed, self._sub(name))


def as_int(value: Any, what: str, *, minimum: int | None = None) -> int:
    """Accept JSON integers (and integral floats / digit strings, as the SDK's Newtonsoft would)."""
    if isinstance(value, bool):
        raise invalid_input(f"The property '{what}' must be an integer.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise invalid_input(f"The property '{what}' must be an integer.")
    if minimum is not None and value < minimum:
        raise invalid_input(f"The property '{what}' must be at least {minimum}.")
    if abs(value) > 2**31 - 1:
        raise invalid_input(f"The property '{what}' is out of range.")
    return value


def enum_key(value: str) -> str:
    """'OneTime' / 'one_time' / 'ONE-TIME' / 'onetime' -> 'onetime' (comparison key)."""
    return re.sub(r"[\s_\-]", "", value).casefold()


def parse_enum(value: Any, allowed: Iterable[str], what: str) -> str:
    """Map any casing (or the SDK's integer index) onto one of `allowed` (wire spellings); else 400."""
    allowed = list(allowed)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(allowed):
        return allowed[value]
    if isinstance(value, str):
        key = enum_key(value)
        for candidate in allowed:
            if enum_key(candidate) == key:
                return candidate
    raise invalid_input(f"The value '{value}' is not valid for '{what}'. Allowed: {', '.join(allowed)}.")


def lower_camel(key: str) -> str:
    return key[:1].lower() + key[1:] if key else key


def merge_ci(target: dict[str, Any], patch: Mapping[str, Any], *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Copy `patch` onto `target` matching keys case-insensitively; new keys are stored lowerCamelCase."""
    skipped = {_fold(s) for s in skip}
    index = {_fold(k): k for k in target}
    for key, value in patch.items():
        folded = _fold(key)
        if folded in skipped:
            continue
        real = index.get(folded, lower_camel(key))
        if isinstance(value, dict) and isinstance(target.get(real), dict):
            merge_ci(target[real], value)
        else:
            target[real] = to_camel(value)
    return target


def to_camel(value: Any) -> Any:
    """Recursively rename object keys to lowerCamelCase (the wire casing of responses)."""
    if isinstance(value, dict):
        return {lower_camel(k): to_camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_camel(v) for v in value]
    return value


def to_pascal(value: Any) -> Any:
    """Recursively rename keys to PascalCase (audit resource values are serialised that way)."""
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:]): to_pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_pascal(v) for v in value]
    return value
