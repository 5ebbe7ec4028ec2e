"""The one place where the dialog layer meets `cards/`: which card renders which operation's result.

A read declares its result as data (`view=View(...)`, cards/view_spec.py), drawn by `declared()` with the one
generic builder (cards/view_card.py). The few hand-written renderers left here (`card=views.whoami`, the
result cards of changes) take the handler's data plus `locale` and `more` and return a card dict. Handlers
never build cards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cards import actions, approvals, conversation
from cards.conversation import Change, FormField, Option
from cards.text import enum_label, has_key, t
from cards.text import yes_no as _yes_no
from cards.view_card import render_view
from dialogs.paging import ListPage
from intents.contract import load_intents

if TYPE_CHECKING:
    from dialogs.registry import Operation, Param, Preview, Registry
    from partner_center.errors import PartnerCenterError

__all__ = ["t", "approvals"]

# ----------------------------------------------------------------------------------------------- text helpers


def op_title(op_id: str, locale: str) -> str:
    """A short human name for an operation ("change the number of seats")."""
    key = f"op.{op_id}"
    if has_key(key):
        return t(key, locale)
    spec = load_intents().get(op_id)
    return spec.summary if spec else op_id


def op_heading(op_id: str, locale: str) -> str:
    """The operation's title as a card heading (capitalised)."""
    title = op_title(op_id, locale)
    return title[:1].upper() + title[1:]


def status_text(value: str, locale: str) -> str:
    for group in ("subscription_status", "sr_status", "sr_severity"):
        if has_key(f"enum.{group}.{value}"):
            return enum_label(group, value, locale)
    return value


def yes_no(value: bool, locale: str) -> str:
    return _yes_no(value, locale)


def role_name(role: str, locale: str) -> str:
    return t(f"role.{role}", locale) if has_key(f"role.{role}") else role


def not_found_text(kind: str, query: str, suggestions: list[str], customer_name: str, locale: str) -> str:
    """"No customer matches 'X' — did you mean ...?" and its siblings for subscriptions and users."""
    if kind == "customer":
        if suggestions:
            return t("msg.unknown_customer", locale, name=query, suggestions=", ".join(suggestions))
        return t("msg.unknown_customer_no_suggestions", locale, name=query)
    if kind == "subscription":
        return t("msg.unknown_subscription", locale, customer=customer_name, name=query)
    if kind == "user":
        return t("msg.unknown_user", locale, name=query, customer=customer_name)
    return t("msg.unknown_item", locale, name=query)


def param_label(name: str, locale: str) -> str:
    key = f"param.{name}"
    return t(key, locale) if has_key(key) else name.replace("_", " ").capitalize()


def display(value: Any, locale: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("id") or "")
    if isinstance(value, bool):
        return yes_no(value, locale)
    return str(value)


# ----------------------------------------------------------------------------------------------- dialog cards


def welcome(registry: Registry, locale: str) -> dict[str, Any]:
    return conversation.welcome_card(locale=locale)


def help_card(data: Any = None, *, locale: str = "en-US", more: Any = None) -> dict[str, Any]:
    return conversation.help_card(locale=locale)


_FIELD_KIND = {"int": "number", "bool": "toggle", "choice": "choice", "date": "date"}


def form(op: Operation, params: list[Param], flow: dict[str, Any], locale: str) -> dict[str, Any]:
    fields = []
    for p in params:
        kind = _FIELD_KIND.get(p.type.value, "text")
        fields.append(FormField(
            name=p.name, kind=kind, label=param_label(p.name, locale), required=p.required,
            value=flow["raw"].get(p.name), minimum=p.minimum, maximum=p.maximum,
            choices=tuple(Option(c, status_text(c, locale)) for c in p.choices) if kind == "choice" else (),
            error=flow.get("errors", {}).get(p.name), multiline=p.multiline))
    return conversation.form_card(fields, flow=flow["id"], title=op_heading(op.id, locale), locale=locale)


def choice(flow: dict[str, Any], param: Param, locale: str) -> dict[str, Any]:
    options = [Option(o["id"], str(o["title"]), o.get("detail")) for o in flow["options"]]
    keys = [f"choice.which_{param.name}", f"choice.which_{param.type.value}"]
    prompt = next((t(k, locale) for k in keys if has_key(k)), None)
    return conversation.choice_card(options, flow=flow["id"], slot=param.name, prompt=prompt, locale=locale)


def default_preview(op: Operation, args: dict[str, Any], locale: str) -> Preview:
    from dialogs.registry import Preview, Row

    rows = tuple(Row(param_label(p.name, locale), None, display(args[p.name], locale))
                 for p in op.params if p.name in args)
    return Preview(rows=rows)


def confirmation(op: Operation, preview: Preview, flow: dict[str, Any], locale: str) -> dict[str, Any]:
    from dialogs.registry import Kind

    # A row with no "before" names what the change applies to (customer, product, price): shown as facts.
    context = [(r.label, r.after) for r in preview.rows if r.before is None]
    changes = [Change(r.label, r.before, r.after) for r in preview.rows if r.before is not None]
    return conversation.confirmation_card(
        changes, context=context, flow=flow["id"], summary=op_heading(op.id, locale), title=preview.title,
        warnings=[preview.warning] if preview.warning else (), purchase=op.kind == Kind.PURCHASE, locale=locale,
        notes=preview.notes, blocked=preview.blocked, alternatives=preview.alternatives)


def partner_center_error(exc: PartnerCenterError, locale: str, *, op_id: str = "",
                         values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The error card; a 403 on a user/licence/role operation for a customer names the GDAP role that is missing
    and offers "Request GDAP" (gdap.create_relationship for that customer and role)."""
    from dialogs.ops.gdap import missing_gdap_role

    missing = missing_gdap_role(op_id, exc.status, exc.code, dict(values or {})) if op_id else None
    if missing is not None:
        customer, role = missing
        message = t("gdap.error.missing_role", locale, customer=customer.get("name") or customer["id"], role=role,
                    operation=op_title(op_id, locale))
        button = (t("gdap.msg.request_button", locale),
                  actions.run("gdap.create_relationship", {"customer": customer["id"], "role": role}))
        return conversation.missing_gdap_card(message, button=button, code=exc.code,
                                              correlation_id=exc.correlation_id, request_id=exc.request_id,
                                              locale=locale)
    return conversation.partner_center_error_card(
        status=exc.status, code=exc.code, description=exc.description, correlation_id=exc.correlation_id,
        request_id=exc.request_id, locale=locale)


def declared(op: Operation) -> Callable[..., dict[str, Any]]:
    """The renderer of an operation's declared view: handler data in, card out (same call as a `card=`)."""
    assert op.view is not None
    view = op.view

    def _render(data: Any, *, locale: str, more: Any = None) -> dict[str, Any]:
        if isinstance(data, ListPage):
            current = actions.more(data.op, data.params, data.page) if data.op else None
            result = {**data.extra, "params": data.params}
            return render_view(op.id, view, result, locale=locale, items=data.items[data.offset:], more=more,
                               offset=data.offset, current=current)
        result = data if isinstance(data, Mapping) else {"items": data}
        return render_view(op.id, view, result, locale=locale)

    return _render


def render(op_id: str, data: Any, *, locale: str, more: Any = None) -> dict[str, Any]:
    """The declared view of `op_id` for `data`, outside a turn of that operation (e.g. an order after approval)."""
    import dialogs.ops  # noqa: F401 - the registry is filled on import
    from dialogs.registry import registry

    return declared(registry[op_id])(data, locale=locale, more=more)


def refusal(refused: Any, locale: str) -> dict[str, Any]:
    """A change that cannot be made: why, and buttons for what would make it possible (nothing was changed)."""
    buttons = [(title, actions.run(op_id, params)) for title, op_id, params in refused.actions]
    return conversation.refusal_card(refused.message, next_actions=buttons, locale=locale)


def more_action(op: Operation, flow: dict[str, Any], data: Any) -> dict[str, Any] | None:
    if isinstance(data, ListPage) and data.has_more:
        return actions.more(op.id, data.params, data.page + 1)
    return None


def _result(summary: str, details: list[tuple[str, Any]], locale: str,
            next_actions: list[tuple[str, Mapping[str, Any]]] = ()) -> dict[str, Any]:
    return conversation.result_card(summary, details=details, next_actions=next_actions, locale=locale)


# ----------------------------------------------------------------------------------------------- result cards


def subscription_result(data: dict[str, Any], *, locale: str, more: Any = None) -> dict[str, Any]:
    sub, customer = data["subscription"], data.get("customer") or {}
    details = [
        (t("field.customer", locale), customer.get("name")),
        (t("field.offer", locale), sub.get("offerName")),
        (t("field.nickname", locale),
         sub.get("friendlyName") if sub.get("friendlyName") != sub.get("offerName") else None),
        (t("field.status", locale), enum_label("subscription_status", sub.get("status"), locale)),
        (t("field.seats", locale), sub.get("quantity")),
        (t("field.auto_renew", locale), yes_no(bool(sub.get("autoRenewEnabled")), locale)),
    ]
    show = (op_heading("subscriptions.get", locale),
            actions.run("subscriptions.get", {"customer": customer.get("id"), "subscription": sub.get("id")}))
    return _result(data["message"], details, locale, [show])


def service_request_result(data: dict[str, Any], *, locale: str, more: Any = None) -> dict[str, Any]:
    sr = data["request"]
    details = [
        ("ID", sr.get("id")),
        (t("field.title", locale) if has_key("field.title") else "Title", sr.get("title")),
        (t("field.status", locale), status_text(str(sr.get("status")), locale)),
        (t("field.severity", locale), status_text(str(sr.get("severity")), locale)),
    ]
    show = (op_heading("service_requests.get", locale),
            actions.run("service_requests.get", {"service_request": str(sr.get("id"))}))
    return _result(data["message"], details, locale, [show])


def whoami(data: dict[str, Any], *, locale: str, more: Any = None) -> dict[str, Any]:
    roles = data.get("roles") or []
    summary = (t("msg.whoami", locale, name=data.get("name") or data.get("upn") or data.get("id"),
                 roles=", ".join(t(f"role.{r}", locale) if has_key(f"role.{r}") else r for r in roles))
               if roles else t("msg.whoami_no_roles", locale, name=data.get("name") or data.get("id")))
    details = [(t("field.upn", locale), data.get("upn")), (t("field.user_id", locale), data.get("id"))]
    return _result(summary, details, locale)
