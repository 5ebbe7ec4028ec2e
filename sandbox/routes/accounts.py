"""Account chores (api.md §5 C7/C11/C12/C14/C15/A1-A3, §16 partner profiles, §17 indirect resellers), customer
qualifications and GCC validation codes, and adding a custom domain.

Documents: `partner_profile` (id = legalbusiness|organization|billing|support|mpn), `reseller` (id = reseller
tenant id), `validation_code`, `agreement` (scope = customer), `qualification` (scope = customer, id = name),
`usage_budget` (scope = customer, id = "budget"), `former_customer` (a customer whose relationship was removed).

Codes: unknown MPN id 404 3000; profile PUT without If-Match 412 2055, stale 400 2055; duplicate agreement 409
shape B 600061 [I: status]; duplicate qualification 409 800002 [I]; domain in use 409 600006 [I: as customer
create]; bad input 400 800002. Adding a domain has no public documentation: POST on the C13 path is [I].
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiohttp import web

from sandbox.body import Body
from sandbox.commerce import new_etag
from sandbox.context import Sandbox, app_user_only, body_of, sandbox_of
from sandbox.envelope import collection, json_response, link, new_guid
from sandbox.errors import ApiError, bad_request, conflict, invalid_input, not_found
from sandbox.routes.customers import domain_taken, validate_address

routes = web.RouteTableDef()

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
PROFILE_TYPES = {"legalbusiness": "LegalBusinessProfile", "organization": "OrganizationProfile",
                 "billing": "BillingProfile", "support": "SupportProfile", "mpn": "MpnProfile"}
MCA_TEMPLATE = "117a77b0-9360-443b-8795-c6dedc750cf9"
MCA_LINK = "https://aka.ms/customeragreement"
TEMPLATES = [
    {"templateId": MCA_TEMPLATE, "agreementType": "MicrosoftCustomerAgreement", "agreementLink": MCA_LINK,
     "versionRank": 0},
    {"templateId": "998b88de-aa99-4388-a42c-1b3517d49490", "agreementType": "MicrosoftCloudAgreement",
     "agreementLink": "https://aka.ms/microsoftcloudagreement", "versionRank": 0},
]
QUALIFICATIONS = {"education": "Education", "governmentcommunitycloud": "GovernmentCommunityCloud",
                  "stateownedentity": "StateOwnedEntity"}


def _if_match(request: web.Request) -> str | None:
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip()
    return (value[2:] if value.startswith("W/") else value).strip('"')


def _check_email(value: str | None, what: str) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise invalid_input(f"'{what}' is not a valid email address.")
    return value


# ---- partner profiles (§16) ---------------------------------------------------------------------------------

def _profile(sb: Sandbox, name: str) -> dict[str, Any]:
    doc = sb.store.get("partner_profile", name)
    if doc is None:
        raise not_found(1000, f"The {name} profile was not found.")
    return doc


def _render_profile(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "profileType": PROFILE_TYPES[name], "links": {"self": link(f"/profiles/{name}")},
            "attributes": {**doc.get("attributes", {}), "objectType": PROFILE_TYPES[name]}}


def _profile_get(name: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        doc = _profile(sandbox_of(request), name)
        return json_response(_render_profile(name, doc), headers={"ETag": f'"{doc["attributes"]["etag"]}"'})
    return handler


def _contact(body: Body, name: str) -> dict[str, Any]:
    contact = body.obj(name, required=True)
    return {"firstName": contact.str("firstName", required=True, min_len=1, max_len=50),
            "lastName": contact.str("lastName", required=True, min_len=1, max_len=50),
            "email": _check_email(contact.str("email", required=True, max_len=256), f"{name}.email"),
            "phoneNumber": contact.str("phoneNumber", max_len=30)}


def _validate_profile(name: str, body: Body) -> dict[str, Any]:
    """The writable fields of each profile, validated; read-only ones (ids, vetting) keep their value."""
    if name == "support":
        website = body.str("website", max_len=256)
        if website and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", website):
            raise invalid_input("'website' must be an http(s) URL.")
        phone = body.str("telephone", max_len=30)
        if phone and not re.fullmatch(r"\+?[\d ()\-]{6,30}", phone):
            raise invalid_input("'telephone' is not a valid phone number.")
        return {"email": _check_email(body.str("email", required=True, max_len=256), "email"),
                "telephone": phone, "website": website}
    if name == "organization":
        return {"companyName": body.str("companyName", required=True, min_len=1, max_len=256),
                "email": _check_email(body.str("email", required=True, max_len=256), "email"),
                "defaultAddress": validate_address(body.obj("defaultAddress", required=True),
                                                   what="defaultAddress")}
    fields = {"companyName": body.str("companyName", required=True, min_len=1, max_len=256),
              "address": validate_address(body.obj("address", required=True), what="address"),
              "primaryContact": _contact(body, "primaryContact")}
    if name == "billing":
        fields["purchaseOrderNumber"] = body.str("purchaseOrderNumber", max_len=50)
        fields["taxId"] = body.str("taxId", max_len=50)
    if name == "legalbusiness":
        fields["companyApproverEmail"] = _check_email(body.str("companyApproverEmail", max_len=256),
                                                      "companyApproverEmail")
    return fields


def _profile_put(name: str) -> Any:
    @app_user_only
    async def handler(request: web.Request) -> web.Response:
        sb = sandbox_of(request)
        current = _profile(sb, name)
        etag = _if_match(request)
        if etag is None:
            raise ApiError(412, 2055, f"The If-Match header with the {name} profile etag is required.")
        if etag != current["attributes"]["etag"]:
            raise bad_request(2055, "Etag is no longer valid.")
        fields = _validate_profile(name, body_of(request))
        updated = {**current, **{k: v for k, v in fields.items()},
                   "attributes": {"etag": new_etag(), "objectType": PROFILE_TYPES[name]}}
        with sb.store.transaction():
            sb.store.put("partner_profile", name, updated)
            sb.audit(request, resource_type="partner_profile", operation_type=f"update_{name}_profile",
                     old=current, new=updated)
        return json_response(_render_profile(name, updated),
                             headers={"ETag": f'"{updated["attributes"]["etag"]}"'})
    return handler


for _name in ("legalbusiness", "organization", "billing", "support"):
    routes.get(f"/v1/profiles/{_name}")(app_user_only(_profile_get(_name)) if _name != "legalbusiness"
                                        else _profile_get(_name))
    routes.put(f"/v1/profiles/{_name}")(_profile_put(_name))
routes.put("/v1/profiles/supportprofile")(_profile_put("support"))  # the docs' table path (api.md §16 [C])


@routes.get("/v1/profiles/mpn")
@app_user_only
async def mpn_profile(request: web.Request) -> web.Response:
    """The partner's own MPN profile, or another partner's by `mpnId` (unknown: 404 3000)."""
    sb = sandbox_of(request)
    own = _profile(sb, "mpn")
    wanted = request.query.get("mpnId")
    if wanted is None:
        return json_response(_render_profile("mpn", own))
    wanted = wanted.strip()
    if not re.fullmatch(r"\d{1,10}", wanted):
        raise not_found(3000, f"Partner Organization with MPN id {wanted} was not found.")
    if wanted == own["mpnId"]:
        return json_response(_render_profile("mpn", own))
    known = {str(d.body.get("mpnId")): d.body for d in sb.store.list("reseller", "")}
    known.update({str(d.body.get("mpnId")): d.body for d in sb.store.list("known_partner", "")})
    partner = known.get(wanted)
    if partner is None:
        raise not_found(3000, f"Partner Organization with MPN id {wanted} was not found.")
    return json_response({"mpnId": wanted, "partnerName": partner["name"], "profileType": "MpnProfile",
                          "attributes": {"objectType": "MpnProfile"}})


@routes.get("/v1/customers/all/validations")
async def validation_codes(request: web.Request) -> web.Response:
    """GCC validation codes: a bare JSON array (DOC get-a-partner-s-validation-codes)."""
    sb = sandbox_of(request)
    return json_response([d.body for d in sb.store.list("validation_code", "")])


# ---- indirect resellers (§17) -------------------------------------------------------------------------------

def _render_reseller(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "relationshipType": "is_indirect_cloud_solution_provider_of",
            "attributes": {"objectType": "PartnerRelationship"}}


@routes.get("/v1/relationships")
@app_user_only
async def list_resellers(request: web.Request) -> web.Response:
    kind = request.query.get("relationship_type") or request.query.get("relationshipType")
    if (kind or "").lower() != "isindirectcloudsolutionproviderof":
        raise invalid_input("relationship_type must be IsIndirectCloudSolutionProviderOf.")
    sb = sandbox_of(request)
    items = [_render_reseller(d.body) for d in sb.store.list("reseller", "")]
    return json_response(collection(items, "/relationships?relationship_type=IsIndirectCloudSolutionProviderOf"))


@routes.get("/v1/customers/{customer_id}/relationships")
@app_user_only
async def customer_resellers(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    reseller_id = customer.get("associatedPartnerId")
    items = []
    if reseller_id:
        doc = sb.store.get("reseller", str(reseller_id).lower())
        if doc is not None:
            items.append(_render_reseller(doc))
    return json_response(collection(items, f"/customers/{customer['id']}/relationships"))


@routes.get("/v1/customers/relationshiprequests")
async def relationship_request(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    reseller = request.query.get("indirectCloudSolutionProviderId")
    url = (f"https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId="
           f"{sb.config.partner_tenant_id}&msppId=0#/BillingAccounts/partner-invitation")
    if reseller:
        url += f"&indirectCSPId={reseller}"
    return json_response({"url": url, "attributes": {"objectType": "CustomerRelationshipRequest"}})


@routes.patch("/v1/customers/{customer_id}")
@app_user_only
async def remove_relationship(request: web.Request) -> web.Response:
    """C7: `relationshipToPartner: none` ends the reseller relationship; the customer leaves the partner's list."""
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    body = body_of(request)
    value = body.str("relationshipToPartner", required=True)
    if (value or "").lower() != "none":
        raise invalid_input("Only relationshipToPartner 'none' (remove the relationship) can be set.")
    active = [d for d in sb.store.list("subscription", customer["id"])
              if d.body.get("status") == "active" and "reservation" in str(d.body.get("offerName", "")).lower()]
    if active:
        raise bad_request(800002, "Cancel the customer's Azure reservations before removing the relationship.")
    cid = customer["id"]
    with sb.store.transaction():
        sb.store.put("former_customer", cid, {**customer, "relationshipToPartner": "none"})
        sb.store.delete("customer", cid)
        sb.audit(request, resource_type="customer", operation_type="remove_partner_customer_relationship",
                 customer_id=cid, customer_name=customer["companyProfile"]["companyName"], old=customer)
    return json_response({"id": cid, "companyProfile": None, "billingProfile": None,
                          "relationshipToPartner": "none", "allowDelegatedAccess": None, "customDomains": None,
                          "attributes": {"objectType": "Customer"}})


# ---- usage budget, managed services, qualifications, domains ------------------------------------------------

def _budget(sb: Sandbox, cid: str) -> dict[str, Any]:
    doc = sb.store.get("usage_budget", "budget", cid) or {"amount": 0}
    return {"amount": doc["amount"], "links": {"self": link(f"/customers/{cid}/usagebudget")},
            "attributes": {"objectType": "SpendingBudget"}}


@routes.get("/v1/customers/{customer_id}/usagebudget")
async def get_budget(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    return json_response(_budget(sb, customer["id"]))


@routes.patch("/v1/customers/{customer_id}/usagebudget")
async def set_budget(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    amount = body_of(request).get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 <= amount <= 10_000_000:
        raise invalid_input("'amount' must be a number from 0 to 10000000.")
    cid = customer["id"]
    old = _budget(sb, cid)
    with sb.store.transaction():
        sb.store.put("usage_budget", "budget", {"amount": amount}, cid)
        sb.audit(request, resource_type="customer", operation_type="update_customer_spending_budget",
                 customer_id=cid, customer_name=customer["companyProfile"]["companyName"],
                 old={"amount": old["amount"]}, new={"amount": amount})
    return json_response(_budget(sb, cid))


def managed_services(customer: dict[str, Any], subscriptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Admin portals for the customer: always Microsoft 365 / Entra / Exchange; Azure and Intune when owned."""
    domain = customer["companyProfile"]["domain"]
    names = " ".join(str(s.get("offerName", "")).lower() for s in subscriptions)
    services = [("Office", "Microsoft 365 admin center", f"https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={customer['id']}&CSDEST=o365admincenter"),
                ("AzureAD", "Microsoft Entra admin center", f"https://entra.microsoft.com/{domain}"),
                ("Exchange", "Exchange admin center", f"https://admin.exchange.microsoft.com/?landingpage=homepage&form=mac_sidebar&delegatedOrg={domain}"),
                ("Teams", "Teams admin center", f"https://admin.teams.microsoft.com/?delegatedOrg={domain}")]
    if "azure" in names:
        services.append(("Azure", "Azure portal", f"https://portal.azure.com/{domain}"))
    if any(k in names for k in ("premium", "e3", "e5", "intune", "mobility")):
        services.append(("Intune", "Microsoft Intune admin center", f"https://intune.microsoft.com/{domain}"))
    return [{"id": sid, "name": name, "groupName": sid, "adminServiceUrl": url,
             "attributes": {"objectType": "ManagedService"}} for sid, name, url in services]


@routes.get("/v1/customers/{customer_id}/managedservices")
@app_user_only
async def list_managed_services(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    subs = [d.body for d in sb.store.list("subscription", customer["id"]) if d.body.get("status") == "active"]
    return json_response(collection(managed_services(customer, subs),
                                     f"/customers/{customer['id']}/managedservices"))


def _render_qualification(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "attributes": {"objectType": "CustomerQualification"}}


@routes.get("/v1/customers/{customer_id}/qualifications")
async def list_qualifications(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    return json_response([_render_qualification(d.body) for d in sb.store.list("qualification", customer["id"])])


@routes.post("/v1/customers/{customer_id}/qualifications")
async def add_qualification(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    cid = customer["id"]
    raw = body_of(request).str("qualification", required=True)
    name = QUALIFICATIONS.get((raw or "").replace(" ", "").lower())
    if name is None:
        raise invalid_input(f"'{raw}' is not a qualification; use one of {', '.join(QUALIFICATIONS.values())}.")
    if sb.store.get("qualification", name, cid) is not None:
        raise conflict(800002, f"The customer already has the qualification {name}.")
    code_doc = None
    if name == "GovernmentCommunityCloud":
        code = request.query.get("code")
        code_doc = sb.store.get("validation_code", code or "")
        if code_doc is None:
            raise invalid_input("A valid GCC validation code (?code=) is required for GovernmentCommunityCloud.")
        if int(code_doc.get("remainingCreates", 0)) <= 0:
            raise invalid_input(f"The validation code {code} has no remaining uses.")
    doc = {"qualification": name, "vettingStatus": "InReview" if name == "Education" else "Approved",
           "vettingReason": None, "vettingCreatedDate": sb.now_iso()}
    with sb.store.transaction():
        sb.store.put("qualification", name, doc, cid)
        if code_doc is not None:
            sb.store.put("validation_code", code_doc["validationId"],
                         {**code_doc, "remainingCreates": int(code_doc["remainingCreates"]) - 1})
        sb.audit(request, resource_type="customer", operation_type="update_customer_qualification",
                 customer_id=cid, customer_name=customer["companyProfile"]["companyName"], new=doc)
    return json_response(_render_qualification(doc), status=201)


@routes.post("/v1/customers/{customer_id}/customDomains")
async def add_domain(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    domain = (body_of(request).str("domain", required=True, max_len=253) or "").strip().lower()
    if not _DOMAIN.match(domain):
        raise invalid_input(f"'{domain}' is not a valid domain name.")
    if domain.endswith(".onmicrosoft.com"):
        raise invalid_input("An onmicrosoft.com domain is assigned when the customer is created; add your own "
                            "domain instead.")
    if domain_in_use(sb, domain):
        raise conflict(600006, f"The domain {domain} is already in use.")
    doc = {**customer, "customDomains": [*customer.get("customDomains", []), domain]}
    with sb.store.transaction():
        sb.store.put("customer", customer["id"], doc, "", customer["companyProfile"]["companyName"],
                     customer["companyProfile"]["domain"])
        sb.audit(request, resource_type="customer", operation_type="add_customer_domain",
                 customer_id=customer["id"], customer_name=customer["companyProfile"]["companyName"],
                 new={"domain": domain})
    return json_response(doc["customDomains"], status=201)


def domain_in_use(sb: Sandbox, domain: str) -> bool:
    if domain_taken(sb, domain):
        return True
    return any(domain in [str(d).lower() for d in doc.body.get("customDomains", [])]
               for doc in sb.store.list("customer", ""))


# ---- agreements (§5.1 A1-A3) --------------------------------------------------------------------------------

def _agreement_type(request: web.Request, default: str) -> str:
    value = request.query.get("agreementType") or default
    allowed = {t["agreementType"].lower(): t["agreementType"] for t in TEMPLATES}
    if value == "*":
        return value
    if value.lower() not in allowed:
        raise invalid_input(f"Unknown agreementType '{value}'.")
    return allowed[value.lower()]


@routes.get("/v1/agreements")
@app_user_only
async def agreement_metadata(request: web.Request) -> web.Response:
    wanted = _agreement_type(request, "*")
    items = [dict(t, attributes={"objectType": "AgreementMetaData"}) for t in TEMPLATES
             if wanted == "*" or t["agreementType"] == wanted]
    return json_response(collection(items, "/agreements"))


@routes.get("/v1/customers/{customer_id}/agreements")
@app_user_only
async def list_agreements(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    wanted = _agreement_type(request, "MicrosoftCloudAgreement")
    items = [d.body for d in sb.store.list("agreement", customer["id"])
             if wanted == "*" or d.body["type"] == wanted]
    return json_response(collection(items, f"/customers/{customer['id']}/agreements"))


@routes.post("/v1/customers/{customer_id}/agreements")
@app_user_only
async def confirm_agreement(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["customer_id"])
    cid = customer["id"]
    body = body_of(request)
    template_id = (body.str("templateId", required=True) or "").lower()
    template = next((t for t in TEMPLATES if t["templateId"] == template_id), None)
    if template is None:
        raise invalid_input(f"The templateId {template_id} is not an agreement template.")
    kind = body.str("type") or template["agreementType"]
    if kind.lower() != template["agreementType"].lower():
        raise invalid_input(f"The template {template_id} is not a {kind} template.")
    contact = _contact(body, "primaryContact")
    raw_date = body.str("dateAgreed", required=True)
    try:
        agreed = date.fromisoformat((raw_date or "")[:10])
    except ValueError:
        raise invalid_input("'dateAgreed' must be a date (yyyy-mm-dd).") from None
    if agreed > sb.now().date():
        raise invalid_input("'dateAgreed' can't be in the future.")
    for doc in sb.store.list("agreement", cid):
        same = doc.body["templateId"] == template_id and \
            doc.body["primaryContact"]["email"].lower() == contact["email"].lower()
        if same:
            raise ApiError(409, 600061, "A partner confirmed agreement already exists for the customer.",
                           error_name="PartnerConfirmedAgreementAlreadyExists")
    agreement = {"primaryContact": contact, "templateId": template_id, "dateAgreed": f"{agreed.isoformat()}T00:00:00Z",
                 "type": template["agreementType"], "agreementLink": template["agreementLink"],
                 "userId": new_guid(), "attributes": {"objectType": "Agreement"}}
    with sb.store.transaction():
        sb.store.put("agreement", new_guid(), agreement, cid)
        sb.audit(request, resource_type="agreement", operation_type="create_agreement", customer_id=cid,
                 customer_name=customer["companyProfile"]["companyName"], new=agreement)
    return json_response(agreement, status=201)


__all__ = ["routes", "managed_services", "MCA_TEMPLATE", "TEMPLATES"]
