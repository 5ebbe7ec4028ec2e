"""Windows Autopilot device deployment (api.md §19, D1-D12).

Documents per customer (scope = customer id): `device_policy`, `device_batch` (id = the batchId the partner
chose), `device` (k1 = its batch) and `device_upload` (id = tracking id). An upload answers 202 with the
Location of its batchJobStatus and finishes later through `sandbox/operations.py` (tests decide after how many
polls); the devices are created when a poll finds the operation done, each with its own result: a serial
number already registered in this tenant or claimed by another tenant fails (`808
ZtdDeviceAssignedToOtherTenant`, as in the docs' example), the rest are created.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from sandbox import operations
from sandbox.context import Sandbox, body_of, sandbox_of
from sandbox.envelope import collection, empty_response, json_response
from sandbox.errors import bad_request, conflict, invalid_input, not_found
from sandbox.paging import seek_page

routes = web.RouteTableDef()

POLICY, BATCH, DEVICE, UPLOAD = "device_policy", "device_batch", "device", "device_upload"
SETTINGS = ("none", "remove_oem_preinstalls", "oobe_user_not_local_admin", "skip_express_settings",
            "skip_oem_registration", "skip_eula")
MAX_DEVICES_PER_UPLOAD = 1000
# Serial numbers another tenant already registered (the sandbox's stand-in for the Autopilot service's registry).
OTHER_TENANT_SERIALS = frozenset({"PF-OTHER-0001", "PF-OTHER-0002", "PF-OTHER-0003"})
_IDENT = ("hardwareHash", "productKey", "serialNumber", "oemManufacturerName", "modelName")
_COMBOS = (frozenset({"hardwareHash", "productKey"}), frozenset({"hardwareHash", "serialNumber"}),
           frozenset({"hardwareHash", "productKey", "serialNumber"}), frozenset({"hardwareHash"}),
           frozenset({"productKey"}), frozenset({"serialNumber", "oemManufacturerName", "modelName"}))


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def _policy(sb: Sandbox, cid: str, policy_id: str) -> dict[str, Any]:
    doc = sb.store.get(POLICY, policy_id, cid)
    if doc is None:
        raise not_found(600042, f"Policy {policy_id} was not found for this customer.")
    return doc


def _batch(sb: Sandbox, cid: str, batch_id: str) -> dict[str, Any]:
    doc = sb.store.get(BATCH, batch_id, cid)
    if doc is None:
        raise not_found(600041, f"Device batch {batch_id} was not found for this customer.")
    return doc


def _settings(value: Any) -> list[str]:
    if value is None:
        return ["none"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_input("The property 'policySettings' must be a list of strings.")
    unknown = [v for v in value if v not in SETTINGS]
    if unknown:
        raise invalid_input(f"Unknown policy setting '{unknown[0][:60]}'; use one of {', '.join(SETTINGS)}.")
    return value or ["none"]


def _policy_name(sb: Sandbox, cid: str, value: Any, *, except_id: str = "") -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise invalid_input("The property 'name' is required (1 to 100 characters).")
    name = value.strip()
    if any(d.body["name"].lower() == name.lower() and d.id != except_id for d in sb.store.list(POLICY, cid)):
        raise conflict(600043, f"A policy named '{name}' already exists for this customer.")
    return name


# ---- policies ---------------------------------------------------------------------------------------------


@routes.get("/v1/customers/{cid}/policies")
async def list_policies(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    cid = sb.customer(request.match_info["cid"])["id"]
    items = [_public(d.body) for d in sb.store.list(POLICY, cid)]
    return json_response(collection(items, f"/customers/{cid}/policies"))


@routes.get("/v1/customers/{cid}/policies/{policy_id}")
async def get_policy(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    cid = sb.customer(request.match_info["cid"])["id"]
    return json_response(_public(_policy(sb, cid, request.match_info["policy_id"])))


@routes.post("/v1/customers/{cid}/policies")
async def create_policy(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["cid"])
    cid, body = customer["id"], body_of(request)
    name = _policy_name(sb, cid, body.get("name"))
    category = body.get("category", default="o_o_b_e")
    if category != "o_o_b_e":
        raise invalid_input("The property 'category' must be 'o_o_b_e'.")
    description = body.get("description", default="") or ""
    if not isinstance(description, str) or len(description) > 1000:
        raise invalid_input("The property 'description' must be text of at most 1000 characters.")
    now = sb.now_iso()
    doc = {"id": str(uuid.uuid4()), "name": name, "category": category, "description": description,
           "devicesAssigned": 0, "policySettings": _settings(body.get("policySettings")),
           "createdDate": now, "lastModifiedDate": now, "attributes": {"objectType": "ConfigurationPolicy"}}
    with sb.store.transaction():
        sb.store.put(POLICY, doc["id"], doc, cid, k1=name)
        sb.audit(request, resource_type="device_policy", operation_type="create_policy", customer_id=cid,
                 customer_name=customer["companyProfile"]["companyName"], new=doc)
    return json_response(doc, status=201)


@routes.put("/v1/customers/{cid}/policies/{policy_id}")
async def update_policy(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["cid"])
    cid, body = customer["id"], body_of(request)
    current = _policy(sb, cid, request.match_info["policy_id"])
    if body.get("id") not in (None, current["id"]):
        raise invalid_input("The policy id in the body does not match the path.")
    updated = {**current, "name": _policy_name(sb, cid, body.get("name", default=current["name"]),
                                               except_id=current["id"]),
               "description": str(body.get("description", default=current["description"]) or ""),
               "policySettings": _settings(body.get("policySettings", default=current["policySettings"])),
               "lastModifiedDate": sb.now_iso()}
    with sb.store.transaction():
        sb.store.put(POLICY, current["id"], updated, cid, k1=updated["name"])
        sb.audit(request, resource_type="device_policy", operation_type="update_policy", customer_id=cid,
                 customer_name=customer["companyProfile"]["companyName"], old=current, new=updated)
    return json_response(_public(updated))


@routes.delete("/v1/customers/{cid}/policies/{policy_id}")
async def delete_policy(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["cid"])
    cid = customer["id"]
    current = _policy(sb, cid, request.match_info["policy_id"])
    if current.get("devicesAssigned"):
        raise bad_request(600044, f"The policy is assigned to {current['devicesAssigned']} devices; assign them "
                                  "another policy first.")
    with sb.store.transaction():
        sb.store.delete(POLICY, current["id"], cid)
        sb.audit(request, resource_type="device_policy", operation_type="delete_policy", customer_id=cid,
                 customer_name=customer["companyProfile"]["companyName"], old=current)
    return empty_response(204)


# ---- batches and devices ----------------------------------------------------------------------------------


@routes.get("/v1/customers/{cid}/deviceBatches")
async def list_batches(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    cid = sb.customer(request.match_info["cid"])["id"]
    items = [_public(d.body) for d in sb.store.list(BATCH, cid)]
    return json_response(collection(items, f"/customers/{cid}/deviceBatches"))


@routes.get("/v1/customers/{cid}/deviceBatches/{batch_id}/devices")
async def list_devices(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    cid = sb.customer(request.match_info["cid"])["id"]
    batch = _batch(sb, cid, request.match_info["batch_id"])

    def fetch(after: int, limit: int, state: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        docs = sb.store.list(DEVICE, cid, after_seq=after, limit=limit, k1_prefix=state["b"])
        return [(d.seq, _public(d.body)) for d in docs if d.body.get("_batch") == state["b"]]

    return json_response(seek_page(request, kind="devices", state={"b": batch["id"]}, fetch=fetch,
                                   base_uri=f"/customers/{cid}/deviceBatches/{batch['id']}/devices",
                                   default_size=100, max_size=100))


def _devices_of(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise invalid_input("At least one device is required.")
    if len(value) > MAX_DEVICES_PER_UPLOAD:
        raise invalid_input(f"At most {MAX_DEVICES_PER_UPLOAD} devices can be uploaded at once.")
    devices = []
    for index, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise invalid_input(f"Device {index + 1} must be an object.")
        device = {k: raw.get(k) for k in _IDENT if isinstance(raw.get(k), str) and raw.get(k).strip()}
        if frozenset(device) not in _COMBOS:
            raise invalid_input(f"Device {index + 1} does not have an accepted identification combination "
                                "(hardware hash, product key, or serial number + manufacturer + model).")
        devices.append(device)
    return devices


def _start_upload(request: web.Request, sb: Sandbox, cid: str, batch_id: str, devices: list[dict[str, Any]],
                  *, new_batch: bool) -> web.Response:
    tracking = str(uuid.uuid4())
    doc = {"batchTrackingId": tracking, "status": "queued", "startedTime": sb.now_iso(), "completedTime": None,
           "devicesStatus": [], "_batch": batch_id, "_devices": devices, "_newBatch": new_batch, "_applied": False}
    with sb.store.transaction():
        sb.store.put(UPLOAD, tracking, doc, cid)
        operations.start(sb, "device_upload", f"{cid}/{tracking}")
        sb.audit(request, resource_type="device_batch", operation_type="upload_devices", customer_id=cid,
                 new={"batchId": batch_id, "devices": len(devices)})
    location = f"/customers/{cid}/batchJobStatus/{tracking}"
    return web.Response(status=202, headers={"Location": location, "Retry-After": "1"})


@routes.post("/v1/customers/{cid}/deviceBatches")
async def upload_new_batch(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    cid = sb.customer(request.match_info["cid"])["id"]
    body = body_of(request)
    batch_id = body.get("batchId")
    if not isinstance(batch_id, str) or not batch_id.strip() or len(batch_id) > 100:
        raise invalid_input("The property 'batchId' is required (1 to 100 characters).")
    if sb.store.get(BATCH, batch_id.strip(), cid) is not None:
        raise conflict(600045, f"A device batch named '{batch_id.strip()}' already exists; upload to it instead.")
    return _start_upload(request, sb, cid, batch_id.strip(), _devices_of(body.get("devices")), new_batch=True)


@routes.post("/v1/customers/{cid}/deviceBatches/{batch_id}/devices")
async def upload_to_batch(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    cid = sb.customer(request.match_info["cid"])["id"]
    batch = _batch(sb, cid, request.match_info["batch_id"])
    return _start_upload(request, sb, cid, batch["id"], _devices_of(request.get("json")), new_batch=False)


def _apply(sb: Sandbox, cid: str, upload: dict[str, Any]) -> None:
    """Create the uploaded devices (once), each with its own result in devicesStatus."""
    known = {str(d.body.get("serialNumber") or "").lower() for d in sb.store.list(DEVICE, cid)}
    now = sb.now_iso()
    results, created = [], 0
    for device in upload["_devices"]:
        serial = str(device.get("serialNumber") or "")
        entry: dict[str, Any] = {"deviceId": None, "serialNumber": serial or None,
                                 "productKey": device.get("productKey"), "status": "finished",
                                 "errorCode": None, "errorDescription": None}
        if serial and serial.upper() in OTHER_TENANT_SERIALS:
            entry.update(status="finished_with_errors", errorCode="808",
                         errorDescription="ZtdDeviceAssignedToOtherTenant")
        elif serial and serial.lower() in known:
            entry.update(status="finished_with_errors", errorCode="806",
                         errorDescription="ZtdDeviceAlreadyAssigned")
        else:
            device_id = str(uuid.uuid4())
            doc = {"id": device_id, **device, "policies": [], "uploadedDate": now, "allowedOperations": ["delete"],
                   "attributes": {"objectType": "Device"}, "_batch": upload["_batch"]}
            sb.store.put(DEVICE, device_id, doc, cid, k1=upload["_batch"], k2=serial)
            known.add(serial.lower())
            entry["deviceId"] = device_id
            created += 1
        results.append(entry)
    batch = sb.store.get(BATCH, upload["_batch"], cid)
    if batch is None:
        batch = {"id": upload["_batch"], "createdBy": "partner", "creationDate": now, "devicesCount": 0,
                 "devicesLink": {"uri": f"/customers/{cid}/deviceBatches/{upload['_batch']}/devices",
                                 "method": "GET"},
                 "attributes": {"objectType": "DeviceBatch"}}
    failed = any(r["errorCode"] for r in results)
    batch["devicesCount"] = int(batch.get("devicesCount") or 0) + created
    batch["status"] = "finished_with_errors" if failed else "finished"  # of the batch's latest upload
    sb.store.put(BATCH, batch["id"], batch, cid)
    upload.update(status="finished_with_errors" if failed else "finished", completedTime=now,
                  devicesStatus=results, _applied=True, _devices=[])


@routes.get("/v1/customers/{cid}/batchJobStatus/{tracking}")
async def batch_status(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    cid = sb.customer(request.match_info["cid"])["id"]
    tracking = request.match_info["tracking"]
    upload = sb.store.get(UPLOAD, tracking, cid)
    if upload is None:
        raise not_found(600046, f"No device upload with tracking id {tracking}.")
    with sb.store.transaction():
        polled = operations.poll(sb, "device_upload", f"{cid}/{tracking}")
        if polled is not None and not upload["_applied"]:
            if polled.status == "succeeded":
                _apply(sb, cid, upload)
            elif polled.status == "failed":
                upload.update(status="unknown", completedTime=sb.now_iso(), _applied=True, _devices=[])
            else:
                upload["status"] = "processing" if polled.polls > 1 else "queued"
            sb.store.put(UPLOAD, tracking, upload, cid)
    headers = operations.retry_after_header(polled) if polled is not None and polled.running else None
    return json_response(_public(upload), headers=headers)


@routes.delete("/v1/customers/{cid}/deviceBatches/{batch_id}/devices/{device_id}")
async def delete_device(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    customer = sb.customer(request.match_info["cid"])
    cid = customer["id"]
    batch = _batch(sb, cid, request.match_info["batch_id"])
    device = sb.store.get(DEVICE, request.match_info["device_id"], cid)
    if device is None or device.get("_batch") != batch["id"]:
        raise not_found(600047, "The device was not found in this batch.")
    with sb.store.transaction():
        sb.store.delete(DEVICE, device["id"], cid)
        batch["devicesCount"] = max(0, int(batch.get("devicesCount") or 0) - 1)
        sb.store.put(BATCH, batch["id"], batch, cid)
        for policy in device.get("policies") or []:
            doc = sb.store.get(POLICY, str(policy.get("value")), cid)
            if doc is not None:
                doc["devicesAssigned"] = max(0, int(doc.get("devicesAssigned") or 0) - 1)
                sb.store.put(POLICY, doc["id"], doc, cid, k1=doc["name"])
        sb.audit(request, resource_type="device", operation_type="delete_device", customer_id=cid,
                 customer_name=customer["companyProfile"]["companyName"], old=_public(device))
    return empty_response(204)

