"""Declared result views: how a read operation's result looks, as data (rendered by cards.views.render_view).

An operation declares `view=View(...)` next to its `@operation`; the one generic builder turns the handler's
result into a card. Nothing here knows Adaptive Cards or the bot SDK: these are frozen records of field paths,
formats and follow-up links, so area modules can import them freely.

Paths are dotted keys into the result ("order.status", "customer.name"); "a|b" takes the first non-empty of
several paths. Inside a table, a path is looked up on the row's item first, then on the whole result (so a row
action can use "customer.id" from the result context and "id" from the row). Locale keys are derived from the
operation id (see `view_keys`): `view.<op>.title`, `view.<op>.empty`, and a label per field, either the shared
`field.<name>` or the operation's own `view.<op>.field.<name>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Fmt(StrEnum):
    """How a value is shown (all per locale, through cards.text)."""

    TEXT = "text"
    DATE = "date"  # 12 Mar 2026 / 2026年3月12日; Partner Center's 0001-01-01 shows "—"
    DATETIME = "datetime"  # date plus UTC time
    MONEY = "money"  # with the currency found at Field.currency ("$1,234.50", "US$1,234.50")
    NUMBER = "number"  # grouped thousands
    PERCENT = "percent"  # the value is already in percent units: 37.5 -> "37.5%"
    ENUM = "enum"  # enum label from `enum.<Field.enum>.<value>`, unknown values verbatim
    YES_NO = "yes_no"
    TERM = "term"  # ISO-8601 duration: P1Y -> 1 year
    PERSON = "person"  # a contact {firstName, lastName, email}: "Ada Lovelace (ada@contoso.com)"
    ADDRESS = "address"  # an address {addressLine1, city, postalCode, country, ...} on one line
    COUNT = "count"  # a number with its unit, from `<Field.unit>.one/.other` ({n} or {count}): "10 seats"


@dataclass(frozen=True)
class When:
    """Show something only when the value at `path` (compared case-insensitively) is / is not one of `values`."""

    path: str
    values: tuple[str, ...]
    negate: bool = False


# Conditions: one When, or several that must all hold (for Table.attention: any of them).
Cond = When | tuple[When, ...] | None


def conditions(cond: Cond) -> tuple[When, ...]:
    if cond is None:
        return ()
    return (cond,) if isinstance(cond, When) else tuple(cond)


@dataclass(frozen=True)
class Field:
    """One shown value: a fact in a record, a column in a table, a series in a chart.

    `name` names the label (`view.<op>.field.<name>`, else `field.<name>`); `path` says where the value is
    (defaults to `name`). `currency` is the path of the currency code for MONEY; `enum` the enum group for ENUM.
    `always` shows "—" for an empty value instead of leaving the fact out. `labelled` puts the label before the
    value on a list row ("Quantity 5"); list rows otherwise show bare values. `when` shows the value only when
    the condition holds; `differs` hides it when it equals the value at that path (a nickname equal to the
    product name). `unit` is the key prefix of a COUNT ("unit.seat" -> unit.seat.one / unit.seat.other).
    `end` makes a DATE a period ("9 Feb 2026 – 8 Mar 2026", from `path` to `end`). `max_chars` shortens free
    text (and says so). A path may use `*` over a list ("invoiceDetails.*.billingProvider"): the distinct
    values are listed.
    """

    name: str
    path: str = ""
    fmt: Fmt = Fmt.TEXT
    enum: str = ""
    currency: str = ""
    always: bool = False
    labelled: bool = False
    when: Cond = None
    differs: str = ""
    unit: str = ""
    end: str = ""
    max_chars: int = 0

    @property
    def where(self) -> str:
        return self.path or self.name


@dataclass(frozen=True)
class Link:
    """A follow-up operation started from a button or a row: `op` with params read from paths.

    Build with `Link.to("orders.get", customer="customer.id", order="id")`; a value starting with "=" is a
    literal (`status="=won"`). A link whose params do not all resolve is left out (no button that cannot work).
    """

    op: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def to(cls, op: str, **params: str) -> Link:
        return cls(op, tuple(params.items()))


@dataclass(frozen=True)
class Button:
    """A card button that starts `link`, or opens the https URL found at the path `url` (e.g. an admin portal).
    Its title is `view.<op>.action.<name>`; a button whose link or URL does not resolve is left out."""

    name: str
    link: Link | None = None
    when: Cond = None
    style: str | None = None  # "positive" / "destructive"
    url: str = ""


@dataclass(frozen=True)
class Note:
    """A sentence: `view.<op>.note.<name>` with {value} = the formatted `value` field ("Renews on 12 Mar 2026").

    Shown above a record's facts, or as part of a list row's details. Left out when `when` does not hold, when
    the value is empty, or when it is a date that never comes (Partner Center's 9999-12-31).
    `attention` draws it in the attention colour.
    """

    name: str
    value: Field | None = None
    when: Cond = None
    attention: bool = False


@dataclass(frozen=True)
class Record:
    """Facts about one thing. `source` is the path of the thing within the result ("" = the result itself).

    `notes` are sentences shown above the facts (warnings, "renews on ...").
    """

    fields: tuple[Field, ...]
    source: str = ""
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Table:
    """A list of items: one row per item with a bold title and a details line, tap to open (`action`).

    `items` is the path of the list within the result (ignored for a paged result: the page's items are used).
    `title` is the path of the row title; with `title_key` the row title is the text `view.<op>.row` filled from
    the item's top-level keys ("Order {id}"). `attention` marks rows (e.g. inactive users) in red when any of
    its conditions holds. A column may be a Note (a sentence in the details line).
    `grid=True` draws a real table with a header row instead (no row action; good for numbers side by side).
    `facts=True` shows each item as one fact (title: value of the columns), e.g. amounts by type.
    `body` is a free-text line under a row's details (a note's text). `sort` orders a non-paged list by a path
    (`descending` for newest first). `limit` caps a non-paged list; the card says how many were left out.
    A `title` given as a Field is formatted (an enum label, a date).
    """

    columns: tuple[Field | Note, ...]
    title: str | Field = ""
    title_key: bool = False
    action: Link | None = None
    items: str = "items"
    attention: Cond = None
    grid: bool = False
    facts: bool = False
    body: Field | None = None
    sort: str = ""
    descending: bool = False
    limit: int = 40


class ChartKind(StrEnum):
    """The Teams chart elements the builder emits."""

    BAR = "Chart.VerticalBar"
    HBAR = "Chart.HorizontalBar"
    LINE = "Chart.Line"
    PIE = "Chart.Pie"
    DONUT = "Chart.Donut"


@dataclass(frozen=True)
class Chart:
    """A chart of a list in the result: x (category/label) and y (numbers, one series per field).

    Pie and donut take one y. Clients without chart support see a table of the same numbers (the fallback).
    The chart title is `view.<op>.chart`.
    """

    kind: ChartKind
    x: Field
    y: tuple[Field, ...]
    items: str = "items"


@dataclass(frozen=True)
class Section:
    """A headed part of a detail card (`view.<op>.section.<name>`): facts, a list, or a block of free text."""

    name: str
    record: Record | None = None
    table: Table | None = None
    text: Field | None = None


@dataclass(frozen=True)
class View:
    """How an operation's result is shown. Any combination; rendered in this order: record, chart, sections, table.

    `title_args` maps title placeholders to paths (default: a placeholder {x} reads result["x"], and a
    mapping there shows its "name"). With `plain_title`, a title or empty text whose placeholder has no value
    here uses `view.<op>.title.plain` / `view.<op>.empty.plain` ("Service requests" without a customer).
    `table` is the main list: with a paged result it gets "Show more" and the
    empty text `view.<op>.empty`.
    """

    record: Record | None = None
    table: Table | None = None
    sections: tuple[Section, ...] = ()
    chart: Chart | None = None
    buttons: tuple[Button, ...] = ()
    title_args: tuple[tuple[str, str], ...] = field(default=())
    plain_title: bool = False


def label_key_candidates(op_id: str, name: str) -> tuple[str, str]:
    """The two keys a field label may come from, most specific first."""
    return f"view.{op_id}.field.{name}", f"field.{name}"


def iter_fields(view: View) -> Iterator[Field]:
    """Every labelled field of a view (records, section records, grid tables, labelled columns, chart series)."""
    records = [view.record, *(s.record for s in view.sections)]
    for record in records:
        if record is not None:
            yield from record.fields
    for table in (view.table, *(s.table for s in view.sections)):
        if table is not None:
            yield from (c for c in table.columns if isinstance(c, Field) and (table.grid or c.labelled))
    if view.chart is not None:
        yield view.chart.x
        yield from view.chart.y


def view_keys(op_id: str, view: View) -> tuple[list[str], list[tuple[str, ...]]]:
    """Locale keys the view needs: (exact keys, groups of alternatives of which one must exist)."""
    keys = [f"view.{op_id}.title"]
    if view.plain_title:
        keys.append(f"view.{op_id}.title.plain")
    if view.table is not None:
        keys.append(f"view.{op_id}.empty")
        if view.plain_title:
            keys.append(f"view.{op_id}.empty.plain")
        if view.table.title_key:
            keys.append(f"view.{op_id}.row")
    for section in view.sections:
        keys.append(f"view.{op_id}.section.{section.name}")
        if section.table is not None and section.table.title_key:
            keys.append(f"view.{op_id}.row")
    if view.chart is not None:
        keys.append(f"view.{op_id}.chart")
    keys += [f"view.{op_id}.action.{b.name}" for b in view.buttons]
    notes = [n for r in (view.record, *(s.record for s in view.sections)) if r is not None for n in r.notes]
    notes += [c for t in (view.table, *(s.table for s in view.sections)) if t is not None
              for c in t.columns if isinstance(c, Note)]
    keys += [f"view.{op_id}.note.{n.name}" for n in notes]
    fields = [*iter_fields(view), *(n.value for n in notes if n.value is not None)]
    for table in (view.table, *(s.table for s in view.sections)):
        if table is not None:
            fields += [c for c in table.columns if isinstance(c, Field)]
    keys += [f"{f.unit}.{form}" for f in fields if f.fmt == Fmt.COUNT for form in ("one", "other")]
    alternatives = [label_key_candidates(op_id, f.name) for f in iter_fields(view)]
    return list(dict.fromkeys(keys)), list(dict.fromkeys(alternatives))
