"""Customer users, directory roles and licences (api.md §6; App+User only).

Users are documents of kind `customer_user` scoped by customer (k1 = lower-cased UPN, k2 = state), so the
active list pages by seq with the k2 prefix `active` and the deleted list with `inactive`. Role memberships and
licence assignments are kept on the user document in internal `_roles` / `_licenses` fields (never on the wire).
Subscribed SKUs are not stored: they are computed from the customer's licence-based subscriptions each time,
so `totalUnits` always follows the subscriptions' quantities and status.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from aiohttp import web

from sandbox.body import Body, parse_enum
from sandbox.context import Sandbox, app_user_only, body_of, sandbox_of
from sandbox.envelope import collection, json_response, link, new_guid, parse_iso
from sandbox.errors import bad_request, conflict, invalid_input, not_found
from sandbox.filters import filter_body
from sandbox.paging import seek_page

routes = web.RouteTableDef()

USER_KIND = "customer_user"
RESTORE_WINDOW = timedelta(days=30)  # soft-deleted users can be restored for 30 days (api.md §6.1 U5)
USAGE_LOCATION = re.compile(r"^[A-Za-z]{2}$")
_UPN = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*@"
                  r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}"
                  r"[A-Za-z0-9])?)+$")
_SPECIALS = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> "

# ---- directory roles ------------------------------------------------------------------------------------
# Role ids are the Entra built-in role template ids (the docs' examples use these ids as DirectoryRole.id).
DIRECTORY_ROLES: list[tuple[str, str]] = [
    ("62e90394-69f5-4237-9190-012177145e10", "Company Administrator"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Account Administrator"),
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator"),
    ("b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator"),
    ("f023fd81-a637-4b56-95fd-791ac0226033", "Service Support Administrator"),
    ("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Service Administrator"),
    ("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Service Administrator"),
    ("69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Service Administrator"),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
]
ROLE_NAMES = dict(DIRECTORY_ROLES)
GLOBAL_ADMIN_ROLE = DIRECTORY_ROLES[0][0]

# ---- licence SKUs ---------------------------------------------------------------------------------------
# Product-name fragment -> (skuPartNumber, Entra SKU id, service plan names). Longest fragment wins.
_KNOWN_SKUS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "microsoft 365 business basic": ("O365_BUSINESS_ESSENTIALS", "3b555118-da6a-4418-894f-7df1e2096870",
                                     ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "TEAMS1", "OFFICEMOBILE")),
    "microsoft 365 business standard": ("O365_BUSINESS_PREMIUM", "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
                                        ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "TEAMS1",
                                         "O365_BUSINESS")),
    "microsoft 365 business premium": ("SPB", "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
                                       ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "TEAMS1", "O365_BUSINESS",
                                        "INTUNE_A", "AAD_PREMIUM")),
    "microsoft 365 apps for business": ("O365_BUSINESS", "cdd28e44-67e3-425e-be4c-737fab2899d3",
                                        ("OFFICE_BUSINESS", "ONEDRIVESTANDARD")),
    "microsoft 365 apps for enterprise": ("OFFICESUBSCRIPTION", "c2273bd0-dff7-4215-9ef5-2c7bcfb06425",
                                          ("OFFICESUBSCRIPTION", "ONEDRIVESTANDARD")),
    "office 365 e1": ("STANDARDPACK", "18181a46-0d4e-45cd-891e-60aabd171b4e",
                      ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "TEAMS1")),
    "office 365 e3": ("ENTERPRISEPACK", "6fd2c87f-b296-42f0-b197-1e91e994b900",
                      ("EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1", "OFFICESUBSCRIPTION")),
    "office 365 e5": ("ENTERPRISEPREMIUM", "c7df2760-2c81-4ef7-b578-5b5392b571df",
                      ("EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1", "OFFICESUBSCRIPTION",
                       "MCOEV")),
    "microsoft 365 e3": ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965",
                         ("EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1", "OFFICESUBSCRIPTION",
                          "INTUNE_A", "AAD_PREMIUM")),
    "microsoft 365 e5": ("SPE_E5", "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
                         ("EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1", "OFFICESUBSCRIPTION",
                          "INTUNE_A", "AAD_PREMIUM_P2", "MCOEV")),
    "exchange online (plan 1)": ("EXCHANGESTANDARD", "4b9405b0-7788-4568-add1-99614e613b69",
                                 ("EXCHANGE_S_STANDARD",)),
    "exchange online (plan 2)": ("EXCHANGEENTERPRISE", "19ec0d23-8335-4cbd-94ac-6050e30712fa",
                                 ("EXCHANGE_S_ENTERPRISE",)),
    "power bi pro": ("POWER_BI_PRO", "f8a1db68-be16-40ed-86d5-cb42ce701560", ("BI_AZURE_P2",)),
    "visio plan 2": ("VISIOCLIENT", "c5928f49-12ba-48f7-ada3-0d743a3601d5", ("VISIO_CLIENT_SUBSCRIPTION",)),
    "project plan 3": ("PROJECTPROFESSIONAL", "53818b1b-4a27-454b-8896-0dba576410e6",
                       ("PROJECT_PROFESSIONAL", "SHAREPOINTENTERPRISE")),
    "teams essentials": ("Teams_Ess", "fde42873-30b6-436b-b361-21af5a6b84ae", ("TEAMS1",)),
    "teams phone": ("MCOEV", "e43b5b99-8dfb-405f-9987-dc307f34bcbd", ("MCOEV",)),
    "enterprise mobility + security e3": ("EMS", "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
                                          ("INTUNE_A", "AAD_PREMIUM")),
    "entra id p1": ("AAD_PREMIUM", "078d2b04-f1bd-4111-bbd4-b4b1b354cef4", ("AAD_PREMIUM",)),
    "intune": ("INTUNE_A", "061f9ace-7d42-4136-88ac-31dc755f143f", ("INTUNE_A",)),
}
_SKU_NS = uuid.UUID("7d1c6a52-3f51-4b0e-9a53-5d0e8c2f4b11")
_PLAN_NAMES = {
    "EXCHANGE_S_STANDARD": "Exchange Online (Plan 1)", "EXCHANGE_S_ENTERPRISE": "Exchange Online (Plan 2)",
    "SHAREPOINTSTANDARD": "SharePoint (Plan 1)", "SHAREPOINTENTERPRISE": "SharePoint (Plan 2)",
    "TEAMS1": "Microsoft Teams", "OFFICEMOBILE": "Office for the web",
    "O365_BUSINESS": "Microsoft 365 Apps for business",
    "OFFICE_BUSINESS": "Microsoft 365 Apps for business", "ONEDRIVESTANDARD": "OneDrive for business (Plan 1)",
    "OFFICESUBSCRIPTION": "Microsoft 365 Apps for enterprise", "INTUNE_A": "Microsoft Intune",
    "AAD_PREMIUM": "Microsoft Entra ID P1", "AAD_PREMIUM_P2": "Microsoft Entra ID P2",
    "MCOEV": "Microsoft Teams Phone Standard", "BI_AZURE_P2": "Power BI Pro",
    "VISIO_CLIENT_SUBSCRIPTION": "Visio Desktop App", "PROJECT_PROFESSIONAL": "Project P3",
}
LICENSED_STATUSES = {"active", "suspended"}


def _is_license_based(sub: dict[str, Any]) -> bool:
    """Seat-based online services get Entra licences; Azure, software and usage-billed items do not."""
    billing = str(sub.get("billingType") or "").lower()
    unit = str(sub.get("unitType") or "").lower()
    product_type = sub.get("productType") or {}
    ptype = str(product_type.get("id") if isinstance(product_type, dict) else product_type or "").lower()
    if billing in {"usage", "benefit"} or "azure" in ptype or "software" in ptype or "usage" in unit:
        return False
    return billing == "license" or "licen" in unit or ptype.startswith("onlineservices")


def license_sku_for(sub: dict[str, Any]) -> dict[str, Any] | None:
    """The Entra product SKU a subscription's seats show up as (None for non-licence subscriptions)."""
    if not _is_license_based(sub):
        return None
    offer_id = str(sub.get("offerId") or "")
    name = str(sub.get("offerName") or sub.get("friendlyName") or offer_id or "Licence")
    parts = offer_id.split(":")
    key = ":".join(parts[:2]).upper() if len(parts) >= 2 else offer_id.lower()
    low = name.lower()
    match = max((frag for frag in _KNOWN_SKUS if frag in low), key=len, default=None)
    if match is not None:
        part_number, sku_id, plans = _KNOWN_SKUS[match]
    else:
        part_number = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")[:40] or "SKU"
        sku_id = str(uuid.uuid5(_SKU_NS, key or low))
        plans = (part_number,)
    return {
        "id": sku_id, "name": name, "skuPartNumber": part_number, "targetType": "User",
        "licenseGroupId": "group1", "_key": key, "_plans": list(plans),
    }


def _service_plans(plans: Iterable[str], status: str) -> list[dict[str, Any]]:
    return [{"id": str(uuid.uuid5(_SKU_NS, "plan:" + p)), "displayName": _PLAN_NAMES.get(p, p),
             "serviceName": p, "capabilityStatus": status, "targetType": "User"} for p in plans]


def _product_sku(sku: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sku.items() if not k.startswith("_")}


def subscribed_skus(sandbox: Sandbox, customer_id: str) -> dict[str, dict[str, Any]]:
    """Entra SKU id -> SubscribedSku computed from subscriptions (units) and users (consumption)."""
    skus: dict[str, dict[str, Any]] = {}
    for doc in sandbox.store.list("subscription", customer_id):
        sub = doc.body
        status = str(sub.get("status") or "").lower()
        sku = license_sku_for(sub)
        if sku is None or status not in LICENSED_STATUSES:
            continue
        qty = _int(sub.get("quantity"))
        entry = skus.get(sku["id"])
        if entry is None:
            entry = skus[sku["id"]] = {"_sku": sku, "activeUnits": 0, "suspendedUnits": 0, "warningUnits": 0,
                                       "consumedUnits": 0}
        entry["activeUnits" if status == "active" else "suspendedUnits"] += qty
    for doc in sandbox.store.list(USER_KIND, customer_id, k2_prefix="active"):
        for sku_id in doc.body.get("_licenses") or {}:
            if sku_id in skus:
                skus[sku_id]["consumedUnits"] += 1
    for entry in skus.values():
        entry["totalUnits"] = entry["activeUnits"]
        entry["availableUnits"] = max(0, entry["activeUnits"] - entry["consumedUnits"])
    return skus


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _render_subscribed_sku(entry: dict[str, Any]) -> dict[str, Any]:
    sku = entry["_sku"]
    status = "Enabled" if entry["activeUnits"] > 0 else "Suspended"
    return {
        "availableUnits": entry["availableUnits"], "activeUnits": entry["activeUnits"],
        "consumedUnits": entry["consumedUnits"], "suspendedUnits": entry["suspendedUnits"],
        "totalUnits": entry["totalUnits"], "warningUnits": entry["warningUnits"],
        "productSku": _product_sku(sku), "servicePlans": _service_plans(sku["_plans"], "Enabled"),
        "capabilityStatus": status, "attributes": {"objectType": "SubscribedSku"},
    }


def _license_groups(request: web.Request) -> set[str] | None:
    values = request.query.getall("licenseGroupIds", []) or request.query.getall("licensegroupids", [])
    if not values:
        return None
    groups = set()
    for raw in values:
        for part in raw.split(","):
            groups.add(parse_enum(part.strip(), ["group1", "group2"], "licenseGroupIds"))
    return groups


# ---- users: shapes and validation -----------------------------------------------------------------------

def render_user(customer_id: str, user: dict[str, Any], *, password: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    """Wire shape of a CustomerUser; passwordProfile only on create/reset responses."""
    out = {k: v for k, v in user.items() if not k.startswith("_")}
    if out.get("state") != "inactive":
        out.pop("softDeletionTime", None)
    if password is not None:
        out["passwordProfile"] = password
    out["links"] = {"self": link(f"/customers/{customer_id}/users/{user['id']}")}
    out["attributes"] = {"objectType": "CustomerUser"}
    return out


def password_problem(password: str, upn: str) -> str | None:
    """Entra password rules: 8..256 chars, 3 of 4 character classes, no alias inside, printable ASCII."""
    if not 8 <= len(password) <= 256:
        return "The password must be between 8 and 256 characters long."
    if any(ch not in string.ascii_letters + string.digits + _SPECIALS for ch in password):
        return "The password contains characters that are not allowed."
    classes = sum([any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password), any(c in _SPECIALS for c in password)])
    if classes < 3:
        return ("The password must contain characters from at least three of: lower case, upper case, "
                "digits, symbols.")
    alias = upn.split("@", 1)[0].lower()
    if len(alias) >= 3 and alias in password.lower():
        return "The password must not contain the user name."
    return None


def generate_password(rng: Any = None) -> str:
    """A compliant temporary password (used when a reset asks for none)."""
    r = rng or secrets.SystemRandom()
    body = [r.choice(string.ascii_uppercase), r.choice(string.ascii_lowercase), r.choice(string.digits),
            r.choice("!#$%&*+-=?@")] + [r.choice(string.ascii_letters + string.digits) for _ in range(8)]
    r.shuffle(body)
    return "".join(body)


def customer_domains(customer: dict[str, Any]) -> set[str]:
    """Domains a customer owns: its initial domain plus any custom domains."""
    b = Body(customer)
    domains = {str(d).lower() for d in (b.get("customDomains") or []) if isinstance(d, str)}
    primary = b.obj("companyProfile").get("domain")
    if isinstance(primary, str):
        domains.add(primary.lower())
    return domains


def _check_upn(upn: str, customer: dict[str, Any]) -> str:
    if len(upn) > 113 or not _UPN.match(upn):
        raise bad_request(3000, f"The user principal name '{upn}' is not valid.")
    domain = upn.rsplit("@", 1)[1].lower()
    if domain not in customer_domains(customer):
        raise bad_request(3000, f"The domain '{domain}' of the user principal name does not belong to the "
                                f"customer.")
    return upn


def _check_usage_location(value: str) -> str:
    if not USAGE_LOCATION.match(value):
        raise bad_request(3000, f"The usage location '{value}' is not a valid two-letter country code.")
    return value.upper()


def _password_profile(body: Body, upn: str, *, required: bool) -> dict[str, Any] | None:
    if not body.has("passwordProfile") or body.get("passwordProfile") is None:
        if required:
            raise invalid_input("The property 'passwordProfile' is required.")
        return None
    profile = body.obj("passwordProfile")
    password = profile.str("password", required=required)
    if password is None or password == "":
        password = generate_password()
    else:
        problem = password_problem(password, upn)
        if problem:
            raise bad_request(3000, problem)
    force = profile.bool("forceChangePassword", default=True)
    return {"password": password, "forceChangePassword": force}


def _upn_taken(sandbox: Sandbox, customer_id: str, upn: str, except_id: str | None = None) -> bool:
    for doc in sandbox.store.list(USER_KIND, customer_id, k1_prefix=upn.lower()):
        if doc.body["userPrincipalName"].lower() == upn.lower() and doc.id != except_id \
                and not _purged(sandbox, doc.body):
            return True
    return False


def _purged(sandbox: Sandbox, user: dict[str, Any]) -> bool:
    """A soft-deleted user older than the 30-day window is gone for good."""
    if user.get("state") != "inactive" or not user.get("softDeletionTime"):
        return False
    return sandbox.now() - parse_iso(user["softDeletionTime"]) > RESTORE_WINDOW


def _load_user(sandbox: Sandbox, customer_id: str, user_id: str, *, allow_inactive: bool = False
               ) -> dict[str, Any]:
    user = sandbox.store.get(USER_KIND, user_id.lower(), customer_id)
    if user is None or _purged(sandbox, user) or (user.get("state") == "inactive" and not allow_inactive):
        raise not_found(60002, f"User object Id {user_id} is not found.")
    return user


def _save_user(sandbox: Sandbox, customer_id: str, user: dict[str, Any]) -> None:
    sandbox.store.put(USER_KIND, user["id"], user, customer_id, k1=user["userPrincipalName"], k2=user["state"])


def _company(customer: dict[str, Any]) -> str:
    return str(Body(customer).obj("companyProfile").get("companyName") or "")


def _audit(request: web.Request, customer_id: str, customer: dict[str, Any], operation: str, *,
           old: Any = None, new: Any = None, resource_type: str = "customer_user",
           customized: dict[str, Any] | None = None) -> None:
    sandbox_of(request).audit(request, resource_type=resource_type, operation_type=operation,
                              customer_id=customer_id, customer_name=_company(customer), old=old, new=new,
                              customized=customized)


def _user_filter(request: web.Request) -> str:
    """`filter` on the users list: only {"Field":"UserState","Value":"Inactive","Operator":"equals"} (§1.8)."""
    raw = request.query.get("filter")
    if raw is None or raw.strip() == "":
        return "active"
    f = filter_body(raw)
    field, value, op = f.get("Field"), f.get("Value"), f.get("Operator")
    if not isinstance(field, str) or field.lower() != "userstate":
        raise invalid_input(f"The filter field '{field}' is not supported for customer users.")
    if not isinstance(op, str) or op.lower() != "equals":
        raise invalid_input(f"The filter operator '{op}' is not supported for customer users.")
    return parse_enum(value, ["active", "inactive"], "filter.Value")


# ---- users: handlers ------------------------------------------------------------------------------------

@routes.get("/v1/customers/{customer_id}/users")
@app_user_only
async def list_users(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    sandbox.customer(cid)
    state = _user_filter(request)

    def fetch(after: int, limit: int, st: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        if st.get("c") != cid:
            raise invalid_input("The continuation token is not valid for this collection.")
        out: list[tuple[int, dict[str, Any]]] = []
        while len(out) < limit:
            docs = sandbox.store.list(USER_KIND, cid, after_seq=after, limit=limit, k2_prefix=st["st"])
            if not docs:
                break
            for doc in docs:
                after = doc.seq
                # k2 'active' must not match 'inactive' (it doesn't: prefix), but guard exactness anyway
                if doc.body.get("state") == st["st"] and not _purged(sandbox, doc.body):
                    out.append((doc.seq, render_user(cid, doc.body)))
        return out[:limit]

    self_query = {"filter": request.query["filter"]} if request.query.get("filter") else None
    page = seek_page(request, kind="customer_users", base_uri=f"/customers/{cid}/users",
                     state={"c": cid, "st": state}, fetch=fetch, default_size=100, max_size=500,
                     self_query=self_query)
    return json_response(page)


@routes.get("/v1/customers/{customer_id}/users/{user_id}")
@app_user_only
async def get_user(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    sandbox.customer(cid)
    user = _load_user(sandbox, cid, request.match_info["user_id"], allow_inactive=True)
    return json_response(render_user(cid, user))


@routes.post("/v1/customers/{customer_id}/users")
@app_user_only
async def create_user(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    customer = sandbox.customer(cid)
    body = body_of(request)
    upn = _check_upn(body.str("userPrincipalName", required=True).strip(), customer)
    usage = _check_usage_location(body.str("usageLocation", required=True).strip())
    first = body.str("firstName", max_len=64)
    last = body.str("lastName", max_len=64)
    display = body.str("displayName", max_len=256)
    if not display:
        display = " ".join(p for p in (first, last) if p)
    if not display:
        raise invalid_input("The property 'displayName' is required.")
    password = _password_profile(body, upn, required=True)
    immutable_id = body.str("immutableId", max_len=256)
    phone = body.str("phoneNumber", max_len=64)
    if _upn_taken(sandbox, cid, upn):
        raise conflict(3000, f"A user with the user principal name '{upn}' already exists.")
    now = sandbox.now_iso()
    user = {
        "id": new_guid(), "usageLocation": usage, "userPrincipalName": upn, "firstName": first,
        "lastName": last, "displayName": display, "immutableId": immutable_id, "phoneNumber": phone,
        "lastDirectorySyncTime": None, "userDomainType": "none", "state": "active",
        "_created": now, "_licenses": {}, "_roles": [],
    }
    with sandbox.store.transaction():
        _save_user(sandbox, cid, user)
        _audit(request, cid, customer, "create_customer_user", new=render_user(cid, user))
    return json_response(render_user(cid, user, password=password), status=201)


_READ_ONLY = {"id", "links", "attributes", "userdomaintype", "lastdirectorysynctime", "softdeletiontime"}


@routes.patch("/v1/customers/{customer_id}/users/{user_id}")
@app_user_only
async def update_user(request: web.Request) -> web.Response:
    """Update fields, restore (`state: active`) or reset the password (2021 path) — detected from the body."""
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    customer = sandbox.customer(cid)
    body = body_of(request)
    user = _load_user(sandbox, cid, request.match_info["user_id"], allow_inactive=True)
    old = render_user(cid, user)
    new = dict(user)
    operations: list[str] = []
    state = body.enum("state", ["active", "inactive"])
    if user["state"] == "inactive":
        if state != "active":
            raise bad_request(3000, "The user is deleted; restore it (state: active) before changing it.")
        if _upn_taken(sandbox, cid, user["userPrincipalName"], except_id=user["id"]):
            raise conflict(3000, "Another user now has this user principal name; the user cannot be restored.")
        new["state"] = "active"
        new.pop("softDeletionTime", None)
        new["_licenses"] = _licenses_that_fit(sandbox, cid, user.get("_licenses") or {})
        operations.append("restore_customer_user")
    elif state == "inactive":
        raise bad_request(3000, "Use DELETE to delete a user.")
    changed = False
    for name in ("firstName", "lastName"):
        if body.has(name):
            new[name] = body.str(name, max_len=64)
            changed = True
    if body.has("displayName"):
        new["displayName"] = body.str("displayName", required=True, max_len=256)
        changed = True
    if body.has("usageLocation"):
        new["usageLocation"] = _check_usage_location(body.str("usageLocation", required=True))
        changed = True
    for name in ("phoneNumber", "immutableId"):
        if body.has(name):
            new[name] = body.str(name, max_len=256)
            changed = True
    if body.has("userPrincipalName"):
        upn = _check_upn(body.str("userPrincipalName", required=True).strip(), customer)
        if upn.lower() != user["userPrincipalName"].lower():
            if _upn_taken(sandbox, cid, upn, except_id=user["id"]):
                raise conflict(3000, f"A user with the user principal name '{upn}' already exists.")
            operations.append("update_customer_user_principal_name")
        new["userPrincipalName"] = upn
        changed = True
    password = _password_profile(body, new["userPrincipalName"], required=False)
    if password is not None:
        operations.append("reset_customer_user_password")
    if changed and not any(op == "update_customer_user_principal_name" for op in operations):
        operations.append("update_customer_user")
    unknown = [k for k in body.raw if k.replace("_", "").lower() not in _READ_ONLY | {
        "state", "firstname", "lastname", "displayname", "usagelocation", "phonenumber", "immutableid",
        "userprincipalname", "passwordprofile"}]
    if not operations:
        what = f" (unsupported: {', '.join(unknown)})" if unknown else ""
        raise invalid_input(f"The request does not change the user{what}.")
    with sandbox.store.transaction():
        _save_user(sandbox, cid, new)
        for op in operations:
            _audit(request, cid, customer, op, old=old, new=render_user(cid, new))
    return json_response(render_user(cid, new, password=password))


@routes.patch("/v1/customers/{customer_id}/users/{user_id}/resetpassword")
@app_user_only
async def reset_password(request: web.Request) -> web.Response:
    """Reset password, 2023 path (api.md §6.1 U8); the 2021 path is the plain user PATCH."""
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    customer = sandbox.customer(cid)
    body = body_of(request)
    user = _load_user(sandbox, cid, request.match_info["user_id"])
    password = _password_profile(body, user["userPrincipalName"], required=False) or {
        "password": generate_password(), "forceChangePassword": True}
    with sandbox.store.transaction():
        _audit(request, cid, customer, "reset_customer_user_password", new=render_user(cid, user))
    return json_response(render_user(cid, user, password=password))


@routes.delete("/v1/customers/{customer_id}/users/{user_id}")
@app_user_only
async def delete_user(request: web.Request) -> web.Response:
    """Soft delete: state inactive + softDeletionTime; restorable for 30 days."""
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    customer = sandbox.customer(cid)
    user = _load_user(sandbox, cid, request.match_info["user_id"])
    old = render_user(cid, user)
    new = dict(user, state="inactive", softDeletionTime=sandbox.now_iso())
    with sandbox.store.transaction():
        _save_user(sandbox, cid, new)
        _audit(request, cid, customer, "delete_customer_user", old=old, new=render_user(cid, new))
    return web.Response(status=204)


# ---- directory roles ------------------------------------------------------------------------------------

def _role(role_id: str) -> tuple[str, str]:
    rid = role_id.lower()
    if rid not in ROLE_NAMES:
        raise not_found(1000, f"Directory role {role_id} was not found.")
    return rid, ROLE_NAMES[rid]


def _render_role(role_id: str) -> dict[str, Any]:
    return {"name": ROLE_NAMES[role_id], "id": role_id, "attributes": {"objectType": "DirectoryRole"}}


def _render_member(user: dict[str, Any], role_id: str) -> dict[str, Any]:
    return {"id": user["id"], "displayName": user.get("displayName"),
            "userPrincipalName": user["userPrincipalName"], "roleId": role_id,
            "attributes": {"objectType": "UserMember"}}


@routes.get("/v1/customers/{customer_id}/directoryroles")
@app_user_only
async def list_roles(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    sandbox.customer(cid)
    items = [_render_role(rid) for rid, _ in DIRECTORY_ROLES]
    return json_response(collection(items, f"/customers/{cid}/directoryroles"))


@routes.get("/v1/customers/{customer_id}/users/{user_id}/directoryroles")
@app_user_only
async def user_roles(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    sandbox.customer(cid)
    user = _load_user(sandbox, cid, request.match_info["user_id"])
    items = [_render_role(rid) for rid, _ in DIRECTORY_ROLES if rid in (user.get("_roles") or [])]
    return json_response(collection(items, f"/customers/{cid}/users/{user['id']}/directoryroles"))


@routes.get("/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers")
@app_user_only
async def role_members(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    sandbox.customer(cid)
    rid, _ = _role(request.match_info["role_id"])

    def fetch(after: int, limit: int, st: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        if st.get("c") != cid or st.get("r") != rid:
            raise invalid_input("The continuation token is not valid for this collection.")
        out = []
        for doc in sandbox.store.list(USER_KIND, cid, after_seq=after, k2_prefix="active"):
            if doc.body.get("state") == "active" and rid in (doc.body.get("_roles") or []):
                out.append((doc.seq, _render_member(doc.body, rid)))
                if len(out) >= limit:
                    break
        return out

    page = seek_page(request, kind="role_members", base_uri=f"/customers/{cid}/directoryroles/{rid}/usermembers",
                     state={"c": cid, "r": rid}, fetch=fetch, default_size=100, max_size=500)
    return json_response(page)


@routes.post("/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers")
@app_user_only
async def add_role_member(request: web.Request) -> web.Response:
    """Add a user to a role; adding an existing member is idempotent (201 with the member, no change)."""
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    customer = sandbox.customer(cid)
    rid, name = _role(request.match_info["role_id"])
    body = body_of(request)
    user_id = body.str("id", required=True)
    user = _load_user(sandbox, cid, user_id)
    roles = list(user.get("_roles") or [])
    if rid not in roles:
        new = dict(user, _roles=roles + [rid])
        with sandbox.store.transaction():
            _save_user(sandbox, cid, new)
            _audit(request, cid, customer, "update_customer_user", old={"directoryRoles": roles},
                   new={"directoryRoles": new["_roles"]},
                   customized={"action": "add_directory_role_member", "roleId": rid, "roleName": name,
                               "userPrincipalName": user["userPrincipalName"]})
    return json_response(_render_member(user, rid), status=201)


@routes.delete("/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers/{user_id}")
@app_user_only
async def remove_role_member(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    customer = sandbox.customer(cid)
    rid, name = _role(request.match_info["role_id"])
    user = _load_user(sandbox, cid, request.match_info["user_id"])
    roles = list(user.get("_roles") or [])
    if rid not in roles:
        raise not_found(1000, f"User {user['id']} is not a member of the role {name}.")
    if rid == GLOBAL_ADMIN_ROLE and _global_admin_count(sandbox, cid) <= 1:
        raise bad_request(3000, "The last Company Administrator of a customer cannot be removed from the role.")
    new = dict(user, _roles=[r for r in roles if r != rid])
    with sandbox.store.transaction():
        _save_user(sandbox, cid, new)
        _audit(request, cid, customer, "update_customer_user", old={"directoryRoles": roles},
               new={"directoryRoles": new["_roles"]},
               customized={"action": "remove_directory_role_member", "roleId": rid, "roleName": name,
                           "userPrincipalName": user["userPrincipalName"]})
    return web.Response(status=204)


def _global_admin_count(sandbox: Sandbox, cid: str) -> int:
    return sum(1 for d in sandbox.store.list(USER_KIND, cid, k2_prefix="active")
               if d.body.get("state") == "active" and GLOBAL_ADMIN_ROLE in (d.body.get("_roles") or []))


# ---- licences -------------------------------------------------------------------------------------------

def _licenses_that_fit(sandbox: Sandbox, cid: str, licenses: dict[str, Any]) -> dict[str, Any]:
    """On restore keep only the licences that still have free units (the rest are released)."""
    skus = subscribed_skus(sandbox, cid)
    kept = {}
    for sku_id, value in licenses.items():
        entry = skus.get(sku_id)
        if entry is not None and entry["availableUnits"] > 0:
            entry["availableUnits"] -= 1
            kept[sku_id] = value
    return kept


@routes.get("/v1/customers/{customer_id}/subscribedskus")
@app_user_only
async def list_subscribed_skus(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    sandbox.customer(cid)
    groups = _license_groups(request)
    items = [_render_subscribed_sku(e) for e in subscribed_skus(sandbox, cid).values()
             if groups is None or e["_sku"]["licenseGroupId"] in groups]
    return json_response(collection(items, f"/customers/{cid}/subscribedskus"))


@routes.get("/v1/customers/{customer_id}/users/{user_id}/licenses")
@app_user_only
async def list_user_licenses(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    sandbox.customer(cid)
    groups = _license_groups(request)
    user = _load_user(sandbox, cid, request.match_info["user_id"])
    skus = subscribed_skus(sandbox, cid)
    items = []
    for sku_id, assignment in (user.get("_licenses") or {}).items():
        entry = skus.get(sku_id)
        sku = entry["_sku"] if entry else (assignment.get("sku") or {"id": sku_id, "_plans": []})
        if groups is not None and sku.get("licenseGroupId", "group1") not in groups:
            continue
        excluded = set(assignment.get("excludedPlans") or [])
        plans = [p for p in _service_plans(sku.get("_plans") or [], "Enabled") if p["id"] not in excluded]
        items.append({"servicePlans": plans, "productSku": _product_sku(sku),
                      "attributes": {"objectType": "License"}})
    return json_response(collection(items, f"/customers/{cid}/users/{user['id']}/licenses"))


@routes.post("/v1/customers/{customer_id}/users/{user_id}/licenseupdates")
@app_user_only
async def update_user_licenses(request: web.Request) -> web.Response:
    """Assign/remove licences; a new assignment needs a free unit of the SKU or fails with 400 60012."""
    sandbox = sandbox_of(request)
    cid = request.match_info["customer_id"].lower()
    customer = sandbox.customer(cid)
    body = body_of(request)
    user = _load_user(sandbox, cid, request.match_info["user_id"])
    to_assign = []
    for i, item in enumerate(body.list("licensesToAssign")):
        if not isinstance(item, Body):
            raise invalid_input(f"The property 'licensesToAssign[{i}]' must be an object.")
        sku_id = item.str("skuId", required=True).strip().lower()
        excluded = [str(p).lower() for p in item.list("excludedPlans")]
        to_assign.append((sku_id, excluded))
    to_remove = []
    for i, item in enumerate(body.list("licensesToRemove")):
        if isinstance(item, Body):  # tolerate {"skuId": ...} objects as well as bare ids
            item = item.str("skuId", required=True)
        if not isinstance(item, str) or not item.strip():
            raise invalid_input(f"The property 'licensesToRemove[{i}]' must be a SKU id string.")
        to_remove.append(item.strip().lower())
    if not to_assign and not to_remove:
        raise invalid_input("Nothing to do: licensesToAssign and licensesToRemove are both empty.")
    assign_ids = [s for s, _ in to_assign]
    if len(set(assign_ids)) != len(assign_ids) or set(assign_ids) & set(to_remove):
        raise bad_request(3000, "A SKU may appear only once across licensesToAssign and licensesToRemove.")
    skus = subscribed_skus(sandbox, cid)
    current: dict[str, Any] = dict(user.get("_licenses") or {})
    for sku_id in to_remove:
        if sku_id not in current:
            raise bad_request(3000, f"The user does not have a license for SKU {sku_id}.")
        del current[sku_id]
    for sku_id, excluded in to_assign:
        entry = skus.get(sku_id)
        if entry is None:
            raise bad_request(3000, f"The SKU {sku_id} is not a subscribed SKU of this customer.")
        valid_plans = {p["id"] for p in _service_plans(entry["_sku"]["_plans"], "Enabled")}
        bad = [p for p in excluded if p not in valid_plans]
        if bad:
            raise bad_request(3000, f"The excluded plans {', '.join(bad)} are not part of SKU {sku_id}.")
        if sku_id not in current:
            freed = 1 if sku_id in to_remove else 0
            if entry["availableUnits"] + freed <= 0:
                raise bad_request(60012, "License assignment failed: there are no available licenses for the "
                                         f"product {entry['_sku']['name']}.",
                                  data=[f"{entry['_sku']['skuPartNumber']}: {entry['consumedUnits']} of "
                                        f"{entry['totalUnits']} licenses are assigned."])
            entry["availableUnits"] -= 1
        current[sku_id] = {"excludedPlans": excluded, "sku": entry["_sku"]}
    old = {"licenses": sorted((user.get("_licenses") or {}).keys())}
    new_user = dict(user, _licenses=current)
    with sandbox.store.transaction():
        _save_user(sandbox, cid, new_user)
        _audit(request, cid, customer, "update_customer_user_licenses", resource_type="license", old=old,
               new={"licenses": sorted(current.keys())},
               customized={"userPrincipalName": user["userPrincipalName"], "userId": user["id"]})
    result = {
        "licensesToAssign": [{"skuId": s, "excludedPlans": e or None} for s, e in to_assign] or None,
        "licensesToRemove": to_remove or None,
        "licenseWarnings": [],
        "attributes": {"objectType": "LicenseUpdate"},
    }
    return json_response(result, status=201)
