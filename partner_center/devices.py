"""client.devices — Windows Autopilot device deployment (api.md §19, D1-D12).

Configuration policies (CRUD), device batches and their devices (seek paging, 100 per page with a
continuation token), uploads that Partner Center processes later (202 + `Location` of a batchJobStatus:
`Accepted`, polled with `client.long_running.poll`) and device deletion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ResponseDecodeError
from .long_running import Accepted, accepted_of
from .models import Model, integer, moment, strings, text
from .operations import Operations, api_path
from .paging import Pager
from .transport import Response

# The identification combinations Partner Center accepts for a device (api.md §19, DeviceBatchCreationRequest).
ACCEPTED_COMBINATIONS: tuple[frozenset[str], ...] = (
    frozenset({"hardwareHash", "productKey"}), frozenset({"hardwareHash", "serialNumber"}),
    frozenset({"hardwareHash", "productKey", "serialNumber"}), frozenset({"hardwareHash"}),
    frozenset({"productKey"}), frozenset({"serialNumber", "oemManufacturerName", "modelName"}),
)
POLICY_SETTINGS = ("none", "remove_oem_preinstalls", "oobe_user_not_local_admin", "skip_express_settings",
                   "skip_oem_registration", "skip_eula")


def identification_ok(device: Mapping[str, Any]) -> bool:
    """True when the device's non-empty identification fields form one of the accepted combinations."""
    present = frozenset(k for k in ("hardwareHash", "productKey", "serialNumber", "oemManufacturerName", "modelName")
                        if str(device.get(k) or "").strip())
    return present in ACCEPTED_COMBINATIONS


class ConfigurationPolicy(Model):
    _repr_fields = ("id", "name")
    name = text("name")
    category = text("category")
    description = text("description")
    devices_assigned = integer("devicesAssigned")
    policy_settings = strings("policySettings")
    created = moment("createdDate")


class DeviceBatch(Model):
    _repr_fields = ("id", "devices_count")
    created_by = text("createdBy")
    created = moment("creationDate")
    devices_count = integer("devicesCount")


class Device(Model):
    _repr_fields = ("id", "serial_number")
    serial_number = text("serialNumber")
    product_key = text("productKey")
    model_name = text("modelName")
    manufacturer = text("oemManufacturerName")
    uploaded = moment("uploadedDate")


class DevicesOperations(Operations):
    # ---- policies (D8-D12) ------------------------------------------------------------------------------
    def list_policies(self, customer_id: str, *, correlation_id: str | None = None) -> Pager[ConfigurationPolicy]:
        return self._pager(ConfigurationPolicy, api_path("customers", customer_id, "policies"), None, correlation_id)

    async def get_policy(self, customer_id: str, policy_id: str, *,
                         correlation_id: str | None = None) -> ConfigurationPolicy:
        return await self._get(ConfigurationPolicy, api_path("customers", customer_id, "policies", policy_id),
                               correlation_id=correlation_id)

    async def create_policy(self, customer_id: str, name: str, *, description: str = "",
                            settings: Sequence[str] = (), request_id: str | None = None,
                            correlation_id: str | None = None) -> ConfigurationPolicy:
        body = {"name": name, "category": "o_o_b_e", "description": description,
                "policySettings": list(settings) or ["none"],
                "attributes": {"objectType": "ConfigurationPolicy"}}
        response = await self._call("POST", api_path("customers", customer_id, "policies"), body=body,
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(ConfigurationPolicy, response)

    async def update_policy(self, customer_id: str, policy: ConfigurationPolicy | Mapping[str, Any], *,
                            request_id: str | None = None, correlation_id: str | None = None) -> ConfigurationPolicy:
        """PUT the whole policy (read it, change it, send it back: unknown fields survive)."""
        body = policy.to_wire() if isinstance(policy, Model) else dict(policy)
        response = await self._call("PUT", api_path("customers", customer_id, "policies", body.get("id") or ""),
                                    body=body, request_id=request_id, correlation_id=correlation_id)
        return self._model(ConfigurationPolicy, response)

    async def delete_policy(self, customer_id: str, policy_id: str, *, request_id: str | None = None,
                            correlation_id: str | None = None) -> None:
        await self._call("DELETE", api_path("customers", customer_id, "policies", policy_id),
                         request_id=request_id, correlation_id=correlation_id)

    # ---- batches and devices (D1-D6) --------------------------------------------------------------------
    def list_batches(self, customer_id: str, *, correlation_id: str | None = None) -> Pager[DeviceBatch]:
        return self._pager(DeviceBatch, api_path("customers", customer_id, "deviceBatches"), None, correlation_id)

    def list_devices(self, customer_id: str, batch_id: str, *,
                     correlation_id: str | None = None) -> Pager[Device]:
        """100 devices per page; the pager follows the continuation token."""
        return self._pager(Device, api_path("customers", customer_id, "deviceBatches", batch_id, "devices"), None,
                           correlation_id)

    async def upload_new_batch(self, customer_id: str, batch_id: str, devices: Sequence[Mapping[str, Any]], *,
                               request_id: str | None = None, correlation_id: str | None = None) -> Accepted:
        """Create batch `batch_id` with `devices` (D2). Partner Center answers 202; poll the returned Location."""
        body = {"batchId": batch_id, "devices": [_device_body(d) for d in devices],
                "attributes": {"objectType": "DeviceBatchCreationRequest"}}
        response = await self._call("POST", api_path("customers", customer_id, "deviceBatches"), body=body,
                                    request_id=request_id, correlation_id=correlation_id)
        return _accepted(response)

    async def upload_to_batch(self, customer_id: str, batch_id: str, devices: Sequence[Mapping[str, Any]], *,
                              request_id: str | None = None, correlation_id: str | None = None) -> Accepted:
        """Add `devices` to an existing batch (D4: a bare JSON array). 202; poll the returned Location."""
        response = await self._call(
            "POST", api_path("customers", customer_id, "deviceBatches", batch_id, "devices"),
            body=[_device_body(d) for d in devices], request_id=request_id, correlation_id=correlation_id)
        return _accepted(response)

    async def delete_device(self, customer_id: str, batch_id: str, device_id: str, *,
                            request_id: str | None = None, correlation_id: str | None = None) -> None:
        await self._call("DELETE", api_path("customers", customer_id, "deviceBatches", batch_id, "devices",
                                            device_id), request_id=request_id, correlation_id=correlation_id)


def _device_body(device: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in device.items() if v not in (None, "")}
    body.setdefault("attributes", {"objectType": "Device"})
    return body


def _accepted(response: Response) -> Accepted:
    accepted = accepted_of(response)
    if accepted is None:
        raise ResponseDecodeError("Partner Center accepted the upload without a status location.",
                                  status=response.status, request_id=response.request_id,
                                  correlation_id=response.correlation_id)
    return accepted
