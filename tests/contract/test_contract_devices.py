"""client.devices against the sandbox (api.md §19): policies CRUD with their rules, batches, devices with seek
paging (100 per page), uploads answered 202 + Location and finished later with per-device results, deletion."""

from __future__ import annotations

import httpx
import pytest
from contract_helpers import customer_named

from partner_center.devices import identification_ok
from partner_center.errors import BadRequestError, ConflictError, NotFoundError


async def _finish_uploads(sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        for op in (await http.get("/_sandbox/operations")).json()["items"]:
            if op["kind"] == "device_upload" and op["status"] == "running":
                assert (await http.post(f"/_sandbox/operations/{op['id']}", json={"complete": True})).status_code \
                    == 200


async def test_policies_create_update_delete_and_their_rules(pc):
    contoso = await customer_named(pc, "Contoso Ltd")
    seeded = await pc.devices.list_policies(contoso.id).to_list()
    assert {p.name for p in seeded} >= {"Kiosk mode", "Standard OOBE"}
    kiosk = next(p for p in seeded if p.name == "Kiosk mode")
    assert kiosk.devices_assigned and "skip_eula" in kiosk.policy_settings
    with pytest.raises(ConflictError):
        await pc.devices.create_policy(contoso.id, "kiosk MODE")
    with pytest.raises(BadRequestError):
        await pc.devices.create_policy(contoso.id, "Lab", settings=["format_disk"])
    created = await pc.devices.create_policy(contoso.id, "Lab PCs", description="Lab", settings=["skip_eula"])
    assert (await pc.devices.get_policy(contoso.id, created.id)).name == "Lab PCs"
    changed = created.to_wire()
    changed["policySettings"] = ["skip_eula", "skip_express_settings"]
    updated = await pc.devices.update_policy(contoso.id, changed)
    assert updated.policy_settings == ["skip_eula", "skip_express_settings"]
    await pc.devices.delete_policy(contoso.id, created.id)
    with pytest.raises(NotFoundError):
        await pc.devices.get_policy(contoso.id, created.id)
    with pytest.raises(BadRequestError) as assigned:
        await pc.devices.delete_policy(contoso.id, kiosk.id)
    assert "assigned to" in assigned.value.description


async def test_batches_devices_seek_paging_and_delete(pc, wire):
    contoso = await customer_named(pc, "Contoso Ltd")
    batches = await pc.devices.list_batches(contoso.id).to_list()
    sales = next(b for b in batches if b.id == "Sales laptops")
    devices = await pc.devices.list_devices(contoso.id, sales.id).to_list()
    assert len(devices) == sales.devices_count == 6 and all(d.serial_number for d in devices)
    await pc.devices.delete_device(contoso.id, sales.id, devices[0].id)
    assert len(await pc.devices.list_devices(contoso.id, sales.id).to_list()) == 5
    with pytest.raises(NotFoundError):
        await pc.devices.delete_device(contoso.id, sales.id, devices[0].id)
    with pytest.raises(NotFoundError):
        await pc.devices.list_devices(contoso.id, "No such batch").to_list()


async def test_upload_is_accepted_then_finishes_with_per_device_results(pc, sandbox):
    contoso = await customer_named(pc, "Contoso Ltd")
    rows = [{"serialNumber": f"NEW-{n:04d}", "oemManufacturerName": "Dell Inc.", "modelName": "Latitude 7450"}
            for n in range(250)]
    rows.append({"serialNumber": "PF-OTHER-0002", "oemManufacturerName": "HP", "modelName": "EliteBook"})
    accepted = await pc.devices.upload_new_batch(contoso.id, "Spring rollout", rows)
    assert "/batchJobStatus/" in accepted.location
    assert (await pc.long_running.poll(accepted.location)).state in ("queued", "processing")
    await _finish_uploads(sandbox)
    done = await pc.long_running.poll(accepted.location)
    assert done.state == "finished_with_errors"
    failed = [d for d in done.body["devicesStatus"] if d["errorCode"]]
    assert [(d["serialNumber"], d["errorDescription"]) for d in failed] == [
        ("PF-OTHER-0002", "ZtdDeviceAssignedToOtherTenant")]
    listed = await pc.devices.list_devices(contoso.id, "Spring rollout").to_list()
    assert len(listed) == 250  # three pages of at most 100
    # Uploading the same serial again to the batch: accepted, then that device fails as already registered.
    again = await pc.devices.upload_to_batch(contoso.id, "Spring rollout", rows[:1])
    await _finish_uploads(sandbox)
    status = await pc.long_running.poll(again.location)
    assert status.body["devicesStatus"][0]["errorDescription"] == "ZtdDeviceAlreadyAssigned"
    with pytest.raises(ConflictError):
        await pc.devices.upload_new_batch(contoso.id, "Spring rollout", rows[:1])
    with pytest.raises(BadRequestError):
        await pc.devices.upload_new_batch(contoso.id, "Bad", [{"serialNumber": "X"}])


def test_accepted_identification_combinations():
    assert identification_ok({"hardwareHash": "T0Fx", "serialNumber": "1"})
    assert identification_ok({"serialNumber": "1", "oemManufacturerName": "HP", "modelName": "X"})
    assert not identification_ok({"serialNumber": "1", "modelName": "X"})
    assert not identification_ok({})
