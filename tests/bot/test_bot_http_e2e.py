"""HTTP end-to-end: the real aiohttp app and CloudAdapter on a real loopback port, a fake engine, and the local
connector receiving the replies (anonymous mode: empty app id)."""

from __future__ import annotations

import logging

import pytest

from bot import references
from bot.config import Settings
from bot.storage_sqlite import SqliteStorage
from tests.bot.fake_engine import FakeEngine
from tests.support.botapp import AVERY, DANA, BotApp


@pytest.fixture
def engine():
    return FakeEngine()


async def test_message_reaches_engine_and_reply_with_card_arrives(engine):
    async with BotApp(engine) as bot:
        status, _ = await bot.send_text("show Contoso")
        assert status in (200, 201)
        [reply] = await bot.connector.next(1)
        assert reply.operation == "reply" and reply.conversation_id == bot.conversation_id
        assert reply.text == "echo: show Contoso #1"
        assert reply.cards[0]["body"][0]["text"] == "Card for show Contoso"
        turn = engine.turns[0]
        assert turn.user.id == DANA.aad_object_id and turn.user.aad_object_id == DANA.aad_object_id
        assert turn.user.name == "Dana (demo)" and turn.locale == "en-US"
        assert turn.conversation_type == "personal" and turn.channel_id == "msteams"


async def test_card_submit_without_text(engine):
    async with BotApp(engine) as bot:
        status, _ = await bot.submit({"pb": "confirm", "flow": "f1"})
        assert status in (200, 201)
        [reply] = await bot.connector.next(1)
        assert reply.text == "got value [('flow', 'f1'), ('pb', 'confirm')]"
        assert engine.turns[0].text is None


async def test_message_with_neither_text_nor_value_is_ignored(engine):
    async with BotApp(engine) as bot:
        status, _ = await bot.send_text(None)
        assert status in (200, 201) and engine.turns == []


async def test_bot_mention_is_removed_from_group_chat_text(engine):
    async with BotApp(engine) as bot:
        from bot import local_channel as lc

        activity = lc.message_activity("<at>PartnerBot</at> show Contoso", **bot.envelope(
            conversation_type="groupChat", conversation_id="19:group@thread.v2"))
        activity["entities"].append({"type": "mention", "text": "<at>PartnerBot</at>",
                                     "mentioned": dict(lc.BOT_ACCOUNT)})
        await bot.post(activity)
        await bot.connector.next(1)
        assert engine.turns[0].text == "show Contoso"
        assert engine.turns[0].conversation_type == "groupChat"


@pytest.mark.parametrize("data, content_type", [
    (b"{not json", "application/json"),
    (b'{"type": "message"}', "text/plain"),
    (b"[1, 2]", "application/json"),
    (b'{"type": "message", "serviceUrl": "http://127.0.0.1:9/"}', "application/json"),
    (b'\xff\xfe', "application/json"),
])
async def test_malformed_request_is_400_and_the_bot_keeps_serving(engine, data, content_type):
    async with BotApp(engine) as bot:
        status, body = await bot.post_raw(data, content_type)
        assert status == 400 and body["error"]["code"] == "BadRequest" and body["error"]["message"]
        status, _ = await bot.send_text("still there?")
        assert status in (200, 201)
        [reply] = await bot.connector.next(1)
        assert reply.text.startswith("echo: still there?")


async def test_healthz(engine):
    async with BotApp(engine) as bot:
        assert await bot.get("/healthz") == (200, {"status": "ok"})


async def test_engine_exception_gives_correlation_id_and_clears_state(engine, caplog):
    async with BotApp(engine) as bot:
        await bot.send_text("one")
        await bot.connector.next(1)
        with caplog.at_level(logging.ERROR, logger="bot.server"):
            status, _ = await bot.send_text("boom")
        assert status in (200, 201)
        [error_reply] = await bot.connector.next(1)
        assert "went wrong" in error_reply.text
        cid = error_reply.text.rsplit("error id: ", 1)[1].rstrip(".")
        assert len(cid) == 8
        assert any(cid in r.getMessage() and "engine exploded" in r.getMessage() for r in caplog.records)
        await bot.send_text("after")
        [reply] = await bot.connector.next(1)
        state = engine.states[-1]
        assert "half_done" not in state and state["count"] == 1, "what the failed turn changed is not kept"
        assert reply.text == "echo: after #2"


async def test_adaptive_card_invoke_returns_200_with_card(engine):
    async with BotApp(engine) as bot:
        status, body = await bot.invoke("approve", {"request_id": "r1", "version": 2}, user=AVERY)
        assert status == 200
        assert body["statusCode"] == 200
        assert body["type"] == "application/vnd.microsoft.card.adaptive"
        assert body["value"]["body"][0]["text"] == "approve by Avery (approver) {'request_id': 'r1', 'version': 2}"
        assert engine.turns[0].verb == "approve" and engine.turns[0].user.id == AVERY.aad_object_id


async def test_invoke_message_error_and_failure_bodies(engine):
    async with BotApp(engine) as bot:
        status, body = await bot.invoke("say")
        assert (status, body["type"], body["value"]) == (200, "application/vnd.microsoft.activity.message", "said")
        status, body = await bot.invoke("deny")
        assert status == 200 and body["statusCode"] == 403
        assert body["type"] == "application/vnd.microsoft.error"
        assert body["value"]["message"] == "You are not an approver."
        status, body = await bot.invoke("boom")
        assert status == 200 and "error id" in body["value"]
        assert bot.connector.pending() == [], "an invoke failure is answered in the invoke, not as a message"


async def test_invoke_that_is_not_action_execute_is_refused(engine):
    async with BotApp(engine) as bot:
        from bot import local_channel as lc

        activity = lc.invoke_activity("x", **bot.envelope())
        activity["value"]["action"]["type"] = "Action.Submit"
        status, body = await bot.post(activity)
        assert status == 200 and body["statusCode"] == 400 and engine.turns == []


async def test_members_added_welcomes_once(engine):
    async with BotApp(engine) as bot:
        await bot.members_added()
        [welcome] = await bot.connector.next(1)
        assert welcome.cards[0]["body"][0]["text"] == "Welcome Dana (demo)"
        await bot.install()  # Teams sends both on a personal install: one welcome only
        await bot.send_text("hi")
        [reply] = await bot.connector.next(1)
        assert reply.text.startswith("echo: hi")
        assert len(engine.welcomed) == 1


async def test_installation_update_welcomes_and_reinstall_welcomes_again(engine):
    async with BotApp(engine) as bot:
        await bot.install()
        await bot.connector.next(1)
        await bot.install(action="remove")
        await bot.install()
        [again] = await bot.connector.next(1)
        assert again.cards[0]["body"][0]["text"] == "Welcome Dana (demo)"


async def test_reply_with_replace_updates_the_activity(engine):
    async with BotApp(engine) as bot:
        await bot.send_text("replace 1234")
        [update] = await bot.connector.next(1)
        assert update.operation == "update" and update.activity_id == "1234" and update.text == "replaced"


async def test_conversation_reference_persisted(engine):
    async with BotApp(engine) as bot:
        await bot.install()
        await bot.connector.next(1)
        await bot.send_text("hello", user=AVERY, conversation_id="a:personal-avery")
        await bot.connector.next(1)
        ref = await references.get_reference(bot.storage, bot.conversation_id)
        assert ref.service_url == bot.connector.service_url and ref.conversation.id == bot.conversation_id
        assert ref.user.aad_object_id == DANA.aad_object_id and ref.activity_id is None
        [avery_ref] = await references.list_user_references(bot.storage, AVERY.aad_object_id)
        assert avery_ref.conversation.id == "a:personal-avery"
        personal = await references.get_personal_reference(bot.storage, DANA.aad_object_id)
        assert personal.conversation.id == bot.conversation_id


async def test_state_persists_across_two_app_instances(engine, tmp_path):
    path = tmp_path / "state.db"
    first = SqliteStorage(path)
    try:
        async with BotApp(engine, storage=first) as bot:
            await bot.send_text("a")
            await bot.send_text("b")
            assert [c.text for c in await bot.connector.next(2)] == ["echo: a #1", "echo: b #2"]
    finally:
        first.close()
    second_engine = FakeEngine()
    second = SqliteStorage(path)
    try:
        async with BotApp(second_engine, storage=second) as bot:
            await bot.send_text("c")
            [reply] = await bot.connector.next(1)
            assert reply.text == "echo: c #3"
            assert await references.get_reference(second, bot.conversation_id) is not None
    finally:
        second.close()


async def test_create_app_builds_sqlite_storage_from_settings(engine, tmp_path):
    settings = Settings(storage_kind="sqlite", state_path=str(tmp_path / "s.db"))
    from bot.server import STORAGE, create_app

    app = create_app(settings, engine=engine)
    assert isinstance(app[STORAGE], SqliteStorage)
    app[STORAGE].close()


async def test_redelivered_message_is_not_handled_twice(engine):
    """A channel retry carries the same activity id: the engine runs once, later messages run normally."""
    async with BotApp(engine) as bot:
        from bot import local_channel as lc

        activity = lc.message_activity("add 5 seats", **bot.envelope())
        assert (await bot.post(activity))[0] in (200, 201)
        await bot.connector.next(1)
        assert (await bot.post(dict(activity)))[0] in (200, 201)
        await bot.send_text("next one")
        [reply] = await bot.connector.next(1)
        assert [t.text for t in engine.turns] == ["add 5 seats", "next one"]
        assert reply.text == "echo: next one #2"
