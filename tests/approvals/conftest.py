"""A purchase world for the approval tests: the real sandbox and the real bot app (HTTP on loopback ports), a
roles file, an injectable clock, and several Teams users with personal chats.

Every card the bot sends (to the connector or in an invoke answer) is validated against the Adaptive Card 1.5
schema and the card action contract.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.local_channel import ConnectorCall, Identity
from bot.wiring import build_engine
from dialogs.approval_state import ApprovalRecord
from dialogs.approvals import ApprovalService
from partner_center import PartnerCenterClient, clock
from partner_center.auth import StaticTokenProvider
from partner_center.retry import RetryPolicy
from sandbox.config import FaultSettings, SandboxConfig
from sandbox.server import RunningSandbox, start_sandbox
from tests.support.botapp import AVERY, DANA, BotApp
from tests.support.cards import assert_action_contract, validate_card

BLAKE = Identity("Blake (approver)", "3b9d4c21-7e1a-4f0b-8c2d-00000000b1a4")
VIC = Identity("Vic (viewer)", "9e4f1a7c-2b3d-4e5f-a6b7-00000000f1c0")
TOKEN = "sandbox-dev-token"

ROLES = {"default": ["viewer"], "users": {
    DANA.aad_object_id: ["viewer", "purchaser"],
    AVERY.aad_object_id: ["viewer", "approver"],
    BLAKE.aad_object_id: ["viewer", "approver"],
    VIC.aad_object_id: ["viewer"],
}}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore::aiohttp.web.NotAppKeyWarning")


def personal(user: Identity) -> str:
    return f"a:personal-{user.aad_object_id[:8]}"


class Clock:
    def __init__(self) -> None:
        self.now = clock.now().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def check_card(card: dict[str, Any]) -> None:
    validate_card(card)
    assert_action_contract(card)


@dataclass
class World:
    sandbox: RunningSandbox
    client: PartnerCenterClient
    bot: BotApp
    clock: Clock
    admin: httpx.AsyncClient
    seen: list[ConnectorCall] = field(default_factory=list)

    @property
    def service(self) -> ApprovalService:
        return self.bot.engine.purchases  # type: ignore[attr-defined]

    async def install(self, *users: Identity) -> None:
        for user in users:
            await self.bot.install(user, conversation_id=personal(user))
        await self.calls()

    async def calls(self) -> list[ConnectorCall]:
        """Everything the bot sent since the last call (after background work finished); cards validated."""
        await self.service.drain()
        calls = self.bot.connector.pending()
        for call in calls:
            for card in call.cards:
                check_card(card)
        self.seen.extend(calls)
        return calls

    async def say(self, user: Identity, text: str) -> list[ConnectorCall]:
        status, _ = await self.bot.send_text(text, user, conversation_id=personal(user))
        assert status in (200, 201)
        return await self.calls()

    async def submit(self, user: Identity, value: dict[str, Any]) -> list[ConnectorCall]:
        status, _ = await self.bot.submit(value, user, conversation_id=personal(user))
        assert status in (200, 201)
        return await self.calls()

    async def click(self, user: Identity, verb: str, request_id: str, version: int, *, trigger: str = "manual",
                    **inputs: Any) -> dict[str, Any]:
        """An Action.Execute invoke; returns the card of the invoke answer (validated)."""
        from bot import local_channel as lc

        activity = lc.invoke_activity(verb, {"request_id": request_id, "version": version, **inputs},
                                      trigger=trigger, **self.bot.envelope(user, conversation_id=personal(user)))
        status, body = await self.bot.post(activity)
        assert status == 200, body
        assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
        check_card(body["value"])
        return body["value"]

    async def request(self, user: Identity, text: str) -> ApprovalRecord:
        """Ask for a purchase, confirm the preview, return the stored approval request."""
        before = {e.id for e in await self.service.store.entries()}
        calls = await self.say(user, text)
        flow = confirm_flow(calls)
        assert flow, [c.text for c in calls]
        await self.submit(user, {"pb": "confirm", "flow": flow})
        new = [e.id for e in await self.service.store.entries() if e.id not in before]
        assert len(new) == 1, new
        return await self.service.store.load(new[0])

    async def record(self, request_id: str) -> ApprovalRecord:
        return await self.service.store.load(request_id)

    async def orders(self, customer_id: str) -> list[dict[str, Any]]:
        return [o.raw for o in await self.client.orders.list(customer_id).to_list()]

    async def subscriptions(self, customer_id: str) -> list[dict[str, Any]]:
        return [s.raw for s in await self.client.subscriptions.list(customer_id).to_list()]

    async def customer_id(self, name: str) -> str:
        found = await self.client.customers.search(name).to_list(5)
        return next(c.id for c in found if c.company_name == name)

    async def faults(self, **settings: Any) -> None:
        response = await self.admin.post("/_sandbox/faults", json=settings)
        assert response.status_code == 200, response.text


def confirm_flow(calls: list[ConnectorCall]) -> str | None:
    for call in calls:
        for card in call.cards:
            match = re.search(r'"pb": "confirm", "flow": "(\w+)"', json.dumps(card))
            if match:
                return match.group(1)
    return None


def texts(calls: list[ConnectorCall]) -> str:
    return "\n".join([c.text or "" for c in calls] + [json.dumps(card) for c in calls for card in c.cards])


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def make_world(tmp_path, *, roles: dict | None = ROLES, env: dict[str, str] | None = None,
                     retry: RetryPolicy | None = None, storage: Any = None) -> AsyncIterator[World]:
    sandbox = await start_sandbox(SandboxConfig(port=0, customers=40, seed=7, faults=FaultSettings()))
    client = PartnerCenterClient(sandbox.url, StaticTokenProvider(TOKEN),
                                 retry=retry or RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02))
    roles_file = ""
    if roles is not None:
        path = tmp_path / "roles.json"
        path.write_text(json.dumps(roles), encoding="utf-8")
        roles_file = str(path)
    settings = Settings(storage_kind="memory", roles_file=roles_file, env=dict(env or {}))
    engine = build_engine(settings, client=client)
    clock = Clock()
    engine.purchases.clock = clock
    admin = httpx.AsyncClient(base_url=sandbox.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    bot = BotApp(engine, settings=settings, storage=storage)
    try:
        async with bot:
            world = World(sandbox, client, bot, clock, admin)
            await world.install(DANA, AVERY, BLAKE, VIC)
            yield world
            await world.service.drain()
    finally:
        await engine.purchases.close()
        await admin.aclose()
        await client.close()
        await sandbox.stop()


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async for w in make_world(tmp_path):
        yield w
