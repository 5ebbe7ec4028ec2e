"""Money against one shared sandbox (issue 15): summaries, estimate links, unbilled v1 lines, usage vs budget,
Azure utilization (incl. 204 + Retry-After), service costs, rate card, analytics (§18) and reconciliation v2 on
Graph (§25) — and that the numbers add up across them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from contract_helpers import APP_ONLY_TOKEN, FastSleep, RecordingTransport, advance_clock, make_client, state

from partner_center import errors
from partner_center.reconciliation import line_amount
from sandbox.config import SandboxConfig
from sandbox.server import start_sandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _named(pc, name):
    return [c async for c in pc.customers.search(name) if c.company_name == name][0]


async def _azure_plan(pc, customer_id):
    return [s async for s in pc.subscriptions.list(customer_id) if s.offer_name == "Azure plan"][0]


async def _run_export(pc, location):
    for _ in range(100):
        op = await pc.reconciliation.get_operation(location)
        if op.done:
            return op
        await asyncio.sleep(0.05)
    raise AssertionError("export did not finish")


def contract_config(**overrides: object) -> SandboxConfig:
    values: dict = {"port": 0, "customers": 40, "seed": 11, "app_only_tokens": (APP_ONLY_TOKEN,)}
    values.update(overrides)
    return SandboxConfig(**values)


async def test_summaries_and_estimate_links(shared_pc):
    summaries = await shared_pc.invoices.list_summaries().to_list()
    assert [s.currency_code for s in summaries] == ["USD"]
    balance = await shared_pc.invoices.get_balance()
    assert summaries[0].balance_amount == balance.balance_amount
    links = await shared_pc.invoices.list_estimate_links("USD").to_list()
    assert len(links) == 4 and all("/invoices/unbilled/lineitems" in (link.uri or "") for link in links)
    assert await shared_pc.invoices.list_estimate_links("EUR").to_list() == []
    with pytest.raises(errors.BadRequestError):
        await shared_pc.invoices.list_estimate_links("").to_list()


async def test_unbilled_v1_and_v2_agree(shared_pc):
    billing = await shared_pc.invoices.list_unbilled_line_items("USD", "current").to_list()
    usage = await shared_pc.invoices.list_unbilled_line_items("USD", "current", "usage_line_items").to_list()
    paged = await shared_pc.invoices.list_unbilled_line_items("USD", "current", size=7).to_list()
    assert [i.raw for i in paged] == [i.raw for i in billing] and len(billing) > 7
    assert usage and all(i["productName"] == "Azure plan" for i in usage)
    v1_total = sum(Decimal(str(i["totalForCustomer"])) for i in billing) + \
        sum(Decimal(str(i["billingPreTaxTotal"])) for i in usage)
    location = await shared_pc.reconciliation.export_unbilled("USD", "current")
    op = await _run_export(shared_pc, location)
    assert op.succeeded and op.manifest_link
    manifest = await shared_pc.reconciliation.get_manifest(op)
    lines = [line async for line in shared_pc.reconciliation.iter_lines(manifest)]
    assert len(lines) == len(billing) + len(usage) == manifest.item_count
    assert sum(line_amount(line) for line in lines) == v1_total
    with pytest.raises(errors.BadRequestError):
        await shared_pc.invoices.list_unbilled_line_items("USD", "someday").to_list()


async def test_billed_export_adds_up_to_the_invoice(shared_pc):
    invoices = await shared_pc.invoices.list().to_list()
    onetime = next(i for i in invoices if i.invoice_type == "OneTime")
    location = await shared_pc.reconciliation.export_billed(onetime.id)
    op = await _run_export(shared_pc, location)
    manifest = await shared_pc.reconciliation.get_manifest(op)
    total, count = Decimal(0), 0
    async for batch in shared_pc.reconciliation.iter_line_batches(manifest):
        for line in batch:
            assert isinstance(line["TotalForCustomer"], Decimal | int)
            total += line_amount(line)
            count += 1
    assert total == Decimal(str(onetime.total_charges)) and count == manifest.item_count
    basic = await _run_export(shared_pc, await shared_pc.reconciliation.export_billed(onetime.id,
                                                                                     attribute_set="basic"))
    first = [x async for x in shared_pc.reconciliation.iter_lines(
        await shared_pc.reconciliation.get_manifest(basic))][0]
    assert "TotalForCustomer" in first and "TermAndBillingCycle" not in first
    usage = await _run_export(shared_pc, await shared_pc.reconciliation.export_billed(onetime.id, usage=True))
    usage_lines = [x async for x in shared_pc.reconciliation.iter_lines(
        await shared_pc.reconciliation.get_manifest(usage))]
    assert usage_lines and {x["ProductName"] for x in usage_lines} == {"Azure plan"}


async def test_export_errors(shared_pc, shared_sandbox):
    unknown = await _run_export(shared_pc, await shared_pc.reconciliation.export_billed("G999999999"))
    assert unknown.failed and unknown.error_code == "5000" and unknown.error_message == "No data available"
    invoices = await shared_pc.invoices.list().to_list()
    legacy = next(i for i in invoices if i.invoice_type == "Recurring")
    assert (await _run_export(shared_pc, await shared_pc.reconciliation.export_billed(legacy.id))).failed
    with pytest.raises(errors.BadRequestError) as missing:
        await shared_pc.reconciliation.export_billed("")
    assert missing.value.code == "invalidRequest"
    with pytest.raises(errors.BadRequestError):
        await shared_pc.reconciliation.export_unbilled("USD", "next")
    with pytest.raises(errors.ResponseDecodeError):
        await shared_pc.reconciliation.get_operation("https://elsewhere.example/v1.0/x")
    with pytest.raises(errors.NotFoundError):
        await shared_pc.reconciliation.get_operation(f"{shared_sandbox.url}/v1.0/reports/partners/billing/"
                                                     "operations/00000000-0000-0000-0000-000000000000")
    op = await _run_export(shared_pc, await shared_pc.reconciliation.export_unbilled("USD", "last"))
    manifest = await shared_pc.reconciliation.get_manifest(op)
    async with httpx.AsyncClient() as http:
        bad = await http.get(manifest.blob_urls()[0].replace("sig=", "sig=0"))
    assert bad.status_code == 403 and "AuthenticationFailed" in bad.text


async def test_export_waits_on_the_sandbox_clock_and_checks_scopes():
    running = await start_sandbox(contract_config(customers=10, recon_delay_s=600,
                                                  graph_scopes={"no-billing-token": ("User.Read",)}))
    try:
        async with make_client(running, RecordingTransport(), FastSleep()) as pc:
            location = await pc.reconciliation.export_unbilled("USD")
            await asyncio.sleep(0.3)
            running_op = await pc.reconciliation.get_operation(location)
            assert running_op.status == "running" and running_op.retry_after == 10  # capped
            await advance_clock(running, 601)
            assert (await pc.reconciliation.get_operation(location)).succeeded
        state(running).config.dev_token = "sandbox-dev-token"
        async with make_client(running, RecordingTransport(), FastSleep(), token="no-billing-token") as other:
            with pytest.raises(errors.AuthenticationError):  # not a valid sandbox token at all -> 401
                await other.reconciliation.export_unbilled("USD")
        state(running).config.graph_scopes["sandbox-dev-token"] = ("User.Read",)
        async with make_client(running, RecordingTransport(), FastSleep()) as pc:
            with pytest.raises(errors.PermissionDeniedError) as denied:
                await pc.reconciliation.export_unbilled("USD")
            assert denied.value.code == "accessDenied"
    finally:
        await running.stop()


async def test_usage_summaries_add_up(shared_pc):
    fabrikam = await _named(shared_pc, "Fabrikam Inc")
    plan = await _azure_plan(shared_pc, fabrikam.id)
    summary = await shared_pc.usage.get_customer_summary(fabrikam.id)
    assert summary.resource_name == "Azure plan" and summary.budget_amount and summary.budget_amount > 0
    records = await shared_pc.usage.list_subscription_usage(fabrikam.id).to_list()
    assert [r.id for r in records] == [plan.id] and records[0].total_cost == summary.total_cost
    one = await shared_pc.usage.get_subscription_summary(fabrikam.id, plan.id)
    assert one.total_cost == summary.total_cost
    meters = await shared_pc.usage.list_meter_usage(fabrikam.id, plan.id).to_list()
    assert sum(m.total_cost for m in meters) == summary.total_cost and len(meters) >= 4
    partner = await shared_pc.usage.get_partner_summary()
    assert partner.customers_with_usage >= 1
    northwind = await _named(shared_pc, "Northwind Traders")
    with pytest.raises(errors.NotFoundError) as no_azure:
        await shared_pc.usage.get_customer_summary(northwind.id)
    assert no_azure.value.code == 600039 and "Northwind Traders" in no_azure.value.description
    licence = (await shared_pc.subscriptions.list(northwind.id).to_list())[0]
    with pytest.raises(errors.BadRequestError):
        await shared_pc.usage.list_meter_usage(northwind.id, licence.id).to_list()
    with pytest.raises(errors.NotFoundError):
        await shared_pc.usage.get_customer_summary("00000000-0000-0000-0000-000000000001")


async def test_azure_utilization_adds_up_to_the_billed_lines(shared_pc):
    """B12 (client.utilization, kit-jobs' 204 handling) serves money_data's quantities: per meter, a billed
    month's daily records sum to the invoice's consumption lines."""
    fabrikam = await _named(shared_pc, "Fabrikam Inc")
    plan = await _azure_plan(shared_pc, fabrikam.id)
    invoices = await shared_pc.invoices.list().to_list()
    onetime = await shared_pc.invoices.get(next(i for i in invoices if i.invoice_type == "OneTime").id)
    start = onetime.billing_period_start_date
    end = onetime.billing_period_end_date + timedelta(seconds=1)
    records = await shared_pc.utilization.azure(fabrikam.id, plan.id, start, end)
    if not isinstance(records, list):  # NotReady: the sandbox's first answer is 204 + Retry-After
        records = await shared_pc.utilization.azure(fabrikam.id, plan.id, start, end)
    per_meter: dict[str, Decimal] = {}
    for r in records:
        per_meter[r.resource_name] = per_meter.get(r.resource_name, Decimal(0)) + Decimal(str(r.quantity))
    billed = [li for li in await shared_pc.invoices.list_line_items(
        onetime.id, provider="one_time", line_item_type="usage_line_items", currency_code="USD").to_list()
        if li.subscription_id == plan.id]
    assert billed and {li["meterName"]: Decimal(str(li["quantity"])) for li in billed} == per_meter


async def test_service_costs_and_rate_card(shared_pc):
    fabrikam = await _named(shared_pc, "Fabrikam Inc")
    summary = await shared_pc.usage.get_service_costs(fabrikam.id)
    lines = await shared_pc.usage.list_service_cost_line_items(fabrikam.id).to_list()
    assert lines and sum(li.after_tax_total for li in lines) == summary.after_tax_total
    assert sum(d.pretax_total for d in summary.details.values()) == summary.pretax_total
    with pytest.raises(errors.BadRequestError):
        await shared_pc.usage.get_service_costs(fabrikam.id, "LastMonth")
    card = await shared_pc.usage.get_azure_rate_card(currency="USD", region="US")
    assert card.currency == "USD" and {m.name for m in card.meters} >= {"D2s v5", "vCore"}
    assert next(m for m in card.meters if m.name == "D2s v5").price == Decimal("0.096")
    with pytest.raises(errors.BadRequestError):
        await shared_pc.usage.get_azure_rate_card(currency="EUR")


async def test_analytics_are_computed_from_the_seeded_data(shared_pc):
    deployment = await shared_pc.analytics.list_license_deployment().to_list()
    copilot = next(r for r in deployment if r["serviceName"] == "Copilot")
    subs = await shared_pc.analytics.list_subscriptions(
        filter="productName contains 'copilot' and status eq 'ACTIVE'").to_list()
    assert copilot["licensesSold"] == sum(r["licenseCount"] for r in subs) > 0
    usage = await shared_pc.analytics.list_license_usage().to_list()
    assert any(r["workloadName"] == "Copilot" and 0 < r.number("proratedLicensesUsagePercent") < 100
               for r in usage)
    northwind = await _named(shared_pc, "Northwind Traders")
    mine = await shared_pc.analytics.list_license_deployment(northwind.id).to_list()
    assert {r["productName"] for r in mine} == {"Microsoft 365 Business Basic", "Microsoft 365 Copilot"}
    assert await shared_pc.analytics.list_license_usage(northwind.id).to_list()
    everything = await shared_pc.analytics.list_subscriptions().to_list()
    grouped = await shared_pc.analytics.list_subscriptions(groupby="creationDate", aggregation_level="month",
                                                           top=5).to_list()
    assert sum(g["subscriptionCount"] for g in grouped) == len(everything)
    azure = await shared_pc.analytics.list_azure_usage(top=50).to_list()
    assert azure and all(r["meterName"] for r in azure)
    assert sum(r["customerCount"] for r in await shared_pc.analytics.list_resellers().to_list()) > 0
    assert await shared_pc.analytics.list_referrals(top=3).to_list()
    assert await shared_pc.analytics.list_searches(groupby="keyword").to_list()
    with pytest.raises(errors.BadRequestError):
        await shared_pc.analytics.list_subscriptions(filter="status equals ACTIVE").to_list()


async def test_app_only_tokens_are_refused_for_app_user_reports(shared_sandbox):
    async with make_client(shared_sandbox, RecordingTransport(), FastSleep(), token=APP_ONLY_TOKEN) as app:
        with pytest.raises(errors.PermissionDeniedError):
            await app.analytics.list_license_usage().to_list()
        with pytest.raises(errors.PermissionDeniedError):
            await app.usage.get_partner_summary()


async def test_v1_unbilled_retired_knob():
    running = await start_sandbox(contract_config(customers=5, recon_v1_retired=True))
    try:
        async with make_client(running, RecordingTransport(), FastSleep()) as pc:
            with pytest.raises(errors.BadRequestError) as retired:
                await pc.invoices.list_unbilled_line_items("USD").to_list()
            assert "retired" in retired.value.description
    finally:
        await running.stop()
