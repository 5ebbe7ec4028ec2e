"""The seed on any date: what it calls "last month", the latest invoice, renewals and commitments are relative to
the clock it is given, and its invariants hold on the 1st and 7th of a month, 29 February and New Year's Eve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox import seed
from sandbox.commerce import FAR_FUTURE
from sandbox.envelope import parse_iso
from sandbox.store import Store

DATES = ["2026-12-01T00:00:00", "2026-12-07T12:00:00", "2026-12-08T00:00:01", "2028-02-29T09:30:00",
         "2026-12-31T23:59:00", "2027-01-01T00:00:00", "2027-03-01T00:00:00"]


def _seeded(now: datetime) -> Store:
    store = Store()
    seed.generate(store, customers=30, seed=3, now=now)
    return store


@pytest.mark.parametrize("when", DATES)
def test_seed_invariants_on_every_date(when: str) -> None:
    now = datetime.fromisoformat(when).replace(tzinfo=UTC)
    store = _seeded(now)
    subs = [d.body for d in store.list("subscription", None)]
    live = [s for s in subs if s["status"] in {"active", "suspended"}]
    assert live
    for sub in live:
        assert parse_iso(sub["creationDate"]) <= now
        if sub["commitmentEndDate"] != FAR_FUTURE:
            # api.md §23.2: the end date is inclusive (the term ends at the end of that day, renewal the next day)
            last_day = parse_iso(sub["commitmentEndDate"])
            renews = last_day + timedelta(days=1)
            assert now < renews, (when, sub["offerName"], sub["commitmentEndDate"])
            assert renews - now <= {"P1M": timedelta(days=31), "P1Y": timedelta(days=366),
                                    "P3Y": timedelta(days=3 * 366)}[sub["termDuration"]]
            if "commitmentEndDateTime" in sub:
                assert parse_iso(sub["commitmentEndDateTime"]) == renews - timedelta(seconds=1)
        if "billingCycleEndDate" in sub:
            assert parse_iso(sub["billingCycleEndDate"]) > now
    invoices = sorted((d.body for d in store.list("invoice", "")), key=lambda i: i["invoiceDate"])
    assert len({i["invoiceDate"] for i in invoices}) == 12  # twelve issued months, whatever the day
    assert all(parse_iso(i["invoiceDate"]) <= now for i in invoices)
    latest = invoices[-1]["invoiceDate"]
    unpaid = [i for i in invoices if i["paidAmount"] < i["totalCharges"]]
    assert unpaid and {i["invoiceDate"] for i in unpaid} == {latest}  # the latest invoices, and only they
    # the latest invoice covers the newest month already closed for 7 days: last month from the 8th on
    month = datetime(now.year, now.month, 1, tzinfo=UTC)
    last_closed = (month - timedelta(days=1)).replace(day=1)
    if now < month + timedelta(days=7):
        last_closed = (last_closed - timedelta(days=1)).replace(day=1)
    latest_doc = invoices[-1]
    assert latest_doc["billingPeriodStartDate"][:7] == last_closed.strftime("%Y-%m")
    for invoice in invoices:
        for payment in invoice.get("_payments", []):
            assert parse_iso(payment["date"]) <= now


def test_seed_is_deterministic_for_a_date() -> None:
    now = datetime(2028, 2, 29, 9, 30, tzinfo=UTC)
    def dates(store: Store) -> list[tuple]:
        return [(s["id"], s["creationDate"], s["commitmentEndDate"], s.get("billingCycleEndDate"))
                for s in (d.body for d in store.list("subscription", None))]

    assert dates(_seeded(now)) == dates(_seeded(now))
    invoices = [(d.body["id"], d.body["invoiceDate"], d.body["paidAmount"]) for d in _seeded(now).list("invoice", "")]
    assert invoices == [(d.body["id"], d.body["invoiceDate"], d.body["paidAmount"])
                        for d in _seeded(now).list("invoice", "")]
