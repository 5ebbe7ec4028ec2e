"""Drive conversations through /api/messages like Teams does and account for every reply.

Each conversation is one user in a personal chat who sends the steps of a script one after another, waiting a
think time between messages (0 = as fast as the bot answers). Replies arrive at a `LocalConnector` (the
activities' serviceUrl); every reply names the activity it answers, so a turn with no reply (lost), more replies
than expected (duplicated) or a reply without the expected content (e.g. another conversation's customer) is
counted, whatever the timing.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import aiohttp

from bot import local_channel as lc
from bot.local_channel import ConnectorCall, Identity, LocalConnector

_USERS = uuid.UUID("8a3e0b7e-2f52-4d7a-9a4c-1c2b3d4e5f60")


@dataclass(frozen=True)
class Step:
    """One message and what its reply must contain (case-insensitive substrings of the reply activity)."""

    text: str
    expect: tuple[str, ...] = ()
    replies: int = 1
    kind: str = "lookup"


@dataclass
class TurnRecord:
    conversation_id: str
    activity_id: str
    step: Step
    started: float
    latency_s: float
    status: int


def bench_user(index: int) -> Identity:
    return Identity(f"Bench user {index}", str(uuid.uuid5(_USERS, str(index))))


class Driver:
    def __init__(self, bot_url: str, connector: LocalConnector, session: aiohttp.ClientSession) -> None:
        self.messages_url = bot_url.rstrip("/") + "/api/messages"
        self.connector = connector
        self.session = session
        self.records: list[TurnRecord] = []

    async def turn(self, conversation_id: str, user: Identity, step: Step) -> TurnRecord:
        activity = lc.message_activity(step.text, service_url=self.connector.service_url, user=user,
                                       conversation_id=conversation_id)
        started = time.perf_counter()
        async with self.session.post(self.messages_url, json=activity) as response:
            await response.read()
            status = response.status
        record = TurnRecord(conversation_id, activity["id"], step, started, time.perf_counter() - started, status)
        self.records.append(record)
        return record

    async def conversation(self, conversation_id: str, user: Identity, steps: list[Step], *, think_s: float,
                           rng: random.Random) -> list[TurnRecord]:
        records = []
        if think_s > 0:
            await asyncio.sleep(rng.uniform(0, think_s))  # users do not all start in the same millisecond
        for index, step in enumerate(steps):
            if index and think_s > 0:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think_s)
            records.append(await self.turn(conversation_id, user, step))
        return records

    async def run(self, scripts: list[list[Step]], *, think_s: float, seed: int,
                  prefix: str = "a:bench") -> tuple[list[TurnRecord], float]:
        """All scripts at once, one conversation each; returns the turns and the wall time."""
        rng = random.Random(seed)
        started = time.perf_counter()
        batches = await asyncio.gather(*(
            self.conversation(f"{prefix}-{i}", bench_user(i), steps, think_s=think_s,
                              rng=random.Random(rng.random()))
            for i, steps in enumerate(scripts)))
        wall = time.perf_counter() - started
        return [r for batch in batches for r in batch], wall

    async def run_one_by_one(self, scripts: list[list[Step]], *, prefix: str,
                             first_user: int) -> tuple[list[TurnRecord], float]:
        """The scripts one after another, no think time: single turns with nothing else running."""
        started = time.perf_counter()
        records: list[TurnRecord] = []
        for i, steps in enumerate(scripts):
            records += await self.conversation(f"{prefix}-{i}", bench_user(first_user + i), steps, think_s=0,
                                               rng=random.Random(i))
        return records, time.perf_counter() - started


def replies_by_turn(calls: list[ConnectorCall]) -> Counter[tuple[str, str]]:
    """(conversation id, answered activity id) -> number of messages the bot sent for it."""
    counts: Counter[tuple[str, str]] = Counter()
    for call in calls:
        answered = call.activity_id if call.operation == "reply" else call.activity.get("replyToId")
        if call.operation in {"reply", "send"} and answered:
            counts[(call.conversation_id, answered)] += 1
    return counts


def audit_replies(records: list[TurnRecord], calls: list[ConnectorCall]) -> dict[str, int]:
    """Turns that got no reply, too many replies, an HTTP error, or a reply without the expected content."""
    counts = replies_by_turn(calls)
    payloads: dict[tuple[str, str], list[str]] = {}
    for call in calls:
        answered = call.activity_id if call.operation == "reply" else call.activity.get("replyToId")
        if answered:
            text = json.dumps(call.activity, ensure_ascii=False).lower()
            payloads.setdefault((call.conversation_id, answered), []).append(text)
    lost = duplicated = unexpected = failed = 0
    for record in records:
        key = (record.conversation_id, record.activity_id)
        got = counts.get(key, 0)
        if record.status >= 400:
            failed += 1
        if got < record.step.replies:
            lost += 1
        elif got > record.step.replies:
            duplicated += 1
        text = " ".join(payloads.get(key, []))
        if got and not all(e.lower() in text for e in record.step.expect):
            unexpected += 1
    return {"turns": len(records), "lost": lost, "duplicated": duplicated, "unexpected": unexpected,
            "http_errors": failed}
