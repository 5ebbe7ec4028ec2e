"""Jobs through the real bot: a 202 + Location registration and a 204 + Retry-After usage read are started by a
user's turn, answered at once ("... I'll post here when it's done"), polled in the background and announced
once, proactively, in the same conversation (the local connector receives the post). A restart on the same
SQLite state resumes the job; two instances on one Azurite container announce it once."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from bot.local_channel import LocalConnector
from bot.storage_sqlite import SqliteStorage
from tests.e2e.e2e_support import AUTH, Bot, Message, SandboxThread, _message
from tests.support.azurite import container_name

FAST = 0.05


@pytest.fixture
def sandbox():
    sandbox = SandboxThread().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


async def operations(sandbox: SandboxThread, **settings: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as http:
        if settings:
            response = await http.post("/_sandbox/operations", json=settings)
            assert response.status_code == 200, response.text
        return (await http.get("/_sandbox/operations")).json()


async def finish_operation(sandbox: SandboxThread, kind: str) -> None:
    listed = await operations(sandbox)
    [op] = [o for o in listed["items"] if o["kind"] == kind]
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as http:
        response = await http.post(f"/_sandbox/operations/{op['id']}", json={"complete": True})
        assert response.status_code == 200, response.text


def fast(bot: Bot, *, lease: float = 30.0) -> Bot:
    bot.engine.jobs.settings.tick_seconds = FAST
    bot.engine.jobs.settings.lease_seconds = lease
    return bot


async def proactive(connector: LocalConnector, timeout: float = 15.0) -> Message:  # noqa: ASYNC109
    [call] = await connector.next(1, timeout=timeout)
    assert call.operation == "send", call  # a new message in the conversation, not a reply to a turn
    return _message(call)


async def start_registration(bot: Bot) -> None:
    asked = await bot.say("register Fabrikam Inc's Azure plan for reserved instances")
    assert asked.buttons == ["Confirm", "Cancel"], asked.screen
    started = await bot.click("Confirm")
    assert "I'll post here when it's done" in started.screen, started.screen
    assert "Registering Azure plan of Fabrikam Inc for reserved instances" in started.screen


async def test_a_202_registration_is_announced_once_in_the_conversation_that_asked(sandbox):
    await operations(sandbox, pollsUntilDone=2, retryAfterSeconds=0)
    async with fast(Bot(sandbox.url)) as bot:
        await start_registration(bot)
        done = await proactive(bot.app.connector)
        assert done.call.conversation_id == "a:personal-dana"
        assert "Azure plan of Fabrikam Inc is registered for reserved instance purchases." in done.screen
        assert "Done." in done.screen
        await asyncio.sleep(0.5)
        assert bot.app.connector.pending() == [], "announced exactly once"
        listed = await operations(sandbox)
        [op] = [o for o in listed["items"] if o["kind"] == "registration"]
        assert op["status"] == "succeeded" and op["polls"] == 3  # running, running, registered

        jobs = await bot.say("what's running?")
        assert "Your jobs" in jobs.screen and "Registering Azure plan of Fabrikam Inc" in jobs.screen
        assert "Done" in jobs.screen

        # The audit log has the request (when it was confirmed) and how it ended (when the job finished).
        entries = [e for e in reversed((await bot.engine.audit.query()).entries) if "regist" in e["operation"]]
        assert [(e["operation"], e["outcome"]) for e in entries] == [
            ("subscriptions.register", "succeeded"), ("subscriptions.registration", "succeeded")]
        assert entries[1]["customer"]["name"] == "Fabrikam Inc"
        shown = await bot.submit({"pb": "run", "op": "audit.records", "params": {"customer": "Fabrikam Inc"}})
        assert "Registration finished (Azure subscription)" in shown.screen, shown.screen


async def test_a_204_usage_read_becomes_a_job_and_its_table_is_posted_when_ready(sandbox):
    await operations(sandbox, pollsUntilDone=3, retryAfterSeconds=0)
    async with fast(Bot(sandbox.url)) as bot:
        first = await bot.say("azure utilization of Fabrikam Inc's Azure plan")
        assert "Partner Center is still preparing this usage data." in first.screen, first.screen
        assert "I'll post here when it's done" in first.screen
        running = await bot.say("what's running?")
        assert "Azure usage of Azure plan (Fabrikam Inc)" in running.screen or "Done" in running.screen

        done = await proactive(bot.app.connector)
        assert "Azure usage: Azure plan (Fabrikam Inc)" in done.screen, done.screen
        assert "D2s v5" in done.screen and "Standard LRS Data Stored" in done.screen
        await asyncio.sleep(0.5)
        assert bot.app.connector.pending() == []


async def test_retry_after_from_the_service_is_honoured(sandbox):
    await operations(sandbox, pollsUntilDone=1, retryAfterSeconds=2)
    async with fast(Bot(sandbox.url)) as bot:
        await start_registration(bot)
        await asyncio.sleep(1.0)
        [job] = await bot.engine.jobs.for_user(bot_user_id())
        assert job.status == "running" and job.attempts == 1, job  # asked once, told to wait 2 s
        done = await proactive(bot.app.connector, timeout=10)
        assert "is registered" in done.screen


def bot_user_id() -> str:
    from tests.support.botapp import DANA

    return DANA.aad_object_id


async def test_a_job_survives_a_restart_on_the_same_sqlite_state_and_is_announced_once(sandbox, tmp_path):
    await operations(sandbox, pollsUntilDone=10_000, retryAfterSeconds=0)
    path = tmp_path / "state.db"
    storage = SqliteStorage(path)
    first = fast(Bot(sandbox.url, storage=storage), lease=0.5)
    await first.__aenter__()
    try:
        await start_registration(first)
        await asyncio.sleep(0.3)  # a few polls: still registering
    finally:
        await first.__aexit__(None, None, None)  # the bot goes away mid-job
        storage.close()
    port = first.app.connector.port
    assert first.app.connector.pending() == []

    await finish_operation(sandbox, "registration")  # Partner Center finishes while the bot is down
    storage = SqliteStorage(path)
    second = fast(Bot(sandbox.url, storage=storage), lease=0.5)
    second.app.connector = LocalConnector(port=port)  # the same "Teams" the stored reference points at
    try:
        async with second:
            done = await proactive(second.app.connector)
            assert "Azure plan of Fabrikam Inc is registered" in done.screen
            await asyncio.sleep(1.0)
            assert second.app.connector.pending() == [], "announced exactly once"
            [job] = await second.engine.jobs.for_user(bot_user_id())
            assert job.status == "succeeded" and job.announced_at is not None
    finally:
        storage.close()


async def test_two_instances_on_one_blob_container_announce_once(azurite, sandbox):
    from bot.storage_blob import blob_storage

    await operations(sandbox, pollsUntilDone=4, retryAfterSeconds=0)
    name = container_name("jobs")
    async with AsyncExitStack() as stack:
        bots = []
        for _ in range(2):
            storage = blob_storage(azurite.connection_string, name)
            stack.push_async_callback(storage.aclose)
            bot = fast(Bot(sandbox.url, storage=storage), lease=5.0)
            await stack.enter_async_context(bot)
            bots.append(bot)
        a, b = bots
        await start_registration(a)
        done = await proactive(a.app.connector)
        assert "Azure plan of Fabrikam Inc is registered" in done.screen
        await asyncio.sleep(1.5)  # both pollers keep running
        assert a.app.connector.pending() == [] and b.app.connector.pending() == [], "one announcement"
        [job] = await b.engine.jobs.for_user(bot_user_id())
        assert job.status == "succeeded" and job.announced_at is not None
        # Two pollers ran the whole time, yet Partner Center was asked exactly as often as one poller asks:
        # 4 "registering" answers and the final one (no poll was made twice under a lost lease).
        [op] = [o for o in (await operations(sandbox))["items"] if o["kind"] == "registration"]
        assert op["polls"] == 5 and job.attempts == 5


def test_sandbox_operation_controls_reject_bad_input(sandbox):
    with httpx.Client(base_url=sandbox.url, timeout=10) as http:
        assert http.post("/_sandbox/operations", json={"pollsUntilDone": -1}).status_code == 400
        assert http.post("/_sandbox/operations", json={"nope": 1}).status_code == 400
        assert http.post("/_sandbox/operations", json={"outcome": "maybe"}).status_code == 400
        assert http.post("/_sandbox/operations/unknown", json={"complete": True}).status_code == 404
        assert json.loads(http.get("/_sandbox/operations").text)["settings"]["pollsUntilDone"] == 1
        response = http.get("/v1/customers/x/subscriptions/y/utilizations/azure", headers=AUTH)
        assert response.status_code == 404


async def test_a_failed_operation_is_announced_as_failed_with_the_reason(sandbox):
    await operations(sandbox, pollsUntilDone=1, retryAfterSeconds=0, outcome="failed")
    async with fast(Bot(sandbox.url)) as bot:
        await start_registration(bot)
        done = await proactive(bot.app.connector)
        assert "This did not work." in done.screen
        assert "The operation failed in the sandbox (configured outcome)." in done.screen
        assert "is registered" not in done.screen
    await operations(sandbox, outcome="succeeded")


async def test_whats_running_in_zh_tw(sandbox):
    async with fast(Bot(sandbox.url, locale="zh-TW")) as bot:
        empty = await bot.say("我的工作")
        assert "您的工作" in empty.screen and "目前沒有您正在執行或最近完成的工作。" in empty.screen
