"""Customers (api.md §5): list with seek paging + filter, get, create, delete (sandbox), billing/company profile,
custom domains, and `HEAD /v1/domains/{domain}`.

Codes: unknown customer 404 60003; invalid input 400 800002; registration-number rules 600049/600050/600051/
600002; domain already used 409 600006 [I]; sandbox cap of 75 customers 400 800018; billing profile PUT without
If-Match 412, stale If-Match 400 2055.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from aiohttp import web

from sandbox.body import Body
from sandbox.commerce import customer_doc, customer_list_view, new_etag
from sandbox.context import app_user_only, body_of, sandbox_of
from sandbox.envelope import empty_response, json_response, link, new_guid
from sandbox.errors import ApiError, bad_request, conflict, invalid_input, sandbox_limit
from sandbox.filters import filter_body
from sandbox.paging import seek_page

routes = web.RouteTableDef()

# countries where organizationRegistrationNumber (and a phone number) is required (api.md §5.2)
REG_NUMBER_COUNTRIES = {"AM", "AZ", "BY", "HU", "KZ", "KG", "MD", "RU", "TJ", "UZ", "UA", "IN", "BR", "ZA", "PL",
                        "AE", "SA", "TR", "TH", "VN", "MM", "IQ", "SS", "VE"}
SEARCH_FIELDS = ["CompanyName", "Domain", "IndirectReseller", "IndirectCloudSolutionProvider"]
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9]{1,27}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _name(customer: dict[str, Any]) -> str:
    return customer["companyProfile"]["companyName"]


# ---- list / search ------------------------------------------------------------------------------------------

def parse_customer_filter(raw: str) -> dict[str, str]:
    """`filter` = URL-encoded JSON {Field, Value, Operator}; only starts_with is supported for customers."""
    f = filter_body(raw)
    field = f.enum("Field", SEARCH_FIELDS, required=True)
    operator = f.enum("Operator", ["starts_with"], required=True)
    value = f.get("Value")
    if not isinstance(value, str) or not value:
        raise invalid_input("The filter Value must be a non-empty string.")
    return {"field": field, "operator": operator, "value": value}


@routes.get("/v1/customers")
async def list_customers(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    state: dict[str, Any] = {}
    if request.query.get("filter"):
        state = parse_customer_filter(request.query["filter"])

    def fetch(after: int, limit: int, st: dict[str, Any]) -> list[tuple[int, dict]]:
        field, value = st.get("field"), st.get("value")
        if field in {"IndirectReseller", "IndirectCloudSolutionProvider"}:
            docs = [d for d in sb.store.list("customer", "", after_seq=after)
                    if str(d.body.get("associatedPartnerId", "")).lower().startswith(value.lower())][:limit]
        else:
            docs = sb.store.list("customer", "", after_seq=after, limit=limit,
                                 k1_prefix=value if field == "CompanyName" else None,
                                 k2_prefix=value if field == "Domain" else None)
        return [(d.seq, customer_list_view(d.body)) for d in docs]

    self_query = {"filter": request.query["filter"]} if state else None
    page = seek_page(request, kind="customers", base_uri="/customers", state=state, fetch=fetch,
                     default_size=500, max_size=500, self_query=self_query)
    return json_response(page)


# ---- get / create / delete ----------------------------------------------------------------------------------

@routes.get("/v1/customers/{customer_id}")
async def get_customer(request: web.Request) -> web.Response:
    return json_response(sandbox_of(request).customer(request.match_info["customer_id"]))


def validate_address(addr: Body, *, what: str) -> dict[str, Any]:
    """Address length rules (api.md §1.5); returns the address in wire casing."""
    country = addr.str("country", required=True)
    if not re.fullmatch(r"[A-Za-z]{2}", country or ""):
        raise invalid_input(f"'{what}.country' must be a two-letter ISO country code.")
    out = {
        "country": country.upper(),
        "region": addr.str("region", max_len=100),
        "city": addr.str("city", required=True, max_len=100),
        "state": addr.str("state", max_len=2),
        "addressLine1": addr.str("addressLine1", required=True, min_len=1, max_len=200),
        "addressLine2": addr.str("addressLine2", max_len=200, default=""),
        "addressLine3": addr.str("addressLine3", max_len=200),
        "postalCode": addr.str("postalCode", required=True, max_len=20),
        "firstName": addr.str("firstName", min_len=1, max_len=50),
        "lastName": addr.str("lastName", min_len=1, max_len=50),
        "middleName": addr.str("middleName", max_len=50),
        "phoneNumber": addr.str("phoneNumber", max_len=30),
    }
    return {k: v for k, v in out.items() if v is not None or k in {"region", "state"}}


def validate_billing_profile(bp: Body) -> dict[str, Any]:
    email = bp.str("email", required=True, max_len=256)
    if not _EMAIL.match(email or ""):
        raise invalid_input("'billingProfile.email' is not a valid email address.")
    culture = bp.str("culture", required=True, max_len=10)
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,4})?", culture or ""):
        raise invalid_input("'billingProfile.culture' must look like en-US.")
    language = bp.str("language", required=True, max_len=3)
    if not re.fullmatch(r"[A-Za-z]{2,3}", language or ""):
        raise invalid_input("'billingProfile.language' must be a two-letter language code.")
    return {
        "email": email, "culture": culture, "language": language.lower(),
        "companyName": bp.str("companyName", required=True, min_len=1, max_len=256),
        "firstName": bp.str("firstName", max_len=50),
        "lastName": bp.str("lastName", max_len=50),
        "defaultAddress": validate_address(bp.obj("defaultAddress", required=True),
                                           what="billingProfile.defaultAddress"),
    }


def _domain_from(company: Body) -> str:
    raw = company.str("domain", required=True, max_len=64).strip().lower()
    prefix = raw[: -len(".onmicrosoft.com")] if raw.endswith(".onmicrosoft.com") else raw
    if not _DOMAIN_PREFIX.match(prefix):
        raise invalid_input("'companyProfile.domain' must be letters and digits (at most 27) "
                            "optionally followed by .onmicrosoft.com.")
    return f"{prefix}.onmicrosoft.com"


def _registration_rules(company: Body, address: dict[str, Any]) -> str | None:
    country = address["country"]
    number = company.str("organizationRegistrationNumber", max_len=50)
    if country in REG_NUMBER_COUNTRIES:
        if not number:
            raise bad_request(600049, f"organizationRegistrationNumber is required for country {country}.")
        if not re.fullmatch(r"[A-Za-z0-9\-/ ]{2,50}", number):
            raise bad_request(600050, "organizationRegistrationNumber has an invalid format.")
        if not address.get("phoneNumber"):
            raise bad_request(600051, f"A phone number is required for country {country}.")
    elif number:
        raise bad_request(600002, f"organizationRegistrationNumber is not supported for country {country}.")
    return number


def domain_taken(sb: Any, domain: str) -> bool:
    return any(d.body["companyProfile"]["domain"].lower() == domain.lower()
               for d in sb.store.list("customer", "", k2_prefix=domain))


@routes.post("/v1/customers")
async def create_customer(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    body = body_of(request)
    company = body.obj("companyProfile", required=True)
    billing = validate_billing_profile(body.obj("billingProfile", required=True))
    domain = _domain_from(company)
    reg_number = _registration_rules(company, billing["defaultAddress"])
    gdap = body.bool("enableGDAPByDefault")
    associated = body.str("associatedPartnerId", max_len=64)
    if associated:  # api.md §17: the reseller must have a partnership with the provider
        reseller = sb.store.get("reseller", associated.strip().lower())
        if reseller is None:
            raise invalid_input(f"associatedPartnerId {associated} is not one of your indirect resellers.")
        if reseller.get("state") != "active":
            raise invalid_input(f"The indirect reseller {reseller.get('name')} is not active.")
        associated = reseller["id"]
    if sb.store.count("customer", "") >= sb.config.max_customers:
        raise sandbox_limit()
    if domain_taken(sb, domain):
        raise conflict(600006, f"The domain {domain} is not available.")
    cid = new_guid()
    address = billing["defaultAddress"]
    first = billing["firstName"] or address.get("firstName") or "Admin"
    last = billing["lastName"] or address.get("lastName") or "User"
    extra: dict[str, Any] = {}
    if gdap is not None:
        extra["enableGDAPByDefault"] = gdap
    if associated:
        extra["associatedPartnerId"] = associated
    doc = customer_doc(customer_id=cid, company_name=billing["companyName"], domain=domain,
                       email=billing["email"], culture=billing["culture"], language=billing["language"],
                       address={k: v for k, v in address.items() if k not in {"firstName", "lastName"}},
                       first_name=first, last_name=last, created=sb.now(), extra=extra)
    if reg_number:
        doc["companyProfile"]["organizationRegistrationNumber"] = reg_number
    with sb.store.transaction():
        sb.store.put("customer", cid, doc, "", billing["companyName"], domain)
        sb.audit(request, resource_type="customer", operation_type="add_customer", customer_id=cid,
                 customer_name=billing["companyName"], new=doc)
    response = dict(doc)
    response["relationshipToPartner"] = "none"
    response["userCredentials"] = {"userName": f"admin@{domain}", "password": _initial_password()}
    return json_response(response, status=201)


def _initial_password() -> str:
    return "Sbx!" + secrets.token_urlsafe(9)


@routes.delete("/v1/customers/{customer_id}")
async def delete_customer(request: web.Request) -> web.StreamResponse:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    cid = customer["id"]
    for order in sb.store.list("order", cid):
        if order.body.get("status") != "cancelled" and order.body.get("_productType") == "Software":
            raise invalid_input("Cancel the customer's software and reserved-instance orders before deleting "
                                "the customer from the integration sandbox.")
    with sb.store.transaction():
        sb.store.delete_scope(cid)
        sb.store.delete("customer", cid)
        sb.audit(request, resource_type="customer", operation_type="delete_customer", customer_id=cid,
                 customer_name=_name(customer), old=customer)
    return empty_response(204)


# ---- profiles -----------------------------------------------------------------------------------------------

@routes.get("/v1/customers/{customer_id}/profiles/company")
@app_user_only
async def get_company_profile(request: web.Request) -> web.Response:
    return json_response(sandbox_of(request).customer(request.match_info["customer_id"])["companyProfile"])


@routes.get("/v1/customers/{customer_id}/profiles/billing")
async def get_billing_profile(request: web.Request) -> web.Response:
    profile = sandbox_of(request).customer(request.match_info["customer_id"])["billingProfile"]
    return json_response(profile, headers={"ETag": f'"{profile["attributes"]["etag"]}"'})


def _if_match(request: web.Request) -> str | None:
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


@routes.put("/v1/customers/{customer_id}/profiles/billing")
async def update_billing_profile(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    current = customer["billingProfile"]
    etag = _if_match(request)
    if etag is None:
        raise ApiError(412, 2055, "The If-Match header with the billing profile etag is required.")
    if etag != current["attributes"]["etag"]:
        raise bad_request(2055, "Etag is no longer valid.")
    incoming = body_of(request)
    if not incoming.has("email", "culture", "language", "companyName", "firstName", "lastName", "defaultAddress"):
        raise invalid_input("The request body must be the customer's billing profile.")
    # a full profile is expected; fields that are absent keep their value (lenient, like the SDK's merge)
    merged = Body({**{k: v for k, v in current.items() if k not in {"links", "attributes", "id"}},
                   **{k: v for k, v in incoming.raw.items()}})
    fields = validate_billing_profile(merged)
    address = fields.pop("defaultAddress")
    updated = {**current, **{k: v for k, v in fields.items() if v is not None}, "defaultAddress": address,
               "attributes": {"etag": new_etag(), "objectType": "CustomerBillingProfile"},
               "links": {"self": link(f"/customers/{customer['id']}/profiles/billing")}}
    doc = {**customer, "billingProfile": updated}
    with sb.store.transaction():
        sb.store.put("customer", customer["id"], doc, "", _name(customer), customer["companyProfile"]["domain"])
        sb.audit(request, resource_type="customer", operation_type="update_customer_billing_profile",
                 customer_id=customer["id"], customer_name=_name(customer), old=current, new=updated)
    return json_response(updated, headers={"ETag": f'"{updated["attributes"]["etag"]}"'})


@routes.get("/v1/customers/{customer_id}/customDomains")
async def custom_domains(request: web.Request) -> web.Response:
    customer = sandbox_of(request).customer(request.match_info["customer_id"])
    return json_response(customer.get("customDomains", []))


@routes.head("/v1/domains/{domain}")
async def domain_availability(request: web.Request) -> web.StreamResponse:
    """200 = the domain is taken, 404 = available (api.md §15 X2)."""
    sb = sandbox_of(request)
    raw = request.match_info["domain"].lower()
    domain = raw if "." in raw else f"{raw}.onmicrosoft.com"
    return empty_response(200 if domain_taken(sb, domain) else 404)


__all__ = ["routes"]
