"""HTTP end-to-end: the new-commerce lifecycle through the bot — the cancellation window at 1 h, 167 h and 169 h
after a purchase (seat reduction and cancel cards: allowed with refund, or blocked with "schedule this for renewal"),
renewals partner-wide, changes scheduled for renewal (confirm and decline), the scheduled-change list and dropping
one, and a mid-term change that says it wipes the scheduled one.

The sandbox clock is moved with POST /_sandbox/clock; the bot's clock (dialogs.lifecycle.clock) reads the same
Sandbox.now() so both sides agree on "now".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from dialogs import lifecycle
from sandbox import catalog_data as cat
from sandbox.context import SANDBOX_KEY
from tests.e2e.e2e_support import AUTH, Bot, SandboxThread, facts, table_rows

E3 = next(i for i in cat.ITEMS if i.title == "Microsoft 365 E3" and not i.is_legacy)
HOUR = 3600


@pytest.fixture
def synced(sandbox: SandboxThread, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxThread]:
    state = sandbox._running.app[SANDBOX_KEY]  # noqa: SLF001 - the test's own sandbox
    monkeypatch.setattr(lifecycle, "clock", state.now)
    yield sandbox


async def _advance(sandbox: SandboxThread, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as admin:
        r = await admin.post("/_sandbox/clock", json={"advanceSeconds": seconds})
        assert r.status_code == 200


async def _buy_e3(sandbox: SandboxThread, company: str, quantity: int = 10) -> dict:
    cid = (await sandbox.customer(company))["id"]
    line = {"id": 0, "catalogItemId": E3.catalog_item_id, "quantity": quantity, "billingCycle": "monthly",
            "termDuration": "P1Y"}
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH, timeout=10) as client:
        cart = (await client.post(f"/v1/customers/{cid}/carts", json={"lineItems": [line]})).json()
        r = await client.post(f"/v1/customers/{cid}/carts/{cart['id']}/checkout")
        assert r.status_code in (200, 201), r.text
    return await sandbox.subscription(company, "Microsoft 365 E3")


def change_rows(seen) -> dict[str, list[str]]:
    rows = table_rows(seen.card)
    return {r[0]: r[1:] for r in rows[1:]}


@pytest.mark.parametrize("hours", [1, 167, 169])
async def test_window_at_1_167_169_hours_after_purchase(synced: SandboxThread, hours: int):
    sandbox = synced
    bought = await _buy_e3(sandbox, "Northwind Traders")
    await _advance(sandbox, hours * HOUR)
    inside = hours < 168
    async with Bot(sandbox.url) as bot:
        asked = await bot.say("can I still cancel Northwind Traders' E3?")
        shown = facts(asked.card)
        assert asked.title == "Cancellation window: Microsoft 365 E3"
        if inside:
            assert "Yes — Microsoft 365 E3 at Northwind Traders can still be cancelled until" in asked.screen
            assert f"({167 - hours} hours left); 10 seat(s) are refundable." in asked.screen
            assert shown["Refundable seats"] == "10" and "Cancel it (refunded)" in asked.buttons
        else:
            assert "No — the cancellation window of Microsoft 365 E3 at Northwind Traders has closed." \
                in asked.screen
            assert shown["Refundable seats"] == "0" and "Schedule a change for renewal" in asked.buttons

        reduce = await bot.say("remove 4 seats from Northwind Traders' E3")
        assert change_rows(reduce)["Seats"] == ["10", "6"]
        if inside:
            assert "Inside the cancellation window: 10 seat(s) can be removed with a refund for" in reduce.screen
            assert reduce.buttons == ["Confirm", "Cancel"]
            done = await bot.click("Confirm")
            assert "6" in facts(done.card)["Seats"]
            assert (await sandbox.subscription("Northwind Traders", "Microsoft 365 E3"))["quantity"] == 6
        else:
            assert "Outside the cancellation window: only 0 seat(s) can be removed now." in reduce.screen
            offer = [b for b in reduce.buttons if b.startswith("Schedule this for renewal on ")]
            assert offer and "Confirm" not in reduce.buttons
            refused = await bot.say("yes")  # typing yes to a blocked card changes nothing
            assert "can't be made as asked" in refused.screen
            scheduled = await bot.click(offer[0])
            assert change_rows(scheduled)["Seats at renewal"] == ["10", "6"]
            renews = facts(scheduled.card)["Renews on"]
            assert offer[0].endswith(renews)
            done = await bot.click("Confirm")
            assert f"Scheduled: Microsoft 365 E3 changes to 6 seats at the renewal on {renews}." in done.screen
            after = await sandbox.subscription("Northwind Traders", "Microsoft 365 E3")
            assert after["quantity"] == 10 and after["scheduledNextTermInstructions"]["quantity"] == 6

        cancel = await bot.say("cancel Northwind Traders' E3")
        if inside:
            assert "Inside the cancellation window:" in cancel.screen and "Confirm" in cancel.buttons
            await bot.click("Cancel")
        else:
            assert "The 168-hour cancellation window has closed" in cancel.screen
            assert "Confirm" not in cancel.buttons
            assert any(b.startswith("End it at renewal on ") for b in cancel.buttons)
            await bot.click("Cancel")
    after = await sandbox.subscription("Northwind Traders", "Microsoft 365 E3")
    assert after["status"] == "active" and after["id"] == bought["id"]


async def test_the_three_demo_questions_and_scheduled_changes(synced: SandboxThread):
    sandbox = synced
    async with Bot(sandbox.url) as bot:
        renewals = await bot.say("what renews in the next 30 days?")
        assert renewals.title.startswith("Renewals ")
        summary = re.search(r"(\d+) subscription\(s\) renew between .*: (\d+) with auto-renew off", renewals.screen)
        assert summary and int(summary.group(1)) >= 1
        assert "Microsoft 365 E3" in renewals.screen and "Fabrikam Inc" in renewals.screen
        this_month = await bot.say("what renews this month?")
        assert this_month.title.startswith("Renewals ")

        window = await bot.say("can I still cancel Contoso's Copilot?")
        assert window.title == "Cancellation window: Microsoft 365 Copilot"
        assert "Yes — Microsoft 365 Copilot at Contoso Pharma can still be cancelled until" in window.screen
        assert "5 seat(s) are refundable" in window.screen

        declined = await bot.say("at renewal drop Fabrikam's E3 to 10 seats")
        assert change_rows(declined)["Seats at renewal"] == ["25", "10"]
        assert "Nothing changes now: the subscription keeps 25 seats until the renewal." in declined.screen
        await bot.click("Cancel")
        untouched = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 E3")
        assert "scheduledNextTermInstructions" not in untouched

        await bot.say("at renewal drop Fabrikam's E3 to 10 seats")
        done = await bot.click("Confirm")
        assert "Scheduled: Microsoft 365 E3 changes to 10 seats at the renewal on" in done.screen
        after = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 E3")
        assert after["quantity"] == 25 and after["scheduledNextTermInstructions"]["quantity"] == 10

        listed = await bot.say("show scheduled changes for Fabrikam")
        assert listed.title == "Changes scheduled for renewal: Fabrikam Inc"
        assert "Microsoft 365 E3" in listed.screen and "10 seats" in listed.screen

        wipe = await bot.say("add 2 seats to Fabrikam's E3")
        assert "This mid-term change also drops the change scheduled for renewal (10 seats)." in wipe.screen
        await bot.click("Cancel")

        drop = await bot.say("cancel the scheduled change on Fabrikam's E3")
        assert change_rows(drop)["Change at renewal"] == ["10 seats", "none"]
        done = await bot.click("Confirm")
        assert "The change scheduled for the renewal of Microsoft 365 E3 was dropped." in done.screen
    after = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 E3")
    assert "scheduledNextTermInstructions" not in after and after["quantity"] == 25


async def test_renewal_rolls_the_end_date_forward_and_applies_the_change(synced: SandboxThread):
    sandbox = synced
    before = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 E3")
    async with Bot(sandbox.url) as bot:
        await bot.say("at renewal drop Fabrikam's E3 to 10 seats")
        await bot.click("Confirm")
        await _advance(sandbox, 21 * 24 * HOUR)  # past the renewal 20 days out
        window = await bot.say("can I still cancel Fabrikam's E3?")
        assert "Yes — Microsoft 365 E3 at Fabrikam Inc can still be cancelled" in window.screen
        assert "10 seat(s) are refundable" in window.screen
    after = await sandbox.subscription("Fabrikam Inc", "Microsoft 365 E3")
    assert after["quantity"] == 10 and "scheduledNextTermInstructions" not in after
    assert after["commitmentEndDate"][:4] == str(int(before["commitmentEndDate"][:4]) + 1)


async def test_subscriptions_by_order_and_by_partner(sandbox: SandboxThread):
    e3 = await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3")
    async with Bot(sandbox.url) as bot:
        seen = await bot.say(f"which subscriptions came from order {e3['orderId']} for Contoso Ltd")
        assert seen.title == f"Subscriptions from order {e3['orderId']}"
        assert "Microsoft 365 E3" in seen.screen and "Seats 15" in seen.screen
        missing = await bot.say("which subscriptions came from order 0000deadbeef for Contoso Ltd")
        assert missing.title == "Partner Center couldn't do that"
        none = await bot.say("subscriptions for Contoso Ltd by MPN 4847383")
        assert none.title == "Subscriptions sold through partner 4847383"
        assert "Contoso Ltd has no subscriptions sold through partner 4847383." in none.screen


async def test_provisioning_status_follows_a_seat_change(sandbox: SandboxThread):
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as admin:
        assert (await admin.post("/_sandbox/faults", json={"provisioningDelaySeconds": 600})).status_code == 200
    async with Bot(sandbox.url) as bot:
        ready = await bot.say("is Contoso's Teams Essentials provisioned")
        assert ready.title == "Provisioning: Microsoft Teams Essentials"
        assert facts(ready.card)["Provisioning"] == "Done: the seats are ready to use"
        await bot.say("add 1 seat to Contoso's Teams Essentials")
        await bot.click("Confirm")
        pending = await bot.say("is Contoso's Teams Essentials provisioned")
        shown = facts(pending.card)
        assert shown["Provisioning"].startswith("In progress") and shown["Seats"] == "11"


async def test_support_contact_says_new_commerce_cannot_change_it(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url) as bot:
        seen = await bot.say("who supports Contoso's E3")
        assert seen.title == "Support contact: Microsoft 365 E3"
        assert facts(seen.card)["Supported by"]
        assert "change the support contact only on legacy licence-based subscriptions" in seen.screen
