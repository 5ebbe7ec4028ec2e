"""Service requests: lookups, opening one, adding notes and closing."""

from __future__ import annotations

import re
from typing import Any

from cards.view_spec import Button, Field, Fmt, Link, Note, Record, Section, Table, View, When
from dialogs import views
from dialogs.context import OperationContext
from dialogs.ops.purchases import ResolvableParam
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Row, operation
from dialogs.resolve import Ambiguous, Resolution, Resolved, normalize

_STATUS_WORDS = {"open": "open", "active": "open", "opened": "open", "closed": "closed", "close": "closed",
                 "resolved": "closed", "attention": "attention_needed", "attention needed": "attention_needed"}


_REQUEST = Note("request", Field("id"))  # "Request 613222"
SERVICE_REQUEST_LIST = View(plain_title=True, table=Table(
    title="title|id",
    columns=(_REQUEST, Field("status", fmt=Fmt.ENUM, enum="sr_status"),
             Field("severity", fmt=Fmt.ENUM, enum="sr_severity"),
             Field("modified", "lastModifiedDate|createdDate", Fmt.DATE)),
    attention=When("status", ("attention_needed",)),
    action=Link.to("service_requests.get", service_request="id")))
SERVICE_REQUEST_DETAILS = View(
    title_args=(("title", "title|id"),),
    record=Record(notes=(_REQUEST,), fields=(
        Field("status", fmt=Fmt.ENUM, enum="sr_status"), Field("severity", fmt=Fmt.ENUM, enum="sr_severity"),
        Field("topic", "supportTopicName|supportTopicId"), Field("product", "productName"),
        Field("organization", "organization.name"), Field("contact", "primaryContact", Fmt.PERSON),
        Field("created", "createdDate", Fmt.DATE), Field("modified", "lastModifiedDate", Fmt.DATE),
        Field("closed", "lastClosedDate", Fmt.DATE))),
    sections=(Section("description", text=Field("description", max_chars=1500)),
              Section("notes", table=Table(
                  items="notes", title="createdByName", sort="createdDate", descending=True, limit=8,
                  columns=(Field("created", "createdDate", Fmt.DATETIME),),
                  body=Field("text", max_chars=600)))),
    buttons=(Button("add_note", Link.to("service_requests.update", service_request="id"),
                    When("status", ("closed",), negate=True)),))


def _status(value: str | None) -> str | None:
    return _STATUS_WORDS.get((value or "").strip().lower()) if value else None


@operation("service_requests.list", kind="read",
           params=[Param("customer", ParamType.CUSTOMER, required=False), Param("status", required=False)],
           view=SERVICE_REQUEST_LIST)
async def list_requests(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    status = _status(args.get("status"))
    customer = args.get("customer")
    pager = (ctx.client.service_requests.list_for_customer(customer["id"]) if customer
             else ctx.client.service_requests.list())
    keep = (lambda sr: str(sr.raw.get("status", "")).lower() == status) if status else None
    items, more = await take_page(pager, page, 10, keep)
    params: dict[str, Any] = {**({"customer": customer["id"]} if customer else {}),
                              **({"status": status} if status else {})}
    return Outcome(ListPage([raw(s) for s in items], page, more, params, {"customer": customer, "status": status}))


@operation("service_requests.get", kind="read", params=[Param("service_request")],
           view=SERVICE_REQUEST_DETAILS)
async def get_request(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(raw(await ctx.client.service_requests.get(args["service_request"].strip())))


SEVERITIES = ("minimal", "moderate", "critical")

TOPIC_LIST = View(table=Table(columns=(Field("description"),), title="name|id"))


@operation("service_requests.topics", kind="read", view=TOPIC_LIST)
async def list_topics(ctx: OperationContext, args: Args) -> Outcome:
    topics = await ctx.client.service_requests.list_support_topics().to_list(200)
    return Outcome(ListPage([raw(t) for t in topics], 0, False, {}, {}))


_WORD = re.compile(r"[a-z0-9]{3,}|[\u4e00-\u9fff]")
_COMMON = {"the", "and", "for", "with", "not", "our", "are", "can", "cannot", "this", "that", "from", "since",
           "all", "any", "has", "have", "was", "were", "but", "they", "their", "questions", "issue", "issues",
           "working", "expected", "about", "nobody", "users", "customer"}


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(normalize(text)) if w not in _COMMON}


async def _resolve_topic(ctx: OperationContext, raw_value: Any, values: dict[str, Any],
                         flow_raw: dict[str, Any]) -> Resolution | str:
    """The support topic: the one named, else a choice of the topics that share words with what the user wrote
    (title, description, request), best first; all of them when none does."""
    topics = [raw(t) for t in await ctx.client.service_requests.list_support_topics().to_list(200)]
    options = [{"id": str(t.get("id")), "name": t.get("name") or str(t.get("id")), "detail": t.get("description")}
               for t in topics]
    named = str(raw_value.get("id") if isinstance(raw_value, dict) else raw_value or "").strip().lower()
    if named:
        exact = [o for o in options if named in (o["id"].lower(), str(o["name"]).lower())]
        if len(exact) == 1:
            return Resolved(exact[0])
    said = _words(" ".join(str(x) for x in (values.get("title"), values.get("description"), ctx.text, named) if x))
    scored = sorted(((len(said & _words(f"{o['name']} {o['detail']}")), i, o) for i, o in enumerate(options)),
                    key=lambda s: (-s[0], s[1]))
    matching = [o for score, _, o in scored if score > 0][:5]
    return Ambiguous(named, matching or options)


TOPIC = ResolvableParam("topic", ParamType.TEXT, required=True, resolve=_resolve_topic)


async def _preview_create(ctx: OperationContext, args: Args) -> Preview:
    customer = args.get("customer")
    rows = [Row(ctx.t("field.title"), None, args["title"]),
            Row(ctx.t("field.description"), None, args["description"]),
            Row(ctx.t("field.topic"), None, args["topic"]["name"]),
            Row(ctx.t("field.severity"), None, views.status_text(args["severity"], ctx.locale))]
    if customer:
        rows.insert(0, Row(ctx.t("field.customer"), None, customer["name"]))
    return Preview(rows=tuple(rows), title=ctx.t("preview.new_service_request"))


@operation("service_requests.create", kind="change",
           params=[Param("customer", ParamType.CUSTOMER, required=False, from_context=True),
                   Param("title"), Param("description", multiline=True), TOPIC,
                   Param("severity", ParamType.CHOICE, choices=SEVERITIES, required=False, default="moderate")],
           preview=_preview_create, card=views.service_request_result)
async def create_request(ctx: OperationContext, args: Args) -> Outcome:
    description = args["description"]
    customer = args.get("customer")
    if customer:
        description = f"{description}\n\n{ctx.t('field.customer')}: {customer['name']} ({customer['id']})"
    body = {"title": args["title"], "description": description, "severity": args["severity"],
            "supportTopicId": args["topic"]["id"]}
    created = await ctx.client.service_requests.create(body, agent_locale=ctx.locale,
                                                       request_id=ctx.request_id("create"))
    data = raw(created)
    return Outcome({"request": data, "message": ctx.t("result.sr_created", id=data.get("id"))},
                   audit={"after": {"id": data.get("id"), "title": data.get("title")}})


async def _preview_update(ctx: OperationContext, args: Args) -> Preview:
    if not args.get("title") and not _status(args.get("status")):
        raise NeedInput(("title", "status"), ctx.t("msg.sr_note_or_status"))
    current = raw(await ctx.client.service_requests.get(args["service_request"].strip()))
    rows = [Row(ctx.t("field.service_request"), None, f"{current.get('id')} · {current.get('title', '')}")]
    if args.get("title"):
        rows.append(Row(ctx.t("field.note"), None, args["title"]))
    status = _status(args.get("status"))
    if status:
        rows.append(Row(ctx.t("field.status"), views.status_text(str(current.get("status")), ctx.locale),
                        views.status_text(status, ctx.locale)))
    return Preview(rows=tuple(rows))


@operation("service_requests.update", kind="change",
           params=[Param("service_request"), Param("title", required=False, multiline=True),
                   Param("status", required=False)],
           preview=_preview_update, card=views.service_request_result)
async def update_request(ctx: OperationContext, args: Args) -> Outcome:
    sr_id = args["service_request"].strip()
    changes: dict[str, Any] = {}
    if args.get("title"):
        changes["newNote"] = {"text": args["title"]}
    status = _status(args.get("status"))
    if status:
        changes["status"] = status
    if not changes:
        return Outcome(message=ctx.t("result.sr_nothing_to_update"))
    before = raw(await ctx.client.service_requests.get(sr_id))
    updated = raw(await ctx.client.service_requests.update(sr_id, changes, request_id=ctx.request_id("update")))
    return Outcome({"request": updated, "message": ctx.t("result.sr_updated", id=sr_id)},
                   audit={"before": {"status": before.get("status")}, "after": {"status": updated.get("status")}})
