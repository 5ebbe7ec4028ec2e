"""Seed co-sell referrals (api.md §14): every status and substatus, both directions, realistic deals.

Deterministic from the base seed and relative to the seed clock, so "new this week" stays new on any date.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sandbox.envelope import iso
from sandbox.routes.referrals import KIND
from sandbox.seed import SeedContext, register_seeder

# (deal name suffix, status, substatus, direction, deal value, currency, days ago, products)
_PLAN: list[tuple[str, str, str, str, int, str, int, str]] = [
    ("Copilot rollout", "New", "Received", "Incoming", 48000, "USD", 1, "Microsoft 365 Copilot"),
    ("Azure migration", "New", "Received", "Incoming", 125000, "USD", 3, "Azure"),
    ("Teams Phone deal", "New", "Pending", "Outgoing", 18500, "USD", 5, "Teams Phone Standard"),
    ("Security uplift", "Active", "Accepted", "Incoming", 64000, "EUR", 12, "Microsoft 365 E5 Security"),
    ("Dynamics 365 Sales", "Active", "Accepted", "Outgoing", 92000, "USD", 20, "Dynamics 365 Sales"),
    ("Intune device rollout", "Active", "Accepted", "Incoming", 27500, "GBP", 26, "Microsoft Intune"),
    ("Business Premium refresh", "Closed", "Won", "Incoming", 31000, "USD", 45, "Microsoft 365 Business Premium"),
    ("Data platform", "Closed", "Lost", "Outgoing", 210000, "USD", 60, "Azure Synapse Analytics"),
    ("Power BI Premium", "Closed", "Declined", "Incoming", 15000, "USD", 75, "Power BI Premium"),
    ("Windows 365 pilot", "Closed", "Expired", "Incoming", 9000, "USD", 120, "Windows 365 Enterprise"),
]


@register_seeder
def seed_referrals(ctx: SeedContext) -> None:
    if not ctx.customers:
        return
    named = [c for c in ctx.customers]
    for index, (suffix, status, substatus, direction, value, currency, age, product) in enumerate(_PLAN):
        customer = named[(index * 3) % len(named)]
        profile = customer.get("companyProfile") or {}
        address = (customer.get("billingProfile") or {}).get("defaultAddress") or {}
        company = str(profile.get("companyName") or customer.get("id"))
        created = ctx.now - timedelta(days=age, hours=ctx.rng.randint(0, 20))
        referral: dict[str, Any] = {
            "id": str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)),
            "engagementId": str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)),
            "organizationId": ctx.config.partner_tenant_id, "organizationName": "Sandbox CSP Partner",
            "name": f"{company.split()[0]} {suffix}", "externalReferenceId": f"CRM-{1000 + index}",
            "createdDateTime": iso(created), "updatedDateTime": iso(created + timedelta(hours=6)),
            "expirationDateTime": iso(created + timedelta(days=90)),
            "status": status, "substatus": substatus, "statusReason": None, "type": "Shared",
            "qualification": "SalesQualified" if status != "New" else "MarketingQualified",
            "direction": direction,
            "customerProfile": {"name": company, "size": "100to499employees",
                                "address": {k: address.get(k) for k in ("addressLine1", "city", "state",
                                                                        "postalCode", "country")},
                                "team": [{"firstName": "Jordan", "lastName": "Lee",
                                          "email": f"jordan.lee@{profile.get('domain') or 'example.com'}"}]},
            "consent": {"consentToToShareInfoWithOthers": True, "consentToContact": True},
            "details": {"notes": f"Interested in {product}.", "dealValue": value, "currency": currency,
                        "closingDateTime": iso(created + timedelta(days=60)),
                        "requirements": {"products": [{"id": product}]}},
            "team": [{"firstName": "Riley", "lastName": "Chen", "email": "riley.chen@sandboxcsp.example"}],
            "eTag": f'"{ctx.rng.getrandbits(64):016x}"',
        }
        ctx.add(KIND, referral["id"], referral, "", status, direction)
