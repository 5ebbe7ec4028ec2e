"""The weekly digest through the real bot: a personal chat asks for it, the scheduler (driven with an explicit
time) posts one digest per due time — not again on a second sweep, not from a second instance on the same
storage — listing the renewals of the next 30 days that the sandbox holds, and the next week's once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.webhooks import DIGESTS
from dialogs.digest import DigestScheduler, last_due
from dialogs.notifications import Route
from partner_center import clock
from tests.e2e.e2e_support import DANA, Bot, SandboxThread, _message, table_rows


def test_last_due_is_the_latest_weekday_and_time_at_or_before_now():
    route = Route("digest", weekday="monday", time="09:00")
    monday_8 = datetime.fromisoformat("2026-12-07T08:00:00+00:00")
    assert last_due(route, monday_8).isoformat() == "2026-11-30T09:00:00+00:00"
    assert last_due(route, monday_8 + timedelta(hours=1)).isoformat() == "2026-12-07T09:00:00+00:00"
    assert last_due(route, monday_8 + timedelta(days=3)).isoformat() == "2026-12-07T09:00:00+00:00"


async def test_one_digest_per_due_time(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url) as bot:
        await bot.say("send this chat a renewals digest every Monday 9:00", user=DANA)
        await bot.click("Confirm", user=DANA)
        digests = bot.app.app[DIGESTS]
        assert isinstance(digests, DigestScheduler)
        week_later = last_due(Route("digest", weekday="monday", time="09:00"), clock.now() + timedelta(days=7))
        week_later += timedelta(minutes=5)
        assert await digests.run_due(week_later) == ["a:personal-dana"]
        (post,) = [_message(call) for call in bot.app.connector.pending()]
        assert "Weekly Partner Center digest" in post.screen
        assert "Purchase approvals waiting: 0" in post.screen

        # What the sandbox says renews within 30 days of the sweep, by subscription name.
        expected = set()
        customers = (await shared_sandbox.get_json("/v1/customers", size=500))["items"]
        for customer in customers:
            subs = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/subscriptions"))["items"]
            for sub in subs:
                end = datetime.fromisoformat(sub["commitmentEndDate"].replace("Z", "+00:00"))
                if sub["status"] == "active" and clock.now() <= end <= clock.now() + timedelta(days=30):
                    name = sub.get("friendlyName") or sub["offerName"]
                    expected.add((customer["companyProfile"]["companyName"], name))
        assert expected, "the seed has renewals within 30 days"
        assert f"Renewals in the next 30 days: {len(expected)}" in post.screen
        shown = {(row[0], row[1]) for row in table_rows(post.cards[0])[1:]}
        assert shown <= expected and len(shown) == min(len(expected), 20)

        assert await digests.run_due(week_later + timedelta(minutes=1)) == []
        other_instance = DigestScheduler(digests.store, bot.app.storage, digests.build, digests.send)
        assert await other_instance.run_due(week_later) == []
        assert bot.app.connector.pending() == []
        # The next week, both instances sweep at once: one digest.
        both = await asyncio.gather(digests.run_due(week_later + timedelta(days=7)),
                                    other_instance.run_due(week_later + timedelta(days=7)))
        assert sorted(both) == [[], ["a:personal-dana"]]
        assert len(bot.app.connector.pending()) == 1
