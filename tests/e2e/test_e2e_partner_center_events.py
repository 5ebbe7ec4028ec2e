"""Partner Center webhooks end to end (api.md §27): the sandbox delivers a signed `subscription-updated` when a
subscription changes (changed over HTTP directly, not through the bot); the bot verifies it and posts exactly one
card to the channel subscribed to subscription changes. Forged deliveries get 401 and post nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from bot.demo import demo_roles
from bot.webhooks import EVENTS
from sandbox.context import SANDBOX_KEY
from tests.e2e.e2e_support import AUTH, DANA, Bot, SandboxThread, _message

CHANNEL = "19:events-channel@thread.tacv2"


async def _settle(bot: Bot, sandbox: SandboxThread) -> None:
    """Wait for the sandbox's deliveries and the bot's posting queue to finish."""
    hub = sandbox._running.app[SANDBOX_KEY].webhooks  # noqa: SLF001 - the sandbox's own delivery queue
    for _ in range(200):
        if hub is None or not hub._tasks:  # noqa: SLF001
            break
        await asyncio.sleep(0.05)
    await asyncio.wait_for(bot.app.app[EVENTS].drain(), 10)


async def test_a_subscription_change_posts_one_card_and_forgeries_post_nothing(sandbox: SandboxThread,
                                                                               tmp_path: Path):
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps(demo_roles()), encoding="utf-8")
    async with Bot(sandbox.url, roles_file=str(roles), conversation_id=CHANNEL,
                   conversation_type="channel") as bot:
        await bot.say("post subscription changes for all customers here", user=DANA)
        await bot.click("Confirm", user=DANA)
        hook = f"{bot.app.url}/api/partner-center/events"
        async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH, timeout=10) as pc:
            registered = await pc.post("/webhooks/v1/registration",
                                       json={"WebhookUrl": hook, "WebhookEvents": ["subscription-updated"]})
            assert registered.status_code == 200, registered.text
            sub = await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3")
            customer = await sandbox.customer("Contoso Ltd")
            changed = await pc.patch(f"/v1/customers/{customer['id']}/subscriptions/{sub['id']}",
                                     json={"quantity": sub["quantity"] + 2})
            assert changed.status_code == 200, changed.text
        await _settle(bot, sandbox)

        posts = [_message(call) for call in bot.app.connector.pending()]
        assert len(posts) == 1, [p.screen for p in posts]
        (post,) = posts
        assert post.call.conversation_id == CHANNEL
        assert "Partner Center: a subscription changed" in post.screen
        assert "Contoso Ltd's Microsoft 365 E3 changed in Partner Center." in post.screen
        assert str(sub["quantity"] + 2) in post.screen
        assert [a.title for a in post.actions] == ["Show subscription"]

        # The button shows the subscription.
        bot.history.append(post)
        shown = await bot.click("Show subscription", user=DANA)
        assert "Microsoft 365 E3" in shown.title

        # Forgeries: the same delivery again (replay), a tampered body, no signature, a certificate elsewhere.
        hub = sandbox._running.app[SANDBOX_KEY].webhooks  # noqa: SLF001
        payload = hub.delivered[-1]["payload"]
        body = json.dumps(payload, separators=(",", ":")).encode()
        signed = {"Authorization": f"Signature {hub.signing().sign(body)}", "Content-Type": "application/json",
                  "X-MS-Signature-Algorithm": "rsa-sha256",
                  "X-MS-Certificate-Url": f"{sandbox.url}/_cert/pcnotifications-dispatch.cer"}
        tampered = body.replace(b"subscription-updated", b"subscription-updateD")
        forged = [
            (body, signed),
            (tampered, signed),
            (body, {k: v for k, v in signed.items() if k != "Authorization"}),
            (body.replace(b"+00:00", b"+00:01"), {**signed, "X-MS-Certificate-Url":
                                                   "https://evil.example.com/cert/pcnotifications-dispatch.cer"}),
            (body.replace(b"+00:00", b"+00:01"), {**signed, "X-MS-Certificate-Url":
                                                   f"{sandbox.url}/v1/customers"}),
        ]
        async with httpx.AsyncClient(timeout=10) as anyone:
            for content, headers in forged:
                answer = await anyone.post(hook, content=content, headers=headers)
                assert answer.status_code == 401, (headers, answer.text)
        await _settle(bot, sandbox)
        assert bot.app.connector.pending() == []
        assert len(bot.app.app[EVENTS].posted) == 1


async def test_a_test_event_on_demand_reaches_a_personal_chat_once(sandbox: SandboxThread):
    """Anyone may route events to their own chat; W5's test event arrives there as one card."""
    async with Bot(sandbox.url) as bot:
        asked = await bot.say("notify this chat about Partner Center test events", user=DANA)
        assert "Test events" in asked.screen, asked.screen
        await bot.click("Confirm", user=DANA)
        hook = f"{bot.app.url}/api/partner-center/events"
        async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH, timeout=10) as pc:
            refused = await pc.post("/webhooks/v1/registration/validationEvents")
            assert refused.status_code == 400  # no registration with test-created yet (§27.4 rule 3)
            registered = await pc.post("/webhooks/v1/registration",
                                       json={"WebhookUrl": hook, "WebhookEvents": ["test-created"]})
            assert registered.status_code == 200, registered.text
            again = await pc.post("/webhooks/v1/registration",
                                  json={"WebhookUrl": hook, "WebhookEvents": ["test-created"]})
            assert again.status_code == 409
            sent = await pc.post("/webhooks/v1/registration/validationEvents")
            assert sent.status_code == 200 and sent.json()["correlationId"]
            assert (await pc.post("/webhooks/v1/registration/validationEvents")).status_code == 200
            throttled = await pc.post("/webhooks/v1/registration/validationEvents")  # the third in a minute
            assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
        await _settle(bot, sandbox)
        posts = [_message(call) for call in bot.app.connector.pending()]
        assert [p.call.conversation_id for p in posts] == ["a:personal-dana"] * 2  # two test events, each once
        assert "Partner Center: test event" in posts[0].screen
        assert "events reach this conversation" in posts[0].screen
