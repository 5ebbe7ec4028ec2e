"""Seed GDAP relationships (api.md §26.7 rule 8), relative to the seed clock so "expiring in 8 days" stays so.

Most customers have one active relationship with a helpdesk group assigned; the second customer's expires in
8 days (no auto-extend), the third's expired, the fourth's awaits approval, the fifth's includes Global
Administrator, the sixth's ends in 25 days; every eighth customer (index 7, 15, ...) has none at all.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sandbox.envelope import iso
from sandbox.routes.gdap import ASSIGN_KIND, GLOBAL_ADMIN, REL_KIND
from sandbox.seed import SeedContext, register_seeder

HELPDESK_GROUP = "869713c9-0b28-4d08-8949-ae07ae1bf528"  # the partner's "Helpdesk agents" security group
ROLES = ("729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
         "4d6ac14f-3453-41d0-bef9-a3e0c569773a",  # License Administrator
         "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
         "88d8e3e3-8f55-4a1e-953a-9b9898b8876b")  # Directory Readers


def _guid(ctx: SeedContext) -> str:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


def without_gdap(index: int) -> bool:
    return index % 8 == 7


@register_seeder
def seed_gdap(ctx: SeedContext) -> None:
    for index, customer in enumerate(ctx.customers):
        if without_gdap(index):
            continue
        name = str((customer.get("companyProfile") or {}).get("companyName") or customer["id"])
        roles = list(ROLES)
        auto = "P180D" if index % 3 == 0 else "PT0S"
        status, days_left = "active", 60 + (index * 37) % 600
        if index == 1:
            days_left, auto = 8, "PT0S"
        elif index == 2:
            status, days_left, auto = "expired", -20, "PT0S"
        elif index == 3:
            status, days_left = "approvalPending", None
        elif index == 4:
            roles, auto = [GLOBAL_ADMIN, *ROLES[:2]], "PT0S"
        elif index == 5:
            days_left, auto = 25, "PT0S"
        created = (ctx.now + timedelta(days=days_left - 731)) if days_left is not None else ctx.now - timedelta(days=2)
        rel: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
            "@odata.etag": f'W/"{ctx.rng.getrandbits(64):016x}"',
            "id": f"{_guid(ctx)}-{ctx.config.partner_tenant_id}",
            "displayName": f"{name[:36]}-{index:02d}-gdap",
            "duration": "P730D",
            "customer": {"tenantId": customer["id"], "displayName": name},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
            "status": status, "autoExtendDuration": auto,
            "createdDateTime": iso(created), "lastModifiedDateTime": iso(created + timedelta(minutes=5)),
            "activatedDateTime": None, "endDateTime": None,
        }
        if days_left is not None:
            end = ctx.now + timedelta(days=days_left)
            rel["activatedDateTime"] = iso(end - timedelta(days=730))
            rel["endDateTime"] = iso(end)
        else:
            rel["_lockedAt"] = iso(created)
        ctx.add(REL_KIND, rel["id"], rel, "", customer["id"], status)
        if status == "active":
            assignment = {
                "@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment",
                "@odata.etag": f'W/"{ctx.rng.getrandbits(64):016x}"', "id": _guid(ctx), "status": "active",
                "createdDateTime": rel["activatedDateTime"], "lastModifiedDateTime": rel["activatedDateTime"],
                "accessContainer": {"accessContainerId": HELPDESK_GROUP, "accessContainerType": "securityGroup"},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles[:2]]},
            }
            ctx.add(ASSIGN_KIND, assignment["id"], assignment, rel["id"])
