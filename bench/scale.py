"""`partnerbot bench scale`: Partner Center calls per turn and a rate-limited fan-out, with 10,000 customers.

The sandbox is seeded with N customers and enforces a per-tenant request rate; the bot's client is told the
same rate (as it is told 500/min for the real service). Measured:

* "show subscriptions for <name>": Partner Center calls and time of the first turn after start (the customer
  directory is not loaded yet) and of later turns; calls are counted by an httpx transport wrapper in the bot.
* the fan-out (`dialogs.fanout.scan_subscriptions`, "which customers have suspended subscriptions?") over
  the first M customers, run inside the bot with the bot's client: wall time against the rate-limit bound
  (HTTP requests / allowed rate), 429s and failed calls;
* other users' lookups while the fan-out runs, against the same lookups without it (p50 / p99).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.driver import Driver, Step, TurnRecord, audit_replies, bench_user
from bench.processes import Host
from bench.stats import latency_summary, percentile, ratio
from bench.turns import _format, _mb, machine, pick_names
from bot.local_channel import LocalConnector


async def _calls_since(session: aiohttp.ClientSession, bot_url: str, since: int) -> tuple[int, list[list[Any]]]:
    async with session.get(f"{bot_url}/_bench/calls", params={"since": str(since)}) as response:
        body = await response.json()
    return body["count"], body["calls"]


def classify(calls: list[list[Any]]) -> dict[str, int]:
    """Partner Center calls by purpose: name search, listing every customer (directory), other."""
    out = {"total": len(calls), "search": 0, "list_customers": 0, "other": 0, "throttled": 0}
    for method, path, status, filtered, _origin in calls:
        if status == 429:
            out["throttled"] += 1
        if method == "GET" and path.rstrip("/") == "/v1/customers":
            out["search" if filtered else "list_customers"] += 1
        else:
            out["other"] += 1
    return out


async def _counted_turn(driver: Driver, session: aiohttp.ClientSession, bot_url: str, conversation: str,
                        user_index: int, step: Step) -> tuple[TurnRecord, dict[str, int]]:
    """One turn and the Partner Center calls made while it ran (nothing else is running at that time)."""
    before, _ = await _calls_since(session, bot_url, 0)
    record = await driver.turn(conversation, bench_user(user_index), step)
    _, calls = await _calls_since(session, bot_url, before)
    return record, classify(calls)


async def _lookups(driver: Driver, names: list[str], *, users: int, until: asyncio.Future[Any] | None,
                   count: int, think_s: float, prefix: str) -> list[TurnRecord]:
    """`users` people each sending lookups one after another: `count` each, or until `until` is done."""
    async def person(index: int) -> list[TurnRecord]:
        records = []
        turn = 0
        while (until is None and turn < count) or (until is not None and not until.done()):
            name = names[(index * 5 + turn) % len(names)]
            records.append(await driver.turn(f"{prefix}-{index}", bench_user(100 + index),
                                             Step(f"show subscriptions for {name}", (name,))))
            turn += 1
            await asyncio.sleep(think_s)
        return records

    batches = await asyncio.gather(*(person(i) for i in range(users)))
    return [r for batch in batches for r in batch]


async def _wait_directory(session: aiohttp.ClientSession, bot_url: str, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        async with session.get(bot_url + "/_bench/directory") as response:
            state = await response.json()
        if state.get("loaded"):
            return {**state, "waited_s": round(time.perf_counter() - started, 2)}
        await asyncio.sleep(0.1)
    return {"loaded": False, "size": 0, "waited_s": round(timeout, 1)}


async def run_scale(customers: int = 10_000, fanout_customers: int = 1000, rate_limit: int = 6000,
                    concurrency: int = 16, share: float = 0.9, lookup_users: int = 3,
                    renewals: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    result: dict[str, Any] = {"benchmark": "scale", "customers": customers, "rate_limit_per_min": rate_limit}
    with tempfile.TemporaryDirectory(prefix="partnerbot-bench-") as tmp:
        tmp_path = Path(tmp)
        async with Host("sandbox", "--customers", str(customers), "--rate-limit", str(rate_limit),
                        log_dir=tmp_path, ready_timeout=300) as sandbox:
            result["sandbox_seed_s"] = sandbox.info.get("startup_s")
            names = await pick_names(sandbox.url, 12)
            connector = LocalConnector()
            await connector.start()
            try:
                async with aiohttp.ClientSession() as session, Host(
                        "bot", "--sandbox", sandbox.url, "--state", str(tmp_path / "state.db"),
                        "--rate-limit", str(rate_limit), log_dir=tmp_path) as bot:
                    driver = Driver(bot.url, connector, session)
                    result["name_resolution"] = await _name_resolution(driver, session, bot.url, names)
                    result["fanout"] = await _fanout(driver, session, bot.url, names, fanout_customers,
                                                     rate_limit, concurrency, share, lookup_users)
                    if renewals:
                        result["renewals"] = await _fanout(driver, session, bot.url, names, None, rate_limit,
                                                           concurrency, share, lookup_users, kind="renewals")
                    result["bot_peak_rss_mb"] = _mb(bot.peak_rss_bytes())
                    result["replies"] = audit_replies(driver.records, connector.calls)
            finally:
                await connector.stop()
    nr, fo = result["name_resolution"], result["fanout"]
    first_turn = nr["first_turn"]["calls"]
    result["targets"] = {
        "at_most_2_calls_per_name_turn": nr["max_calls_per_turn"] <= 2
        and first_turn["search"] + first_turn["other"] <= 2 and nr["list_customers_in_turns"] == 0,
        "fanout_within_1.15x_bound": fo["wall_over_bound"] is not None and fo["wall_over_bound"] <= 1.15,
        "fanout_no_failed_call": not fo["failures"] and fo["throttled"] == 0,
        "lookups_normal_during_fanout": fo["lookups_during"]["p50_ms"] is not None
        and fo["lookups_during"]["p50_ms"] <= 2 * max(fo["lookups_alone"]["p50_ms"] or 0, 1.0)
        and result["replies"]["lost"] == 0,
    }
    rn = result.get("renewals")
    if rn is not None:  # "what renews in the next 30 days?" over every customer (subscriptions.renewals)
        result["targets"].update({
            "renewals_within_1.15x_bound": rn["wall_over_bound"] is not None and rn["wall_over_bound"] <= 1.15,
            "renewals_no_failed_call": not rn["failures"] and rn["throttled"] == 0,
            "lookups_within_1.2x_during_renewals": rn["lookups_during"]["p50_ms"] is not None
            and rn["lookups_during"]["p50_ms"] <= 1.2 * max(rn["lookups_alone"]["p50_ms"] or 0, 1.0),
        })
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    result["machine"] = machine(load_before)
    return result


async def _name_resolution(driver: Driver, session: aiohttp.ClientSession, bot_url: str,
                           names: list[str]) -> dict[str, Any]:
    first, first_calls = await _counted_turn(driver, session, bot_url, "a:scale-first", 1,
                                             Step(f"show subscriptions for {names[0]}", (names[0],)))
    directory = await _wait_directory(session, bot_url, 120)
    count_after_directory, _ = await _calls_since(session, bot_url, 0)
    turns: list[tuple[TurnRecord, dict[str, int]]] = []
    for i, name in enumerate(names[1:]):
        turns.append(await _counted_turn(driver, session, bot_url, f"a:scale-warm-{i}", 2 + i,
                                         Step(f"show subscriptions for {name}", (name,))))
    per_turn = [c["total"] for _, c in turns]
    return {
        "first_turn": {"ms": round(first.latency_s * 1000, 1), "calls": first_calls},
        "directory": {**directory, "calls_in_background": count_after_directory - first_calls["total"]},
        "turns": len(turns),
        "calls_per_turn_mean": round(sum(per_turn) / len(per_turn), 2),
        "max_calls_per_turn": max(per_turn),
        # Listing every customer is the directory's background load; a later turn must never do it.
        "list_customers_in_turns": sum(c["list_customers"] for _, c in turns),
        # A read whose name is exactly one directory customer's needs no search once the directory is loaded.
        "searches_in_turns": sum(c["search"] for _, c in turns),
        "p50_ms": round(percentile([r.latency_s * 1000 for r, _ in turns], 50), 1),
    }


async def _fanout(driver: Driver, session: aiohttp.ClientSession, bot_url: str, names: list[str],
                  customers: int | None, rate_limit: int, concurrency: int, share: float, users: int,
                  kind: str = "status") -> dict[str, Any]:
    alone = await _lookups(driver, names, users=users, until=None, count=6, think_s=0.2,
                           prefix=f"a:scale-alone-{kind}")

    async def scan() -> dict[str, Any]:
        async with session.post(f"{bot_url}/_bench/fanout", json={
                "customers": customers, "concurrency": concurrency, "share": share, "kind": kind},
                timeout=aiohttp.ClientTimeout(total=1800)) as response:
            return await response.json()

    task: asyncio.Task[dict[str, Any]] = asyncio.ensure_future(scan())
    await asyncio.sleep(0.5)  # the scan is under way before people start asking
    during = await _lookups(driver, names, users=users, until=task, count=0, think_s=0.2,
                            prefix=f"a:scale-during-{kind}")
    scan_result = await task
    bound_s = scan_result["http_requests"] / (rate_limit / 60.0)
    return {
        "customers_scanned": scan_result["customers_scanned"],
        "concurrency": concurrency,
        "share_of_rate": share,
        "http_requests": scan_result["http_requests"],
        "wall_s": round(scan_result["elapsed_s"], 2),
        "bound_s": round(bound_s, 2),
        "wall_over_bound": ratio(scan_result["elapsed_s"], bound_s),
        "throttled": scan_result["throttled"],
        "failures": scan_result["failures"],
        "customers_with_suspended": scan_result["hits"],
        "lookups_alone": latency_summary([r.latency_s for r in alone]),
        "lookups_during": latency_summary([r.latency_s for r in during]),
    }


def table(result: dict[str, Any]) -> str:
    nr, fo = result["name_resolution"], result["fanout"]
    first = nr["first_turn"]
    rows = [
        ("", "value"),
        ("first turn: PC calls of the turn", f"{first['calls']['search'] + first['calls']['other']} "
                                             f"({first['calls']['search']} search), {first['ms']} ms"),
        ("first turn: directory pages meanwhile", first["calls"]["list_customers"]),
        ("later turns: PC calls mean / max", f"{nr['calls_per_turn_mean']} / {nr['max_calls_per_turn']} "
                                             f"({nr['searches_in_turns']} searches in {nr['turns']} turns)"),
        ("later turns: p50 ms", nr["p50_ms"]),
        ("directory (background)", f"{nr['directory'].get('size')} customers, "
                                   f"{nr['directory']['calls_in_background']} calls"),
        ("fan-out customers / requests", f"{fo['customers_scanned']} / {fo['http_requests']}"),
        ("fan-out wall / bound s", f"{fo['wall_s']} / {fo['bound_s']} ({fo['wall_over_bound']}x)"),
        ("fan-out 429s / failures", f"{fo['throttled']} / {len(fo['failures'])}"),
        ("lookup p50 ms alone / during", f"{fo['lookups_alone']['p50_ms']} / {fo['lookups_during']['p50_ms']}"),
        ("lookup p99 ms alone / during", f"{fo['lookups_alone']['p99_ms']} / {fo['lookups_during']['p99_ms']}"),
        ("bot peak RSS MB", result["bot_peak_rss_mb"]),
    ]
    rn = result.get("renewals")
    if rn is not None:
        rows[-1:-1] = [
            ("renewals (next 30 days): customers / requests", f"{rn['customers_scanned']} / {rn['http_requests']}"),
            ("renewals wall / bound s", f"{rn['wall_s']} / {rn['bound_s']} ({rn['wall_over_bound']}x)"),
            ("renewals 429s / failures / subscriptions found",
             f"{rn['throttled']} / {len(rn['failures'])} / {rn['customers_with_suspended']} customers"),
            ("lookup p50 ms alone / during renewals",
             f"{rn['lookups_alone']['p50_ms']} / {rn['lookups_during']['p50_ms']}"),
        ]
    head = (f"bench scale: {result['customers']} customers, {result['rate_limit_per_min']} requests/min, "
            f"seeded in {result['sandbox_seed_s']} s, {result['elapsed_s']} s, load "
            f"{result['machine']['load_avg_1m_before']} -> {result['machine']['load_avg_1m_after']}")
    targets = ", ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in result["targets"].items())
    return "\n".join([head, _format(rows), f"targets: {targets}"])
