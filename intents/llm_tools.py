"""Tool definitions for the LLM recognizer: one OpenAI function per available operation.

`intents/` must not import the dialogs registry, so the bot wiring builds the `ToolSpec`s from it and passes
them in. A spec remembers which intent it stands for and which recognizer slot each argument fills.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
MAX_DESCRIPTION = 100


def tool_name(intent_id: str) -> str:
    """A function name OpenAI accepts (`^[A-Za-z0-9_-]{1,64}$`): dots become double underscores."""
    name = _UNSAFE.sub("_", intent_id.replace(".", "__"))
    if not name or len(name) > 64:
        raise ValueError(f"intent id {intent_id!r} gives no valid tool name")
    return name


def short_description(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """One line, at most `limit` characters: tool descriptions are paid for on every request."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class ToolSpec:
    """One operation offered to the model: intent id, function name, description and argument schema."""

    intent: str
    name: str
    description: str
    parameters: Mapping[str, Any]
    # argument name -> recognizer slot name (e.g. "enabled" -> "status"); unnamed arguments keep their name
    slots: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_intent(cls, intent: str, description: str, parameters: Mapping[str, Any],
                   slots: Mapping[str, str] | None = None) -> ToolSpec:
        return cls(intent, tool_name(intent), short_description(description or intent), parameters,
                   dict(slots or {}))

    def slot_for(self, argument: str) -> str:
        return self.slots.get(argument, argument)

    def to_openai(self) -> dict[str, Any]:
        """The `tools` entry of a chat completion request."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description,
                             "parameters": compact_schema(self.parameters)}}


def compact_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema as sent to the model: length limits dropped (validation still uses the full schema)."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in {"minLength", "maxLength"}:
            continue
        if key == "properties" and isinstance(value, Mapping):
            out[key] = {name: compact_schema(sub) for name, sub in value.items()}
        elif key == "required" and not value:
            continue
        else:
            out[key] = value
    return out


def check_unique(tools: Iterable[ToolSpec]) -> dict[str, ToolSpec]:
    """Tools by function name; two intents that map to one name are a wiring error, not a silent overwrite."""
    by_name: dict[str, ToolSpec] = {}
    for tool in tools:
        if tool.name in by_name:
            raise ValueError(f"tools {by_name[tool.name].intent!r} and {tool.intent!r} share the name {tool.name!r}")
        by_name[tool.name] = tool
    return by_name


def estimate_tokens(payload: Any) -> int:
    """A rough token count (about four characters per token of compact JSON); enough to keep requests small."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return (len(text) + 3) // 4
