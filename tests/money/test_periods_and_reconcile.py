"""Periods in the user's calendar (time zone from Teams, the injectable clock) and the streaming summary of a
reconciliation export (totals per customer/product, largest lines, Decimal, case-insensitive keys, CSV)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dialogs.periods import Window, check_window, parse_period, user_today
from dialogs.reconcile import csv_chunks, summarize


@pytest.mark.parametrize("text, start, end", [
    ("last month", date(2026, 11, 1), date(2026, 12, 1)),
    ("上個月", date(2026, 11, 1), date(2026, 12, 1)),
    ("Q3", date(2026, 7, 1), date(2026, 10, 1)),
    ("q4 2025", date(2025, 10, 1), date(2026, 1, 1)),
    ("第三季", date(2026, 7, 1), date(2026, 10, 1)),
    ("last quarter", date(2026, 7, 1), date(2026, 10, 1)),
    ("since October", date(2026, 10, 1), date(2027, 1, 1)),
    ("10月以來", date(2026, 10, 1), date(2027, 1, 1)),
    ("十月", date(2026, 10, 1), date(2026, 11, 1)),
    ("last 30 days", date(2026, 11, 7), date(2026, 12, 7)),
])
def test_phrasings(text: str, start: date, end: date) -> None:
    assert parse_period(text, date(2026, 12, 7)) == Window(start, end)


def test_today_is_the_users_date_not_utcs() -> None:
    late_utc = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 01:30 on 1 December in Taipei
    assert user_today({"now": late_utc, "timezone": "Asia/Taipei"}) == date(2026, 12, 1)
    assert user_today({"now": late_utc, "timezone": "America/Los_Angeles"}) == date(2026, 11, 30)
    assert user_today({"now": late_utc, "timezone": "Not/AZone"}) == date(2026, 11, 30)
    taipei = user_today({"now": late_utc, "timezone": "Asia/Taipei"})
    assert parse_period("last month", taipei) == Window(date(2026, 11, 1), date(2026, 12, 1))


def test_future_and_too_old() -> None:
    today = date(2026, 12, 7)
    assert check_window(Window(date(2027, 1, 1), date(2027, 2, 1)), today, 24) == "future"
    assert check_window(Window(date(2024, 1, 1), date(2024, 2, 1)), today, 24) == "too_old"
    assert check_window(Window(date(2025, 1, 1), date(2025, 2, 1)), today, 24) is None


async def _batches(lines):
    for i in range(0, len(lines), 3):
        yield lines[i:i + 3]


LINES = [
    {"CustomerId": "A", "CustomerName": "Contoso", "ProductName": "E3", "TotalForCustomer": Decimal("36.10"),
     "ChargeType": "cycleCharge", "Quantity": 1},
    {"CustomerId": "B", "CustomerName": "Fabrikam", "ProductName": "E3", "TotalForCustomer": Decimal("72.20"),
     "ChargeType": "new", "Quantity": 2},
    {"customerid": "A", "customername": "Contoso", "productname": "Azure plan", "totalforcustomer": 0.1},
    {"CustomerId": "A", "CustomerName": "Contoso", "ProductName": "Azure plan", "TotalForCustomer": "0.2"},
]


async def test_summary_adds_up_exactly_whatever_the_key_casing() -> None:
    summary = await summarize(_batches(LINES), top_n=2)
    assert summary.lines == 4 and summary.total == Decimal("108.60")
    result = summary.to_result()
    assert result["customers"][0] == {"name": "Fabrikam", "amount": "72.20", "lines": 1}
    assert {p["name"]: p["amount"] for p in result["products"]} == {"E3": "108.30", "Azure plan": "0.3"}
    assert [t["amount"] for t in result["top"]] == ["72.20", "36.10"]
    only_a = await summarize(_batches(LINES), customer_id="a")
    assert only_a.lines == 3 and only_a.total == Decimal("36.40")


async def test_csv_has_every_line_of_the_customer() -> None:
    text = b"".join([c async for c in csv_chunks(_batches(LINES[:2]), customer_id="B")]).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["CustomerName"] for r in rows] == ["Fabrikam"] and rows[0]["TotalForCustomer"] == "72.20"
