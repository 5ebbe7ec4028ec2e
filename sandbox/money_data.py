"""Generated money data that adds up (issue 15): daily Azure usage, unbilled lines, usage vs budget, analytics.

Everything here is a pure function of the stored customers/subscriptions and a point in time (the sandbox clock,
never the wall clock), so the same question asked twice gets the same numbers and the numbers agree with each
other: an Azure plan's daily meter quantities (§12 B12) sum to the month's billed consumption lines (seeded by
seed_extra) and to the unbilled Azure lines of the running month; a customer's usage summary (B13) is the cost of
those days; analytics (§18) count the seeded subscriptions and licence assignments.

Amounts are Decimal here and go on the wire as JSON numbers rounded to cents (quantities to 4 decimals).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
QTY = Decimal("0.0001")
AZURE_PLAN_PRODUCT_ID = "DZH318Z0BPS6"
RETENTION_MONTHS = 24  # invoices/usage kept this long (older periods: "older than the data kept")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def wire_money(value: Decimal) -> float:
    """A 2-decimal amount as the JSON number Partner Center sends (repr round-trips exactly to Decimal(str()))."""
    return float(cents(value))


def wire_qty(value: Decimal) -> float:
    return float(value.quantize(QTY, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Meter:
    """One Azure meter with its USD unit price (rate card, pay-as-you-go, US West 2)."""

    id: str
    category: str
    subcategory: str
    name: str
    unit: str
    price: Decimal
    service: str  # consumedService

    @property
    def region(self) -> str:
        return "US West 2"


METERS: tuple[Meter, ...] = (
    Meter("0c3ebb4c-db7d-4125-b45a-0534764d4bda", "Virtual Machines", "Dsv5 Series", "D2s v5", "1 Hour",
          Decimal("0.096"), "Microsoft.Compute"),
    Meter("d23a5753-ff85-4ddf-af28-8cc5cf2d3882", "Storage", "Premium SSD Managed Disks", "P10 LRS Disk",
          "1/Month", Decimal("19.71"), "Microsoft.Compute"),
    Meter("9995d93a-7d35-4d3f-9c69-7a7fea447ef4", "Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer Out",
          "1 GB", Decimal("0.087"), "Microsoft.Network"),
    Meter("a149966f-73b4-4e1d-b335-d2a572b2e6bd", "SQL Database", "General Purpose - Compute Gen5", "vCore",
          "1 Hour", Decimal("0.2529"), "Microsoft.Sql"),
    Meter("6b7f4f6c-4e0d-4c8e-9a34-e1b0d2a3f6c1", "Storage", "General Block Blob", "Standard LRS Data Stored",
          "1 GB/Month", Decimal("0.0208"), "Microsoft.Storage"),
)
METER_BY_ID = {m.id: m for m in METERS}


def stable(*parts: Any) -> float:
    """A stable pseudo-random number in [0, 1) from the parts (same inputs -> same value, any process)."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64


@dataclass(frozen=True)
class Footprint:
    """What an Azure plan runs: sized once per subscription id."""

    vms: int
    sql_vcores: int
    egress_gb: int  # typical GB out per day
    blob_gb: int  # GB stored


def footprint(subscription_id: str) -> Footprint:
    return Footprint(vms=1 + int(stable(subscription_id, "vms") * 8),
                     sql_vcores=(0, 2, 4, 8)[int(stable(subscription_id, "sql") * 4)],
                     egress_gb=5 + int(stable(subscription_id, "egress") * 60),
                     blob_gb=100 + int(stable(subscription_id, "blob") * 4900))


def daily_quantities(subscription_id: str, day: date) -> list[tuple[Meter, Decimal]]:
    """Quantities one Azure plan consumed on one UTC day, per meter (weekdays busier than weekends)."""
    fp = footprint(subscription_id)
    weekend = day.weekday() >= 5
    out: list[tuple[Meter, Decimal]] = []
    load = 0.55 + 0.4 * stable(subscription_id, day, "load") - (0.2 if weekend else 0.0)
    vm_hours = Decimal(str(round(fp.vms * 24 * max(load, 0.25), 4)))
    out.append((METERS[0], vm_hours))
    out.append((METERS[1], (Decimal(fp.vms) / Decimal(30)).quantize(QTY)))
    egress = fp.egress_gb * (0.5 + stable(subscription_id, day, "egress")) * (0.6 if weekend else 1.0)
    out.append((METERS[2], Decimal(str(round(egress, 4)))))
    if fp.sql_vcores:
        out.append((METERS[3], Decimal(fp.sql_vcores * 24)))
    out.append((METERS[4], (Decimal(fp.blob_gb) / Decimal(30)).quantize(QTY)))
    return out


def days_between(start: date, end: date) -> Iterator[date]:
    """start .. end - 1 day."""
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def usage_days(sub: dict[str, Any], start: date, end: date) -> Iterator[date]:
    """Days in [start, end) on which the Azure plan existed."""
    created = _as_date(sub.get("creationDate"))
    first = max(start, created) if created else start
    return days_between(first, end)


def meter_totals(sub_id: str, days: Iterable[date]) -> dict[str, Decimal]:
    """Summed quantity per meter id over the days."""
    totals: dict[str, Decimal] = {}
    for day in days:
        for meter, qty in daily_quantities(sub_id, day):
            totals[meter.id] = totals.get(meter.id, Decimal(0)) + qty
    return totals


def line_cost(meter: Meter, quantity: Decimal) -> Decimal:
    """The billed amount of a meter's summed quantity (what a consumption line charges)."""
    return cents(meter.price * quantity.quantize(QTY, rounding=ROUND_HALF_UP))


def azure_cost(sub: dict[str, Any], start: date, end: date) -> Decimal:
    """What an Azure plan costs for [start, end): the sum of its per-meter lines (as billed)."""
    totals = meter_totals(sub["id"], usage_days(sub, start, end))
    return sum((line_cost(METER_BY_ID[mid], q) for mid, q in totals.items()), Decimal(0))


def daily_cost(sub_id: str, day: date) -> list[tuple[Meter, Decimal, Decimal]]:
    """(meter, quantity, cost) of one day (unrounded cost, for charts per day and meter)."""
    return [(m, q, m.price * q) for m, q in daily_quantities(sub_id, day)]


def is_azure_plan(sub: dict[str, Any]) -> bool:
    return sub.get("offerName") == "Azure plan" or str(sub.get("offerId", "")).startswith(AZURE_PLAN_PRODUCT_ID)


def _as_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).date()
    except ValueError:
        return None


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, 1)


def budget_for(customer_id: str) -> Decimal:
    """A customer's monthly Azure spending budget (api.md §5 C12 shape), sized so some run over it."""
    return Decimal(500 + int(stable(customer_id, "budget") * 30) * 250)


# ---- licence insights (§18) -------------------------------------------------------------------------------

WORKLOADS = {  # product family -> workloads whose activity counts as usage
    "Microsoft 365": ("Exchange", "SharePoint", "Teams", "OneDrive"),
    "Office 365": ("Exchange", "SharePoint", "Teams", "OneDrive"),
    "Exchange": ("Exchange",),
    "Microsoft Teams": ("Teams",),
    "Copilot": ("Copilot",),
    "Power BI": ("Power BI",),
    "Dynamics 365": ("Dynamics 365",),
}


def service_name(product_name: str) -> str:
    """The insights' serviceName for a product title (family)."""
    if "Copilot" in product_name:
        return "Copilot"
    for family in ("Microsoft 365", "Office 365", "Exchange", "Microsoft Teams", "Power BI", "Dynamics 365"):
        if family in product_name:
            return family
    return product_name


def active_share(customer_id: str, workload: str) -> float:
    """Share of a customer's licensed users active in a workload in the last 28 days (stable per pair)."""
    base = {"Exchange": 0.85, "Teams": 0.75, "SharePoint": 0.55, "OneDrive": 0.6, "Copilot": 0.35}.get(workload, 0.5)
    return max(0.0, min(1.0, base + (stable(customer_id, workload, "active") - 0.5) * 0.4))
