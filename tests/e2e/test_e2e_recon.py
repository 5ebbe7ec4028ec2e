"""Reconciliation v2 end to end (issue 15): "unbilled for Northwind this month" starts a Graph export job; the
bot is restarted while the export is still running; the restarted bot finishes the job and posts the card once;
its totals equal the sum of the export's lines (and, for an invoice, the invoice total); the Download button
delivers the full export as CSV through the signed link, and the CSV adds up to the same total."""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import Decimal

import aiohttp
import httpx
import pytest

from bot.local_channel import LocalConnector
from bot.storage_sqlite import SqliteStorage
from sandbox.config import SandboxConfig
from tests.e2e.e2e_support import Bot, Message, SandboxThread, _message, facts

GROUP = "19:finance-recon@thread.v2"
DELAY = 3600  # the export runs an hour on the sandbox clock, until the test moves that clock


@pytest.fixture
def sandbox():
    sandbox = SandboxThread(SandboxConfig(port=0, customers=40, seed=42, recon_delay_s=DELAY,
                                               recon_retry_after_s=0)).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def fast(bot: Bot) -> Bot:
    bot.engine.jobs.settings.tick_seconds = 0.05
    bot.engine.jobs.settings.lease_seconds = 0.5
    return bot


async def proactive(connector: LocalConnector, timeout: float = 20.0) -> Message:  # noqa: ASYNC109
    [call] = await connector.next(1, timeout=timeout)
    assert call.operation == "send", call
    return _message(call)


async def advance(sandbox: SandboxThread, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as http:
        assert (await http.post("/_sandbox/clock", json={"advanceSeconds": seconds})).status_code == 200


def money(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01')):,}"


async def northwind_unbilled(sandbox: SandboxThread) -> Decimal:
    """What Partner Center says Northwind's unbilled charges are (v1 lines of the same period, over HTTP)."""
    customer = await sandbox.customer("Northwind Traders")
    total = Decimal(0)
    for kind in ("billinglineitems", "usagelineitems"):
        lines = (await sandbox.get_json("/v1/invoices/unbilled/lineitems", provider="onetime",
                                        invoicelineitemtype=kind, currencycode="USD", period="current"))["items"]
        total += sum(Decimal(str(x.get("totalForCustomer", x.get("billingPreTaxTotal"))))
                     for x in lines if x["customerId"] == customer["id"])
    return total


async def download(bot: Bot, message: Message) -> str:
    [data] = [a.data for a in message.actions if a.title == "Download the full export (CSV)"]
    offered = await bot.submit(dict(data))
    urls = [a["url"] for card in offered.cards for a in card.get("actions", []) if a.get("type") == "Action.OpenUrl"]
    assert len(urls) == 1, offered.screen
    async with aiohttp.ClientSession() as http, http.get(urls[0]) as response:
        assert response.status == 200 and response.content_type == "text/csv"
        return (await response.read()).decode()


def csv_total(text: str) -> tuple[Decimal, int]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return sum(Decimal(r["TotalForCustomer"]) for r in rows), len(rows)


async def test_unbilled_export_job_survives_a_bot_restart(sandbox, tmp_path):
    expected = await northwind_unbilled(sandbox)
    assert expected > 0
    path = tmp_path / "state.db"
    storage = SqliteStorage(path)
    first = fast(Bot(sandbox.url, storage=storage, conversation_id=GROUP, conversation_type="groupChat"))
    await first.__aenter__()
    try:
        asked = await first.say("unbilled for Northwind this month")
        assert asked.title == "Which customer do you mean?"  # Northwind Traders and Northwind Health
        started = await first.click("Northwind Traders")
        assert f"Preparing Northwind Traders' unbilled lines for {_this_month()}" in started.screen, started.screen
        assert "I'll post here when it's done" in started.screen
        await asyncio.sleep(0.5)  # polled a few times: still running (Retry-After)
        assert first.app.connector.pending() == []
    finally:
        await first.__aexit__(None, None, None)  # the bot goes away mid-export
        storage.close()
    port = first.app.connector.port

    await advance(sandbox, DELAY + 1)  # Partner Center finishes while the bot is down
    storage = SqliteStorage(path)
    second = fast(Bot(sandbox.url, storage=storage, conversation_id=GROUP, conversation_type="groupChat"))
    second.app.connector = LocalConnector(port=port)
    try:
        async with second:
            second.engine.files.settings.base_url = second.app.url
            done = await proactive(second.app.connector)
            card = done.cards[0]
            assert f"Unbilled: Northwind Traders, {_this_month()}" in done.screen
            shown = facts(card)
            assert shown["Source"] == "Unbilled reconciliation export (v2, Microsoft Graph)"
            assert shown["Total"] == money(expected)
            assert "Per customer" in done.screen and "Largest lines" in done.screen
            assert any(str(el.get("type", "")).startswith("Chart.") for el in card["body"])
            await asyncio.sleep(0.5)
            assert second.app.connector.pending() == [], "announced exactly once"
            text = await download(second, done)
            total, rows = csv_total(text)
            assert total == expected and rows == int(shown["Lines"])
    finally:
        storage.close()


async def test_invoice_line_items_export_adds_up_to_the_invoice(sandbox):
    invoices = (await sandbox.get_json("/v1/invoices"))["items"]
    onetime = next(i for i in invoices if i["invoiceType"] == "OneTime")
    invoice = await sandbox.get_json(f"/v1/invoices/{onetime['id']}")
    async with fast(Bot(sandbox.url, conversation_id=GROUP, conversation_type="groupChat")) as bot:
        bot.engine.files.settings.base_url = bot.app.url
        started = await bot.say(f"line items of invoice {onetime['id']}")
        assert f"Preparing the line items of invoice {onetime['id']}" in started.screen, started.screen
        await advance(sandbox, DELAY + 1)
        done = await proactive(bot.app.connector)
        shown = facts(done.cards[0])
        total = Decimal(str(invoice["totalCharges"]))
        assert shown["Total"] == shown["Invoice total"] == money(total)
        assert shown["Check"] == "Lines add up to the invoice total"
        assert shown["Source"] == "Billed reconciliation export (v2, Microsoft Graph)"
        csv_sum, _ = csv_total(await download(bot, done))
        assert csv_sum == total


async def test_unbilled_for_a_period_without_unbilled_lines_is_a_plain_answer(sandbox):
    async with Bot(sandbox.url) as bot:
        seen = await bot.say("unbilled charges for Northwind Traders in March 2026")
        assert f"Unbilled lines exist only for the running billing month ({_this_month()})" in seen.screen
        seen = await bot.say("unbilled charges for Northwind Traders in March 2031")
        assert "hasn't happened yet" in seen.screen


def _this_month() -> str:
    """The running billing month on the test clock ("December 2026"), so the suite holds on any date."""
    from partner_center.clock import now

    return now().strftime("%B %Y")
