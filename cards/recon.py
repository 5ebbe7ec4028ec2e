"""Reconciliation results (issue 15): the declared views of invoices.unbilled / invoices.line_items as read from
an export, and the proactive card a finished export job posts (the same view, or the generic job outcome)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards.jobs import job_outcome
from cards.view_card import render_view
from cards.view_spec import Button, Chart, ChartKind, Field, Fmt, Link, Record, Section, Table, View

_GROUP_COLUMNS = (Field("name"), Field("amount", fmt=Fmt.MONEY, currency="currency"),
                  Field("lines", fmt=Fmt.NUMBER))
_FACTS = (Field("source", "source_label"), Field("lines", fmt=Fmt.NUMBER),
          Field("total", fmt=Fmt.MONEY, currency="currency"),
          Field("invoice_total", fmt=Fmt.MONEY, currency="currency"), Field("check", "check_label"))
_SECTIONS = (
    Section("customers", table=Table(items="customers", grid=True, columns=_GROUP_COLUMNS)),
    Section("products", table=Table(items="products", grid=True, columns=_GROUP_COLUMNS)),
    Section("top", table=Table(items="top", grid=True, columns=(
        Field("customer"), Field("product"), Field("charge"),
        Field("amount", fmt=Fmt.MONEY, currency="currency")))),
)
_CHART = Chart(ChartKind.HBAR, x=Field("name"), y=(Field("amount", fmt=Fmt.MONEY, currency="currency"),),
               items="products")


def _view(download: Link) -> View:
    return View(title_args=(("scope", "scope"), ("period", "period"), ("invoice", "invoice_id")),
                record=Record(_FACTS), chart=_CHART, sections=_SECTIONS, buttons=(Button("download", download),))


UNBILLED = _view(Link.to("invoices.unbilled", export="operation", scope="scope_id",
                                               period="period_key"))
LINE_ITEMS = _view(Link.to("invoices.line_items", invoice="invoice_id",
                                                  export="operation", scope="scope_id"))


def outcome_card(job: Any, locale: str) -> dict[str, Any]:
    """The card a reconciliation export job posts when it ends."""
    result: Mapping[str, Any] = job.result or {}
    if job.status == "succeeded" and result.get("lines") is not None:
        if result.get("op") == "invoices.line_items":  # its own keys: invoices.line_items' view is the v1 list
            return render_view("invoices.reconciliation", LINE_ITEMS, dict(result), locale=locale)
        return render_view("invoices.unbilled", UNBILLED, dict(result), locale=locale)
    return job_outcome(job.to_dict(), locale)
