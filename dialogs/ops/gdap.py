"""GDAP relationships (api.md §26): list (a customer's, all, expiring within N days, customers without an active
one), request a new one (a job that announces the customer's approval), assign a security group roles, and turn
auto-extend on/off or end a relationship. Roles are named from the short list of api.md §26.5."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cards import jobs as job_cards
from cards.view_spec import Button, Field, Fmt, Link, Table, View, When
from dialogs.context import OperationContext
from dialogs.jobs import Done, Failed, JobRecord, JobRequest, Pending, PollContext, PollResult, job_kind, utc_now
from dialogs.paging import ListPage
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Refused, Row, operation
from partner_center.gdap import (
    AUTO_EXTEND_OFF,
    AUTO_EXTEND_ON,
    MAX_DAYS,
    ROLES,
    GdapRelationship,
    RelationshipStatus,
    approval_link,
    role_name,
)

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
PAGE = 10
DEFAULT_DAYS = 30
APPROVAL_POLL_SECONDS = 300.0  # how often a pending approval is checked (tests lower it)
_ACTIVE = {RelationshipStatus.ACTIVE, RelationshipStatus.EXPIRING}
_ALIASES = {"helpdesk admin": "Helpdesk Administrator", "helpdesk": "Helpdesk Administrator",
            "user admin": "User Administrator", "license admin": "License Administrator",
            "licence administrator": "License Administrator", "licence admin": "License Administrator",
            "global admin": "Global Administrator", "directory reader": "Directory Readers",
            "directory writer": "Directory Writers", "privileged role admin": "Privileged Role Administrator",
            "exchange admin": "Exchange Administrator", "sharepoint admin": "SharePoint Administrator",
            "teams admin": "Teams Administrator", "intune admin": "Intune Administrator",
            "security admin": "Security Administrator", "billing admin": "Billing Administrator"}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TERM = re.compile(r"(\d{1,4})\s*(day|days|d|天|month|months|個月|月|year|years|y|年)?", re.I)


def parse_roles(text: Any) -> tuple[list[str], list[str]]:
    """"Helpdesk Administrator and license admin" → ([role ids], [words not understood])."""
    wanted = [w.strip() for w in re.split(r",|;|\band\b|、|和|及", str(text or ""), flags=re.I) if w.strip()]
    by_name = {name.lower(): role_id for name, role_id in ROLES.items()}
    ids, unknown = [], []
    for word in wanted:
        key = re.sub(r"\s+", " ", word.lower().removeprefix("the ").removesuffix(" role").strip())
        role_id = by_name.get(key) or by_name.get(_ALIASES.get(key, "").lower()) or by_name.get(key + "s")
        if role_id and role_id not in ids:
            ids.append(role_id)
        elif not role_id:
            unknown.append(word)
    return ids, unknown


def roles_said(ctx: OperationContext, args: Args) -> tuple[list[str], list[str]]:
    """The roles of the `role` parameter, plus the other role names of the same sentence (the recognizer fills one
    slot per entity: "for Helpdesk Administrator and License Administrator")."""
    ids, unknown = parse_roles(args.get("role"))
    said = (ctx.text or "").lower()
    if ids and str(args.get("role") or "").lower() in said:
        for name, role_id in sorted(ROLES.items(), key=lambda item: -len(item[0])):
            if re.search(rf"\b{re.escape(name.lower())}\b", said) and role_id not in ids:
                ids.append(role_id)
        args["role"] = ", ".join(role_name(r) for r in ids)
    return ids, unknown


def parse_term(text: Any) -> int | None:
    """"2 years" / "180 days" / "6 months" / "730" → days; None when no number is given."""
    match = _TERM.search(str(text or ""))
    if not match:
        return None
    n, unit = int(match.group(1)), (match.group(2) or "d").lower()
    if unit in ("year", "years", "y", "年"):
        return n * 365
    if unit in ("month", "months", "個月", "月"):
        return n * 30
    return n


def _now(ctx: OperationContext) -> datetime:
    return ctx.extras.get("now") or utc_now()


def _row(rel: GdapRelationship, now: datetime) -> dict[str, Any]:
    return {"id": rel.id, "name": rel.display_name or rel.id, "customer": rel.customer_name or rel.customer_tenant_id,
            "customer_id": rel.customer_tenant_id, "status": str(rel.raw.get("status") or ""),
            "end": rel.raw.get("endDateTime"), "auto_extend": rel.auto_extend, "roles": rel.role_names,
            "days_left": rel.days_left(now) if rel.end else None}


# ----------------------------------------------------------------------------------------- gdap.relationships

RELATIONSHIPS = View(
    table=Table(title="customer|name",
                columns=(Field("relationship", "name"),
                         Field("status", fmt=Fmt.ENUM, enum="gdap_status"),
                         Field("ends", "end", Fmt.DATE),
                         Field("auto_extend", fmt=Fmt.YES_NO, labelled=True, when=When("status", ("active",))),
                         Field("roles", "roles")),
                attention=When("status", ("expiring", "expired", "none")),
                action=Link.to("gdap.relationships", customer="customer_id")),
    buttons=(Button("request", Link.to("gdap.create_relationship", customer="customer.id"),
                    when=When("mode", ("customer", "without")), style="positive"),))


def _mode(ctx: OperationContext, args: Args) -> str:
    said = f"{args.get('status') or ''} {ctx.text or ''}".lower()
    if re.search(r"without|\bno gdap|\bno (active )?(gdap|delegated)|missing|沒有|無", said):
        return "without"
    if re.search(r"expir|到期|過期|soon", said):
        return "expiring"
    return "customer" if args.get("customer") else "all"


def _days(ctx: OperationContext) -> int:
    match = re.search(r"(\d{1,3})\s*(days?|天)", ctx.text or "")
    return int(match.group(1)) if match else DEFAULT_DAYS


@operation("gdap.relationships", kind="read",
           params=[Param("customer", ParamType.CUSTOMER, required=False), Param("status", required=False)],
           view=RELATIONSHIPS)
async def relationships(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    mode = str(ctx.extras.get("gdap_mode") or args.get("_mode") or _mode(ctx, args))
    now = _now(ctx)
    customer = args.get("customer") if isinstance(args.get("customer"), dict) else None
    params: dict[str, Any] = {"status": args.get("status") or mode}
    if mode == "customer" and customer:
        rels = await ctx.client.gdap.list_relationships(customer_tenant_id=customer["id"]).to_list()
        items = [_row(r, now) for r in rels]
        params["customer"] = customer["id"]
        scope = ctx.t("gdap.scope.customer", customer=customer["name"])
    elif mode == "without":
        active = {r.customer_tenant_id.lower() for r in await ctx.client.gdap.list_relationships().to_list()
                  if r.status in _ACTIVE and r.customer_tenant_id}
        customers = await ctx.client.customers.list().to_list()
        items = [{"customer": c.company_name or c.id, "customer_id": c.id, "status": "none"}
                 for c in customers if c.id and c.id.lower() not in active]
        scope = ctx.t("gdap.scope.without")
    elif mode == "expiring":
        days = _days(ctx)
        rels = await ctx.client.gdap.list_relationships(status="active").to_list()
        items = sorted((_row(r, now) for r in rels
                        if not r.auto_extend and r.end is not None and r.days_left(now) is not None
                        and 0 <= (r.end - now).total_seconds() <= days * 86400),
                       key=lambda row: str(row["end"]))
        scope = ctx.t("gdap.scope.expiring", days=days)
    else:
        items = [_row(r, now) for r in await ctx.client.gdap.list_relationships().to_list()]
        scope = ctx.t("gdap.scope.all")
    shown = items[page * PAGE:(page + 1) * PAGE]
    extra = {"scope": scope, "mode": mode, "customer": customer or {}}
    return Outcome(ListPage(shown, page, len(items) > (page + 1) * PAGE, params, extra),
                   context={"customer": customer} if customer else {})


# ----------------------------------------------------------------------------------------- create (a job)

async def _preview_create(ctx: OperationContext, args: Args) -> Preview:
    role_ids, unknown = roles_said(ctx, args)
    if unknown or not role_ids:
        raise NeedInput(("role",), ctx.t("gdap.msg.bad_roles", roles=", ".join(ROLES)))
    days = parse_term(args.get("term")) if args.get("term") else MAX_DAYS
    if days is None or not 1 <= days <= MAX_DAYS:
        raise NeedInput(("term",), ctx.t("gdap.msg.bad_term"))
    auto = bool(args.get("auto_extend"))
    if auto and ROLES["Global Administrator"] in role_ids:
        raise NeedInput(("auto_extend",), ctx.t("gdap.msg.global_admin_auto_extend"))
    args["_roles"], args["_days"] = role_ids, days
    yes_no = ctx.t("gdap.msg.yes") if auto else ctx.t("gdap.msg.no")
    return Preview(title=ctx.t("gdap.msg.new_title", customer=args["customer"]["name"]),
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("gdap.field.roles"), None, ", ".join(role_name(r) for r in role_ids)),
                         Row(ctx.t("gdap.field.duration"), None, ctx.t("gdap.msg.days", days=days)),
                         Row(ctx.t("gdap.field.auto_extend"), None, yes_no)),
                   warning=ctx.t("gdap.msg.approval_needed"))


@operation("gdap.create_relationship", kind="change",
           params=[CUSTOMER, Param("role"), Param("term", required=False),
                   Param("auto_extend", ParamType.BOOL, required=False, default=False)],
           preview=_preview_create)
async def create_relationship(ctx: OperationContext, args: Args) -> Outcome:
    customer = args["customer"]
    stamp = _now(ctx).strftime("%Y%m%d")
    name = f"{customer['name'][:28]}-{stamp}-{ctx.request_id('name')[-6:]}"
    rel = await ctx.client.gdap.create_relationship(
        name, args["_roles"], duration_days=args["_days"], customer_tenant_id=customer["id"],
        customer_name=customer["name"], auto_extend=bool(args.get("auto_extend")),
        request_id=ctx.request_id("create"))
    await ctx.client.gdap.request_action(rel.id, "lockForApproval", request_id=ctx.request_id("lock"))
    link = approval_link(rel.id)
    params = {"relationship_id": rel.id, "customer": customer["name"], "customer_id": customer["id"]}
    return Outcome(message=ctx.t("gdap.msg.created", customer=customer["name"], link=link),
                   job=JobRequest("gdap.approval", params, ctx.t("gdap.msg.job_summary", customer=customer["name"]),
                                  first_poll_after=0),
                   audit={"after": {"relationship": rel.id, "roles": [role_name(r) for r in args["_roles"]],
                                    "days": args["_days"]}})


def approval_card(job: JobRecord, locale: str) -> dict[str, Any]:
    from cards.text import format_date, t

    if job.status == "succeeded":
        end = (job.result or {}).get("end")
        message = t("gdap.msg.approved", locale, customer=job.params.get("customer", ""),
                    end=format_date(end, locale) if end else "—")
        return job_cards.job_outcome({**job.to_dict(), "message": message}, locale)
    return job_cards.job_outcome(job.to_dict(), locale)


@job_kind("gdap.approval", card=approval_card, interval=APPROVAL_POLL_SECONDS, max_interval=3600,
          max_attempts=30000, max_seconds=90 * 86400)
async def poll_approval(ctx: PollContext) -> PollResult:
    """The customer has 90 days to approve (api.md §26.2); active → announce, expired/terminated → failed."""
    rel = await ctx.client.gdap.get_relationship(ctx.params["relationship_id"])
    if rel.status is RelationshipStatus.ACTIVE:
        return Done({"end": rel.raw.get("endDateTime"), "roles": rel.role_names})
    if rel.status in (RelationshipStatus.EXPIRED, RelationshipStatus.TERMINATED):
        return Failed(f"The request was not approved ({rel.status}).")
    return Pending(APPROVAL_POLL_SECONDS)


# ----------------------------------------------------------------------------------------- assign_group, extend

async def _active_relationship(ctx: OperationContext, customer: dict[str, Any]) -> GdapRelationship:
    rels = await ctx.client.gdap.list_relationships(customer_tenant_id=customer["id"]).to_list()
    active = sorted((r for r in rels if r.status in _ACTIVE), key=lambda r: str(r.raw.get("endDateTime")),
                    reverse=True)
    if not active:
        raise Refused(ctx.t("gdap.msg.no_active", customer=customer["name"]),
                      actions=((ctx.t("gdap.msg.request_button"), "gdap.create_relationship",
                                {"customer": customer["id"]}),))
    return active[0]


async def _preview_assign(ctx: OperationContext, args: Args) -> Preview:
    group = str(args.get("group") or "").strip()
    if not _GUID.match(group):
        raise NeedInput(("group",), ctx.t("gdap.msg.bad_group"))
    role_ids, unknown = roles_said(ctx, args)
    if unknown or not role_ids:
        raise NeedInput(("role",), ctx.t("gdap.msg.bad_roles", roles=", ".join(ROLES)))
    rel = await _active_relationship(ctx, args["customer"])
    outside = [role_name(r) for r in role_ids if r not in rel.role_ids]
    if outside:
        raise Refused(ctx.t("gdap.msg.role_not_in_relationship", roles=", ".join(outside),
                            granted=", ".join(rel.role_names), customer=args["customer"]["name"]))
    args["_relationship"], args["_roles"] = rel.id, role_ids
    return Preview(title=rel.display_name,
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("gdap.field.group"), None, group.lower()),
                         Row(ctx.t("gdap.field.roles"), None, ", ".join(role_name(r) for r in role_ids))))


@operation("gdap.assign_group", kind="change", params=[CUSTOMER, Param("group"), Param("role")],
           preview=_preview_assign)
async def assign_group(ctx: OperationContext, args: Args) -> Outcome:
    assignment = await ctx.client.gdap.create_access_assignment(
        args["_relationship"], args["group"].strip().lower(), args["_roles"], request_id=ctx.request_id("assign"))
    roles = ", ".join(role_name(r) for r in args["_roles"])
    return Outcome(message=ctx.t("gdap.msg.assigned", group=args["group"].strip().lower(), roles=roles,
                                 customer=args["customer"]["name"]),
                   audit={"after": {"relationship": args["_relationship"], "assignment": assignment.id,
                                    "roles": roles}})


_EXTEND_WORDS = {"on": ("on", "enable", "enabled", "yes", "開啟", "開", "延長", "extend"),
                 "off": ("off", "disable", "disabled", "no", "關閉", "關"),
                 "end": ("end", "terminate", "stop", "remove", "結束", "終止")}


def _extend_action(value: Any) -> str | None:
    said = str(value or "").strip().lower()
    return next((action for action, words in _EXTEND_WORDS.items() if said in words), None)


async def _preview_extend(ctx: OperationContext, args: Args) -> Preview:
    action = _extend_action(args.get("status"))
    if action is None:
        raise NeedInput(("status",), ctx.t("gdap.msg.bad_extend"))
    rel = await _active_relationship(ctx, args["customer"])
    if action == "on" and ROLES["Global Administrator"] in rel.role_ids:
        raise Refused(ctx.t("gdap.msg.global_admin_auto_extend"))
    before = ctx.t("gdap.msg.yes") if rel.auto_extend else ctx.t("gdap.msg.no")
    args["_relationship"], args["_etag"], args["_action"] = rel.id, rel.etag, action
    if action == "end":
        return Preview(title=rel.display_name,
                       rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                             Row(ctx.t("field.status"), ctx.t("enum.gdap_status.active"),
                                 ctx.t("enum.gdap_status.terminated"))),
                       warning=ctx.t("gdap.msg.end_is_final"))
    after = ctx.t("gdap.msg.yes") if action == "on" else ctx.t("gdap.msg.no")
    return Preview(title=rel.display_name,
                   rows=(Row(ctx.t("field.customer"), None, args["customer"]["name"]),
                         Row(ctx.t("gdap.field.auto_extend"), before, after)))


@operation("gdap.extend", kind="change", params=[CUSTOMER, Param("status")], preview=_preview_extend)
async def extend(ctx: OperationContext, args: Args) -> Outcome:
    rel_id, action, customer = args["_relationship"], args["_action"], args["customer"]["name"]
    if action == "end":
        await ctx.client.gdap.request_action(rel_id, "terminate", request_id=ctx.request_id("terminate"))
        return Outcome(message=ctx.t("gdap.msg.ended", customer=customer), audit={"after": {"status": "terminated"}})
    value = AUTO_EXTEND_ON if action == "on" else AUTO_EXTEND_OFF
    await ctx.client.gdap.update_relationship(rel_id, {"autoExtendDuration": value}, etag=args["_etag"],
                                              request_id=ctx.request_id("extend"))
    return Outcome(message=ctx.t(f"gdap.msg.auto_extend_{action}", customer=customer),
                   audit={"after": {"autoExtendDuration": value}})


# ----------------------------------------------------------------------------------------- the 403 explanation

# api.md §26.6: the least-privileged GDAP role a user, licence or directory-role operation needs.
NEEDED_ROLE: dict[str, str] = {
    "users.list": "Directory Readers", "users.get": "Directory Readers", "users.list_deleted": "Directory Readers",
    "users.roles": "Directory Readers", "licenses.available": "Directory Readers",
    "licenses.assigned": "Directory Readers", "licenses.assign": "License Administrator",
    "users.assign_role": "Privileged Role Administrator", "users.remove_role": "Privileged Role Administrator",
}
_AREA_ROLE = {"users": "User Administrator", "licenses": "License Administrator"}
# Partner Center's 403 codes for a role the caller lacks, and Graph's (api.md §26.6).
GDAP_DENIED_CODES = frozenset({900150, 900308, "accessDenied", "Authorization_RequestDenied"})


def missing_gdap_role(op_id: str, status: int | None, code: Any, values: dict[str, Any] | None) -> tuple[
        dict[str, Any], str] | None:
    """(customer, role) when a 403 on a user/licence/role operation is most likely a missing GDAP role."""
    customer = (values or {}).get("customer")
    if status != 403 or code not in GDAP_DENIED_CODES or not isinstance(customer, dict) or not customer.get("id"):
        return None
    role = NEEDED_ROLE.get(op_id) or _AREA_ROLE.get(op_id.split(".")[0])
    return (customer, role) if role else None
