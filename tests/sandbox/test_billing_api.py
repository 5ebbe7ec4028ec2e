"""Billing over real HTTP: invoice list (offset paging, InvoiceDate filter), invoice by id, line items of every
provider/type with their paging models, account balance — and that the seeded invoices match the subscriptions."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from sandbox_helpers import store_of

from sandbox import catalog_data as cat
from sandbox.config import SandboxConfig

APP_ONLY = {"Authorization": "Bearer app-only-billing"}


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(port=0, customers=30, seed=3, app_only_tokens=("app-only-billing",))


def _invoices(sandbox) -> list[dict]:
    return [d.body for d in store_of(sandbox).list("invoice", "")]


def _onetime_with_items(sandbox) -> dict:
    return max((i for i in _invoices(sandbox) if i["invoiceType"] == "OneTime"),
               key=lambda i: i["invoiceDate"])


async def _follow_offset(client, url: str) -> tuple[list[dict], int]:
    resp = await client.get(url)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    items, pages = list(page["items"]), 1
    while "next" in page["links"]:
        assert page["links"]["next"]["headers"] == []
        resp = await client.get("/v1" + page["links"]["next"]["uri"])
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert page["totalCount"] == len(page["items"])
        items += page["items"]
        pages += 1
    return items, pages


async def test_invoice_list_offset_paging_newest_first(sandbox, client):
    stored = _invoices(sandbox)
    assert len(stored) >= 12  # ~12 months, Recurring and OneTime
    items, pages = await _follow_offset(client, "/v1/invoices?size=5")
    assert [i["id"] for i in items] == [i["id"] for i in sorted(stored, key=lambda i: (i["invoiceDate"], i["id"]),
                                                                   reverse=True)]
    assert pages == -(-len(stored) // 5)
    first = (await client.get("/v1/invoices?size=5&offset=5")).json()
    assert first["links"]["next"]["uri"] == "/invoices?size=5&offset=10"
    assert all("billingPeriodStartDate" not in i and "_payments" not in i for i in items)
    assert all(i["attributes"]["objectType"] == "Invoice" for i in items)


async def test_invoice_date_filter(sandbox, client):
    stored = sorted(_invoices(sandbox), key=lambda i: i["invoiceDate"])
    pivot = stored[len(stored) // 2]["invoiceDate"][:10]
    flt = json.dumps({"Field": "InvoiceDate", "Value": pivot, "Operator": "greater_than_or_equals"})
    items, _ = await _follow_offset(client, f"/v1/invoices?size=3&filter={quote(flt)}")
    expected = {i["id"] for i in stored if i["invoiceDate"][:10] >= pivot}
    assert {i["id"] for i in items} == expected
    flt = json.dumps({"Field": "InvoiceDate", "Value": pivot, "Operator": "equals"})
    items, _ = await _follow_offset(client, f"/v1/invoices?filter={quote(flt)}")
    assert {i["id"] for i in items} == {i["id"] for i in stored if i["invoiceDate"][:10] == pivot}
    for bad in ["{oops", json.dumps({"Field": "Status", "Value": "x", "Operator": "equals"}),
                json.dumps({"Field": "InvoiceDate", "Value": "yesterday", "Operator": "equals"}),
                json.dumps({"Field": "InvoiceDate", "Value": pivot, "Operator": "starts_with"})]:
        resp = await client.get("/v1/invoices", params={"filter": bad})
        assert resp.status_code == 400 and resp.json()["code"] == 800002, bad
    for bad_q in ["size=-3", "offset=x"]:
        assert (await client.get(f"/v1/invoices?{bad_q}")).status_code == 400


async def test_get_invoice_and_404(sandbox, client):
    inv = _onetime_with_items(sandbox)
    for ident in (inv["id"], f"OneTime-{inv['id']}", inv["id"].lower()):
        resp = await client.get(f"/v1/invoices/{ident}")
        assert resp.status_code == 200, ident
        body = resp.json()
        assert body["id"] == inv["id"] and body["pdfDownloadLink"] == f"/invoices/{inv['id']}/documents/statement"
        assert body["billingPeriodStartDate"] < body["billingPeriodEndDate"] < body["invoiceDate"]
    resp = await client.get("/v1/invoices/G999999999")
    assert resp.status_code == 404
    err = resp.json()
    assert err["code"] == 1000 and "G999999999" in err["description"] and err["source"]
    async with httpx.AsyncClient(base_url=sandbox.url, headers=APP_ONLY) as app_client:
        assert (await app_client.get("/v1/invoices")).status_code == 200  # app-only allowed for the list
        resp = await app_client.get(f"/v1/invoices/{inv['id']}")  # App+User only
        assert resp.status_code == 403 and resp.json()["code"] == 900329


async def test_onetime_line_items_seek_paging_both_forms(sandbox, client):
    inv = _onetime_with_items(sandbox)
    store = store_of(sandbox)
    expected = [d.body for d in store.list("invoice_line_item", inv["id"], k1_prefix="onetime:billinglineitems")]
    assert len(expected) > 3
    for url in (f"/v1/invoices/{inv['id']}/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&size=2",
                f"/v1/invoices/OneTime-{inv['id']}/lineitems/OneTime/BillingLineItems?size=2"):
        page = (await client.get(url)).json()
        items = list(page["items"])
        while "next" in page["links"]:
            nxt = page["links"]["next"]
            assert "seekOperation=Next" in nxt["uri"] and nxt["uri"].startswith("/v1/invoices/")
            assert page["continuationToken"] == nxt["headers"][0]["value"]
            resp = await client.get(nxt["uri"], headers={h["key"]: h["value"] for h in nxt["headers"]})
            assert resp.status_code == 200, resp.text
            page = resp.json()
            items += page["items"]
        assert items == expected
        assert all(i["attributes"]["objectType"] == "OneTimeInvoiceLineItem" for i in items)
    # the token of another invoice/provider is refused; a missing token too
    page = (await client.get(f"/v1/invoices/{inv['id']}/lineitems/OneTime/BillingLineItems?size=1")).json()
    token = page["continuationToken"]
    other = next(i for i in _invoices(sandbox) if i["invoiceType"] == "OneTime" and i["id"] != inv["id"])
    resp = await client.get(f"/v1/invoices/{other['id']}/lineitems/OneTime/BillingLineItems?seekOperation=Next",
                            headers={"MS-ContinuationToken": token})
    assert resp.status_code == 400
    resp = await client.get(f"/v1/invoices/{inv['id']}/lineitems/OneTime/BillingLineItems?seekOperation=Next")
    assert resp.status_code == 400 and resp.json()["code"] == 800002


async def test_office_line_items_offset_paging(sandbox, client):
    recurring = [i for i in _invoices(sandbox) if i["invoiceType"] == "Recurring"]
    assert recurring, "seed should contain legacy licence-based billing"
    inv = max(recurring, key=lambda i: len(i["invoiceDetails"]))
    store = store_of(sandbox)
    expected = [d.body for d in store.list("invoice_line_item", inv["id"], k1_prefix="office:billinglineitems")]
    url = f"/v1/invoices/{inv['id']}/lineitems?provider=office&invoicelineitemtype=billinglineitems&size=1"
    items, pages = await _follow_offset(client, url)
    assert items == expected and pages == len(expected)
    assert all(i["attributes"]["objectType"] == "LicenseBasedLineItem" for i in items)
    assert all(i["billingProvider"] == "office" for i in items)
    resp = await client.get(f"/v1/invoices/{inv['id']}/lineitems/Office/BillingLineItems?size=1&offset=0")
    assert resp.status_code == 200 and resp.json()["items"] == expected[:1]


async def test_billed_consumption_needs_currency(sandbox, client):
    inv = _onetime_with_items(sandbox)
    base = f"/v1/invoices/{inv['id']}/lineitems?provider=onetime&invoicelineitemtype=usagelineitems"
    resp = await client.get(base)
    assert resp.status_code == 400 and resp.json()["code"] == 800002
    resp = await client.get(base + "&currencycode=USD")
    assert resp.status_code == 200
    assert all(i["attributes"]["objectType"] == "DailyRatedUsageLineItem" for i in resp.json()["items"])
    resp = await client.get(base + "&currencycode=EUR")
    assert resp.status_code == 200 and resp.json()["items"] == []


@pytest.mark.parametrize("query", [
    "provider=bogus&invoicelineitemtype=billinglineitems",
    "provider=office&invoicelineitemtype=usagelineitems",
    "provider=office&invoicelineitemtype=nonsense",
    "invoicelineitemtype=billinglineitems",
    "provider=office",
])
async def test_line_item_bad_input(sandbox, client, query):
    inv = _onetime_with_items(sandbox)
    resp = await client.get(f"/v1/invoices/{inv['id']}/lineitems?{query}")
    assert resp.status_code == 400 and resp.json()["code"] == 800002


async def test_line_items_of_unknown_invoice(client):
    resp = await client.get("/v1/invoices/D0NOTHERE1/lineitems?provider=office&invoicelineitemtype=billinglineitems")
    assert resp.status_code == 404 and resp.json()["code"] == 1000


async def test_invoices_match_subscriptions_and_prices(sandbox):
    store = store_of(sandbox)
    subs = {d.id: d.body for d in store.list("subscription", None)}
    for inv in _invoices(sandbox):
        lines = [d.body for d in store.list("invoice_line_item", inv["id"])]
        total = 0.0
        for line in lines:
            sub = subs[line["subscriptionId"]]
            item = cat.by_offer_id(sub["offerId"])
            assert line["customerId"] == store.find("subscription", sub["id"]).scope
            if line["attributes"]["objectType"] == "DailyRatedUsageLineItem":
                assert item.product_type == "Azure"
                total += line["billingPreTaxTotal"]
                continue
            assert line["quantity"] == sub["quantity"]
            months = {"annual": 12, "triennial": 36}.get(sub["billingCycle"], 1)
            price = item.unit_price(sub["termDuration"], sub["billingCycle"])
            assert line["unitPrice"] == pytest.approx(price * months)
            assert line["subtotal"] == pytest.approx(line["unitPrice"] * line["quantity"], abs=0.01)
            assert line["chargeStartDate"] >= sub["creationDate"][:10]
            total += line["subtotal"]
        assert inv["totalCharges"] == pytest.approx(total, abs=0.05)


async def test_account_balance(sandbox, client):
    resp = await client.get("/v1/invoices/summary")
    assert resp.status_code == 200
    body = resp.json()
    stored = _invoices(sandbox)
    outstanding = sum(i["totalCharges"] - i["paidAmount"] for i in stored)
    assert body["balanceAmount"] == pytest.approx(outstanding, abs=0.01)
    assert body["balanceAmount"] > 0  # the latest invoices are unpaid
    assert body["currencyCode"] == "USD" and body["attributes"]["objectType"] == "InvoiceSummary"
    assert body["latestInvoiceDate"] == max(i["invoiceDate"] for i in stored)
    assert body["lastPaymentAmount"] > 0 and body["lastPaymentDate"]
    kinds = {d["invoiceType"]: d["summary"]["balanceAmount"] for d in body["details"]}
    assert sum(kinds.values()) == pytest.approx(body["balanceAmount"], abs=0.01)
    assert body["links"]["self"]["uri"] == "/invoices/summary"
    summaries = (await client.get("/v1/invoices/summaries")).json()
    assert summaries["items"][0]["balanceAmount"] == pytest.approx(body["balanceAmount"])
