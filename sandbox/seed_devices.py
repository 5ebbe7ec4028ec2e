"""Seed Windows Autopilot data (api.md §19) for the first customers: configuration policies with settings, batches
of devices assigned to them, and an upload that finished with errors (a device another tenant owns)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sandbox.envelope import iso
from sandbox.routes.devices import BATCH, DEVICE, POLICY, UPLOAD
from sandbox.seed import SeedContext, register_seeder

_POLICIES = [("Kiosk mode", "Shared kiosks: no local admin, skip the OOBE screens",
              ["oobe_user_not_local_admin", "skip_express_settings", "skip_eula"]),
             ("Standard OOBE", "Knowledge workers' laptops", ["remove_oem_preinstalls", "skip_oem_registration"]),
             ("Frontline devices", "Shared frontline tablets", ["skip_express_settings"])]
_MODELS = [("Microsoft Corporation", "Surface Laptop 6"), ("Dell Inc.", "Latitude 7450"),
           ("HP", "EliteBook 840 G11"), ("Lenovo", "ThinkPad T14 Gen 5")]


def _guid(ctx: SeedContext) -> str:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


@register_seeder
def seed_devices(ctx: SeedContext) -> None:
    for index, customer in enumerate(ctx.customers[:6]):
        cid = customer["id"]
        created = ctx.now - timedelta(days=90 - index)
        policies: list[dict[str, Any]] = []
        for name, description, settings in _POLICIES[: 2 + index % 2]:
            policy = {"id": _guid(ctx), "name": name, "category": "o_o_b_e", "description": description,
                      "devicesAssigned": 0, "policySettings": settings, "createdDate": iso(created),
                      "lastModifiedDate": iso(created + timedelta(days=3)),
                      "attributes": {"objectType": "ConfigurationPolicy"}}
            policies.append(policy)
        for batch_no, (batch_id, count) in enumerate((("Sales laptops", 6), ("Warehouse tablets", 4))):
            when = created + timedelta(days=10 + batch_no * 20)
            manufacturer, model = _MODELS[(index + batch_no) % len(_MODELS)]
            statuses = []
            for n in range(count):
                serial = f"PF{index:02d}{batch_no}{n:04d}{ctx.rng.randint(100, 999)}"
                device_id = _guid(ctx)
                policy = policies[batch_no % len(policies)]
                assigned = n < count - 1  # the last device of each batch has no policy yet
                device = {"id": device_id, "serialNumber": serial, "oemManufacturerName": manufacturer,
                          "modelName": model, "productKey": None, "hardwareHash": None,
                          "policies": [{"key": "o_o_b_e", "value": policy["id"]}] if assigned else [],
                          "uploadedDate": iso(when), "allowedOperations": ["delete"],
                          "attributes": {"objectType": "Device"}, "_batch": batch_id}
                if assigned:
                    policy["devicesAssigned"] += 1
                ctx.add(DEVICE, device_id, device, cid, batch_id, serial)
                statuses.append({"deviceId": device_id, "serialNumber": serial, "productKey": None,
                                 "status": "finished", "errorCode": None, "errorDescription": None})
            batch = {"id": batch_id, "createdBy": "admin@sandboxcsp.example", "creationDate": iso(when),
                     "devicesCount": count, "status": "finished_with_errors" if batch_no == 1 else "finished",
                     "devicesLink": {"uri": f"/customers/{cid}/deviceBatches/{batch_id}/devices", "method": "GET"},
                     "attributes": {"objectType": "DeviceBatch"}}
            ctx.add(BATCH, batch_id, batch, cid)
            if batch_no == 1:  # that upload also tried a device another tenant owns
                statuses.append({"deviceId": None, "serialNumber": "PF-OTHER-0001", "productKey": None,
                                 "status": "finished_with_errors", "errorCode": "808",
                                 "errorDescription": "ZtdDeviceAssignedToOtherTenant"})
            tracking = _guid(ctx)
            ctx.add(UPLOAD, tracking, {"batchTrackingId": tracking, "startedTime": iso(when),
                                       "completedTime": iso(when + timedelta(minutes=4)),
                                       "status": "finished_with_errors" if batch_no == 1 else "finished",
                                       "devicesStatus": statuses, "_batch": batch_id, "_devices": [],
                                       "_newBatch": True, "_applied": True}, cid)
        for policy in policies:
            ctx.add(POLICY, policy["id"], policy, cid, policy["name"])
