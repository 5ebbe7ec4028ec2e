"""HTTP end-to-end harness: the real bot app (real engine, recognizer and Partner Center client) on a loopback
port, talking to a real sandbox, with every reply captured by the local connector and every card validated.

    sandbox = SandboxThread().start()                   # a Partner Center emulator in its own thread
    async with Bot(sandbox.url) as bot:
        seen = await bot.say("show contoso subscriptions")
        assert "Microsoft 365 E3" in seen.screen         # what the user sees (cards rendered as text)
        seen = await bot.click("Confirm")                # the latest card with that button
    subs = await sandbox.subscriptions("Contoso Ltd")   # Partner Center state, over HTTP

Every card the bot sends is checked against the Adaptive Card 1.5 schema and the card action contract, and a
reply saying the turn crashed ("something went wrong ... error id") fails the test unless it is expected.
The sandbox runs in its own thread and event loop so one instance can be shared by a whole module while each
test has its own loop, and so it can be stopped and started again mid-conversation.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from botbuilder.core import Storage

from bot.config import Settings
from bot.local_channel import ConnectorCall, Identity
from bot.render_text import CardAction, render_card
from bot.wiring import build_engine
from dialogs.engine import Engine
from dialogs.registry import Registry
from partner_center import PartnerCenterClient
from partner_center.auth import StaticTokenProvider
from partner_center.retry import RetryPolicy
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_sandbox
from tests.support.botapp import AVERY, DANA, BotApp
from tests.support.cards import assert_action_contract, validate_card

__all__ = ["AVERY", "DANA", "Bot", "Message", "SandboxThread", "Seen"]

DEV_TOKEN = "sandbox-dev-token"
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}
CRASH_MARKER = "something went wrong on my side"
# Few, short retries: an unreachable Partner Center is reported in well under a second.
FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.05, max_delay=0.1, total_budget=1.0)


# ----------------------------------------------------------------------------------------------- the sandbox


class SandboxThread:
    """A sandbox on a free loopback port, served from a background thread with its own event loop."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig(port=0, customers=40, seed=42)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._running: RunningSandbox | None = None
        self.port = self.config.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxThread:
        """Start (or start again on the same port and database file, after `stop`)."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="e2e-sandbox", daemon=True)
        self._thread.start()
        self.config.port = self.port
        self._running = self._call(start_sandbox(self.config))
        self.port = self._running.port
        return self

    def stop(self) -> None:
        if self._running is not None:
            self._call(self._running.stop())
            self._running = None
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._loop, self._thread = None, None

    def _call(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=60)

    # --- Partner Center state over HTTP (the assertions' source of truth) ---------------------------------

    async def get_json(self, path: str, **params: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.url, headers=AUTH, timeout=10) as client:
            response = await client.get(path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:300]}"
        return response.json()

    async def customer(self, name: str) -> dict[str, Any]:
        """The customer whose company name is exactly `name`."""
        flt = json.dumps({"Field": "CompanyName", "Value": name, "Operator": "starts_with"})
        found = await self.get_json("/v1/customers", size=50, filter=flt)
        matches = [c for c in found["items"] if c["companyProfile"]["companyName"] == name]
        assert matches, f"no customer named {name!r} in the sandbox"
        return matches[0]

    async def subscriptions(self, customer_name: str) -> list[dict[str, Any]]:
        customer = await self.customer(customer_name)
        return (await self.get_json(f"/v1/customers/{customer['id']}/subscriptions"))["items"]

    async def subscription(self, customer_name: str, offer_name: str) -> dict[str, Any]:
        """The customer's one subscription whose offer name is exactly `offer_name`."""
        subs = [s for s in await self.subscriptions(customer_name) if s.get("offerName") == offer_name]
        assert len(subs) == 1, f"{customer_name} has {len(subs)} subscriptions of {offer_name!r}"
        return subs[0]

    async def service_request(self, sr_id: str) -> dict[str, Any]:
        return await self.get_json(f"/v1/servicerequests/{sr_id}")

    async def service_requests(self) -> list[dict[str, Any]]:
        return (await self.get_json("/v1/servicerequests", size=500))["items"]


# ----------------------------------------------------------------------------------------------- replies


@dataclass
class Message:
    """One activity the bot sent: its text and cards (already validated), and the cards as a user reads them."""

    call: ConnectorCall
    text: str
    cards: list[dict[str, Any]]
    screen: str
    actions: list[CardAction]


@dataclass
class Seen:
    """Everything the bot said in answer to one user action."""

    messages: list[Message] = field(default_factory=list)

    @property
    def screen(self) -> str:
        """All texts and cards, rendered as the terminal chat shows them (for "the user sees X" assertions)."""
        return "\n".join(m.screen for m in self.messages)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages if m.text]

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [card for m in self.messages for card in m.cards]

    @property
    def card(self) -> dict[str, Any]:
        """The one card of this answer."""
        assert len(self.cards) == 1, f"expected exactly one card, got {len(self.cards)}:\n{self.screen}"
        return self.cards[0]

    @property
    def title(self) -> str:
        """The heading (first TextBlock) of the one card."""
        return _first_text(self.card)

    @property
    def buttons(self) -> list[str]:
        return [a.title for m in self.messages for a in m.actions]

    def has(self, *fragments: str) -> bool:
        return all(f in self.screen for f in fragments)

    def __str__(self) -> str:
        return self.screen


def _first_text(node: Any) -> str:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            return str(node.get("text", ""))
        for key in ("body", "items", "columns", "cells", "rows"):
            if key in node:
                found = _first_text(node[key])
                if found:
                    return found
    elif isinstance(node, list):
        for item in node:
            found = _first_text(item)
            if found:
                return found
    return ""


def table_rows(card: dict[str, Any]) -> list[list[str]]:
    """The rows (header first) of the first Table in a card, as cell texts: [["Seats", "15", "20"], ...]."""
    def find(node: Any) -> dict[str, Any] | None:
        if isinstance(node, dict):
            if node.get("type") == "Table":
                return node
            values = node.values()
        elif isinstance(node, list):
            values = node
        else:
            return None
        for value in values:
            hit = find(value)
            if hit is not None:
                return hit
        return None

    table = find(card.get("body"))
    assert table is not None, "the card has no table"
    return [[_first_text(cell) for cell in row["cells"]] for row in table["rows"]]


def facts(card: dict[str, Any]) -> dict[str, str]:
    """Every FactSet fact of a card, title -> value."""
    out: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "FactSet":
                out.update({f["title"]: f["value"] for f in node.get("facts", [])})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card.get("body"))
    return out


def _message(call: ConnectorCall) -> Message:
    cards = call.cards
    for card in cards:
        validate_card(card)
        assert_action_contract(card)
    rendered = [render_card(card) for card in cards]
    screen = "\n".join([call.text or "", *(r.text() for r in rendered)]).strip()
    return Message(call, call.text or "", cards, screen, [a for r in rendered for a in r.actions])


# ----------------------------------------------------------------------------------------------- the bot


def sandbox_client(url: str) -> PartnerCenterClient:
    return PartnerCenterClient(url, StaticTokenProvider(DEV_TOKEN), retry=FAST_RETRY)


class Bot:
    """The real bot app (`bot.server.create_app` + `bot.wiring.build_engine`) against a sandbox URL.

    `registry` swaps the operation registry (tests that declare their own operations); `storage` keeps
    conversation state (e.g. a SqliteStorage shared by two Bot instances = a restart).
    """

    def __init__(self, pc_url: str, *, storage: Storage | None = None, registry: Registry | None = None,
                 conversation_id: str = "a:personal-dana", conversation_type: str = "personal",
                 roles_file: str = "", locale: str = "en-US") -> None:
        self.settings = Settings(storage_kind="memory", partner_center_url=pc_url,
                                 partner_center_dev_token=DEV_TOKEN, roles_file=roles_file)
        self.client = sandbox_client(pc_url)
        self.engine: Engine = build_engine(self.settings, client=self.client)
        if registry is not None:
            self.engine.registry = registry
        self.conversation_type = conversation_type
        self.locale = locale
        self.app = BotApp(self.engine, storage=storage, settings=self.settings, conversation_id=conversation_id)
        self.history: list[Message] = []

    async def __aenter__(self) -> Bot:
        await self.app.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.app.__aexit__(*exc)
        finally:
            await self.client.close()

    # --- what the user does --------------------------------------------------------------------------------

    async def say(self, text: str, user: Identity = DANA, *, crash_ok: bool = False) -> Seen:
        """Type a message; returns what the bot answered."""
        status, body = await self.app.send_text(text, user, conversation_type=self.conversation_type,
                                                locale=self.locale)
        return self._seen(status, body, crash_ok)

    async def submit(self, value: dict[str, Any], user: Identity = DANA, *, crash_ok: bool = False) -> Seen:
        """An Action.Submit as Teams sends it: a message with `value` and no text."""
        status, body = await self.app.submit(value, user, conversation_type=self.conversation_type,
                                             locale=self.locale)
        return self._seen(status, body, crash_ok)

    def button(self, title: str, *, card_title: str | None = None) -> dict[str, Any]:
        """The data of the latest button titled `title` (on a card whose heading contains `card_title`)."""
        for message in reversed(self.history):
            if card_title is not None and not any(card_title in _first_text(c) for c in message.cards):
                continue
            for action in message.actions:
                if action.title == title and isinstance(action.data, dict):
                    return dict(action.data)
        shown = [a.title for m in self.history for a in m.actions]
        raise AssertionError(f"no button {title!r} on any card so far (buttons: {shown})")

    async def click(self, title: str, user: Identity = DANA, *, card_title: str | None = None,
                    inputs: dict[str, Any] | None = None) -> Seen:
        """Click the latest button titled `title`; `inputs` are the card's input values Teams merges in."""
        data = self.button(title, card_title=card_title)
        data.update(inputs or {})
        return await self.submit(data, user)

    def _seen(self, status: int, body: Any, crash_ok: bool) -> Seen:
        assert status in (200, 201), f"/api/messages answered {status}: {body}"
        # The adapter sends every reply before it answers the POST, so they are all here now.
        messages = [_message(call) for call in self.app.connector.pending()]
        self.history.extend(messages)
        seen = Seen(messages)
        if not crash_ok:
            assert CRASH_MARKER not in seen.screen, f"the turn crashed:\n{seen.screen}"
        return seen
