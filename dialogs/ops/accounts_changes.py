"""Account changes, group 2: customer users (create, update, delete, restore, reset password), directory roles
(assign, remove), licences (assign / remove, with free seats before -> after) and a customer's spending budget.

Every change shows before -> after and waits for the requester's confirmation (the dispatcher's gate). Bad input
is caught in the preview before any call: `NeedInput` asks again with a specific message, `Refused` ends the
flow with a reason (and a button for what would make it possible). Generated passwords leave only through
`Outcome.private`: to the requester's personal chat, never into state, audit, logs or a shared conversation.
"""

from __future__ import annotations

import re
from typing import Any

from cards.view_spec import Field, Fmt, Record, View
from dialogs.context import OperationContext
from dialogs.ops.accounts_common import EMAIL_RE, GLOBAL_ADMIN, ROLE, country_code
from dialogs.ops.purchases import ResolvableParam
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Refused, Row, operation
from dialogs.resolve import Ambiguous, NotFound, Resolution, Resolved, match_subscriptions, normalize, user_value
from partner_center.users import generate_password

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
USER = Param("user", ParamType.USER)
_PHONE = re.compile(r"^\+?[0-9 ()\-]{6,30}$")
_REMOVE = re.compile(r"\b(remove|removing|unassign|revoke|take (?:the )?\S+ (?:licen[cs]e )?away|take away|"
                     r"strip|drop)\b|移除|取消指派", re.I)

USER_RESULT = View(record=Record(source="user", fields=(
    Field("customer", "customer.name"), Field("name", "displayName"), Field("upn", "userPrincipalName"),
    Field("usage_location", "usageLocation"), Field("phone", "phoneNumber"),
    Field("state", fmt=Fmt.ENUM, enum="user_state"))))


def _shown_user(user: Any, customer: dict[str, Any]) -> dict[str, Any]:
    """A user for the result card: never the password profile the create/reset response carries."""
    wire = {k: v for k, v in user.raw.items() if k != "passwordProfile"}
    return {"user": wire, "customer": customer}


def _password_text(ctx: OperationContext, upn: str, password: str) -> str:
    return ctx.t("accounts.password_private", upn=upn, password=password)


# ----------------------------------------------------------------------------------------------- users.create

def _derive_user(raw_name: str, domain: str) -> tuple[str, str, str, str]:
    """("Megan Bowen" | "megan.bowen@x" | "megan") -> (display name, first, last, user principal name)."""
    value = raw_name.strip()
    if "@" in value:
        upn = value
        local = value.split("@", 1)[0]
        words = [w for w in re.split(r"[._\-]+", local) if w]
        display = " ".join(w.capitalize() for w in words) or local
    else:
        words = value.split()
        display = " ".join(words)
        alias = ".".join(re.sub(r"[^a-z0-9]", "", w.lower()) for w in words)
        upn = f"{alias.strip('.')}@{domain}"
    parts = display.split()
    return display, (parts[0] if parts else display), (" ".join(parts[1:]) if len(parts) > 1 else ""), upn


async def _preview_create_user(ctx: OperationContext, args: Args) -> Preview:
    customer = args["customer"]
    cid = customer["id"]
    domains = await ctx.client.customers.list_custom_domains(cid)
    primary = next((d for d in domains if d.endswith(".onmicrosoft.com")), domains[0] if domains else "")
    display, first, last, upn = _derive_user(str(args["display_name"]), primary)
    if not EMAIL_RE.match(upn):
        raise NeedInput(("display_name",), ctx.t("accounts.upn_invalid", upn=upn))
    if upn.split("@", 1)[1].lower() not in {d.lower() for d in domains}:
        raise NeedInput(("display_name",), ctx.t("accounts.upn_foreign_domain", upn=upn,
                                                   customer=customer["name"], domains=", ".join(domains)))
    location = country_code(str(args.get("usage_location") or "")) if args.get("usage_location") else None
    if args.get("usage_location") and location is None:
        raise NeedInput(("usage_location",), ctx.t("accounts.country_unknown", country=args["usage_location"]))
    if location is None:
        company = await ctx.client.customers.get_company_profile(cid)
        location = (company.address.country if company.address else None) or "US"
    existing = [u async for u in ctx.client.users.list(cid)
                if (u.user_principal_name or "").lower() == upn.lower()]
    if existing:
        raise NeedInput(("display_name",), ctx.t("accounts.user_exists", upn=upn, customer=customer["name"]))
    args.update({"upn": upn, "first_name": first, "last_name": last, "name": display, "location": location})
    return Preview(title=ctx.t("accounts.new_user"), rows=(
        Row(ctx.t("field.customer"), None, customer["name"]), Row(ctx.t("field.name"), None, display),
        Row(ctx.t("field.upn"), None, upn), Row(ctx.t("field.usage_location"), None, location)),
        warning=ctx.t("accounts.password_will_be_private"))


@operation("users.create", kind="change",
           params=[CUSTOMER, Param("display_name", ParamType.TEXT, slot="user"),
                   Param("usage_location", ParamType.TEXT, required=False)],
           preview=_preview_create_user, view=USER_RESULT)
async def create_user(ctx: OperationContext, args: Args) -> Outcome:
    cid = args["customer"]["id"]
    password = generate_password()
    created = await ctx.client.users.create(cid, {
        "userPrincipalName": args["upn"], "displayName": args["name"], "firstName": args["first_name"],
        "lastName": args["last_name"] or args["first_name"], "usageLocation": args["location"],
        "passwordProfile": {"password": password, "forceChangePassword": True}},
        request_id=ctx.request_id("create-user"))
    # a replayed create (same request id) answers with the first password, which is the one that works
    password = created.temporary_password or password
    return Outcome(_shown_user(created, args["customer"]),
                   message=ctx.t("accounts.user_created", upn=created.user_principal_name),
                   private=_password_text(ctx, created.user_principal_name or args["upn"], password),
                   context={"user": user_value(created)},
                   audit={"user": created.user_principal_name, "id": created.id})


# ----------------------------------------------------------------------------------------------- reset password

async def _preview_reset(ctx: OperationContext, args: Args) -> Preview:
    return Preview(title=args["user"]["name"], rows=(
        Row(ctx.t("field.customer"), None, args["customer"]["name"]),
        Row(ctx.t("field.upn"), None, args["user"].get("upn") or args["user"]["name"]),
        Row(ctx.t("field.password"), ctx.t("accounts.password_current"), ctx.t("accounts.password_new"))),
        warning=ctx.t("accounts.password_will_be_private"))


@operation("users.reset_password", kind="change", params=[CUSTOMER, USER], preview=_preview_reset,
           view=USER_RESULT)
async def reset_password(ctx: OperationContext, args: Args) -> Outcome:
    user = await ctx.client.users.reset_password(args["customer"]["id"], args["user"]["id"],
                                                 request_id=ctx.request_id("reset-password"))
    upn = user.user_principal_name or args["user"].get("upn") or ""
    return Outcome(_shown_user(user, args["customer"]), message=ctx.t("accounts.password_reset", upn=upn),
                   private=_password_text(ctx, upn, user.temporary_password or ""),
                   audit={"user": upn, "id": user.id})


# ----------------------------------------------------------------------------------------------- update

_UPDATE_FIELDS = ("display_name", "usage_location", "phone")


async def _preview_update(ctx: OperationContext, args: Args) -> Preview:
    wanted = {k: str(args[k]).strip() for k in _UPDATE_FIELDS if args.get(k) not in (None, "")}
    if not wanted:
        raise NeedInput(_UPDATE_FIELDS, ctx.t("accounts.update_what"))
    before = await ctx.client.users.get(args["customer"]["id"], args["user"]["id"])
    changes: dict[str, Any] = {}
    rows = [Row(ctx.t("field.customer"), None, args["customer"]["name"]),
            Row(ctx.t("field.upn"), None, before.user_principal_name or "")]
    if "usage_location" in wanted:
        code = country_code(wanted["usage_location"])
        if code is None:
            raise NeedInput(("usage_location",), ctx.t("accounts.country_unknown", country=wanted["usage_location"]))
        if code != (before.usage_location or ""):
            changes["usageLocation"] = code
            rows.append(Row(ctx.t("field.usage_location"), before.usage_location or "", code))
    if "phone" in wanted:
        if not _PHONE.match(wanted["phone"]):
            raise NeedInput(("phone",), ctx.t("accounts.phone_invalid", phone=wanted["phone"]))
        if wanted["phone"] != (before.phone_number or ""):
            changes["phoneNumber"] = wanted["phone"]
            rows.append(Row(ctx.t("field.phone"), before.phone_number or "", wanted["phone"]))
    if "display_name" in wanted and wanted["display_name"] != (before.display_name or ""):
        changes["displayName"] = wanted["display_name"]
        rows.append(Row(ctx.t("field.name"), before.display_name or "", wanted["display_name"]))
    if not changes:
        raise NeedInput(tuple(wanted), ctx.t("accounts.update_nothing"))
    args["changes"] = changes
    return Preview(title=args["user"]["name"], rows=tuple(rows))


@operation("users.update", kind="change",
           params=[CUSTOMER, USER, Param("display_name", required=False), Param("usage_location", required=False),
                   Param("phone", required=False)],
           preview=_preview_update, view=USER_RESULT)
async def update_user(ctx: OperationContext, args: Args) -> Outcome:
    user = await ctx.client.users.update(args["customer"]["id"], args["user"]["id"], args["changes"],
                                         request_id=ctx.request_id("update-user"))
    return Outcome(_shown_user(user, args["customer"]),
                   message=ctx.t("accounts.user_updated", upn=user.user_principal_name),
                   audit={"user": user.user_principal_name, "changes": args["changes"]})


# ----------------------------------------------------------------------------------------------- delete, restore

async def _preview_delete(ctx: OperationContext, args: Args) -> Preview:
    return Preview(title=args["user"]["name"], rows=(
        Row(ctx.t("field.customer"), None, args["customer"]["name"]),
        Row(ctx.t("field.upn"), None, args["user"].get("upn") or ""),
        Row(ctx.t("field.state"), ctx.t("enum.user_state.active"), ctx.t("enum.user_state.inactive"))),
        warning=ctx.t("accounts.delete_user_warning"))


@operation("users.delete", kind="change", params=[CUSTOMER, USER], preview=_preview_delete)
async def delete_user(ctx: OperationContext, args: Args) -> Outcome:
    await ctx.client.users.delete(args["customer"]["id"], args["user"]["id"], request_id=ctx.request_id("delete"))
    return Outcome(message=ctx.t("accounts.user_deleted", upn=args["user"].get("upn") or args["user"]["name"]),
                   audit={"user": args["user"].get("upn"), "id": args["user"]["id"]})


async def _resolve_deleted_user(ctx: OperationContext, raw: Any, values: dict[str, Any],
                                flow_raw: dict[str, Any]) -> Resolution | str:
    """A soft-deleted user (only those can be restored), by UPN, name or id."""
    customer = values["customer"]
    deleted = await ctx.client.users.list_deleted(customer["id"]).to_list(500)
    options = [user_value(u) for u in deleted]
    query = normalize(str(raw or ""))
    if not deleted:
        return ctx.t("accounts.no_deleted_users", customer=customer["name"])
    if not query:
        return Ambiguous("", options)
    hits = [user_value(u) for u in deleted
            if query in {normalize(u.user_principal_name or ""), normalize(u.display_name or ""), u.id.lower()}
            or query in normalize(u.display_name or "") or normalize(u.user_principal_name or "").startswith(query)]
    if len(hits) == 1:
        return Resolved(hits[0])
    if hits:
        return Ambiguous(str(raw), hits)
    return NotFound(str(raw), options)


DELETED_USER = ResolvableParam("user", ParamType.USER, resolve=_resolve_deleted_user, resolve_empty=True)


async def _preview_restore(ctx: OperationContext, args: Args) -> Preview:
    return Preview(title=args["user"]["name"], rows=(
        Row(ctx.t("field.customer"), None, args["customer"]["name"]),
        Row(ctx.t("field.upn"), None, args["user"].get("upn") or ""),
        Row(ctx.t("field.state"), ctx.t("enum.user_state.inactive"), ctx.t("enum.user_state.active"))))


@operation("users.restore", kind="change", params=[CUSTOMER, DELETED_USER], preview=_preview_restore,
           view=USER_RESULT)
async def restore_user(ctx: OperationContext, args: Args) -> Outcome:
    user = await ctx.client.users.restore(args["customer"]["id"], args["user"]["id"],
                                          request_id=ctx.request_id("restore"))
    return Outcome(_shown_user(user, args["customer"]),
                   message=ctx.t("accounts.user_restored", upn=user.user_principal_name),
                   audit={"user": user.user_principal_name, "id": user.id})


# ----------------------------------------------------------------------------------------------- roles

async def _role_state(ctx: OperationContext, args: Args) -> tuple[set[str], int]:
    """The user's role ids now, and how many members the chosen role has."""
    cid = args["customer"]["id"]
    mine = {r.id for r in await ctx.client.directory_roles.of_user(cid, args["user"]["id"]).to_list()}
    members = await ctx.client.directory_roles.members(cid, args["role"]["id"]).to_list()
    return mine, len(members)


async def _preview_assign_role(ctx: OperationContext, args: Args) -> Preview:
    mine, _ = await _role_state(ctx, args)
    role, user = args["role"], args["user"]
    if role["id"] in mine:
        raise NeedInput(("role",), ctx.t("accounts.role_already", user=user["name"], role=role["name"]))
    warning = ctx.t("accounts.global_admin_grant") if role["name"] == GLOBAL_ADMIN else None
    return Preview(title=user["name"], rows=(
        Row(ctx.t("field.customer"), None, args["customer"]["name"]),
        Row(ctx.t("field.upn"), None, user.get("upn") or ""),
        Row(role["name"], ctx.t("common.no"), ctx.t("common.yes"))), warning=warning)


@operation("users.assign_role", kind="change", params=[CUSTOMER, USER, ROLE], preview=_preview_assign_role)
async def assign_role(ctx: OperationContext, args: Args) -> Outcome:
    user = await ctx.client.users.get(args["customer"]["id"], args["user"]["id"])
    await ctx.client.directory_roles.add_member(args["customer"]["id"], args["role"]["id"], user,
                                                request_id=ctx.request_id("assign-role"))
    return Outcome(message=ctx.t("accounts.role_assigned", user=args["user"]["name"], role=args["role"]["name"]),
                   audit={"user": user.user_principal_name, "role": args["role"]["name"]})


async def _preview_remove_role(ctx: OperationContext, args: Args) -> Preview:
    mine, members = await _role_state(ctx, args)
    role, user = args["role"], args["user"]
    if role["id"] not in mine:
        raise NeedInput(("role",), ctx.t("accounts.role_not_held", user=user["name"], role=role["name"]))
    warning = None
    if role["name"] == GLOBAL_ADMIN:
        if members <= 1:
            raise Refused(ctx.t("accounts.last_global_admin", user=user["name"], customer=args["customer"]["name"]))
        warning = ctx.t("accounts.global_admin_remove")
    return Preview(title=user["name"], rows=(
        Row(ctx.t("field.customer"), None, args["customer"]["name"]),
        Row(ctx.t("field.upn"), None, user.get("upn") or ""),
        Row(role["name"], ctx.t("common.yes"), ctx.t("common.no"))), warning=warning)


@operation("users.remove_role", kind="change", params=[CUSTOMER, USER, ROLE], preview=_preview_remove_role)
async def remove_role(ctx: OperationContext, args: Args) -> Outcome:
    await ctx.client.directory_roles.remove_member(args["customer"]["id"], args["role"]["id"], args["user"]["id"],
                                                   request_id=ctx.request_id("remove-role"))
    return Outcome(message=ctx.t("accounts.role_removed", user=args["user"]["name"], role=args["role"]["name"]),
                   audit={"user": args["user"].get("upn"), "role": args["role"]["name"]})


# ----------------------------------------------------------------------------------------------- licences

class _Named:
    """Lets subscribed SKUs be matched by product name with the subscription matcher."""

    def __init__(self, sku: Any) -> None:
        self.sku = sku
        self.id = str(sku.sku_id or "")
        self.offer_name = sku.sku_name or ""
        self.friendly_name = (sku.product_sku.sku_part_number if sku.product_sku else "") or ""


async def _preview_license(ctx: OperationContext, args: Args) -> Preview:
    cid, user = args["customer"]["id"], args["user"]
    remove = bool(_REMOVE.search(ctx.text or "")) if "remove" not in args else bool(args["remove"])
    skus = await ctx.client.licenses.list_subscribed_skus(cid).to_list()
    matched = match_subscriptions(str(args["offer"]), [_Named(s) for s in skus])
    if len(matched) != 1:
        names = ", ".join(s.sku_name or "" for s in skus)
        raise NeedInput(("offer",), ctx.t("accounts.licence_unknown", offer=args["offer"],
                                          customer=args["customer"]["name"], names=names))
    sku = matched[0].sku
    held = {lic.sku_id for lic in await ctx.client.licenses.list_assigned(cid, user["id"]).to_list()}
    free = int(sku.available_units or 0)
    if remove and sku.sku_id not in held:
        raise NeedInput(("offer",), ctx.t("accounts.licence_not_held", user=user["name"], offer=sku.sku_name))
    if not remove and sku.sku_id in held:
        raise NeedInput(("offer",), ctx.t("accounts.licence_already", user=user["name"], offer=sku.sku_name))
    if not remove and free <= 0:
        subs = [s for s in await ctx.client.subscriptions.list(cid).to_list()
                if str(s.status) == "active" and (s.offer_name or "") == sku.sku_name]
        buttons = tuple((ctx.t("accounts.add_seats", name=s.friendly_name or s.offer_name),
                         "subscriptions.change_quantity", {"customer": cid, "subscription": s.id}) for s in subs[:2])
        raise Refused(ctx.t("accounts.no_free_seats", offer=sku.sku_name, total=sku.total_units or 0), buttons)
    args.update({"remove": remove, "sku": {"id": sku.sku_id, "name": sku.sku_name}, "free": free})
    after = free + 1 if remove else free - 1
    return Preview(title=user["name"], rows=(
        Row(ctx.t("field.customer"), None, args["customer"]["name"]),
        Row(ctx.t("field.upn"), None, user.get("upn") or ""),
        Row(sku.sku_name or "", ctx.t("common.yes" if remove else "common.no"),
            ctx.t("common.no" if remove else "common.yes")),
        Row(ctx.t("field.free_seats"), str(free), str(after))))


@operation("licenses.assign", kind="change", params=[CUSTOMER, USER, Param("offer", ParamType.TEXT)],
           preview=_preview_license)
async def assign_license(ctx: OperationContext, args: Args) -> Outcome:
    cid, sku = args["customer"]["id"], args["sku"]
    add, drop = ([], [sku["id"]]) if args["remove"] else ([sku["id"]], [])
    await ctx.client.licenses.assign(cid, args["user"]["id"], add, drop, request_id=ctx.request_id("licence"))
    free = next((int(s.available_units or 0) for s in await ctx.client.licenses.list_subscribed_skus(cid).to_list()
                 if s.sku_id == sku["id"]), args["free"])
    key = "accounts.licence_removed" if args["remove"] else "accounts.licence_assigned"
    return Outcome(message=ctx.t(key, offer=sku["name"], user=args["user"]["name"], before=args["free"], after=free),
                   audit={"user": args["user"].get("upn"), "sku": sku["id"], "remove": args["remove"],
                          "free_before": args["free"], "free_after": free})


# ----------------------------------------------------------------------------------------------- spending budget

BUDGET_RESULT = View(record=Record(fields=(Field("customer", "customer.name"),
                                           Field("budget", "amount", Fmt.NUMBER))))


async def _preview_budget(ctx: OperationContext, args: Args) -> Preview:
    current = await ctx.client.customers.get_spending_budget(args["customer"]["id"])
    return Preview(title=args["customer"]["name"], rows=(
        Row(ctx.t("field.budget"), str(current.amount or 0), str(args["amount"])),))


@operation("customers.spending_budget", kind="change",
           params=[CUSTOMER, Param("amount", ParamType.INT, slot="quantity", minimum=0, maximum=10_000_000)],
           preview=_preview_budget, view=BUDGET_RESULT)
async def spending_budget(ctx: OperationContext, args: Args) -> Outcome:
    budget = await ctx.client.customers.update_spending_budget(args["customer"]["id"], int(args["amount"]),
                                                               request_id=ctx.request_id("budget"))
    return Outcome({"amount": budget.amount, "customer": args["customer"]},
                   message=ctx.t("accounts.budget_set", customer=args["customer"]["name"], amount=budget.amount),
                   audit={"amount": budget.amount})
