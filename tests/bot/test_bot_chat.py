"""`partnerbot chat`: the ChatSession core driven directly, and the real command driven through stdin."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.chat import DEMO_USERS, ChatSession, conversation_for, find_identity
from dialogs.turn import InvokeResult, Reply, Turn
from tests.bot.fake_engine import FakeEngine
from tests.bot.test_bot_render_text import SAMPLE
from tests.support.botapp import BotApp

ROOT = Path(__file__).resolve().parents[2]


class FormEngine(FakeEngine):
    """Answers 'form' with the sample card (inputs, Submit, Execute); records submitted values."""

    async def on_turn(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        if turn.text == "form":
            self.turns.append(turn)
            return [Reply(text="Please check:", card=SAMPLE)]
        return await super().on_turn(turn, state)

    async def on_invoke(self, turn: Turn, state: dict[str, Any]) -> InvokeResult:
        if turn.verb == "refresh":
            self.turns.append(turn)
            return InvokeResult(card={"type": "AdaptiveCard", "body": [
                {"type": "TextBlock", "text": f"refreshed {sorted(turn.value.items())}"}]})
        return await super().on_invoke(turn, state)


class Script:
    """Plays the user's lines; fails loudly when the chat asks more than the script has."""

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []

    async def __call__(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        if not self.lines:
            raise AssertionError(f"unexpected prompt {prompt!r}")
        return self.lines.pop(0)


@pytest.fixture
async def bot():
    async with BotApp(FormEngine()) as app:
        yield app


async def start_chat(bot: BotApp, *lines: str, user: str = "Dana (demo)") -> tuple[ChatSession, list[str]]:
    output: list[str] = []
    chat = ChatSession(bot.url, find_identity(user), ask=Script(*lines), out=output.append)
    await chat.start()
    return chat, output


async def test_welcome_message_and_execute_action(bot):
    chat, out = await start_chat(bot)
    try:
        assert out[0].startswith("Chatting with http://127.0.0.1:") and out[1] == "PartnerBot:"
        assert "Welcome Dana (demo)" in out[2] and "[1] Refresh" in out[2]
        out.clear()
        assert await chat.handle("hello")
        assert out[0] == "PartnerBot: echo: hello #1"
        assert "Card for hello" in out[1] and "[1] Refresh" in out[1]
        assert await chat.handle("1")
        assert out[2:] == ["PartnerBot (card updated):", "  refreshed [('n', 1)]"]
        assert bot.engine.turns[-1].verb == "refresh" and chat.choices == []
    finally:
        await chat.close()


async def test_submit_asks_inputs_and_merges_them_with_the_data(bot):
    chat, out = await start_chat(bot)
    chat.ask = Script("0", "20", "1", "y")  # 0 is out of range for Seats (1..300), then valid answers
    try:
        await chat.handle("form")
        assert any("[1] Docs   [2] Confirm   [3] Refresh" in line for line in out)
        assert chat._prompt() == "Dana (demo) [1-3 to press]> "
        out.clear()
        await chat.handle("2")
        assert out[:3] == ["  The number must be between 1 and 300. (/cancel to stop)",
                           "    1) Monthly", "    2) Yearly"]
        assert out[-1] == ("PartnerBot: got value [('flow', 'f1'), ('notify', 'yes'), ('pb', 'confirm'), "
                           "('quantity', 20), ('term', 'P1M')]")
        submitted = bot.engine.turns[-1]
        assert submitted.text is None and submitted.value["quantity"] == 20
        assert chat.ask.prompts[0] == "  Seats * (1..300) [15]: "
    finally:
        await chat.close()


async def test_defaults_cancel_and_open_url(bot):
    chat, out = await start_chat(bot)
    try:
        await chat.handle("form")
        chat.ask = Script("", "", "")
        await chat.handle("2")
        assert bot.engine.turns[-1].value == {"pb": "confirm", "flow": "f1", "quantity": 15, "term": "P1Y",
                                              "notify": "no"}
        await chat.handle("form")
        chat.ask = Script("/cancel")
        turns = len(bot.engine.turns)
        await chat.handle("2")
        assert out[-1] == "(cancelled)" and len(bot.engine.turns) == turns
        await chat.handle("1")
        assert out[-1] == "Open in a browser: https://x.test/d"
        await chat.handle("9")
        assert out[-1].startswith("There is no button 9")
    finally:
        await chat.close()


async def test_commands_and_switching_user(bot):
    chat, out = await start_chat(bot)
    try:
        assert await chat.handle("/help")
        assert "/user NAME" in out[-1]
        await chat.handle("/user avery")
        assert chat.identity == DEMO_USERS["avery"]
        assert any("Welcome Avery (approver)" in line for line in out)
        await chat.handle("/say 5")
        turn = bot.engine.turns[-1]
        assert turn.text == "5" and turn.user.aad_object_id == DEMO_USERS["avery"].aad_object_id
        assert turn.conversation_id == conversation_for(DEMO_USERS["avery"])
        await chat.handle("/nope")
        assert out[-1].startswith("Unknown command /nope")
        assert await chat.handle("/quit") is False
    finally:
        await chat.close()


async def test_proactive_message_for_another_user_is_shown_with_their_name(bot):
    chat, out = await start_chat(bot)
    try:
        await chat.handle("/user avery")
        out.clear()
        dana_conv = conversation_for(DEMO_USERS["dana"])
        async with aiohttp.ClientSession() as http:
            await http.post(f"{chat.connector.service_url}v3/conversations/{dana_conv}/activities",
                            json={"type": "message", "text": "Your order was approved."})
        assert out == ["PartnerBot -> Dana (demo): Your order was approved."]
    finally:
        await chat.close()


def test_identities():
    assert find_identity("Dana").aad_object_id == DEMO_USERS["dana"].aad_object_id
    assert find_identity("AVERY (approver)") == DEMO_USERS["avery"]
    other = find_identity("Sam Helpdesk")
    assert other.name == "Sam Helpdesk" and other.aad_object_id == find_identity("sam helpdesk").aad_object_id
    assert other.aad_object_id not in {u.aad_object_id for u in DEMO_USERS.values()}


async def test_unreachable_bot_is_reported_not_raised():
    output: list[str] = []
    chat = ChatSession("http://127.0.0.1:9", DEMO_USERS["dana"], ask=Script(), out=output.append)
    await chat.start()
    try:
        assert "could not reach the bot" in output[-1]
    finally:
        await chat.close()


async def test_chat_command_through_stdin(bot):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--url", bot.url, "--user", "Avery",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=str(ROOT), env=env)
    stdout, stderr = await asyncio.wait_for(proc.communicate(b"hello there\n/quit\n"), 60)
    text = stdout.decode()
    assert proc.returncode == 0, stderr.decode()
    assert "as Avery (approver)" in text
    assert "PartnerBot: echo: hello there #1" in text
    assert bot.engine.turns[-1].user.name == "Avery (approver)"
