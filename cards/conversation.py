"""Conversation cards: welcome, help, choice, form, confirmation (before -> after), result and error.

These are the cards of the generic gather -> resolve -> confirm -> execute dialog. Payloads follow the card
action contract (cards.actions); every string comes from the catalog or from the caller's data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cards import actions
from cards.elements import (
    action_set,
    adaptive_card,
    container,
    facts,
    heading,
    shorten,
    subheading,
    submit,
    table,
    text,
)
from cards.text import format_number, format_value, has_key, t

# ------------------------------------------------------------------------------------------- welcome / help

HELP_AREAS = ("customers", "subscriptions", "users", "orders", "billing", "support", "approvals", "account")
MAX_EXAMPLES_PER_AREA = 5


def welcome_card(*, user_name: str | None = None, locale: str = "en-US",
                 examples: Sequence[str] = ()) -> dict[str, Any]:
    """First contact: what PartnerBot is, the safety promise, a few examples and two starter buttons."""
    greeting = t("welcome.greeting_named", locale, name=user_name) if user_name else t("welcome.greeting", locale)
    shown = list(examples) or [
        t("help.examples.customers", locale).split("\n")[0],
        t("help.examples.subscriptions", locale).split("\n")[0],
        t("help.examples.subscriptions", locale).split("\n")[1],
    ]
    body = [
        heading(t("welcome.title", locale)),
        text(greeting, weight="Bolder"),
        text(t("welcome.intro", locale)),
        text(t("welcome.safety", locale), subtle=True),
        text(t("welcome.try", locale), spacing="Medium"),
        text("\n".join(f"- {shorten(e, 120, locale)}" for e in shown[:MAX_EXAMPLES_PER_AREA]), spacing="None"),
    ]
    buttons = [submit(t("welcome.action_help", locale), actions.run("help")),
               submit(t("welcome.action_customers", locale), actions.run("customers.list"))]
    return adaptive_card(body, buttons, locale=locale, fallback_text=t("welcome.title", locale))


def default_help_areas(locale: str = "en-US") -> list[dict[str, Any]]:
    """The built-in help areas with catalog examples, for callers without their own list."""
    return [{"id": area, "examples": t(f"help.examples.{area}", locale).split("\n")} for area in HELP_AREAS]


def help_card(areas: Sequence[Mapping[str, Any]] | None = None, *, locale: str = "en-US") -> dict[str, Any]:
    """What I can do, by area, with example phrases.

    Each area is {"id": str, "examples": [str, ...], "title": optional str}; the title defaults to the
    catalog's `help.area.<id>` (or the id itself).
    """
    areas = list(areas) if areas is not None else default_help_areas(locale)
    body: list[dict[str, Any] | None] = [heading(t("help.title", locale)), text(t("help.intro", locale))]
    for area in areas[:20]:
        area_id = str(area.get("id") or "")
        title = area.get("title") or (t(f"help.area.{area_id}", locale) if has_key(f"help.area.{area_id}")
                                      else area_id)
        examples = [shorten(str(e), 150, locale) for e in area.get("examples") or []][:MAX_EXAMPLES_PER_AREA]
        body.append(subheading(str(title)))
        if examples:
            body.append(text("\n".join(f"- \"{e}\"" for e in examples), spacing="None"))
    body.append(text(t("help.footer", locale), subtle=True, separator=True))
    return adaptive_card(body, locale=locale, fallback_text=t("help.title", locale))


# ------------------------------------------------------------------------------------------- choice

MAX_BUTTON_OPTIONS = 5
MAX_CHOICES = 100


@dataclass(frozen=True)
class Option:
    """One option of a choice card: the value sent back, its title and an optional detail line."""

    value: str
    title: str
    detail: str | None = None


def choice_card(
    options: Sequence[Option],
    *,
    flow: str,
    slot: str,
    prompt: str | None = None,
    locale: str = "en-US",
    max_buttons: int = MAX_BUTTON_OPTIONS,
) -> dict[str, Any]:
    """Pick one: a button per option for short lists, a compact ChoiceSet (id "choice") for long ones."""
    title = prompt or t("choice.title", locale)
    cancel = submit(t("common.cancel", locale), actions.cancel(flow), skip_inputs=True)
    if len(options) <= max_buttons:
        rows = []
        for option in options:
            button = submit(option.title[:100], actions.choose(flow, slot, option.value))
            rows.append(container([text(option.detail[:300], subtle=True, size="Small") if option.detail else None,
                                   action_set([button])], spacing="Small"))
        return adaptive_card([heading(title), *rows], [cancel], locale=locale, fallback_text=title)
    shown = options[:MAX_CHOICES]
    choices = [{"title": (f"{o.title} — {o.detail}" if o.detail else o.title)[:150], "value": o.value}
               for o in shown]
    body: list[dict[str, Any] | None] = [
        heading(title),
        {"type": "Input.ChoiceSet", "id": "choice", "style": "compact", "isRequired": True,
         "placeholder": t("choice.placeholder", locale), "errorMessage": t("msg.choice_invalid", locale),
         "choices": choices, "label": title},
    ]
    if len(options) > len(shown):
        body.append(text(t("common.not_shown_narrow", locale, count=str(len(options) - len(shown))), subtle=True))
    buttons = [submit(t("choice.submit", locale), actions.choose(flow, slot), style="positive"), cancel]
    return adaptive_card(body, buttons, locale=locale, fallback_text=title)


# ------------------------------------------------------------------------------------------- form

FieldKind = Literal["text", "number", "choice", "toggle", "date"]


@dataclass(frozen=True)
class FormField:
    """One typed parameter of a form card. `name` is the input id (= the parameter name in the submit data).

    `label` defaults to the catalog's `param.<name>`; `error` is a validation message to show under the
    field (the engine validates server-side and redraws the form with the values the user typed).
    """

    name: str
    kind: FieldKind = "text"
    label: str | None = None
    required: bool = True
    value: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: Sequence[Option] = field(default_factory=tuple)
    placeholder: str | None = None
    error: str | None = None
    max_length: int | None = None
    multiline: bool = False


def _label(f: FormField, locale: str) -> str:
    if f.label:
        return f.label
    return t(f"param.{f.name}", locale) if has_key(f"param.{f.name}") else f.name


def _client_error(f: FormField, locale: str) -> str:
    """The message Teams shows itself when client-side validation (required, min/max) fails."""
    if f.kind == "number" and f.minimum is not None and f.maximum is not None:
        return t("msg.number_out_of_range", locale, min=format_number(f.minimum, locale),
                 max=format_number(f.maximum, locale))
    if f.kind == "number" and f.minimum is not None:
        return t("msg.number_too_small", locale, min=format_number(f.minimum, locale))
    if f.kind == "number" and f.maximum is not None:
        return t("msg.number_too_large", locale, max=format_number(f.maximum, locale))
    if f.kind == "date":
        return t("msg.date_invalid", locale)
    if f.kind == "choice":
        return t("msg.choice_invalid", locale)
    return t("msg.value_required", locale)


def _input(f: FormField, locale: str) -> dict[str, Any]:
    if f.name in actions.RESERVED_INPUT_IDS:
        raise ValueError(f"form field name {f.name!r} collides with a card action key")
    label = _label(f, locale)
    element: dict[str, Any] = {"id": f.name, "label": label, "isRequired": f.required,
                               "errorMessage": _client_error(f, locale)}
    if f.kind == "number":
        element["type"] = "Input.Number"
        for key, val in (("min", f.minimum), ("max", f.maximum)):
            if val is not None:
                element[key] = val
        if isinstance(f.value, int | float) and not isinstance(f.value, bool):
            element["value"] = f.value
        elif isinstance(f.value, str) and f.value.strip().lstrip("-").replace(".", "", 1).isdigit():
            element["value"] = float(f.value) if "." in f.value else int(f.value)
    elif f.kind == "choice":
        element.update(type="Input.ChoiceSet", style="compact" if len(f.choices) > 4 else "expanded",
                       choices=[{"title": o.title[:150], "value": o.value} for o in f.choices[:MAX_CHOICES]])
        if f.value is not None:
            element["value"] = str(f.value)
    elif f.kind == "toggle":
        element.update(type="Input.Toggle", title=label, valueOn="true", valueOff="false",
                       value="true" if f.value in (True, "true", "True", "1", 1) else "false")
        element["isRequired"] = False
    elif f.kind == "date":
        element["type"] = "Input.Date"
        if f.value:
            element["value"] = str(f.value)[:10]
    else:
        element.update(type="Input.Text", isMultiline=f.multiline)
        if f.value is not None:
            element["value"] = str(f.value)
        if f.max_length:
            element["maxLength"] = f.max_length
    if f.placeholder and element["type"] != "Input.Toggle":
        element["placeholder"] = f.placeholder
    return element


def form_card(
    fields: Sequence[FormField],
    *,
    flow: str,
    title: str | None = None,
    intro: str | None = None,
    locale: str = "en-US",
    submit_title: str | None = None,
) -> dict[str, Any]:
    """A form for the parameters still missing, pre-filled, with per-field error messages under each input."""
    card_title = title or t("form.title", locale)
    body: list[dict[str, Any] | None] = [heading(card_title), text(intro) if intro else None]
    if any(f.error for f in fields):
        body.append(text(t("form.fix_errors", locale), color="Attention", weight="Bolder"))
    for f in fields:
        body.append(_input(f, locale))
        if f.error:
            body.append(text(f.error, color="Attention", size="Small", spacing="None"))
    buttons = [submit(submit_title or t("common.continue", locale), actions.form(flow), style="positive"),
               submit(t("common.cancel", locale), actions.cancel(flow), skip_inputs=True)]
    return adaptive_card(body, buttons, locale=locale, fallback_text=card_title)


# ------------------------------------------------------------------------------------------- confirmation


@dataclass(frozen=True)
class Change:
    """One row of a confirmation: what changes, from which value to which. `before` None = new value."""

    label: str
    before: Any
    after: Any


MAX_CHANGES = 30


def confirmation_card(
    changes: Sequence[Change],
    *,
    flow: str,
    summary: str,
    title: str | None = None,
    notes: Sequence[str] = (),
    warnings: Sequence[str] = (),
    purchase: bool = False,
    locale: str = "en-US",
    context: Sequence[tuple[str, Any]] = (),
    blocked: bool = False,
    alternatives: Sequence[tuple[str, Mapping[str, Any]]] = (),
) -> dict[str, Any]:
    """The what-if: a summary, what it applies to (`context` facts: customer, product, price...), a
    Setting | Before | After table of what changes, warnings, and Confirm / Cancel.

    Confirm sends {"pb":"confirm","flow"}; Cancel sends {"pb":"decline","flow"} (changes nothing). A `blocked`
    change has no Confirm; `alternatives` are (title, {"pb":"run"} payload) buttons offered instead or beside.
    """
    card_title = title or t("confirm.title", locale)
    rows = [[c.label, format_value(c.before, locale), format_value(c.after, locale)] for c in changes[:MAX_CHANGES]]
    headers = [t("confirm.col_field", locale), t("confirm.col_before", locale), t("confirm.col_after", locale)]
    fallback_lines = [t("confirm.change_line", locale, field=r[0], before=r[1], after=r[2]) for r in rows]
    change_table = table(headers, rows, widths=[2, 2, 2], emphasis_last=True) if rows else None
    if change_table:
        # Clients without Table support (before 1.5) get the same content as lines of text.
        change_table["fallback"] = text("\n".join(f"- {line}" for line in fallback_lines))
    body: list[dict[str, Any] | None] = [
        heading(card_title),
        text(shorten(summary, 1000, locale)),
        facts((label, format_value(value, locale)) for label, value in context) if context else None,
        change_table,
        *[text(w, color="Warning", weight="Bolder") for w in warnings],
        *[text(n, subtle=True) for n in notes],
        text(t("confirm.purchase_note", locale), subtle=True) if purchase else None,
    ]
    buttons = [] if blocked else [submit(t("confirm.confirm", locale), actions.confirm(flow), style="positive")]
    buttons += [submit(title[:100], payload, style="positive" if blocked else None)
                for title, payload in alternatives[:3]]
    buttons.append(submit(t("confirm.cancel", locale), actions.decline(flow), skip_inputs=True))
    return adaptive_card(body, buttons, locale=locale, fallback_text=f"{card_title}: {summary}"[:500])


# ------------------------------------------------------------------------------------------- result / error


def result_card(
    summary: str,
    *,
    details: Sequence[tuple[str, Any]] = (),
    title: str | None = None,
    next_actions: Sequence[tuple[str, Mapping[str, Any]]] = (),
    locale: str = "en-US",
) -> dict[str, Any]:
    """Success: a one-line summary, the facts of the outcome, optional follow-up buttons (run payloads)."""
    card_title = title or t("result.title", locale)
    body = [heading(card_title), text(summary, color="Good", weight="Bolder"),
            facts((label, format_value(value, locale)) for label, value in details[:30])]
    buttons = [submit(label, payload) for label, payload in next_actions[:5]]
    return adaptive_card(body, buttons, locale=locale, fallback_text=f"{card_title}: {summary}"[:500])


def refusal_card(message: str, *, next_actions: Sequence[tuple[str, Mapping[str, Any]]] = (),
                 locale: str = "en-US") -> dict[str, Any]:
    """A change that cannot be made as asked: why, that nothing changed, and what would make it possible."""
    card_title = t("refusal.title", locale)
    body = [heading(card_title), text(shorten(message, 1500, locale), color="Warning"),
            text(t("error.nothing_changed", locale), subtle=True)]
    buttons = [submit(label, payload) for label, payload in next_actions[:5]]
    return adaptive_card(body, buttons, locale=locale, fallback_text=f"{card_title}: {message}"[:500])


def error_card(
    message: str,
    *,
    title: str | None = None,
    code: Any = None,
    correlation_id: str | None = None,
    request_id: str | None = None,
    nothing_changed: bool = True,
    locale: str = "en-US",
) -> dict[str, Any]:
    """A plain explanation, then the references support needs (Partner Center code, correlation id)."""
    card_title = title or t("error.title", locale)
    pairs = [(t("field.error_code", locale), str(code) if code not in (None, "") else None),
             (t("field.correlation_id", locale), correlation_id or None),
             (t("field.request_id", locale), request_id or None)]
    body = [heading(card_title), text(shorten(message, 1500, locale)),
            text(t("error.nothing_changed", locale), subtle=True) if nothing_changed else None,
            facts(pairs)]
    return adaptive_card(body, locale=locale, fallback_text=f"{card_title}: {message}"[:500])


def missing_gdap_card(message: str, *, button: tuple[str, Mapping[str, Any]], code: Any = None,
                      correlation_id: str | None = None, request_id: str | None = None,
                      locale: str = "en-US") -> dict[str, Any]:
    """A 403 for a missing GDAP role: which customer and role, and a button to request GDAP (api.md §26.6)."""
    card_title = t("gdap.error.title", locale)
    pairs = [(t("field.error_code", locale), str(code) if code not in (None, "") else None),
             (t("field.correlation_id", locale), correlation_id or None),
             (t("field.request_id", locale), request_id or None)]
    body = [heading(card_title), text(shorten(message, 1500, locale), color="Warning"),
            text(t("error.nothing_changed", locale), subtle=True), facts(pairs)]
    return adaptive_card(body, [submit(button[0], button[1])], locale=locale,
                         fallback_text=f"{card_title}: {message}"[:500])


def explain_partner_center_error(status: int | None, code: Any, description: str | None,
                                 locale: str = "en-US") -> str:
    """Plain-language explanation: a known Partner Center code first, else the HTTP status, else the text."""
    code_key = f"error.code.{code}"
    if code not in (None, "") and has_key(code_key):
        return t(code_key, locale)
    if status is not None:
        status_key = "error.status.5xx" if status >= 500 else f"error.status.{status}"
        if has_key(status_key):
            explanation = t(status_key, locale)
            return f"{explanation} ({description})" if description and status == 400 else explanation
    return description or t("error.status.400", locale)


def partner_center_error_card(
    *,
    status: int | None,
    code: Any = None,
    description: str | None = None,
    correlation_id: str | None = None,
    request_id: str | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """Error card for a Partner Center refusal (pass the fields of partner_center.errors.PartnerCenterError)."""
    return error_card(explain_partner_center_error(status, code, description, locale),
                      title=t("error.title_pc", locale), code=code, correlation_id=correlation_id,
                      request_id=request_id, locale=locale)
