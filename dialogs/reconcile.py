"""Reconciliation exports summarised while they stream (issue 15; api.md §25): totals per customer and product,
the largest lines, the line count and the grand total, in one pass over the export's line batches, in bounded
memory (a few dicts keyed by customer/product and a small heap) whatever the export's size. The same pass feeds
the CSV file the user downloads (`csv_chunks`), so the card's totals and the file come from the same lines.

Keys are matched case-insensitively (§25.4: the attribute names' casing is not guaranteed); amounts are Decimal.
"""

from __future__ import annotations

import csv
import heapq
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

_FIELDS = {"customer_id": "customerid", "customer": "customername", "product": "productname",
           "total": "totalforcustomer", "currency": "currency", "charge": "chargetype",
           "subtotal": "subtotal", "quantity": "quantity"}


class LineKeys:
    """The actual key for each wanted field, learned from the lines' own key sets (cached per key set)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, ...], dict[str, Any]] = {}

    def of(self, line: dict[str, Any]) -> dict[str, Any]:
        shape = tuple(line)
        found = self._seen.get(shape)
        if found is None:
            lowered = {k.lower(): k for k in line}
            found = {name: lowered.get(wire, f"\0{wire}") for name, wire in _FIELDS.items()}  # absent: no match
            if len(self._seen) < 64:
                self._seen[shape] = found
        return found


def _amount(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is None or isinstance(value, bool):
        return Decimal(0)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal(0)


@dataclass
class ReconSummary:
    lines: int = 0
    total: Decimal = Decimal(0)
    currency: str = ""
    by_customer: dict[str, list[Any]] = field(default_factory=dict)  # name -> [amount, lines]
    by_product: dict[str, list[Any]] = field(default_factory=dict)
    top: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)  # min-heap of the largest lines

    def add(self, lines: list[dict[str, Any]], keys: LineKeys, customer_id: str | None, top_n: int) -> None:
        """Fold a batch in. The keys are learned from the batch's first line (an export's lines share one shape)
        and learned again for any line that lacks them."""
        if not lines:
            return
        by_customer, by_product, top = self.by_customer, self.by_product, self.top
        k = keys.of(lines[0])
        k_total, k_customer, k_product, k_cid = k["total"], k["customer"], k["product"], k["customer_id"]
        for line in lines:
            if k_total not in line:
                k = keys.of(line)
                k_total, k_customer, k_product, k_cid = k["total"], k["customer"], k["product"], k["customer_id"]
            if customer_id is not None and str(line.get(k_cid, "")).lower() != customer_id:
                continue
            amount = line.get(k_total)
            if type(amount) is not Decimal:
                amount = _amount(amount)
            self.lines += 1
            self.total += amount
            name = line.get(k_customer) or "?"
            entry = by_customer.get(name)
            if entry is None:
                by_customer[name] = [amount, 1]
            else:
                entry[0] += amount
                entry[1] += 1
            product = line.get(k_product) or "?"
            entry = by_product.get(product)
            if entry is None:
                by_product[product] = [amount, 1]
            else:
                entry[0] += amount
                entry[1] += 1
            if len(top) < top_n:
                heapq.heappush(top, (amount, self.lines, _brief(line, keys.of(line))))
            elif amount > top[0][0]:
                heapq.heapreplace(top, (amount, self.lines, _brief(line, keys.of(line))))
        if not self.currency:
            self.currency = str(lines[0].get(k["currency"]) or "")

    def to_result(self, *, rows: int = 10) -> dict[str, Any]:
        """Plain JSON for a job record and the card: amounts as strings (exact), the largest groups first."""
        def groups(source: dict[str, list[Any]]) -> list[dict[str, Any]]:
            ordered = sorted(source.items(), key=lambda kv: (-kv[1][0], kv[0]))[:rows]
            return [{"name": n, "amount": str(a), "lines": c} for n, (a, c) in ordered]

        top = sorted(self.top, key=lambda t: (-t[0], t[1]))
        return {"lines": self.lines, "total": str(self.total), "currency": self.currency or "USD",
                "customers": groups(self.by_customer), "products": groups(self.by_product),
                "customer_count": len(self.by_customer), "product_count": len(self.by_product),
                "top": [{**b, "amount": str(a)} for a, _, b in top]}


def _brief(line: dict[str, Any], k: dict[str, Any]) -> dict[str, Any]:
    return {"customer": line.get(k["customer"]), "product": line.get(k["product"]),
            "charge": line.get(k["charge"]), "quantity": str(line.get(k["quantity"]) or "")}


async def summarize(batches: AsyncIterator[list[dict[str, Any]]], *, customer_id: str | None = None,
                    top_n: int = 5) -> ReconSummary:
    """One pass over the export; `customer_id` keeps one customer's lines."""
    summary, keys = ReconSummary(), LineKeys()
    wanted = customer_id.lower() if customer_id else None
    async for batch in batches:
        summary.add(batch, keys, wanted, top_n)
    return summary


async def csv_chunks(batches: AsyncIterator[list[dict[str, Any]]], *, customer_id: str | None = None
                     ) -> AsyncIterator[bytes]:
    """The export as CSV (header from the first line's attributes), one chunk per batch (never the whole file)."""
    header: list[str] | None = None
    wanted = customer_id.lower() if customer_id else None
    customer_key: str | None = None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    async for batch in batches:
        for line in batch:
            if header is None:
                header = list(line)
                customer_key = next((k for k in header if k.lower() == "customerid"), None)
                writer.writerow(header)
            if wanted is not None and str(line.get(customer_key or "", "")).lower() != wanted:
                continue
            writer.writerow(["" if line.get(h) is None else line.get(h) for h in header])
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
