"""`partnerbot chat`: talk to a running bot from the terminal, as Teams would, cards included.

The chat hosts its own Bot Connector endpoint on loopback (`bot.local_channel.LocalConnector`) and puts its URL
in every activity's `serviceUrl`, so the bot's replies come back here. Cards are printed as text
(`bot.render_text`); their actions become numbered choices and their inputs become prompts. Action.Submit sends
a message whose `value` is the action data merged with the inputs; Action.Execute sends an `adaptiveCard/action`
invoke and prints the card the bot answers with.

`ChatSession` is the whole client with injectable input/output, so tests drive it without a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot import local_channel as lc
from bot.local_channel import ConnectorCall, Identity, LocalConnector
from bot.render_text import CardAction, CardInput, RenderedCard, plain, render_card
from dialogs.files import CONSENT_CONTENT_TYPE as FILE_CONSENT
from dialogs.files import FILE_INFO_CONTENT_TYPE as FILE_INFO

# Demo identities. Their Entra object ids are fixed so a roles file can name them (Dana requests, Avery approves).
DEMO_USERS: dict[str, Identity] = {
    "dana": Identity("Dana (demo)", "6f1c0d3a-1a2b-4c5d-8e9f-00000000da0a"),
    "avery": Identity("Avery (approver)", "0c8e2b7d-3e4f-4a5b-9c6d-00000000a0e1"),
}
DEFAULT_USER = "Dana (demo)"
DEFAULT_URL = "http://127.0.0.1:3978"
_NAMESPACE = uuid.UUID("4f0d7c52-8d0e-4d8c-9a53-6b1f5a2f7c10")

HELP = """Type a message and press Enter. When a card shows numbered buttons, type the number to press one.
Commands:
  /help          this text
  /user NAME     switch identity (demo users: {users}); other names get a stable made-up id
  /say TEXT      send TEXT as it is (e.g. a number while buttons are shown)
  /quit          leave (also Ctrl-D)"""

Ask = Callable[[str], Awaitable[str | None]]
Out = Callable[[str], None]


def find_identity(name: str) -> Identity:
    """A demo user by key, full name or name prefix (case-insensitive); any other name gets a stable id."""
    wanted = name.strip().lower()
    for key, identity in DEMO_USERS.items():
        if wanted in (key, identity.name.lower()):
            return identity
    matches = [i for i in DEMO_USERS.values() if i.name.lower().startswith(wanted)]
    if wanted and len(matches) == 1:
        return matches[0]
    return Identity(name.strip(), str(uuid.uuid5(_NAMESPACE, wanted)))


def conversation_for(identity: Identity) -> str:
    """A stable personal-chat id per user, as Teams has one 1:1 conversation per user and bot."""
    return f"a:partnerbot-chat-{identity.aad_object_id}"


def messages_url(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/api/messages") else url + "/api/messages"


@dataclass
class _Choice:
    action: CardAction
    inputs: list[CardInput]
    reply_to_id: str | None


class ChatSession:
    def __init__(self, bot_url: str, identity: Identity, *, ask: Ask, out: Out,
                 connector: LocalConnector | None = None, request_timeout: float = 60.0) -> None:
        self.url = messages_url(bot_url)
        self.identity = identity
        self.ask = ask
        self.out = out
        self.connector = connector or LocalConnector()
        self.connector.on_call = self._on_call
        self.request_timeout = request_timeout
        self.choices: list[_Choice] = []
        self._in_flight = 0
        self._session: aiohttp.ClientSession | None = None
        self._names: dict[str, str] = {}  # conversation id -> user name, to label messages for other users

    # --- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.connector.start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.request_timeout))
        self.out(f"Chatting with {self.url} as {self.identity.name}. /help for help, /quit to leave.")
        await self._hello()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self.connector.stop()

    async def run(self) -> None:
        while True:
            line = await self.ask(self._prompt())
            if line is None or not await self.handle(line):
                return

    def _prompt(self) -> str:
        pick = f" [1-{len(self.choices)} to press]" if self.choices else ""
        return f"{self.identity.name}{pick}> "

    # --- input lines ---------------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """One line typed by the user. Returns False when the chat should end."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            return await self._command(text)
        if text.isdigit() and self.choices:
            number = int(text)
            if 1 <= number <= len(self.choices):
                await self.press(number)
            else:
                self.out(f"There is no button {number}; pick 1-{len(self.choices)} or use /say {text}.")
            return True
        await self.send_text(text)
        return True

    async def _command(self, text: str) -> bool:
        name, _, arg = text.partition(" ")
        name = name.lower()
        if name in ("/quit", "/exit", "/q"):
            return False
        if name == "/help":
            self.out(HELP.format(users=", ".join(i.name for i in DEMO_USERS.values())))
        elif name == "/user":
            if not arg.strip():
                others = ", ".join(i.name for i in DEMO_USERS.values())
                self.out(f"You are {self.identity.name} ({self.identity.aad_object_id}). Demo users: {others}.")
            else:
                self.identity = find_identity(arg)
                self.choices = []
                self.out(f"You are now {self.identity.name} ({self.identity.aad_object_id}).")
                await self._hello()
        elif name == "/say":
            if arg.strip():
                await self.send_text(arg.strip())
        else:
            self.out(f"Unknown command {name}. /help lists the commands.")
        return True

    # --- talking to the bot --------------------------------------------------------------------------

    def _envelope(self) -> dict[str, Any]:
        return {"service_url": self.connector.service_url, "user": self.identity,
                "conversation_id": conversation_for(self.identity)}

    async def _hello(self) -> None:
        """Teams sends installationUpdate when the app is added; the bot welcomes once and stores our address."""
        self._names[conversation_for(self.identity)] = self.identity.name
        await self._post(lc.installation_update_activity("add", **self._envelope()))

    async def send_text(self, text: str) -> None:
        await self._post(lc.message_activity(text, **self._envelope()))

    async def press(self, number: int) -> None:
        choice = self.choices[number - 1]
        action = choice.action
        if action.type == "Action.OpenUrl":
            self.out(f"Open in a browser: {action.url}")
            return
        if action.type == "FileConsent":  # Teams' Allow / Decline under a FileConsentCard
            data = action.data if isinstance(action.data, dict) else {}
            info = self.connector.upload_info(str(data.get("name") or "file")) if action.verb == "accept" else None
            await self._post(lc.file_consent_activity(action.verb or "decline", data.get("context") or {}, info,
                                                      **self._envelope()))
            return
        if action.type == "Action.ShowCard":
            rendered = render_card(action.card or {})
            self.choices = []
            self._add_choices(rendered, choice.inputs + rendered.inputs, choice.reply_to_id)
            return
        values: dict[str, Any] = {}
        if action.with_inputs and choice.inputs:
            filled = await self.fill_inputs(choice.inputs)
            if filled is None:
                self.out("(cancelled)")
                return
            values = filled
        data = action.data if isinstance(action.data, dict) else ({} if action.data is None else {"data": action.data})
        payload = {**data, **values}
        if action.type == "Action.Submit":
            await self._post(lc.submit_activity(payload, reply_to_id=choice.reply_to_id, **self._envelope()))
        else:
            body = await self._post(lc.invoke_activity(action.verb or "", payload, reply_to_id=choice.reply_to_id,
                                                       **self._envelope()))
            self._show_invoke_answer(body, choice.reply_to_id)

    async def _post(self, activity: dict[str, Any]) -> Any:
        assert self._session is not None, "start() first"
        self._in_flight += 1
        try:
            async with self._session.post(self.url, json=activity) as resp:
                text = await resp.text()
                body: Any = None
                if text and "json" in (resp.content_type or ""):
                    body = json.loads(text)
                if resp.status >= 400:
                    detail = body.get("error", {}).get("message") if isinstance(body, dict) else text[:200]
                    self.out(f"(the bot answered HTTP {resp.status}: {detail})")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.out(f"(could not reach the bot at {self.url}: {type(exc).__name__}; is `partnerbot serve` running?)")
            body = None
        finally:
            self._in_flight -= 1
        self._show(self.connector.pending())
        return body

    # --- what the bot says ---------------------------------------------------------------------------

    def _on_call(self, call: ConnectorCall) -> None:
        """Messages that arrive while no request of ours is running (proactive ones) are shown at once."""
        if not self._in_flight:
            self._show(self.connector.pending())

    def _show(self, calls: list[ConnectorCall]) -> None:
        new_buttons = False  # the first card with buttons in this batch replaces the earlier buttons
        for call in calls:
            activity = call.activity
            if call.operation == "create_conversation":
                activity = activity.get("activity") or {}
            if call.operation == "delete":
                self.out("PartnerBot deleted a message.")
                continue
            if activity.get("type") != "message":
                continue
            mine = call.conversation_id == conversation_for(self.identity)
            who = "PartnerBot" + (" (updated a message)" if call.operation == "update" else "")
            if not mine:
                who += f" -> {self._names.get(call.conversation_id, call.conversation_id)}"
            text = plain(activity.get("text")) if activity.get("text") else ""
            self.out(f"{who}: {text}".rstrip())
            for attachment in activity.get("attachments") or []:
                if attachment.get("contentType") == FILE_CONSENT and mine:
                    if not new_buttons:
                        self.choices, new_buttons = [], True
                    self._add_consent(attachment, activity.get("id"))
                    continue
                if attachment.get("contentType") == FILE_INFO:
                    self.out(f"  [file in your OneDrive: {attachment.get('name')}]")
                    continue
                if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
                    self.out(f"  [attachment: {attachment.get('contentType')}]")
                    continue
                rendered = render_card(attachment.get("content") or {})
                if not (mine and rendered.actions):
                    self.out(rendered.text() if not rendered.actions else _without_numbers(rendered))
                    continue
                if not new_buttons:
                    self.choices, new_buttons = [], True
                self._add_choices(rendered, rendered.inputs, activity.get("id"))

    def _add_consent(self, attachment: dict[str, Any], reply_to_id: str | None) -> None:
        """A FileConsentCard as Teams shows it: the file, its size, and Allow / Decline."""
        content = attachment.get("content") or {}
        name = attachment.get("name") or "file"
        self.out(f"  [file: {name}, {content.get('sizeInBytes', '?')} bytes] {content.get('description') or ''}")
        for verb, title, key in (("accept", "Allow", "acceptContext"), ("decline", "Decline", "declineContext")):
            data = {"name": name, "context": content.get(key) or {}}
            self.choices.append(_Choice(CardAction(title=title, type="FileConsent", verb=verb, data=data), [],
                                        reply_to_id))
            self.out(f"  [{len(self.choices)}] {title}")

    def _add_choices(self, rendered: RenderedCard, inputs: list[CardInput], reply_to_id: str | None) -> None:
        """Print a card with its buttons numbered after the ones already offered."""
        self.out(rendered.text(first_number=len(self.choices) + 1))
        self.choices += [_Choice(a, inputs, reply_to_id) for a in rendered.actions]

    def _show_invoke_answer(self, body: Any, reply_to_id: str | None) -> None:
        if not isinstance(body, dict):
            return
        kind, value = body.get("type"), body.get("value")
        if kind == "application/vnd.microsoft.card.adaptive" and isinstance(value, dict):
            rendered = render_card(value)
            self.out("PartnerBot (card updated):")
            self.choices = []
            self._add_choices(rendered, rendered.inputs, reply_to_id)
        elif kind == "application/vnd.microsoft.activity.message":
            self.out(f"PartnerBot: {value}")
        elif kind == "application/vnd.microsoft.error" or (body.get("statusCode") or 200) >= 400:
            message = value.get("message") if isinstance(value, dict) else value
            self.out(f"PartnerBot could not do that: {message}")

    # --- card inputs ---------------------------------------------------------------------------------

    async def fill_inputs(self, inputs: list[CardInput]) -> dict[str, Any] | None:
        """Ask for each input (Enter keeps the default). Returns None when the user types /cancel or input ends."""
        values: dict[str, Any] = {}
        for spec in inputs:
            value = await self._ask_one(spec)
            if value is _CANCEL:
                return None
            if value not in ("", None):
                values[spec.id] = value
        return values

    async def _ask_one(self, spec: CardInput) -> Any:
        if spec.choices:
            for i, (title, _) in enumerate(spec.choices, 1):
                self.out(f"    {i}) {title}")
        while True:
            answer = await self.ask(_input_prompt(spec))
            if answer is None or answer.strip().lower() == "/cancel":
                return _CANCEL
            answer = answer.strip() or spec.default
            if not answer:
                if spec.required:
                    self.out(f"  {spec.error_message or 'This one is required.'} (/cancel to stop)")
                    continue
                return ""
            value, problem = _parse_input(spec, answer)
            if problem is None:
                return value
            self.out(f"  {problem} (/cancel to stop)")


_CANCEL = object()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


def _without_numbers(rendered: RenderedCard) -> str:
    """A card for someone else: show its buttons without numbers (they cannot be pressed from here)."""
    lines = rendered.text(first_number=1).splitlines()
    if rendered.actions:
        lines[-1] = "  buttons: " + ", ".join(a.title for a in rendered.actions)
    return "\n".join(lines)


def _input_prompt(spec: CardInput) -> str:
    hint = ""
    if spec.type == "Input.Toggle":
        hint = " (y/n)"
    elif spec.choices:
        hint = " (numbers or names" + (", comma-separated)" if spec.multi else ")")
    elif spec.type == "Input.Date":
        hint = " (YYYY-MM-DD)"
    elif spec.type == "Input.Time":
        hint = " (HH:MM)"
    elif spec.type == "Input.Number" and (spec.minimum is not None or spec.maximum is not None):
        hint = f" ({'' if spec.minimum is None else spec.minimum}..{'' if spec.maximum is None else spec.maximum})"
    default = spec.default
    if spec.type == "Input.Toggle":
        default = "y" if spec.default == spec.value_on else "n"
    elif spec.choices and default:
        titles = {v: t for t, v in spec.choices}
        default = ",".join(titles.get(v, v) for v in default.split(","))
    shown = f" [{default}]" if default else (f" ({spec.placeholder})" if spec.placeholder and
                                              spec.placeholder != spec.label else "")
    return f"  {spec.label}{' *' if spec.required else ''}{hint}{shown}: "


def _parse_input(spec: CardInput, answer: str) -> tuple[Any, str | None]:
    """The value a Teams client would submit for `answer`, or a reason to ask again."""
    if spec.type == "Input.Toggle":
        if answer in (spec.value_on, spec.value_off):
            return answer, None
        low = answer.lower()
        if low in ("y", "yes", "on", "true", "1"):
            return spec.value_on, None
        if low in ("n", "no", "off", "false", "0"):
            return spec.value_off, None
        return None, "Answer y or n."
    if spec.choices:
        picked: list[str] = []
        for part in [p.strip() for p in answer.split(",")] if spec.multi else [answer.strip()]:
            value = _choice_value(spec, part)
            if value is None:
                return None, f"{part!r} is not one of the options."
            picked.append(value)
        return ",".join(picked), None
    if spec.type == "Input.Number":
        try:
            number = float(answer)
        except ValueError:
            return None, "Please type a number."
        if (spec.minimum is not None and number < spec.minimum) or (spec.maximum is not None and number > spec.maximum):
            return None, spec.error_message or f"The number must be between {spec.minimum} and {spec.maximum}."
        return (int(number) if number.is_integer() else number), None
    if spec.type == "Input.Date" and not _DATE.match(answer):
        return None, "Please use the form YYYY-MM-DD."
    if spec.type == "Input.Time" and not _TIME.match(answer):
        return None, "Please use the form HH:MM."
    return answer, None


def _choice_value(spec: CardInput, part: str) -> str | None:
    if part.isdigit() and 1 <= int(part) <= len(spec.choices):
        return spec.choices[int(part) - 1][1]
    for title, value in spec.choices:
        if part.lower() in (title.lower(), value.lower()):
            return value
    return None


# --- terminal entry point ---------------------------------------------------------------------------


async def _terminal_input(prompt: str) -> str | None:
    """input() in a daemon thread: the event loop keeps serving the connector, and Ctrl-C never hangs exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def read() -> None:
        try:
            line: str | None = input(prompt)
        except (EOFError, KeyboardInterrupt):
            line = None
        loop.call_soon_threadsafe(lambda: future.done() or future.set_result(line))

    threading.Thread(target=read, daemon=True).start()
    return await future


async def _main(url: str, user: str) -> int:
    session = ChatSession(url, find_identity(user), ask=_terminal_input, out=lambda s: print(s, flush=True))
    try:
        await session.start()
        await session.run()
    finally:
        await session.close()
    return 0


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="partnerbot chat", description="Terminal chat against a running bot.")
    parser.add_argument("--url", default=os.environ.get("PARTNERBOT_URL", DEFAULT_URL),
                        help=f"the bot's base URL (default {DEFAULT_URL})")
    parser.add_argument("--user", default=DEFAULT_USER, help=f"who you are (default {DEFAULT_USER!r})")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_main(args.url, args.user))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
