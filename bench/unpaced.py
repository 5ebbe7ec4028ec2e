"""`partnerbot bench turns --unpaced`: 50 conversations x 20 lookups sent as fast as they come, above Partner
Center's rate limit (issue 12).

The sandbox enforces `--rate-limit` requests/min (500 by default, Partner Center's budget) and the bot's client
limiter is set a little under it. Each conversation sends its next lookup as soon as the previous POST is
answered. Measured: every POST's latency (the bound is 5 s: Teams gives a bot about 15 s), how many were answered
with the holding message (the result posted later into the conversation), whether every user got every result,
the Partner Center calls the bot made and how many the sandbox throttled (429), and the shared-read counts.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.processes import Host
from bench.stats import latency_summary
from bench.turns import machine, pick_names
from bot import local_channel as lc
from bot.local_channel import Identity, LocalConnector

HOLDING = "Still working on it"


async def run_unpaced(conversations: int = 50, lookups: int = 20, customers: int = 200, rate_limit: int = 500,
                      distinct: int = 25, seed: int = 7, settle_s: float = 180.0) -> dict[str, Any]:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="partnerbot-bench-") as tmp:
        tmp_path = Path(tmp)
        async with Host("sandbox", "--customers", str(customers), "--rate-limit", str(rate_limit),
                        log_dir=tmp_path) as sandbox:
            names = (await pick_names(sandbox.url, distinct))[:distinct]
            connector = LocalConnector()
            await connector.start()
            try:
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conversations * 2)) as session, \
                        Host("bot", "--sandbox", sandbox.url, "--state", str(tmp_path / "state.db"),
                             "--rate-limit", str(int(rate_limit * 0.96)), log_dir=tmp_path) as bot:
                    await _wait_directory(session, bot.url)
                    calls_before = (await _get(session, bot.url + "/_bench/calls?since=999999999"))["count"]
                    plans = [[rng.choice(names) for _ in range(lookups)] for _ in range(conversations)]
                    latencies: list[float] = []
                    statuses: list[int] = []
                    phase_started = time.perf_counter()

                    async def talk(index: int) -> None:
                        user = Identity(f"Unpaced {index}", f"00000000-0000-4000-9000-{index:012d}")
                        for name in plans[index]:
                            activity = lc.message_activity(f"show subscriptions for {name}",
                                                           service_url=connector.service_url, user=user,
                                                           conversation_id=f"a:bench-unpaced-{index}")
                            sent = time.perf_counter()
                            async with session.post(bot.url + "/api/messages", json=activity) as response:
                                await response.read()
                                statuses.append(response.status)
                            latencies.append(time.perf_counter() - sent)

                    await asyncio.gather(*(talk(i) for i in range(conversations)))
                    posted_s = time.perf_counter() - phase_started
                    expected = {f"a:bench-unpaced-{i}": len(plans[i]) for i in range(conversations)}
                    deadline = time.perf_counter() + settle_s
                    want = sum(expected.values())
                    while time.perf_counter() < deadline and _results(connector, expected)[0] < want:  # noqa: ASYNC110
                        await asyncio.sleep(0.2)
                    delivered, held, per_conv = _results(connector, expected)
                    all_done_s = time.perf_counter() - phase_started
                    made = (await _get(session, f"{bot.url}/_bench/calls?since={calls_before}"))["calls"]
            finally:
                await connector.stop()
    turns = conversations * lookups
    summary = latency_summary(latencies, posted_s)
    return {
        "benchmark": "turns-unpaced",
        "conversations": conversations, "lookups_per_conversation": lookups, "distinct_customers": distinct,
        "rate_limit_per_min": rate_limit, "client_limit_per_min": int(rate_limit * 0.96),
        "post": {**summary, "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
                 "within_5s": sum(1 for s in latencies if s <= 5.0),
                 "http_errors": sum(1 for s in statuses if s >= 400)},
        "held": held, "results_expected": turns, "results_delivered": delivered,
        "users_missing_results": sum(1 for c, n in per_conv.items() if n < expected[c]),
        "all_results_s": round(all_done_s, 1),
        "partner_center_calls": len(made), "throttled_429": sum(1 for c in made if c[2] == 429),
        "calls_per_lookup": round(len(made) / turns, 3) if turns else None,
        "targets": {"every_post_within_5s": bool(latencies) and max(latencies) <= 5.0,
                    "every_user_got_every_result": delivered >= turns,
                    "partner_center_never_throttled": all(c[2] != 429 for c in made)},
        "elapsed_s": round(time.perf_counter() - started, 1),
        "machine": machine(load_before),
    }


def _results(connector: LocalConnector, expected: dict[str, int]) -> tuple[int, int, dict[str, int]]:
    """(result cards delivered, holding messages, results per conversation)."""
    per_conv = {c: 0 for c in expected}
    held = 0
    for call in connector.calls:
        if call.conversation_id not in per_conv:
            continue
        if (call.text or "").startswith(HOLDING):
            held += 1
        if any("Subscriptions of" in json.dumps(card) or "subscriptions" in json.dumps(card).lower()
               for card in call.cards):
            per_conv[call.conversation_id] += 1
    return sum(per_conv.values()), held, per_conv


async def _get(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        return await response.json()


async def _wait_directory(session: aiohttp.ClientSession, bot_url: str) -> None:
    for _ in range(600):
        if (await _get(session, bot_url + "/_bench/directory")).get("loaded"):
            return
        await asyncio.sleep(0.1)


def table(result: dict[str, Any]) -> str:
    post = result["post"]
    rows = [
        ("POSTs", result["results_expected"]), ("POST p50 ms", post["p50_ms"]), ("POST p99 ms", post["p99_ms"]),
        ("POST max ms", post["max_ms"]), ("POSTs within 5 s", post["within_5s"]),
        ("answered with a holding message", result["held"]),
        ("results delivered", f"{result['results_delivered']} of {result['results_expected']}"),
        ("all results after s", result["all_results_s"]),
        ("Partner Center calls", result["partner_center_calls"]), ("throttled (429)", result["throttled_429"]),
        ("calls per lookup", result["calls_per_lookup"]),
    ]
    return "\n".join(f"{label:<34} {value}" for label, value in rows) + "\n" + json.dumps(result["targets"])
