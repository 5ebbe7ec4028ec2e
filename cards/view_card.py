"""The one generic result card: renders any declared view (cards.view_spec) of any read operation.

Records become facts, tables become list rows (tap to open) or a grid, the main table pages with "Show more"
through cards.lists.list_card, and every value is formatted per locale by cards.text. All text comes from
locale keys derived from the operation id, so a new operation adds entries, not layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards import actions
from cards.elements import (
    BUDGET_BYTES,
    adaptive_card,
    container,
    facts,
    heading,
    json_size,
    shorten,
    subheading,
    submit,
    table,
    text,
)
from cards.lists import fit_count, list_card, list_row
from cards.text import (
    catalog,
    enum_label,
    format_currency,
    format_date,
    format_datetime,
    format_number,
    format_term,
    has_key,
    is_empty_date,
    join_list,
    parse_datetime,
    placeholders,
    t,
    yes_no,
)
from cards.view_spec import (
    Button,
    Chart,
    ChartKind,
    Cond,
    Field,
    Fmt,
    Link,
    Note,
    Record,
    Table,
    View,
    When,
    conditions,
    label_key_candidates,
)

# A value that is a list names at most this many entries ("Plan 1, ..., Plan 6 and 6 more").
MAX_LISTED = 6
# A section's list may take at most this share of the card budget; the main table takes what is left.
_SECTION_BUDGET = 8 * 1024

Scopes = Sequence[Any]


# ----------------------------------------------------------------------------------------------- values


def _dig(node: Any, path: str) -> Any:
    parts = path.split(".")
    for index, part in enumerate(parts):
        if part == "*":  # every element of a list: the distinct non-empty values of the rest of the path
            if not isinstance(node, list):
                return None
            rest = ".".join(parts[index + 1:])
            found = [_dig(item, rest) if rest else item for item in node]
            values = [v for v in found if not _empty(v)]
            return list({json_key(v): v for v in values}.values()) or None
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, Sequence) and not isinstance(node, str) and part.isdigit():
            index = int(part)
            node = node[index] if index < len(node) else None
        else:
            return None
        if node is None:
            return None
    return node


def json_key(value: Any) -> str:
    return repr(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def lookup(scopes: Scopes, path: str) -> Any:
    """The first non-empty value of the alternatives in `path` ("a|b"), each tried in every scope in order."""
    if not path:
        return None
    for alternative in path.split("|"):
        for scope in scopes:
            value = _dig(scope, alternative.strip())
            if not _empty(value):
                return value
    return None


def _plain(value: Any, locale: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("displayName") or value.get("id") or "")
    if isinstance(value, list | tuple):
        names = [_plain(v, locale) for v in value if not _empty(v)]
        listed = join_list(names[:MAX_LISTED], locale)
        if len(names) > MAX_LISTED:
            listed += " " + t("common.and_more", locale, count=format_number(len(names) - MAX_LISTED, locale))
        return listed
    if isinstance(value, bool):
        return yes_no(value, locale)
    return str(value)


def format_field(f: Field, scopes: Scopes, locale: str) -> str | None:
    """The field's value as shown, or None when there is nothing to show (an "always" field shows "—")."""
    if not _all(f.when, scopes):
        return None
    value = lookup(scopes, f.where)
    if f.differs and not _empty(value) and str(value) == str(lookup(scopes, f.differs)):
        return None
    if f.fmt in (Fmt.DATE, Fmt.DATETIME) and not _empty(value) and is_empty_date(value):
        value = None
    if f.end and f.fmt == Fmt.DATE:
        end = lookup(scopes, f.end)
        if (_empty(value) or is_empty_date(value)) and (_empty(end) or is_empty_date(end)):
            return t("common.none", locale) if f.always else None
        return t("common.range", locale, start=format_date(value, locale), end=format_date(end, locale))
    if _empty(value):
        return t("common.none", locale) if f.always else None
    if isinstance(value, list) and f.fmt not in (Fmt.TEXT, Fmt.PERSON, Fmt.ADDRESS):
        shown = sorted({format_field(Field(f.name, "v", f.fmt, f.enum, f.currency, unit=f.unit), [{"v": v}], locale)
                        or "" for v in value} - {""})
        return join_list(shown, locale) or None
    if f.fmt == Fmt.DATE:
        return format_date(value, locale)
    if f.fmt == Fmt.DATETIME:
        return format_datetime(value, locale)
    if f.fmt == Fmt.MONEY:
        currency = lookup(scopes, f.currency) if f.currency else None
        return format_currency(value, str(currency) if currency else None, locale)
    if f.fmt == Fmt.NUMBER:
        return format_number(value, locale)
    if f.fmt == Fmt.PERCENT:
        return f"{format_number(value, locale)}%"
    if f.fmt == Fmt.ENUM:
        return enum_label(f.enum, value, locale)
    if f.fmt == Fmt.YES_NO:
        return yes_no(bool(value), locale)
    if f.fmt == Fmt.TERM:
        return format_term(value, locale)
    if f.fmt == Fmt.PERSON:
        return _person(value) if isinstance(value, Mapping) else _plain(value, locale)
    if f.fmt == Fmt.ADDRESS:
        return _address(value) if isinstance(value, Mapping) else _plain(value, locale)
    if f.max_chars:
        return shorten(_plain(value, locale), f.max_chars, locale)
    if f.fmt == Fmt.COUNT:
        if not isinstance(value, int) or isinstance(value, bool):
            return _plain(value, locale)
        number = format_number(value, locale)  # units are written with {n} or {count}
        return t(f"{f.unit}.{'one' if value == 1 else 'other'}", locale, n=number, count=number)
    return _plain(value, locale)


def _person(contact: Mapping[str, Any]) -> str | None:
    name = " ".join(str(contact[k]) for k in ("firstName", "lastName") if contact.get(k))
    email = contact.get("email")
    return f"{name} ({email})" if name and email else (name or (str(email) if email else None))


def _address(address: Mapping[str, Any]) -> str | None:
    parts = [address.get("addressLine1"), address.get("addressLine2"), address.get("city"),
             address.get("state") or address.get("region"), address.get("postalCode"), address.get("country")]
    return ", ".join(str(p) for p in parts if p) or None


def note_text(op_id: str, note: Note, scopes: Scopes, locale: str) -> str | None:
    """The note's sentence, or None when its condition fails, its value is empty or is a date that never comes."""
    if not _all(note.when, scopes):
        return None
    if note.value is None:
        return t(f"view.{op_id}.note.{note.name}", locale)
    if note.value.fmt in (Fmt.DATE, Fmt.DATETIME):
        parsed = parse_datetime(lookup(scopes, note.value.where))
        if parsed is None or parsed.year >= 9999 or parsed.year <= 1:
            return None
    shown = format_field(note.value, scopes, locale)
    return None if shown is None else t(f"view.{op_id}.note.{note.name}", locale, value=shown)


def field_label(op_id: str, f: Field, locale: str) -> str:
    own, shared = label_key_candidates(op_id, f.name)
    if has_key(own):
        return t(own, locale)
    return t(shared, locale)


def _fill(key: str, scopes: Scopes, locale: str, args: Mapping[str, str] | None = None,
          plain: bool = False) -> str:
    """Text `key` with each {placeholder} read from `args` paths or the same-named key of the scopes.

    With `plain`, a placeholder without a value switches to the text `<key>.plain` (which has none).
    """
    values = {}
    for name in placeholders(catalog("en-US")[key]):
        value = lookup(scopes, (args or {}).get(name, name))
        if _empty(value) and plain:
            return t(f"{key}.plain", locale)
        values[name] = "?" if _empty(value) else _plain(value, locale)
    return t(key, locale, **values)


def link_payload(link: Link, scopes: Scopes) -> dict[str, Any] | None:
    """The {"pb":"run"} payload of a link, or None when one of its params has no value here."""
    params = {}
    for name, path in link.params:
        value = path[1:] if path.startswith("=") else lookup(scopes, path)  # "=won": a literal value
        if _empty(value) or isinstance(value, Mapping | list):
            return None
        params[name] = value if isinstance(value, int | float | bool) else str(value)
    return actions.run(link.op, params)


def _holds(when: When, scopes: Scopes) -> bool:
    value = lookup(scopes, when.path)
    if isinstance(value, bool):
        value = "true" if value else "false"
    hit = str(value).strip().lower() in {v.lower() for v in when.values} if not _empty(value) else False
    return hit != when.negate


def _all(cond: Cond, scopes: Scopes) -> bool:
    return all(_holds(when, scopes) for when in conditions(cond))


def _any(cond: Cond, scopes: Scopes) -> bool:
    return any(_holds(when, scopes) for when in conditions(cond))


# ----------------------------------------------------------------------------------------------- parts


def _record(op_id: str, record: Record, result: Mapping[str, Any], locale: str) -> list[dict[str, Any] | None]:
    source = lookup([result], record.source) if record.source else result
    scopes = [source or {}, result]
    notes = []
    for note in record.notes:
        sentence = note_text(op_id, note, scopes, locale)
        if sentence is not None:
            notes.append(text(sentence, color="Attention", weight="Bolder") if note.attention
                         else text(sentence, subtle=True, spacing="None"))
    return [*notes, facts((field_label(op_id, f, locale), format_field(f, scopes, locale)) for f in record.fields)]


def _items(tbl: Table | Chart, result: Mapping[str, Any]) -> list[Any]:
    found = lookup([result], tbl.items)
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def _row(op_id: str, tbl: Table, item: Mapping[str, Any], result: Mapping[str, Any], locale: str) -> dict[str, Any]:
    scopes = [item, result]
    title = _row_title(op_id, tbl, item, result, locale)
    details = []
    for column in tbl.columns:
        if isinstance(column, Note):
            details.append(note_text(op_id, column, scopes, locale))
            continue
        shown = format_field(column, scopes, locale)
        if shown is not None and column.labelled:
            label = field_label(op_id, column, locale)
            shown = f"{label}{'' if label.endswith('：') else ' '}{shown}"  # a full-width colon has its own space
        details.append(shown)
    action = link_payload(tbl.action, scopes) if tbl.action else None
    attention = _any(tbl.attention, [item])
    row = list_row(title, details, open_action=action, attention=attention)
    body = format_field(tbl.body, scopes, locale) if tbl.body is not None else None
    if body:
        row["items"].append(text(body, spacing="None"))
    return row


def _row_title(op_id: str, tbl: Table, item: Mapping[str, Any], result: Mapping[str, Any], locale: str) -> str:
    if tbl.title_key:
        return _fill(f"view.{op_id}.row", [item], locale)
    if isinstance(tbl.title, Field):
        return format_field(tbl.title, [item, result], locale) or "?"
    value = lookup([item], tbl.title) if tbl.title else None
    return "?" if _empty(value) else _plain(value, locale)


def _facts_block(op_id: str, tbl: Table, items: Sequence[Mapping[str, Any]], result: Mapping[str, Any],
                 locale: str) -> dict[str, Any] | None:
    """Each item as one fact: its title, and its columns' values joined."""
    pairs = []
    for item in items[: tbl.limit]:
        values = [format_field(c, [item, result], locale) for c in tbl.columns if isinstance(c, Field)]
        shown = "  ·  ".join(v for v in values if v)
        if shown:
            pairs.append((_row_title(op_id, tbl, item, result, locale), shown))
    return facts(pairs)


def _sorted(tbl: Table, items: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if not tbl.sort:
        return items
    return sorted(items, key=lambda item: str(lookup([item], tbl.sort) or ""), reverse=tbl.descending)


def _grid(op_id: str, tbl: Table, items: Sequence[Mapping[str, Any]], result: Mapping[str, Any], locale: str,
          room: int) -> tuple[dict[str, Any] | None, int]:
    """A Table element (header row + one row per item) fitted into `room` bytes; returns it and rows shown."""
    columns = [c for c in tbl.columns if isinstance(c, Field)]
    headers = [field_label(op_id, c, locale) for c in columns]
    rows = [[format_field(c, [item, result], locale) or t("common.none", locale) for c in columns]
            for item in items[: tbl.limit]]
    empty_size = json_size(table(headers, []))
    sizes = [json_size(table(headers, [row])) - empty_size for row in rows]
    shown = max(1, fit_count(sizes, room - empty_size)) if rows else 0
    widths = [3, *([1] * (len(headers) - 1))]
    return (table(headers, rows[:shown], widths=widths) if rows else None), shown


def _rows_block(op_id: str, tbl: Table, items: Sequence[Mapping[str, Any]], result: Mapping[str, Any],
                locale: str, room: int) -> list[dict[str, Any]]:
    """A non-paged list (a section's): rows or a grid fitted into `room`, with a note when some are left out."""
    items = _sorted(tbl, list(items))
    if tbl.facts:
        block = _facts_block(op_id, tbl, items, result, locale)
        shown = min(len(items), tbl.limit)
        body = [block] if block else []
    elif tbl.grid:
        grid, shown = _grid(op_id, tbl, items, result, locale, room)
        body = [grid] if grid else []
    else:
        rows = [_row(op_id, tbl, item, result, locale) for item in items[: tbl.limit]]
        shown = fit_count([json_size(r) for r in rows], room)
        body = rows[:shown]
    if not items:
        body.append(text(t("common.list_empty", locale), subtle=True))
    elif shown < len(items):
        body.append(text(t("common.more_not_shown", locale, count=format_number(len(items) - shown, locale)),
                         subtle=True))
    return body


# At most this many points per chart: more would not be readable and would cost card size twice (the fallback).
MAX_CHART_POINTS = 24


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value))
    except ValueError:
        return None
    return int(number) if number.is_integer() else round(number, 4)


def _chart(op_id: str, chart: Chart, result: Mapping[str, Any], locale: str) -> list[dict[str, Any]]:
    """A Teams chart element whose `fallback` is a table of the same numbers (clients without charts show it)."""
    items = _items(chart, result)[:MAX_CHART_POINTS]
    points = [(format_field(chart.x, [item, result], locale) or "?",
               [_number(lookup([item], y.where)) for y in chart.y]) for item in items]
    points = [(x, ys) for x, ys in points if any(y is not None for y in ys)]
    if not points:
        return []
    title = t(f"view.{op_id}.chart", locale)
    labels = [field_label(op_id, y, locale) for y in chart.y]
    kind = chart.kind.value
    element: dict[str, Any] = {"type": kind, "title": title}
    if chart.kind in (ChartKind.PIE, ChartKind.DONUT):
        element["data"] = [{"legend": x, "value": ys[0]} for x, ys in points if ys[0] is not None]
    elif chart.kind == ChartKind.LINE or (chart.kind == ChartKind.BAR and len(chart.y) > 1):
        if chart.kind == ChartKind.BAR:
            element["type"] = "Chart.VerticalBar.Grouped"
        element["data"] = [{"legend": label, "values": [{"x": x, "y": ys[i]} for x, ys in points if ys[i] is not None]}
                           for i, label in enumerate(labels)]
    else:
        element["data"] = [{"x": x, "y": ys[0]} for x, ys in points if ys[0] is not None]
    if chart.kind in (ChartKind.BAR, ChartKind.HBAR, ChartKind.LINE):
        element["xAxisTitle"] = field_label(op_id, chart.x, locale)
        if len(labels) == 1:
            element["yAxisTitle"] = labels[0]
    grid = Table(columns=(chart.x, *chart.y), grid=True, items=chart.items)
    fallback, _ = _grid(op_id, grid, items, result, locale, _SECTION_BUDGET)
    element["fallback"] = container([text(title, weight="Bolder"), fallback])
    return [element]


def _buttons(op_id: str, buttons: Sequence[Button], result: Mapping[str, Any], locale: str) -> list[dict[str, Any]]:
    out = []
    for button in buttons:
        if not _all(button.when, [result]):
            continue
        if button.url:
            address = lookup([result], button.url)
            if isinstance(address, str) and address.startswith("https://"):
                out.append({"type": "Action.OpenUrl", "title": t(f"view.{op_id}.action.{button.name}", locale),
                            "url": address})
            continue
        payload = link_payload(button.link, [result]) if button.link is not None else None
        if payload is not None:
            out.append(submit(t(f"view.{op_id}.action.{button.name}", locale), payload, style=button.style))
    return out


# ----------------------------------------------------------------------------------------------- the card


def render_view(
    op_id: str,
    view: View,
    result: Mapping[str, Any],
    *,
    locale: str,
    items: Sequence[Mapping[str, Any]] | None = None,
    more: Mapping[str, Any] | None = None,
    offset: int = 0,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The card of `view` for `result` (the handler's data; for a paged list, its context such as "customer").

    A paged result passes the page's items (`items`, from `offset` on), the next page's payload (`more`) and
    this page's own payload (`current`, to continue an over-full page); the main table then pages like every
    list card. Without `items` the main table lists `result[view.table.items]`.
    """
    title = _fill(f"view.{op_id}.title", [result], locale, dict(view.title_args), view.plain_title)
    intro: list[dict[str, Any] | None] = []
    if view.record is not None:
        intro += _record(op_id, view.record, result, locale)
    if view.chart is not None:
        intro += _chart(op_id, view.chart, result, locale)
    for section in view.sections:
        part: list[dict[str, Any] | None] = []
        if section.record is not None:
            part += _record(op_id, section.record, result, locale)
        if section.table is not None:
            rows = _items(section.table, result)
            if rows:
                part += _rows_block(op_id, section.table, rows, result, locale, _SECTION_BUDGET)
        if section.text is not None:
            shown = format_field(section.text, [result], locale)
            part.append(text(shown) if shown else None)
        if any(part):
            intro += [subheading(t(f"view.{op_id}.section.{section.name}", locale), separator=True), *part]
    intro = [element for element in intro if element]
    buttons = _buttons(op_id, view.buttons, result, locale)
    tbl = view.table
    if tbl is None:
        return adaptive_card([heading(title), *intro], buttons, locale=locale, fallback_text=title)
    rows = list(items) if items is not None else _sorted(tbl, _items(tbl, result))
    empty_text = _fill(f"view.{op_id}.empty", [result], locale, dict(view.title_args), view.plain_title)
    if tbl.facts:
        block = _facts_block(op_id, tbl, rows, result, locale) if rows else text(empty_text, subtle=True)
        return adaptive_card([heading(title), *intro, block], buttons, locale=locale, fallback_text=title)
    if tbl.grid:
        return _grid_card(op_id, tbl, title, intro, rows, result, buttons, locale, more, empty_text)
    if items is None and len(rows) > tbl.limit:  # a capped, non-paged list: say how many were left out
        shown = rows[: tbl.limit]
        card = list_card(title=title, items=shown, render=lambda item: _row(op_id, tbl, item, result, locale),
                         more=None, locale=locale, intro=intro, extra_actions=buttons, empty_text=empty_text)
        note = text(t("common.not_shown_narrow", locale, count=str(len(rows) - len(shown))), subtle=True)
        return adaptive_card([*card["body"], note], card["actions"], locale=locale, fallback_text=title)
    return list_card(title=title, items=rows, render=lambda item: _row(op_id, tbl, item, result, locale),
                     more=more, locale=locale, intro=intro, extra_actions=buttons, offset=offset,
                     empty_text=empty_text, current=current)


def _grid_card(op_id: str, tbl: Table, title: str, intro: list[dict[str, Any]], rows: list[Mapping[str, Any]],
               result: Mapping[str, Any], buttons: list[dict[str, Any]], locale: str,
               more: Mapping[str, Any] | None, empty_text: str) -> dict[str, Any]:
    body: list[dict[str, Any] | None] = [heading(title), *intro]
    if not rows:
        body.append(text(empty_text, subtle=True))
        return adaptive_card(body, buttons, locale=locale, fallback_text=title)
    room = BUDGET_BYTES - json_size(body) - json_size(buttons) - 1500
    grid, shown = _grid(op_id, tbl, rows, result, locale, room)
    body.append(grid)
    hidden = len(rows) - shown
    if hidden:
        body.append(text(t("common.not_shown_narrow", locale, count=str(hidden)), subtle=True))
    card_actions = list(buttons)
    if more:
        body.append(text(t("common.more_available", locale), subtle=True, size="Small"))
        card_actions.append(submit(t("common.show_more", locale), more))
    return adaptive_card(body, card_actions, locale=locale, fallback_text=title)

