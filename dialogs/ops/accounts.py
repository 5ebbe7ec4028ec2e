"""Account reads: partner profiles, validation codes, MPN check, indirect resellers, utilities, a customer's
company/billing profile, qualifications, managed services and agreements, directory roles and deleted users.

Every result is shown through its declared view (cards/view_spec.py); handlers only fetch and shape data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cards.view_spec import Button, Field, Fmt, Link, Record, Table, View, When
from dialogs.context import OperationContext
from dialogs.ops.accounts_common import (
    DOMAIN_RE,
    MPN_RE,
    OPTIONAL_ROLE,
    PREFIX_RE,
    RESELLER,
    address_line,
    country_code,
    person,
)
from dialogs.paging import ListPage, raw, take_page
from dialogs.registry import Args, Outcome, Param, ParamType, operation
from partner_center import errors

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
OPTIONAL_USER = Param("user", ParamType.USER, required=False)
RESTORE_WINDOW = timedelta(days=30)


def _with_lines(profile: dict[str, Any], *address_keys: str) -> dict[str, Any]:
    """The profile plus one-line address and contact texts for the record."""
    out = dict(profile)
    for key in address_keys:
        out[f"{key}_line"] = address_line(profile.get(key))
    out["contact_name"] = person(profile.get("primaryContact"))
    return out


# ----------------------------------------------------------------------------------------------- partner profiles

LEGAL_VIEW = View(
    record=Record(fields=(
        Field("company", "companyName"), Field("address", "address_line"), Field("contact", "contact_name"),
        Field("email", "primaryContact.email"), Field("phone", "primaryContact.phoneNumber"),
        Field("approver_email", "companyApproverEmail"),
        Field("vetting", "vettingStatus", Fmt.ENUM, enum="vetting_status"))),
    buttons=(Button("update", Link.to("profiles.update_legal_business")),))

ORGANIZATION_VIEW = View(
    record=Record(fields=(
        Field("company", "companyName"), Field("domain"), Field("tenant_id", "tenantId"), Field("email"),
        Field("address", "defaultAddress_line"), Field("language", "culture"))),
    buttons=(Button("update", Link.to("profiles.update_organization")),))

PARTNER_BILLING_VIEW = View(
    record=Record(fields=(
        Field("company", "companyName"), Field("address", "address_line"), Field("contact", "contact_name"),
        Field("email", "primaryContact.email"), Field("po_number", "purchaseOrderNumber"),
        Field("tax_id", "taxId"), Field("currency", "billingCurrency"))),
    buttons=(Button("update", Link.to("profiles.update_billing")),))

MPN_VIEW = View(record=Record(fields=(Field("partner_name", "partnerName"), Field("mpn_id", "mpnId"))))

SUPPORT_VIEW = View(
    record=Record(fields=(Field("email"), Field("phone", "telephone"), Field("website"))),
    buttons=(Button("update", Link.to("profiles.update_support")),))


@operation("profiles.legal_business", kind="read", view=LEGAL_VIEW)
async def legal_business(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(_with_lines(raw(await ctx.client.profiles.get_legal_business()), "address"))


@operation("profiles.organization", kind="read", view=ORGANIZATION_VIEW)
async def organization(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(_with_lines(raw(await ctx.client.profiles.get_organization()), "defaultAddress"))


@operation("profiles.billing", kind="read", view=PARTNER_BILLING_VIEW)
async def partner_billing(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(_with_lines(raw(await ctx.client.profiles.get_billing()), "address"))


@operation("profiles.mpn", kind="read", view=MPN_VIEW)
async def mpn(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(raw(await ctx.client.profiles.get_mpn()))


@operation("profiles.support", kind="read", view=SUPPORT_VIEW)
async def support(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(raw(await ctx.client.profiles.get_support()))


VERIFY_MPN_VIEW = View(title_args=(("mpn_id", "mpnId"),),
                       record=Record(fields=(Field("partner_name", "partnerName"), Field("mpn_id", "mpnId"))))


@operation("partner.verify_mpn", kind="read", params=[Param("mpn_id", ParamType.TEXT)], view=VERIFY_MPN_VIEW)
async def verify_mpn(ctx: OperationContext, args: Args) -> Outcome:
    mpn_id = str(args["mpn_id"]).strip().replace(" ", "")
    if not MPN_RE.match(mpn_id):
        return Outcome(message=ctx.t("accounts.mpn_invalid", mpn_id=mpn_id))
    try:
        profile = await ctx.client.profiles.get_mpn(mpn_id)
    except errors.NotFoundError:
        return Outcome(message=ctx.t("accounts.mpn_unknown", mpn_id=mpn_id))
    return Outcome(raw(profile), message=ctx.t("accounts.mpn_valid", mpn_id=mpn_id, name=profile.partner_name))


VALIDATION_CODES_VIEW = View(table=Table(
    title="organizationName",
    columns=(Field("code", "validationId", labelled=True), Field("remaining", "remainingCreates", Fmt.NUMBER,
                                                                 labelled=True))))


@operation("partner.validation_codes", kind="read", view=VALIDATION_CODES_VIEW)
async def validation_codes(ctx: OperationContext, args: Args) -> Outcome:
    codes = await ctx.client.profiles.list_validation_codes().to_list()
    return Outcome({"items": [raw(c) for c in codes]})


# ----------------------------------------------------------------------------------------------- resellers

RESELLER_ROW = Table(title="name",
                     columns=(Field("mpn_id", "mpnId", labelled=True), Field("location"),
                              Field("state", fmt=Fmt.ENUM, enum="reseller_state")),
                     action=Link.to("resellers.customers", reseller="id"),
                     attention=When("state", ("inactive",)))


@operation("resellers.list", kind="read", view=View(table=RESELLER_ROW))
async def list_resellers(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.resellers.list(), page, 10)
    return Outcome(ListPage([raw(r) for r in items], page, more, {}))


RESELLER_CUSTOMERS_VIEW = View(table=Table(
    title="companyProfile.companyName", columns=(Field("domain", "companyProfile.domain"),),
    action=Link.to("customers.get", customer="id")))


@operation("resellers.customers", kind="read", params=[RESELLER], view=RESELLER_CUSTOMERS_VIEW)
async def reseller_customers(ctx: OperationContext, args: Args) -> Outcome:
    reseller = args["reseller"]
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.resellers.list_customers(reseller["id"]), page, 10)
    return Outcome(ListPage([raw(c) for c in items], page, more, {"reseller": reseller["id"]},
                            {"reseller": reseller}))


@operation("resellers.of_customer", kind="read", params=[CUSTOMER], view=View(table=RESELLER_ROW))
async def resellers_of_customer(ctx: OperationContext, args: Args) -> Outcome:
    items = await ctx.client.resellers.of_customer(args["customer"]["id"]).to_list()
    return Outcome({"items": [raw(r) for r in items], "customer": args["customer"]})


# ----------------------------------------------------------------------------------------------- customers

COMPANY_VIEW = View(record=Record(fields=(
    Field("company", "companyName"), Field("domain"), Field("tenant_id", "tenantId"), Field("email"),
    Field("address", "address_line"), Field("registration", "organizationRegistrationNumber"))))


@operation("customers.company_profile", kind="read", params=[CUSTOMER], view=COMPANY_VIEW)
async def company_profile(ctx: OperationContext, args: Args) -> Outcome:
    profile = raw(await ctx.client.customers.get_company_profile(args["customer"]["id"]))
    return Outcome({**_with_lines(profile, "address"), "customer": args["customer"]})


BILLING_PROFILE_VIEW = View(
    record=Record(fields=(
        Field("contact", "contact_name"), Field("email"), Field("company", "companyName"),
        Field("address", "defaultAddress_line"), Field("phone", "defaultAddress.phoneNumber"),
        Field("language", "culture"))),
    buttons=(Button("update", Link.to("customers.update_billing_profile", customer="customer.id")),))


@operation("customers.billing_profile", kind="read", params=[CUSTOMER], view=BILLING_PROFILE_VIEW)
async def billing_profile(ctx: OperationContext, args: Args) -> Outcome:
    profile = raw(await ctx.client.customers.get_billing_profile(args["customer"]["id"]))
    shown = _with_lines(profile, "defaultAddress")
    shown["contact_name"] = person(profile)
    return Outcome({**shown, "customer": args["customer"]})


QUALIFICATION_VIEW = View(
    table=Table(title="qualification",
                columns=(Field("vetting", "vettingStatus", Fmt.ENUM, enum="vetting_status", labelled=True),
                         Field("since", "vettingCreatedDate", Fmt.DATE))),
    buttons=(Button("update", Link.to("customers.update_qualification", customer="customer.id")),))


@operation("customers.qualification", kind="read", params=[CUSTOMER], view=QUALIFICATION_VIEW)
async def qualification(ctx: OperationContext, args: Args) -> Outcome:
    items = await ctx.client.customers.list_qualifications(args["customer"]["id"]).to_list()
    return Outcome({"items": [raw(q) for q in items], "customer": args["customer"]})


_PORTALS = ("Office", "AzureAD", "Exchange", "Teams", "Azure", "Intune")
MANAGED_SERVICES_VIEW = View(
    table=Table(title="name", columns=(Field("portal", "adminServiceUrl"),), limit=12),
    buttons=tuple(Button(p.lower(), url=f"portals.{p}") for p in _PORTALS))


@operation("customers.managed_services", kind="read", params=[CUSTOMER], view=MANAGED_SERVICES_VIEW)
async def managed_services(ctx: OperationContext, args: Args) -> Outcome:
    items = [raw(s) for s in await ctx.client.customers.list_managed_services(args["customer"]["id"]).to_list()]
    portals = {str(s.get("id")): s.get("adminServiceUrl") for s in items}
    return Outcome({"items": items, "portals": portals, "customer": args["customer"]})


RELATIONSHIP_REQUEST_VIEW = View(record=Record(fields=(Field("link", "url"),)),
                                 buttons=(Button("open", url="url"),))


@operation("customers.relationship_request", kind="read", view=RELATIONSHIP_REQUEST_VIEW)
async def relationship_request(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(raw(await ctx.client.customers.get_relationship_request()))


# ----------------------------------------------------------------------------------------------- agreements

AGREEMENTS_VIEW = View(
    table=Table(title="contact_name",
                columns=(Field("email", "primaryContact.email"), Field("accepted", "dateAgreed", Fmt.DATE),
                         Field("agreement", "type", Fmt.ENUM, enum="agreement_type"))),
    buttons=(Button("confirm", Link.to("agreements.confirm", customer="customer.id")),))


@operation("agreements.list", kind="read", params=[CUSTOMER], view=AGREEMENTS_VIEW)
async def list_agreements(ctx: OperationContext, args: Args) -> Outcome:
    items = await ctx.client.agreements.list(args["customer"]["id"]).to_list()
    rows = [{**raw(a), "contact_name": person(raw(a).get("primaryContact"))} for a in items]
    return Outcome({"items": rows, "customer": args["customer"]})


METADATA_VIEW = View(table=Table(
    title="templateId", columns=(Field("agreement", "agreementType", Fmt.ENUM, enum="agreement_type"),
                                 Field("link", "agreementLink"))))


@operation("agreements.metadata", kind="read", view=METADATA_VIEW)
async def agreement_metadata(ctx: OperationContext, args: Args) -> Outcome:
    items = await ctx.client.agreements.list_metadata("*").to_list()
    return Outcome({"items": [raw(m) for m in items]})


# ----------------------------------------------------------------------------------------------- users, roles

DELETED_USERS_VIEW = View(table=Table(
    title="displayName|userPrincipalName",
    columns=(Field("upn", "userPrincipalName"), Field("deleted_on", "softDeletionTime", Fmt.DATE, labelled=True),
             Field("restorable_until", "restorable_until", Fmt.DATE, labelled=True)),
    action=Link.to("users.restore", customer="customer.id", user="id")))


@operation("users.list_deleted", kind="read", params=[CUSTOMER], view=DELETED_USERS_VIEW)
async def list_deleted(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    items, more = await take_page(ctx.client.users.list_deleted(args["customer"]["id"]), page, 10)
    rows = []
    for user in items:
        row = raw(user)
        if user.soft_deletion_time is not None:
            row = {**row, "restorable_until": (user.soft_deletion_time + RESTORE_WINDOW).isoformat()}
        rows.append(row)
    return Outcome(ListPage(rows, page, more, {"customer": args["customer"]["id"]}, {"customer": args["customer"]}))


ROLES_VIEW = View(
    title_args=(("who", "who"),),
    table=Table(title="name", columns=(Field("members", "members", labelled=True),),
                action=Link.to("users.roles", customer="customer.id", role="name")),
    buttons=(Button("assign", Link.to("users.assign_role", customer="customer.id", user="user.id")),))


@operation("users.roles", kind="read", params=[CUSTOMER, OPTIONAL_USER, OPTIONAL_ROLE], view=ROLES_VIEW)
async def user_roles(ctx: OperationContext, args: Args) -> Outcome:
    """A user's roles; or who holds one role; or, with neither, every role that has members."""
    cid = args["customer"]["id"]
    roles_api = ctx.client.directory_roles
    if args.get("user"):
        roles = await roles_api.of_user(cid, args["user"]["id"]).to_list()
        return Outcome({"items": [{"name": r.name, "id": r.id} for r in roles], "customer": args["customer"],
                        "user": args["user"], "who": args["user"]["name"]})
    wanted = [args["role"]] if args.get("role") else [{"id": r.id, "name": r.name}
                                                      for r in await roles_api.list(cid).to_list()]
    rows = []
    for role in wanted:
        members = await roles_api.members(cid, role["id"]).to_list()
        if members or args.get("role"):
            names = ", ".join(m.display_name or m.user_principal_name or "" for m in members)
            rows.append({"name": role["name"], "id": role["id"], "members": names or ctx.t("common.none")})
    return Outcome({"items": rows, "customer": args["customer"], "who": args["customer"]["name"]})


# ----------------------------------------------------------------------------------------------- utilities

ADDRESS_PARAMS = [Param("address_line1", ParamType.TEXT), Param("city", ParamType.TEXT),
                  Param("state", ParamType.TEXT, required=False), Param("postal_code", ParamType.TEXT),
                  Param("country", ParamType.TEXT)]

ADDRESS_VIEW = View(
    record=Record(fields=(Field("address", "original_line"),
                          Field("result", "status", Fmt.ENUM, enum="address_status"),
                          Field("problem", "validationMessage"),
                          Field("suggestion", "suggested_line"))))


def address_from(args: Args) -> dict[str, Any]:
    return {"addressLine1": str(args.get("address_line1") or "").strip(), "city": str(args.get("city") or "").strip(),
            "state": str(args.get("state") or "").strip() or None,
            "postalCode": str(args.get("postal_code") or "").strip(),
            "country": country_code(str(args.get("country") or "")) or str(args.get("country") or "").strip()}


@operation("utilities.validate_address", kind="read", params=ADDRESS_PARAMS, view=ADDRESS_VIEW)
async def validate_address(ctx: OperationContext, args: Args) -> Outcome:
    address = address_from(args)
    if country_code(address["country"]) is None:
        return Outcome(message=ctx.t("accounts.country_unknown", country=args.get("country")))
    result = raw(await ctx.client.utilities.validate_address(address))
    suggestions = result.get("suggestedAddresses") or []
    return Outcome({**result, "original_line": address_line(result.get("originalAddress") or address),
                    "suggested_line": address_line(suggestions[0]) if suggestions else None})


RULES_VIEW = View(title_args=(("country", "iso2Code"),), record=Record(fields=(
    Field("state_required", "isStateRequired", Fmt.YES_NO), Field("postal_required", "isPostalCodeRequired",
                                                                  Fmt.YES_NO),
    Field("postal_format", "postalCodeRegex"), Field("states", "states_line"), Field("language", "defaultCulture"))))


@operation("utilities.address_rules", kind="read", params=[Param("country", ParamType.TEXT)], view=RULES_VIEW)
async def address_rules(ctx: OperationContext, args: Args) -> Outcome:
    code = country_code(str(args["country"]))
    if code is None:
        return Outcome(message=ctx.t("accounts.country_unknown", country=args["country"]))
    try:
        rules = raw(await ctx.client.utilities.address_rules(code))
    except errors.NotFoundError:
        return Outcome(message=ctx.t("accounts.country_no_rules", country=code))
    return Outcome({**rules, "states_line": ", ".join(rules.get("supportedStatesList") or []) or None})


def onmicrosoft(domain: str) -> str | None:
    """"tailspintoys" or "tailspintoys.onmicrosoft.com" -> the full initial domain; None when malformed."""
    d = domain.strip().lower()
    prefix = d[: -len(".onmicrosoft.com")] if d.endswith(".onmicrosoft.com") else d
    return f"{prefix}.onmicrosoft.com" if PREFIX_RE.match(prefix) else None


@operation("utilities.domain_available", kind="read", params=[Param("domain", ParamType.TEXT)])
async def domain_available(ctx: OperationContext, args: Args) -> Outcome:
    wanted = str(args["domain"]).strip().lower()
    domain = onmicrosoft(wanted)
    if domain is None:
        key = "accounts.domain_not_initial" if DOMAIN_RE.match(wanted) else "accounts.domain_malformed"
        return Outcome(message=ctx.t(key, domain=wanted))
    free = await ctx.client.utilities.domain_available(domain)
    return Outcome(message=ctx.t("accounts.domain_free" if free else "accounts.domain_taken", domain=domain))
