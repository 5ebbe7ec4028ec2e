"""notifications.subscribe / list / unsubscribe through the real bot: routes per conversation, admin-only in
channels and group chats, anyone in their personal chat; stored routes after confirm and after decline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.demo import demo_roles
from dialogs.notifications import NotificationStore
from tests.e2e.e2e_support import AVERY, DANA, Bot, SandboxThread

CHANNEL = "19:ops-channel@thread.tacv2"


def _roles(tmp_path: Path) -> str:
    """Dana holds admin; Avery holds viewer + approver (the demo roles)."""
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(demo_roles()), encoding="utf-8")
    return str(path)


def _store(bot: Bot) -> NotificationStore:
    store = bot.engine.notifications
    assert isinstance(store, NotificationStore)
    return store


async def test_admin_routes_subscription_changes_into_a_channel(shared_sandbox: SandboxThread, tmp_path: Path):
    async with Bot(shared_sandbox.url, roles_file=_roles(tmp_path), conversation_id=CHANNEL,
                   conversation_type="channel") as bot:
        asked = await bot.say("post subscription changes for all customers here", user=DANA)
        assert "Subscription changes" in asked.screen and "in this channel" in asked.screen, asked.screen
        assert asked.buttons == ["Confirm", "Cancel"]
        declined = await bot.click("Cancel", user=DANA)
        assert declined.texts == ["OK, nothing was changed."]
        assert (await _store(bot).get(CHANNEL)).routes == ()

        await bot.say("post subscription changes for all customers here", user=DANA)
        done = await bot.click("Confirm", user=DANA)
        assert done.texts == ["Done: Subscription changes will be posted in this channel."]
        stored = await _store(bot).get(CHANNEL)
        assert [r.topic for r in stored.routes] == ["subscriptions"]
        assert stored.conversation_type == "channel"
        assert [c.conversation_id for c in await _store(bot).subscribed("subscriptions")] == [CHANNEL]

        again = await bot.say("post subscription changes for all customers here", user=DANA)
        assert again.texts == ["Subscription changes is already posted in this channel; nothing changed."]
        assert not again.cards

        listed = await bot.say("which notifications go to this channel", user=DANA)
        assert listed.title == "Posted in this channel"
        assert "Subscription changes" in listed.screen

        stop = await bot.say("stop posting events here", user=DANA)
        assert stop.buttons == ["Confirm", "Cancel"] and "Subscription changes" in stop.screen
        await bot.click("Cancel", user=DANA)
        assert [r.topic for r in (await _store(bot).get(CHANNEL)).routes] == ["subscriptions"]
        await bot.say("stop posting events here", user=DANA)
        stopped = await bot.click("Confirm", user=DANA)
        assert stopped.texts == ["Done: those posts stop in this channel."]
        assert (await _store(bot).get(CHANNEL)).routes == ()
        assert await _store(bot).subscribed("subscriptions") == []

        empty = await bot.say("which notifications go to this channel", user=DANA)
        assert "Nothing is posted in this channel yet" in empty.screen


@pytest.mark.parametrize("conversation_type", ["channel", "groupChat"])
async def test_a_non_admin_cannot_route_events_into_a_shared_conversation(shared_sandbox: SandboxThread,
                                                                          tmp_path: Path, conversation_type: str):
    async with Bot(shared_sandbox.url, roles_file=_roles(tmp_path), conversation_id=f"19:{conversation_type}",
                   conversation_type=conversation_type) as bot:
        refused = await bot.say("post subscription changes for all customers here", user=AVERY)
        assert not refused.cards
        assert "admin" in refused.texts[0].lower(), refused.texts
        assert (await _store(bot).get(f"19:{conversation_type}")).routes == ()


async def test_anyone_may_route_events_to_their_personal_chat(shared_sandbox: SandboxThread, tmp_path: Path):
    personal = "a:personal-avery"
    async with Bot(shared_sandbox.url, roles_file=_roles(tmp_path), conversation_id=personal) as bot:
        asked = await bot.say("send this chat a renewals digest every Friday 8:30", user=AVERY)
        assert "in your chat with me" in asked.screen and "Fridays at 08:30 UTC" in asked.screen, asked.screen
        done = await bot.click("Confirm", user=AVERY)
        assert done.texts == ["Done: Weekly digest of renewals, expiring GDAP and approvals, Fridays at 08:30 UTC "
                              "will be posted in your chat with me."]
        (route,) = (await _store(bot).get(personal)).routes
        assert (route.topic, route.weekday, route.time, route.created_by) == ("digest", "friday", "08:30",
                                                                              AVERY.aad_object_id or route.created_by)
        listed = await bot.say("list my notification subscriptions", user=AVERY)
        assert "Fridays at 08:30 UTC" in listed.screen
