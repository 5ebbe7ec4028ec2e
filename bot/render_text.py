"""Adaptive Cards as plain terminal text, for `partnerbot chat`.

`render_card(card)` returns the lines to print plus the card's inputs and actions, which the chat turns into
prompts and numbered choices. Fact sets and tables are aligned in columns; consecutive ColumnSets with the
same number of columns (the usual "list row" layout) are aligned together as one table.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass
class CardInput:
    id: str
    type: str  # Input.Text | Input.Number | Input.ChoiceSet | Input.Toggle | Input.Date | Input.Time
    label: str
    default: str = ""
    required: bool = False
    placeholder: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (title, value)
    multi: bool = False
    minimum: float | None = None
    maximum: float | None = None
    value_on: str = "true"
    value_off: str = "false"
    error_message: str = ""


@dataclass
class CardAction:
    title: str
    type: str  # Action.Submit | Action.Execute | Action.OpenUrl | Action.ShowCard
    verb: str | None = None
    data: Any = None
    url: str | None = None
    card: dict[str, Any] | None = None  # Action.ShowCard
    with_inputs: bool = True  # associatedInputs != "none"


@dataclass
class RenderedCard:
    lines: list[str] = field(default_factory=list)
    inputs: list[CardInput] = field(default_factory=list)
    actions: list[CardAction] = field(default_factory=list)

    def text(self, first_number: int = 1, indent: str = "  ", width: int = 100) -> str:
        """The printable card: body lines, then the actions as numbered choices (wrapped between choices)."""
        out = [indent + line if line else "" for line in self.lines]
        line = ""
        for i, action in enumerate(self.actions):
            choice = f"[{first_number + i}] {action.title}"
            if line and len(line) + 3 + len(choice) > width:
                out.append(indent + line)
                line = ""
            line = f"{line}   {choice}" if line else choice
        if line:
            out.append(indent + line)
        return "\n".join(out)


def plain(text: Any) -> str:
    """Card markdown -> terminal text (links keep their URL, bold markers go)."""
    s = str(text or "")
    s = _MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", s)
    return _MD_BOLD.sub(r"\1", s)


def render_card(card: dict[str, Any], width: int = 100) -> RenderedCard:
    out = RenderedCard()
    _Renderer(out, width).elements(card.get("body") or [])
    for action in card.get("actions") or []:
        _Renderer(out, width).action(action)
    return out


class _Renderer:
    def __init__(self, out: RenderedCard, width: int) -> None:
        self.out = out
        self.width = max(width, 20)

    def emit(self, *lines: str) -> None:
        self.out.lines.extend(lines)

    def elements(self, items: list[Any]) -> None:
        i = 0
        while i < len(items):
            item = items[i]
            if not isinstance(item, dict) or item.get("isVisible") is False:
                i += 1
                continue
            if item.get("type") == "ColumnSet":
                # Rows of a list: consecutive ColumnSets with equal column counts form one table.
                group = [item]
                n = len(item.get("columns") or [])
                while i + 1 < len(items) and isinstance(items[i + 1], dict) \
                        and items[i + 1].get("type") == "ColumnSet" \
                        and len(items[i + 1].get("columns") or []) == n and items[i + 1].get("isVisible") is not False:
                    i += 1
                    group.append(items[i])
                self.column_sets(group)
            else:
                self.element(item)
            i += 1

    def element(self, item: dict[str, Any]) -> None:
        kind = item.get("type")
        if kind == "TextBlock":
            self.text_block(item)
        elif kind == "RichTextBlock":
            text = "".join(plain(r.get("text")) if isinstance(r, dict) else str(r) for r in item.get("inlines") or [])
            self.emit(*(textwrap.wrap(text, self.width) or [""]))
        elif kind == "FactSet":
            self.fact_set(item)
        elif kind == "Table":
            self.table(item)
        elif kind == "ColumnSet":
            self.column_sets([item])
        elif kind == "Container":
            start = len(self.out.lines)
            self.elements(item.get("items") or [])
            if item.get("selectAction"):  # a clickable row: name the button after the row's first line
                first = next((line.strip() for line in self.out.lines[start:] if line.strip()), "")
                self.action(item["selectAction"], fallback_title=first)
        elif kind == "ActionSet":
            for action in item.get("actions") or []:
                self.action(action)
        elif kind == "Image":
            self.emit(f"[image: {item.get('altText') or item.get('url', '')}]")
        elif kind == "ImageSet":
            self.emit(f"[{len(item.get('images') or [])} images]")
        elif isinstance(kind, str) and kind.startswith("Input."):
            self.input(item)
        elif kind:
            self.emit(f"[{kind}]")

    def text_block(self, item: dict[str, Any]) -> None:
        text = plain(item.get("text"))
        lines: list[str] = []
        for para in text.split("\n"):
            lines.extend(textwrap.wrap(para, self.width) or [""])
        if item.get("weight") == "Bolder" and item.get("size") in ("Large", "ExtraLarge", "Medium"):
            lines.append("=" * min(max((len(line) for line in lines), default=0), self.width))
        self.emit(*lines)

    def fact_set(self, item: dict[str, Any]) -> None:
        facts = [(plain(f.get("title")), plain(f.get("value"))) for f in item.get("facts") or [] if isinstance(f, dict)]
        pad = max((len(t) for t, _ in facts), default=0)
        for title, value in facts:
            label = f"{title}:".ljust(pad + 1)
            first, *rest = value.split("\n") or [""]
            self.emit(f"{label}  {first}".rstrip())
            self.emit(*(" " * (pad + 3) + line for line in rest))

    def table(self, item: dict[str, Any]) -> None:
        rows: list[list[str]] = []
        for row in item.get("rows") or []:
            cells = row.get("cells") if isinstance(row, dict) else None
            rows.append([self.cell_text(c.get("items") or []) for c in cells or [] if isinstance(c, dict)])
        header = item.get("firstRowAsHeader", True) and len(rows) > 1
        self.emit(*_aligned(rows, header=bool(header)))

    def column_sets(self, sets: list[dict[str, Any]]) -> None:
        rows = [[self.cell_text(col.get("items") or []) for col in s.get("columns") or [] if isinstance(col, dict)]
                for s in sets]
        self.emit(*_aligned(rows, header=False))
        for s, row in zip(sets, rows, strict=True):  # a row's own button; buttons inside cells came via cell_text
            if s.get("selectAction"):
                self.action(s["selectAction"], fallback_title=next((c for c in row if c), ""))

    def cell_text(self, items: list[Any]) -> str:
        """One cell on one line: the text of its elements (nested inputs and actions are still collected)."""
        sub = RenderedCard()
        _Renderer(sub, 10_000).elements(items)
        self.out.inputs.extend(sub.inputs)
        self.out.actions.extend(sub.actions)
        return " ".join(line.strip() for line in sub.lines if line.strip() and not set(line) <= {"="})

    def input(self, item: dict[str, Any]) -> None:
        kind = item["type"]
        spec = CardInput(
            id=str(item.get("id") or f"input{len(self.out.inputs) + 1}"),
            type=kind,
            label=plain(item.get("label") or item.get("title") or item.get("placeholder") or item.get("id") or ""),
            default="" if item.get("value") is None else str(item.get("value")),
            required=bool(item.get("isRequired")),
            placeholder=plain(item.get("placeholder")),
            error_message=plain(item.get("errorMessage")),
        )
        if kind == "Input.ChoiceSet":
            spec.choices = [(plain(c.get("title")), str(c.get("value"))) for c in item.get("choices") or []
                            if isinstance(c, dict)]
            spec.multi = bool(item.get("isMultiSelect"))
        elif kind == "Input.Number":
            spec.minimum, spec.maximum = item.get("min"), item.get("max")
        elif kind == "Input.Toggle":
            spec.value_on = str(item.get("valueOn", "true"))
            spec.value_off = str(item.get("valueOff", "false"))
            spec.label = plain(item.get("title") or item.get("label") or spec.id)
            spec.default = spec.default or spec.value_off
        self.out.inputs.append(spec)
        shown = spec.default
        if spec.choices and spec.default:
            titles = {v: t for t, v in spec.choices}
            shown = ", ".join(titles.get(v, v) for v in spec.default.split(","))
        elif kind == "Input.Toggle":
            shown = "on" if spec.default == spec.value_on else "off"
        marker = " *" if spec.required else ""
        self.emit(f"> {spec.label}{marker}: {shown or '(empty)'}")
        if spec.choices:
            self.emit("  options: " + ", ".join(t for t, _ in spec.choices))

    def action(self, action: dict[str, Any], fallback_title: str = "") -> None:
        if not isinstance(action, dict) or action.get("isVisible") is False:
            return
        kind = action.get("type", "")
        if kind not in ("Action.Submit", "Action.Execute", "Action.OpenUrl", "Action.ShowCard"):
            return  # ToggleVisibility and unknown actions have no meaning in a terminal
        self.out.actions.append(CardAction(
            title=plain(action.get("title") or fallback_title or action.get("verb") or kind.removeprefix("Action.")),
            type=kind,
            verb=action.get("verb"),
            data=action.get("data"),
            url=action.get("url"),
            card=action.get("card") if kind == "Action.ShowCard" else None,
            with_inputs=str(action.get("associatedInputs", "auto")).lower() != "none",
        ))


def _aligned(rows: list[list[str]], *, header: bool) -> list[str]:
    if not rows:
        return []
    ncols = max(len(r) for r in rows)
    rows = [r + [""] * (ncols - len(r)) for r in rows]
    widths = [max(len(r[c]) for r in rows) for c in range(ncols)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if header:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
