"""Parse and check a Windows Autopilot device list (api.md §19) before anything is uploaded.

Two CSV shapes are accepted, as the Autopilot tooling writes them: the hardware-hash file (`Device Serial
Number,Windows Product ID,Hardware Hash[,Group Tag]`) and serial + manufacturer + model. Each row must form one of
Partner Center's accepted identification combinations; rows that don't, and repeated serial numbers, are rejected
by row number (the header is row 1) and everything else goes ahead. Pure functions: no I/O, no SDK.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from partner_center.devices import identification_ok

MAX_ROWS = 1000  # Partner Center's limit per upload
# Header cells (case and spacing ignored) -> the Device property they fill.
_COLUMNS = {"deviceserialnumber": "serialNumber", "serialnumber": "serialNumber", "serial": "serialNumber",
            "windowsproductid": "productKey", "productkey": "productKey", "productid": "productKey",
            "hardwarehash": "hardwareHash", "hash": "hardwareHash",
            "manufacturer": "oemManufacturerName", "manufacturername": "oemManufacturerName",
            "oemmanufacturername": "oemManufacturerName", "make": "oemManufacturerName",
            "model": "modelName", "modelname": "modelName", "devicemodel": "modelName",
            "grouptag": "groupTag", "ordernumber": "groupTag"}


@dataclass(frozen=True)
class Rejected:
    row: int  # 1-based line number in the file (the header is row 1)
    reason: str  # a catalog key under devices.csv.*
    value: str = ""


@dataclass
class DeviceList:
    devices: list[dict[str, str]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    error: str | None = None  # the whole file is unusable: a catalog key under devices.csv.*
    error_detail: str = ""


def _key(cell: str) -> str:
    return "".join(ch for ch in cell.lower() if ch.isalnum())


def parse_devices(data: bytes | str) -> DeviceList:
    """The devices of a CSV (bytes as uploaded or text as pasted), with the rows rejected and why."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                return DeviceList(error="not_text")
    else:
        text = data.lstrip("\ufeff")
    if "\x00" in text:
        return DeviceList(error="not_text")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error:
        return DeviceList(error="malformed", error_detail="1")
    columns = [_COLUMNS.get(_key(c)) for c in header or []]
    if not header or not {"serialNumber", "productKey", "hardwareHash"} & set(columns):
        return DeviceList(error="no_header")
    out = DeviceList()
    seen: dict[str, int] = {}
    try:
        for row_number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(columns):
                out.rejected.append(Rejected(row_number, "too_many_cells"))
                continue
            device = {col: cell.strip() for col, cell in zip(columns, cells, strict=False) if col and cell.strip()}
            serial = device.get("serialNumber", "")
            ident = {k: v for k, v in device.items() if k != "groupTag"}
            if not identification_ok(ident):
                out.rejected.append(Rejected(row_number, "no_identification", serial))
                continue
            if serial and serial.lower() in seen:
                out.rejected.append(Rejected(row_number, "duplicate_serial", f"{serial} (row {seen[serial.lower()]})"))
                continue
            if serial:
                seen[serial.lower()] = row_number
            out.devices.append(device)
            if len(out.devices) > MAX_ROWS:
                return DeviceList(error="too_many_rows", error_detail=str(MAX_ROWS))
    except csv.Error as exc:
        return DeviceList(error="malformed", error_detail=str(getattr(reader, "line_num", "?")) or str(exc))
    if not out.devices and not out.rejected:
        return DeviceList(error="empty")
    return out


def looks_like_rows(text: str) -> bool:
    """Pasted rows in a chat message: a header line naming device columns and at least one more line."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2 or "," not in lines[0]:
        return False
    header = {_COLUMNS.get(_key(c)) for c in lines[0].split(",")}
    return bool({"serialNumber", "productKey", "hardwareHash"} & header)
