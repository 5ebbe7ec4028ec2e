"""HTTP end-to-end: money reads (issue 15) typed the way finance staff type them, answered with values the
sandbox also gives over HTTP; charts present (schema-validated by the harness) with their numbers as a table;
bad input (a customer without Azure, a period in the future, one older than the data kept) gets a plain answer.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from partner_center import clock
from tests.e2e.e2e_support import Bot, SandboxThread, facts, table_rows


@pytest.fixture
async def bot(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url) as bot:
        yield bot


def _charts(seen) -> list[dict]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Chart."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(seen.card)
    return found


def _money(amount) -> str:
    return f"${Decimal(str(amount)).quantize(Decimal('0.01')):,}"


async def test_invoice_summaries_show_balance_and_monthly_spend(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("show invoice summaries")
    assert seen.title == "Invoices and balance"
    summary = (await shared_sandbox.get_json("/v1/invoices/summaries"))["items"][0]
    assert _money(summary["balanceAmount"]) in seen.screen
    chart = _charts(seen)[0]
    assert chart["type"] == "Chart.VerticalBar" and chart["title"] == "Invoiced per month"
    invoices = (await shared_sandbox.get_json("/v1/invoices", size=100))["items"]
    latest = max(invoices, key=lambda i: i["invoiceDate"])["invoiceDate"][:7]
    month_total = sum(Decimal(str(i["totalCharges"])) for i in invoices if i["invoiceDate"][:7] == latest)
    assert chart["data"][-1]["y"] == pytest.approx(float(month_total))
    assert _money(month_total) in seen.screen  # the same number in the table


async def test_usage_summary_against_budget(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("azure spend vs budget for fabrikam")
    assert seen.title == "Azure spend vs budget: Fabrikam Inc"
    customer = await shared_sandbox.customer("Fabrikam Inc")
    usage = await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/usagesummary")
    shown = facts(seen.card)
    assert shown["Spent this month"] == _money(usage["totalCost"])
    assert shown["Budget"] == _money(usage["budget"]["amount"])


async def test_a_customer_without_azure_gets_a_plain_answer(bot: Bot):
    seen = await bot.say("azure spend vs budget for northwind traders")
    assert "Northwind Traders has no Azure plan" in seen.screen


async def test_subscription_usage_chart_per_meter(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("monthly usage records of fabrikam's subscriptions")
    assert seen.title == "Azure usage this month: Fabrikam Inc"
    customer = await shared_sandbox.customer("Fabrikam Inc")
    plan = await shared_sandbox.subscription("Fabrikam Inc", "Azure plan")
    meters = (await shared_sandbox.get_json(
        f"/v1/customers/{customer['id']}/subscriptions/{plan['id']}/meterusagerecords"))["items"]
    chart = _charts(seen)[0]
    assert chart["type"] == "Chart.HorizontalBar"
    assert {p["x"] for p in chart["data"]} == {m["meterName"] for m in meters}
    rows = table_rows(seen.card)
    assert any(_money(meters[0]["totalCost"]) in cell for row in rows for cell in row)


async def test_azure_prices(bot: Bot):
    seen = await bot.say("azure rate card for the US")
    assert seen.title == "Azure prices (pay-as-you-go)"
    assert seen.has("D2s v5", "$0.10")  # 0.096 per hour, shown to the cent


async def test_service_costs_add_up(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("service costs for fabrikam")
    assert seen.title == "Service costs: Fabrikam Inc"
    customer = await shared_sandbox.customer("Fabrikam Inc")
    summary = await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/servicecosts/MostRecent")
    assert facts(seen.card)["Total"] == _money(summary["afterTaxTotal"])


async def test_copilot_licence_usage_across_customers(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("Copilot licence usage across customers")
    assert seen.title.startswith("Licence deployment and usage")
    chart = _charts(seen)[0]
    assert chart["type"] == "Chart.HorizontalBar"
    rows = (await shared_sandbox.get_json("/partner/v1/analytics/subscriptions",
                                          filter="productName contains 'copilot' and status eq 'ACTIVE'"))["Value"]
    owners = {r["customerName"] for r in rows}
    assert owners and owners <= set(seen.screen.split("\n")) | {x for x in owners if x in seen.screen}
    assert "Northwind Traders" in seen.screen and "all customers" in seen.screen


async def test_subscription_counts_over_time(bot: Bot, shared_sandbox: SandboxThread):
    seen = await bot.say("subscription analytics trend by month")
    assert seen.title == "Subscriptions over time"
    chart = _charts(seen)[0]
    assert chart["type"] == "Chart.Line"
    everything = (await shared_sandbox.get_json("/partner/v1/analytics/subscriptions"))["TotalCount"]
    totals = next(series for series in chart["data"] if series["legend"] == "Total")["values"]
    assert totals[-1]["y"] == everything


async def test_azure_cost_per_day(bot: Bot):
    seen = await bot.say("azure usage analytics for fabrikam")
    assert seen.title == "Azure cost: Fabrikam Inc"
    chart = _charts(seen)[0]
    assert chart["type"] == "Chart.Line" and len(chart["data"][0]["values"]) >= 20
    assert "D2s v5" in seen.screen


@pytest.mark.parametrize("text, title", [("indirect reseller analytics", "Indirect resellers"),
                                         ("referral analytics", "Referrals"),
                                         ("search analytics", "Marketplace searches that found you"),
                                         ("reconciliation estimate links", "Reconciliation estimates")])
async def test_other_reports(bot: Bot, text: str, title: str):
    seen = await bot.say(text)
    assert seen.title == title
    assert json.dumps(seen.card)  # rendered, validated by the harness


@pytest.mark.parametrize("text, answer", [
    ("subscription analytics for 2031-01", "hasn't happened yet"),
    ("invoice summaries for 2019-01", "older than the data Partner Center keeps"),
])
async def test_periods_that_cannot_have_data(bot: Bot, text: str, answer: str):
    seen = await bot.say(text)
    assert answer in seen.screen


async def test_last_months_invoice_as_pdf(shared_sandbox: SandboxThread):
    """The demo's "last month's invoice as PDF": the invoice dated last month (the new-commerce one; the other
    invoice of that month is named), offered as a PDF download in a group chat."""
    invoices = (await shared_sandbox.get_json("/v1/invoices", size=100))["items"]
    last_month = (clock.now().date().replace(day=1) - timedelta(days=1)).isoformat()[:7]
    dated = [i for i in invoices if i["invoiceDate"][:7] == last_month]
    onetime = next(i for i in dated if i["invoiceType"] == "OneTime")
    other = next(i for i in dated if i["invoiceType"] == "Recurring")
    async with Bot(shared_sandbox.url, conversation_id="19:finance@thread.v2", conversation_type="groupChat") as bot:
        bot.engine.files.settings.base_url = bot.app.url
        seen = await bot.say("last month's invoice as PDF")
        assert f"Invoice_{onetime['id']}.pdf" in seen.screen and "Download" in seen.buttons, seen.screen
        assert f"statement for invoice {other['id']}" in seen.screen
        future = await bot.say("the invoice PDF for March 2031")
        assert "hasn't been invoiced yet" in future.screen


@pytest.mark.parametrize("text", ["line items of invoice G999999999", "statement for invoice G999999999"])
async def test_an_unknown_invoice_id_is_named_plainly(bot: Bot, text: str):
    seen = await bot.say(text)
    assert "There is no invoice G999999999" in seen.screen, seen.screen
