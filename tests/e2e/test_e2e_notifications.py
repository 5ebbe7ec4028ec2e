"""notifications.subscribe / list / unsubscribe through the real bot: routes stored in bot storage, once per
conversation and topic; only an admin routes events into a channel, anyone subscribes their personal chat; a
declined change stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

from bot.demo import demo_roles
from tests.e2e.e2e_support import AVERY, DANA, Bot


async def test_personal_chat_subscribe_list_decline_and_unsubscribe(shared_sandbox):
    async with Bot(shared_sandbox.url) as bot:
        asked = await bot.say("post subscription changes for all customers here")
        assert asked.has("Subscription changes", "your personal chat with me", "Confirm"), asked.screen
        await bot.click("Cancel")
        empty = await bot.say("list my notification subscriptions")
        assert "Nothing is posted here yet" in empty.screen, empty.screen

        await bot.say("post subscription changes for all customers here")
        done = await bot.click("Confirm")
        assert "Subscription changes will be posted to your personal chat with me." in done.screen, done.screen
        again = await bot.say("post subscription changes for all customers here")
        assert "already posted here" in again.screen, again.screen
        listed = await bot.say("list my notification subscriptions")
        assert listed.screen.count("Subscription changes") == 1, listed.screen

        asked = await bot.say("stop posting events here")
        assert asked.has("Subscription changes", "Stopped"), asked.screen
        await bot.click("Cancel")
        assert "Subscription changes" in (await bot.say("list my notification subscriptions")).screen
        await bot.say("stop posting events here")
        stopped = await bot.click("Confirm")
        assert "Stopped 1 notification route(s)" in stopped.screen, stopped.screen
        assert "Nothing is posted here yet" in (await bot.say("list my notification subscriptions")).screen


async def test_only_an_admin_routes_events_into_a_channel(shared_sandbox, tmp_path: Path):
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps(demo_roles()), encoding="utf-8")
    async with Bot(shared_sandbox.url, roles_file=str(roles), conversation_id="19:ops@thread.tacv2",
                   conversation_type="channel") as channel:
        refused = await channel.say("notify this chat about Partner Center events", user=AVERY)
        assert "Only an admin can route Partner Center events into a channel" in refused.screen, refused.screen
        assert "Nothing is posted here yet" in (await channel.say("what gets posted to this chat",
                                                                  user=AVERY)).screen
        asked = await channel.say("notify this chat about Partner Center events", user=DANA)
        assert asked.has("All Partner Center events", "this conversation"), asked.screen
        done = await channel.click("Confirm", user=DANA)
        assert "All Partner Center events will be posted to this conversation." in done.screen, done.screen
        listed = await channel.say("what gets posted to this chat", user=AVERY)
        assert listed.has("All Partner Center events", "Channel"), listed.screen
