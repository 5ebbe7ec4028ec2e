"""Account changes, group 3: creating customers (directly or for an indirect reseller), a customer's billing
profile (eTag-guarded), domains, qualification, agreement confirmation, removing the relationship, deleting an
integration-sandbox customer, and the partner's own profiles (admin role, eTag-guarded).

Creation gathers its fields in one form card and checks them before any call (e-mail and domain syntax, country,
the address through Partner Center's validator, the domain's availability); what Partner Center still refuses is
shown with a button that brings the form back with everything else filled in. A concurrent edit of a profile
(stale eTag, 400 2055) is explained and never overwritten.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cards.view_spec import Field, Record, View
from dialogs.context import OperationContext
from dialogs.ops.accounts import address_from, onmicrosoft
from dialogs.ops.accounts_common import DOMAIN_RE, EMAIL_RE, RESELLER, address_line, country_code, person
from dialogs.ops.purchases import ResolvableParam  # noqa: F401 - re-exported for symmetry with other modules
from dialogs.registry import Args, NeedInput, Outcome, Param, ParamType, Preview, Refused, Row, operation
from partner_center import errors
from partner_center.transport import DEFAULT_BASE_URL
from partner_center.utilities import UtilitiesOperations  # noqa: F401 - documented dependency

CUSTOMER = Param("customer", ParamType.CUSTOMER, from_context=True)
ADDRESS = ("address_line1", "city", "state", "postal_code", "country")
CULTURES = {"US": "en-US", "GB": "en-GB", "CA": "en-CA", "AU": "en-AU", "IE": "en-IE", "DE": "de-DE", "FR": "fr-FR",
            "NL": "nl-NL", "SE": "sv-SE", "ES": "es-ES", "IT": "it-IT", "DK": "da-DK", "TW": "zh-TW", "JP": "ja-JP",
            "IN": "en-IN", "BR": "pt-BR", "MX": "es-MX"}

NEW_CUSTOMER_PARAMS = [
    Param("company", ParamType.TEXT, slot="customer"), Param("domain", ParamType.TEXT),
    Param("email", ParamType.TEXT), Param("first_name", ParamType.TEXT), Param("last_name", ParamType.TEXT),
    Param("address_line1", ParamType.TEXT), Param("city", ParamType.TEXT),
    Param("state", ParamType.TEXT, required=False), Param("postal_code", ParamType.TEXT),
    Param("country", ParamType.TEXT)]

CUSTOMER_RESULT = View(record=Record(fields=(
    Field("company", "companyProfile.companyName"), Field("domain", "companyProfile.domain"),
    Field("tenant_id", "id"), Field("email", "billingProfile.email"), Field("reseller", "reseller.name"))))


async def _check_address(ctx: OperationContext, args: Args) -> dict[str, Any]:
    """The address as Partner Center will take it, or NeedInput naming what to fix (and its suggestion)."""
    address = address_from(args)
    if country_code(str(args.get("country") or "")) is None:
        raise NeedInput(("country",), ctx.t("accounts.country_unknown", country=args.get("country")))
    result = await ctx.client.utilities.validate_address(address)
    if result.status in ("None",):
        raise NeedInput(ADDRESS, ctx.t("accounts.address_invalid", problem=result.validation_message or ""))
    if result.suggested_addresses and not result.verified:
        suggestion = address_line(result.suggested_addresses[0].raw)
        raise NeedInput(ADDRESS, ctx.t("accounts.address_suggestion", problem=result.validation_message or "",
                                       suggestion=suggestion))
    return address


async def _preview_new_customer(ctx: OperationContext, args: Args) -> Preview:
    reseller = args.get("reseller") or {}
    company_words = str(args["company"]).strip().lower()
    if reseller and company_words and str(reseller.get("name", "")).lower().startswith(company_words):
        # "create a customer for reseller Proseware": the reseller's name is no name for the new customer
        raise NeedInput(("company",), ctx.t("accounts.company_is_reseller", reseller=reseller["name"]))
    domain = onmicrosoft(str(args["domain"]))
    if domain is None:
        raise NeedInput(("domain",), ctx.t("accounts.domain_malformed_prefix", domain=args["domain"]))
    email = str(args["email"]).strip()
    if not EMAIL_RE.match(email):
        raise NeedInput(("email",), ctx.t("accounts.email_invalid", email=email))
    address = await _check_address(ctx, args)
    if not await ctx.client.utilities.domain_available(domain):
        raise NeedInput(("domain",), ctx.t("accounts.domain_taken", domain=domain))
    args.update({"domain_full": domain, "address": address, "email_clean": email})
    rows = [Row(ctx.t("field.company"), None, str(args["company"]).strip()), Row(ctx.t("field.domain"), None, domain),
            Row(ctx.t("field.contact"), None, f"{args['first_name']} {args['last_name']}"),
            Row(ctx.t("field.email"), None, email), Row(ctx.t("field.address"), None, address_line(address))]
    if args.get("reseller"):
        rows.append(Row(ctx.t("field.reseller"), None, args["reseller"]["name"]))
    return Preview(title=str(args["company"]).strip(), rows=tuple(rows),
                   warning=ctx.t("accounts.new_customer_note"))


def _retry_params(args: Args, bad: tuple[str, ...]) -> dict[str, Any]:
    keep = [p.name for p in NEW_CUSTOMER_PARAMS if p.name not in bad and args.get(p.name) not in (None, "")]
    params = {name: args[name] for name in keep}
    if args.get("reseller"):
        params["reseller"] = args["reseller"]["id"]
    return params


def _blamed(description: str) -> tuple[str, ...]:
    text = (description or "").lower()
    if "domain" in text:
        return ("domain",)
    if "email" in text:
        return ("email",)
    if any(w in text for w in ("address", "postal", "city", "country", "state", "registration", "phone")):
        return ADDRESS
    return ()


async def _create(ctx: OperationContext, args: Args, op_id: str) -> Outcome:
    company = str(args["company"]).strip()
    address = dict(args["address"], firstName=args["first_name"], lastName=args["last_name"])
    body: dict[str, Any] = {
        "companyProfile": {"domain": args["domain_full"], "companyName": company},
        "billingProfile": {"email": args["email_clean"], "companyName": company,
                           "culture": CULTURES.get(address["country"], "en-US"),
                           "language": CULTURES.get(address["country"], "en-US")[:2],
                           "firstName": args["first_name"], "lastName": args["last_name"],
                           "defaultAddress": {k: v for k, v in address.items() if v}}}
    if args.get("reseller"):
        body["associatedPartnerId"] = args["reseller"]["id"]
    try:
        created = await ctx.client.customers.create(body, request_id=ctx.request_id("create-customer"))
    except (errors.BadRequestError, errors.ConflictError) as exc:
        # Partner Center's own words, and the form again with everything it did not object to.
        raise Refused(ctx.t("accounts.create_refused", reason=exc.description or str(exc.code)),
                      ((ctx.t("accounts.fix_and_retry"), op_id, _retry_params(args, _blamed(exc.description or ""))),)
                      ) from None
    result = {**created.to_wire(), "reseller": args.get("reseller"), "company": company}
    result.pop("userCredentials", None)
    private = None
    if created.initial_password:
        private = ctx.t("accounts.password_private", upn=created.user_name or f"admin@{args['domain_full']}",
                        password=created.initial_password)
    return Outcome(result, message=ctx.t("accounts.customer_created", company=company, domain=args["domain_full"]),
                   private=private, context={"customer": {"id": created.id, "name": company,
                                                          "domain": args["domain_full"]}},
                   audit={"customer": created.id, "domain": args["domain_full"]})


@operation("customers.create", kind="change", params=NEW_CUSTOMER_PARAMS, preview=_preview_new_customer,
           view=CUSTOMER_RESULT)
async def create_customer(ctx: OperationContext, args: Args) -> Outcome:
    return await _create(ctx, args, "customers.create")


@operation("customers.create_for_reseller", kind="change", params=[RESELLER, *NEW_CUSTOMER_PARAMS],
           preview=_preview_new_customer, view=CUSTOMER_RESULT)
async def create_customer_for_reseller(ctx: OperationContext, args: Args) -> Outcome:
    return await _create(ctx, args, "customers.create_for_reseller")


# ----------------------------------------------------------------------------------------------- billing profile

BILLING_FIELDS = ("email", "first_name", "last_name", "phone", "address_line1", "city", "state", "postal_code",
                  "country")
_WIRE = {"email": "email", "first_name": "firstName", "last_name": "lastName"}


async def _preview_billing(ctx: OperationContext, args: Args) -> Preview:
    wanted = {k: str(args[k]).strip() for k in BILLING_FIELDS if args.get(k) not in (None, "")}
    if not wanted:
        raise NeedInput(BILLING_FIELDS, ctx.t("accounts.billing_what"))
    current = await ctx.client.customers.get_billing_profile(args["customer"]["id"])
    profile = current.to_wire()
    rows = [Row(ctx.t("field.customer"), None, args["customer"]["name"])]
    if "email" in wanted:
        if not EMAIL_RE.match(wanted["email"]):
            raise NeedInput(("email",), ctx.t("accounts.email_invalid", email=wanted["email"]))
    for name, key in _WIRE.items():
        if name in wanted and wanted[name] != (profile.get(key) or ""):
            rows.append(Row(ctx.t(f"field.{name}"), profile.get(key) or "", wanted[name]))
            profile[key] = wanted[name]
    old_address = dict(profile.get("defaultAddress") or {})
    if any(k in wanted for k in ADDRESS) or "phone" in wanted:
        merged = {"address_line1": old_address.get("addressLine1"), "city": old_address.get("city"),
                  "state": old_address.get("state") or old_address.get("region"),
                  "postal_code": old_address.get("postalCode"), "country": old_address.get("country")}
        merged.update({k: v for k, v in wanted.items() if k in ADDRESS})
        address = await _check_address(ctx, merged) if any(k in wanted for k in ADDRESS) else None
        new_address = dict(old_address)
        if address:
            new_address.update({k: v for k, v in address.items() if v is not None})
        if "phone" in wanted:
            new_address["phoneNumber"] = wanted["phone"]
        if address_line(new_address) != address_line(old_address):
            rows.append(Row(ctx.t("field.address"), address_line(old_address), address_line(new_address)))
        if new_address.get("phoneNumber") != old_address.get("phoneNumber"):
            rows.append(Row(ctx.t("field.phone"), old_address.get("phoneNumber") or "", new_address["phoneNumber"]))
        profile["defaultAddress"] = new_address
    if len(rows) == 1:
        raise NeedInput(tuple(wanted), ctx.t("accounts.update_nothing"))
    args.update({"profile": profile, "etag": current.etag})
    return Preview(title=args["customer"]["name"], rows=tuple(rows))


BILLING_RESULT = View(record=Record(fields=(
    Field("contact", "contact_name"), Field("email"), Field("address", "address_text"),
    Field("phone", "defaultAddress.phoneNumber"))))


def _billing_shown(profile: Any, customer: dict[str, Any]) -> dict[str, Any]:
    wire = profile.to_wire()
    return {**wire, "contact_name": person(wire), "address_text": address_line(wire.get("defaultAddress")),
            "customer": customer}


@operation("customers.update_billing_profile", kind="change",
           params=[CUSTOMER, *(Param(n, required=False) for n in BILLING_FIELDS)],
           preview=_preview_billing, view=BILLING_RESULT)
async def update_billing_profile(ctx: OperationContext, args: Args) -> Outcome:
    cid = args["customer"]["id"]
    try:
        updated = await ctx.client.customers.update_billing_profile(cid, args["profile"], args["etag"],
                                                                    request_id=ctx.request_id("billing"))
    except (errors.BadRequestError, errors.PreconditionFailedError) as exc:
        if str(exc.code) != "2055":
            raise
        now = await ctx.client.customers.get_billing_profile(cid)
        return Outcome(_billing_shown(now, args["customer"]),
                       message=ctx.t("accounts.concurrent_edit", what=ctx.t("accounts.billing_profile_of",
                                                                           customer=args["customer"]["name"])))
    return Outcome(_billing_shown(updated, args["customer"]),
                   message=ctx.t("accounts.billing_updated", customer=args["customer"]["name"]),
                   audit={"customer": cid})


# ----------------------------------------------------------------------------------------------- domain

async def _preview_domain(ctx: OperationContext, args: Args) -> Preview:
    domain = str(args["domain"]).strip().lower()
    if not DOMAIN_RE.match(domain):
        raise NeedInput(("domain",), ctx.t("accounts.domain_malformed", domain=domain))
    if domain.endswith(".onmicrosoft.com"):
        raise NeedInput(("domain",), ctx.t("accounts.domain_initial_only", domain=domain))
    domains = await ctx.client.customers.list_custom_domains(args["customer"]["id"])
    if domain in {d.lower() for d in domains}:
        raise NeedInput(("domain",), ctx.t("accounts.domain_already_added", domain=domain,
                                            customer=args["customer"]["name"]))
    args["domain"] = domain
    return Preview(title=args["customer"]["name"], rows=(
        Row(ctx.t("field.domain"), ", ".join(domains), ", ".join([*domains, domain])),),
        warning=ctx.t("accounts.domain_verify_note"))


@operation("customers.add_domain", kind="change", params=[CUSTOMER, Param("domain")], preview=_preview_domain)
async def add_domain(ctx: OperationContext, args: Args) -> Outcome:
    try:
        await ctx.client.customers.add_domain(args["customer"]["id"], args["domain"],
                                              request_id=ctx.request_id("domain"))
    except errors.ConflictError:
        raise Refused(ctx.t("accounts.domain_in_use", domain=args["domain"]),
                      ((ctx.t("accounts.try_another_domain"), "customers.add_domain",
                        {"customer": args["customer"]["id"]}),)) from None
    return Outcome(message=ctx.t("accounts.domain_added", domain=args["domain"], customer=args["customer"]["name"]),
                   audit={"domain": args["domain"]})


# ----------------------------------------------------------------------------------------------- relationship, delete

async def _preview_remove_relationship(ctx: OperationContext, args: Args) -> Preview:
    return Preview(title=args["customer"]["name"], rows=(
        Row(ctx.t("field.relationship"), ctx.t("enum.relationship.reseller"), ctx.t("enum.relationship.none")),),
        warning=ctx.t("accounts.remove_relationship_warning", customer=args["customer"]["name"]))


@operation("customers.remove_relationship", kind="change", params=[CUSTOMER], preview=_preview_remove_relationship)
async def remove_relationship(ctx: OperationContext, args: Args) -> Outcome:
    await ctx.client.customers.remove_relationship(args["customer"]["id"], request_id=ctx.request_id("unlink"))
    return Outcome(message=ctx.t("accounts.relationship_removed", customer=args["customer"]["name"]),
                   context={"customer": None}, audit={"customer": args["customer"]["id"]})


def integration_sandbox(ctx: OperationContext) -> bool:
    """Deleting customers exists only in the integration sandbox (api.md §5.1 C6): never against production."""
    return ctx.client.base_url.rstrip("/") != DEFAULT_BASE_URL.rstrip("/")


async def _preview_delete_customer(ctx: OperationContext, args: Args) -> Preview:
    if not integration_sandbox(ctx):
        raise Refused(ctx.t("accounts.delete_production", customer=args["customer"]["name"]))
    return Preview(title=args["customer"]["name"], rows=(
        Row(ctx.t("field.customer"), None, args["customer"]["name"]),
        Row(ctx.t("field.domain"), None, args["customer"].get("domain") or "")),
        warning=ctx.t("accounts.delete_customer_warning"))


@operation("customers.delete", kind="change", params=[CUSTOMER], preview=_preview_delete_customer)
async def delete_customer(ctx: OperationContext, args: Args) -> Outcome:
    await ctx.client.customers.delete(args["customer"]["id"], request_id=ctx.request_id("delete-customer"))
    return Outcome(message=ctx.t("accounts.customer_deleted", customer=args["customer"]["name"]),
                   context={"customer": None}, audit={"customer": args["customer"]["id"]})


# ----------------------------------------------------------------------------------------------- qualification

QUALIFICATIONS = {"education": "Education", "state owned entity": "StateOwnedEntity",
                  "stateownedentity": "StateOwnedEntity", "government community cloud": "GovernmentCommunityCloud",
                  "gcc": "GovernmentCommunityCloud", "governmentcommunitycloud": "GovernmentCommunityCloud",
                  "教育": "Education", "國營事業": "StateOwnedEntity", "政府社群雲端": "GovernmentCommunityCloud"}


async def _preview_qualification(ctx: OperationContext, args: Args) -> Preview:
    wanted = QUALIFICATIONS.get(str(args["qualification"]).strip().lower())
    if wanted is None:
        raise NeedInput(("qualification",), ctx.t("accounts.qualification_unknown", value=args["qualification"]))
    held = [q.qualification for q in await ctx.client.customers.list_qualifications(args["customer"]["id"]).to_list()]
    if wanted in held:
        raise NeedInput(("qualification",), ctx.t("accounts.qualification_already", customer=args["customer"]["name"],
                                                    value=wanted))
    code = None
    if wanted == "GovernmentCommunityCloud":
        codes = [c for c in await ctx.client.profiles.list_validation_codes().to_list() if (c.remaining_creates or 0)]
        if not codes:
            raise Refused(ctx.t("accounts.no_validation_code"))
        code = codes[0].validation_id
    args.update({"wanted": wanted, "code": code})
    return Preview(title=args["customer"]["name"], rows=(
        Row(ctx.t("field.qualification"), ", ".join(held) or ctx.t("common.none"), wanted),))


@operation("customers.update_qualification", kind="change",
           params=[CUSTOMER, Param("qualification", slot="status")], preview=_preview_qualification)
async def update_qualification(ctx: OperationContext, args: Args) -> Outcome:
    done = await ctx.client.customers.add_qualification(args["customer"]["id"], args["wanted"],
                                                        validation_code=args.get("code"),
                                                        request_id=ctx.request_id("qualification"))
    return Outcome(message=ctx.t("accounts.qualification_set", customer=args["customer"]["name"],
                                 value=done.qualification, status=done.vetting_status),
                   audit={"qualification": done.qualification})


# ----------------------------------------------------------------------------------------------- agreement

async def _preview_agreement(ctx: OperationContext, args: Args) -> Preview:
    email = str(args["email"]).strip()
    if not EMAIL_RE.match(email):
        raise NeedInput(("email",), ctx.t("accounts.email_invalid", email=email))
    today = ctx.extras.get("now").date() if ctx.extras.get("now") else date.today()
    raw = str(args.get("date_agreed") or "").strip()
    try:
        agreed = date.fromisoformat(raw) if raw else today
    except ValueError:
        raise NeedInput(("date_agreed",), ctx.t("accounts.date_invalid", value=raw)) from None
    if agreed > today:
        raise NeedInput(("date_agreed",), ctx.t("accounts.date_future", value=agreed.isoformat()))
    cid = args["customer"]["id"]
    existing = await ctx.client.agreements.list(cid).to_list()
    if any((a.primary_contact.email or "").lower() == email.lower() for a in existing if a.primary_contact):
        raise NeedInput(("email",), ctx.t("accounts.agreement_exists", customer=args["customer"]["name"], email=email))
    templates = await ctx.client.agreements.list_metadata().to_list()
    if not templates:
        raise Refused(ctx.t("accounts.no_template"))
    args.update({"template": templates[0].template_id, "agreed": agreed.isoformat(), "email_clean": email})
    return Preview(title=args["customer"]["name"], rows=(
        Row(ctx.t("field.agreement"), None, ctx.t("enum.agreement_type.microsoftcustomeragreement")),
        Row(ctx.t("field.contact"), None, f"{args['first_name']} {args['last_name']} <{email}>"),
        Row(ctx.t("field.accepted"), None, agreed.isoformat())),
        warning=ctx.t("accounts.agreement_note"))


@operation("agreements.confirm", kind="change",
           params=[CUSTOMER, Param("first_name"), Param("last_name"), Param("email"),
                   Param("date_agreed", required=False)], preview=_preview_agreement)
async def confirm_agreement(ctx: OperationContext, args: Args) -> Outcome:
    contact = {"firstName": args["first_name"], "lastName": args["last_name"], "email": args["email_clean"]}
    try:
        await ctx.client.agreements.confirm(args["customer"]["id"], template_id=args["template"], contact=contact,
                                            date_agreed=args["agreed"], request_id=ctx.request_id("agreement"))
    except errors.ConflictError:
        return Outcome(message=ctx.t("accounts.agreement_exists", customer=args["customer"]["name"],
                                     email=args["email_clean"]))
    return Outcome(message=ctx.t("accounts.agreement_recorded", customer=args["customer"]["name"],
                                 date=args["agreed"]), audit={"template": args["template"]})


# ----------------------------------------------------------------------------------------------- partner profiles

PROFILE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    # operation suffix -> (param, wire path) pairs people may change
    "support": (("email", "email"), ("phone", "telephone"), ("website", "website")),
    "billing": (("company_name", "companyName"), ("po_number", "purchaseOrderNumber"), ("tax_id", "taxId"),
                ("email", "primaryContact.email")),
    "organization": (("company_name", "companyName"), ("email", "email")),
    "legal_business": (("company_name", "companyName"), ("email", "primaryContact.email"),
                       ("phone", "primaryContact.phoneNumber")),
}
_GETTERS = {"support": "get_support", "billing": "get_billing", "organization": "get_organization",
            "legal_business": "get_legal_business"}


def _dig(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def _profile_op(name: str) -> None:
    fields = PROFILE_FIELDS[name]
    names = tuple(p for p, _ in fields)

    async def preview(ctx: OperationContext, args: Args) -> Preview:
        wanted = {p: str(args[p]).strip() for p in names if args.get(p) not in (None, "")}
        if not wanted:
            raise NeedInput(names, ctx.t("accounts.profile_what"))
        if "email" in wanted and not EMAIL_RE.match(wanted["email"]):
            raise NeedInput(("email",), ctx.t("accounts.email_invalid", email=wanted["email"]))
        current = await getattr(ctx.client.profiles, _GETTERS[name])()
        body = current.to_wire()
        rows = []
        for param, path in fields:
            if param in wanted and wanted[param] != (_dig(body, path) or ""):
                rows.append(Row(ctx.t(f"param.{param}"), str(_dig(body, path) or ""), wanted[param]))
                _set(body, path, wanted[param])
        if not rows:
            raise NeedInput(tuple(wanted), ctx.t("accounts.update_nothing"))
        args.update({"body": body, "etag": current.etag})
        return Preview(title=ctx.t(f"view.profiles.{name}.title"), rows=tuple(rows))

    async def handler(ctx: OperationContext, args: Args) -> Outcome:
        what = ctx.t(f"view.profiles.{name}.title")
        try:
            await ctx.client.profiles.update(name, args["body"], args["etag"],
                                             request_id=ctx.request_id(f"profile-{name}"))
        except (errors.BadRequestError, errors.PreconditionFailedError) as exc:
            if str(exc.code) != "2055":
                raise
            return Outcome(message=ctx.t("accounts.concurrent_edit", what=what))
        return Outcome(message=ctx.t("accounts.profile_updated", what=what), audit={"profile": name})

    operation(f"profiles.update_{name}", kind="change", role="admin",
              params=[Param(p, required=False) for p in names], preview=preview)(handler)


for _name in PROFILE_FIELDS:
    _profile_op(_name)
