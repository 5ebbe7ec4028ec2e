"""Jobs and files in the Microsoft 365 Agents Playground (headless Chromium; fixtures in tests/browser/conftest.py).

The Playground is a Teams client without the file consent flow, so a statement arrives as a card with a signed
Download link that the browser fetches from the bot; a registration (202 + Location) is answered at once and
its outcome card appears later, posted proactively by the bot's job poller into the same chat.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from cards.text import t
from scripts.playground_stack import SANDBOX_DEV_TOKEN, LocalStack
from tests.browser.test_playground_e2e import CARD, LOCALE, next_card, sandbox_get, send_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def azure_customer(stack: LocalStack) -> tuple[dict[str, Any], dict[str, Any]]:
    customers = (await sandbox_get(stack, "/v1/customers?size=500"))["items"]
    for customer in customers:
        subs = (await sandbox_get(stack, f"/v1/customers/{customer['id']}/subscriptions"))["items"]
        azure = [s for s in subs if s.get("offerName") == "Azure plan" and s.get("status") == "active"]
        if azure:
            return customer, azure[0]
    raise AssertionError("the seed has no customer with an Azure plan")


async def test_the_chat_is_installed(page):
    await page.locator(CARD).filter(has_text=t("welcome.title", LOCALE)).first.wait_for(state="visible")


async def test_a_statement_arrives_as_a_download_link_the_browser_can_fetch(page, stack):
    invoice = (await sandbox_get(stack, "/v1/invoices?size=1"))["items"][0]["id"]
    card = await next_card(page, lambda: send_text(page, f"statement for invoice {invoice}"),
                           has_text=f"Invoice_{invoice}.pdf")
    assert t("files.link.note", LOCALE) in await card.inner_text()
    button = card.get_by_role("link", name=t("files.link.download", LOCALE))  # Action.OpenUrl renders as a link
    url = await button.get_attribute("title")
    assert url and url.startswith(f"http://127.0.0.1:{stack.bot_port}/api/files/"), url
    fetched = await page.context.request.get(url)  # the browser's own network stack, as the click would use
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/pdf"
    body = await fetched.body()
    assert stack.sandbox is not None
    async with aiohttp.ClientSession() as http, http.get(
            f"{stack.sandbox.url}/v1/invoices/{invoice}/documents/statement",
            headers={"Authorization": f"Bearer {SANDBOX_DEV_TOKEN}"}) as direct:
        assert body == await direct.read() and body.startswith(b"%PDF-")


async def test_a_registration_is_answered_now_and_its_outcome_posted_later(page, stack):
    assert stack.sandbox is not None
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{stack.sandbox.url}/_sandbox/operations",
                             json={"pollsUntilDone": 1, "retryAfterSeconds": 1}) as response:
            assert response.status == 200
    customer, sub = await azure_customer(stack)
    name = customer["companyProfile"]["companyName"]
    confirm_label = t("confirm.confirm", LOCALE)
    preview = await next_card(page, lambda: send_text(page, f"register {name}'s Azure plan for reserved instances"),
                              has_text=confirm_label)
    started = t("jobs.started", LOCALE, what=t("jobs.registration.summary", LOCALE, subscription="Azure plan",
                                                customer=name))
    await preview.get_by_role("button", name=confirm_label).click()
    await page.get_by_text(started).first.wait_for(state="visible")
    done = t("jobs.registration.done", LOCALE, subscription="Azure plan", customer=name)
    outcome = page.locator(CARD).filter(has_text=done)
    await outcome.first.wait_for(state="visible", timeout=30_000)
    await page.wait_for_timeout(3000)  # several poller passes later: still one
    assert await outcome.count() == 1
