"""Seed data for the account chores: partner profiles, indirect resellers with their own customers, agreements
for most (not all) customers, usage budgets, a few qualifications and GCC validation codes.

Registered with `register_seeder` (imported by `sandbox.seed_extra`); everything derives from the base seed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox.commerce import new_etag
from sandbox.envelope import iso, new_guid
from sandbox.routes.accounts import TEMPLATES
from sandbox.seed import SeedContext, register_seeder

PARTNER_NAME = "Sandbox CSP Partner"
RESELLERS = [  # name, MPN id, city, state
    ("Proseware Cloud Resellers", "5123801", "Seattle, WA, US", "active"),
    ("Lucerne IT Services", "5123802", "Dublin, IE", "active"),
    ("Trey Digital Partners", "5123803", "Austin, TX, US", "active"),
    ("VanArsdel Solutions", "5123804", "Toronto, ON, CA", "inactive"),
]
OTHER_PARTNERS = [("Fabrikam Consulting Group", "6100001"), ("Alpine Technology Partners", "6100002")]
# Customers that never confirm an agreement in the seed (the demo shows one without): by name.
WITHOUT_AGREEMENT = {"Tailspin Toys", "Wingtip Toys"}


def _address(city: str, state: str | None, postal: str, line1: str, country: str = "US") -> dict[str, Any]:
    return {"addressLine1": line1, "addressLine2": "", "city": city, "state": state, "postalCode": postal,
            "country": country}


@register_seeder
def seed_accounts(ctx: SeedContext) -> None:
    rng = ctx.rng
    partner_id = ctx.config.partner_tenant_id
    contact = {"firstName": "Avery", "lastName": "Howard", "email": "avery@sandboxcsp.example",
               "phoneNumber": "4255550100"}
    hq = _address("Redmond", "WA", "98052", "1 Microsoft Way")
    profiles = {
        "legalbusiness": {"companyName": PARTNER_NAME, "address": hq, "primaryContact": contact,
                          "companyApproverAddress": hq, "companyApproverEmail": "legal@sandboxcsp.example",
                          "vettingStatus": "authorized", "vettingSubStatus": "none"},
        "organization": {"id": partner_id, "companyName": PARTNER_NAME, "defaultAddress": hq,
                         "tenantId": partner_id, "domain": "sandboxcsp.onmicrosoft.com",
                         "email": "admin@sandboxcsp.example", "language": "en", "culture": "en-US"},
        "billing": {"companyName": PARTNER_NAME, "address": hq, "primaryContact": contact,
                    "purchaseOrderNumber": "PO-2026-0042", "taxId": "91-1144442", "billingCurrency": "USD"},
        "support": {"email": "support@sandboxcsp.example", "telephone": "+1 425 555 0199",
                    "website": "https://support.sandboxcsp.example"},
        "mpn": {"mpnId": ctx.config.partner_mpn_id, "partnerName": PARTNER_NAME},
    }
    for name, body in profiles.items():
        ctx.add("partner_profile", name, {**body, "attributes": {"etag": new_etag(rng)}})
    resellers = []
    for name, mpn, location, state in RESELLERS:
        rid = new_guid(rng)
        resellers.append(rid)
        ctx.add("reseller", rid, {"id": rid, "name": name, "mpnId": mpn, "location": location, "state": state})
    for name, mpn in OTHER_PARTNERS:
        ctx.add("known_partner", mpn, {"name": name, "mpnId": mpn})
    for n, (org, remaining) in enumerate([("Sandbox CSP Partner", 4), ("Sandbox CSP Partner Public Sector", 0)]):
        code = str(rng.randrange(100000, 999999))
        ctx.add("validation_code", code, {"partnerId": partner_id, "organizationName": org, "validationId": code,
                                          "maxCreates": 5, "remainingCreates": remaining,
                                          "eTag": f"W/\"datetime'{iso(ctx.now - timedelta(days=30 + n))}'\""})
    mca = TEMPLATES[0]
    for index, customer in enumerate(ctx.customers):
        cid = customer["id"]
        name = customer["companyProfile"]["companyName"]
        billing = customer.get("billingProfile", {})
        # a quarter of the customers (not the first eight named ones) belong to an indirect reseller
        if index >= 8 and rng.random() < 0.25:
            rid = resellers[rng.randrange(len(resellers) - 1)]
            ctx.add("customer", cid, {**customer, "associatedPartnerId": rid}, "", name,
                    customer["companyProfile"]["domain"])
        if name not in WITHOUT_AGREEMENT and rng.random() < 0.85:
            agreed = ctx.now - timedelta(days=rng.randint(20, 700))
            ctx.add("agreement", new_guid(rng), {
                "primaryContact": {"firstName": billing.get("firstName") or "Admin",
                                   "lastName": billing.get("lastName") or "User",
                                   "email": billing.get("email") or f"admin@{customer['companyProfile']['domain']}",
                                   "phoneNumber": None},
                "templateId": mca["templateId"], "dateAgreed": iso(agreed.replace(hour=0, minute=0, second=0)),
                "type": mca["agreementType"], "agreementLink": mca["agreementLink"], "userId": new_guid(rng),
                "attributes": {"objectType": "Agreement"}}, cid)
        if rng.random() < 0.5:
            ctx.add("usage_budget", "budget", {"amount": rng.choice([500, 1000, 2500, 5000])}, cid)
        if name in {"Bellows College", "School of Fine Art", "Graphic Design Institute"}:
            ctx.add("qualification", "Education", {"qualification": "Education", "vettingStatus": "Approved",
                                                   "vettingReason": None,
                                                   "vettingCreatedDate": iso(ctx.now - timedelta(days=90))}, cid)
