"""`partnerbot bench turns`: per-turn latency and throughput of PartnerBot against a bare echo bot.

Both bots run behind the same CloudAdapter, aiohttp host and /api/messages route, each in its own process, and
are driven by the same conversations through the same local connector in this process. PartnerBot talks to the
sandbox (its own process, no injected latency, no rate limit; the bot's client-side limiter is off too, since
this measures the bot, not Partner Center's budget). Three phases per bot:

* one at a time: the first 10 scripts run one after another (other users) -> single-turn latency and CPU;
* paced: N conversations at once, each user waiting a think time between messages -> latency p50/p99;
* saturated: the same conversations with no think time -> turns per second (and latency under overload).
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.driver import Driver, Step, TurnRecord, audit_replies
from bench.hosts import TOKEN
from bench.processes import Host
from bench.stats import latency_summary, ratio
from bot.local_channel import LocalConnector

_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z .]*[A-Za-z.]$")
SEQUENTIAL_SCRIPTS = 10  # conversations run one after another before the paced phase
SEQUENTIAL_FIRST_USER = 5000


@dataclass(frozen=True)
class Target:
    """A customer a script talks about, with a subscription whose seats it may change."""

    name: str
    offer: str | None = None


def plain_names(names: list[str]) -> list[str]:
    """Names made of letters, spaces and dots that no other customer shares or extends ("Contoso" when
    "Contoso Ltd" exists is left out), so the bench measures speed, not name disambiguation."""
    lowered = sorted(n.lower() for n in names)
    counts: dict[str, int] = {}
    for n in lowered:
        counts[n] = counts.get(n, 0) + 1
    extended = {a for a, b in zip(lowered, lowered[1:], strict=False) if a != b and b.startswith(a)}
    return [n for n in names if _SAFE_NAME.match(n) and counts[n.lower()] == 1 and n.lower() not in extended]


async def pick_names(sandbox_url: str, wanted: int, scan: int = 2000) -> list[str]:
    """`wanted` plain customer names spread over the first `scan` customers of the sandbox."""
    from partner_center import PartnerCenterClient
    from partner_center.auth import StaticTokenProvider

    async with PartnerCenterClient(sandbox_url, StaticTokenProvider(TOKEN), rate_limit_per_minute=None) as client:
        customers = await client.customers.list().to_list(scan)
    names = plain_names([c.company_name or "" for c in customers])
    if len(names) < wanted:
        raise RuntimeError("the sandbox has too few customers with plain names; seed more with --customers")
    step = len(names) / wanted
    return [names[int(i * step)] for i in range(wanted)]


async def pick_targets(sandbox_url: str, wanted: int) -> tuple[list[Target], list[Target]]:
    """Customers with plain names for lookups, and among them those with an active, licence-based
    subscription of 1..20 seats and a unique offer name for the seat change."""
    from partner_center import PartnerCenterClient
    from partner_center.auth import StaticTokenProvider

    async with PartnerCenterClient(sandbox_url, StaticTokenProvider(TOKEN), rate_limit_per_minute=None) as client:
        customers = await client.customers.list().to_list(5000)
        keep = set(plain_names([c.company_name or "" for c in customers]))
        plain = [c for c in customers if c.company_name in keep]
        lookups = [Target(c.company_name) for c in plain]
        changes: list[Target] = []
        for customer in plain:
            if len(changes) >= wanted:
                break
            subs = await client.subscriptions.list(customer.id).to_list()
            offers = [s.offer_name or "" for s in subs]
            for sub in subs:
                offer = sub.offer_name or ""
                if (str(sub.status) == "active" and not sub.is_trial and 1 <= (sub.quantity or 0) <= 20
                        and offers.count(offer) == 1 and "trial" not in offer.lower() and "azure" not in offer.lower()
                        and not sub.parent_subscription_id and (sub.unit_type or "").lower() in {"licenses", ""}):
                    changes.append(Target(customer.company_name, offer))
                    break
    if not lookups or not changes:
        raise RuntimeError("the sandbox has no customers the bench can use; seed more with --customers")
    return lookups, changes


def bot_script(index: int, lookups: list[Target], changes: list[Target]) -> list[Step]:
    """Two lookups, a seat change and its confirmation, and one more lookup."""
    change = changes[index % len(changes)]
    other = lookups[(index * 7 + 3) % len(lookups)]
    third = lookups[(index * 13 + 5) % len(lookups)]
    return [
        Step(f"show subscriptions for {change.name}", (change.name,)),
        Step(f"open service requests for {other.name}", (other.name,)),
        Step(f"add 1 seat to {change.name}'s {change.offer}", (change.offer or "",), kind="change"),
        Step("yes", (change.offer or "",), kind="confirm"),
        Step(f"show subscriptions for {third.name}", (third.name,)),
    ]


def echo_script(script: list[Step]) -> list[Step]:
    return [Step(s.text, (f"echo: {s.text}",), kind=s.kind) for s in script]


def state_bytes(path: Path, conversations: int) -> dict[str, Any]:
    """Bytes of stored state (serialized value) per conversation, by kind of item."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT key, length(value) FROM bot_items").fetchall()
    conv = [n for k, n in rows if "/conversations/" in k]
    users = [n for k, n in rows if "/users/" in k]
    total = sum(n for _, n in rows)
    return {
        "per_conversation": round(total / conversations) if conversations else None,
        "conversation_state_mean": round(sum(conv) / len(conv)) if conv else 0,
        "conversation_state_max": max(conv) if conv else 0,
        "user_state_mean": round(sum(users) / len(users)) if users else 0,
        "items": len(rows),
        "total": total,
    }


def _by_kind(records: list[TurnRecord]) -> dict[str, Any]:
    kinds = sorted({r.step.kind for r in records})
    return {k: latency_summary([r.latency_s for r in records if r.step.kind == k])["p50_ms"] for k in kinds}


async def _measure(driver: Driver, scripts: list[list[Step]], think_s: float, seed: int,
                   prefix: str, hosts: dict[str, Host]) -> dict[str, Any]:
    bot = hosts["bot"]
    cpu_sequential = bot.cpu_seconds()
    # Users the paced phase does not have, so its first contacts stay first contacts.
    sequential, sequential_wall = await driver.run_one_by_one(scripts[:SEQUENTIAL_SCRIPTS], prefix=prefix + "-seq",
                                                              first_user=SEQUENTIAL_FIRST_USER)
    cpu_after = bot.cpu_seconds()
    cpu_before = {name: host.cpu_seconds() for name, host in hosts.items()}
    paced, paced_wall = await driver.run(scripts, think_s=think_s, seed=seed, prefix=prefix)
    saturated, saturated_wall = await driver.run(scripts, think_s=0, seed=seed, prefix=prefix)
    audit = audit_replies(sequential + paced + saturated, driver.connector.calls)
    turns = len(paced) + len(saturated)
    cpu_ms = {}
    for name, host in hosts.items():
        now, before = host.cpu_seconds(), cpu_before[name]
        cpu_ms[name] = None if now is None or before is None else round((now - before) * 1000 / turns, 1)
    sequential_cpu = None if cpu_sequential is None or cpu_after is None else round(
        (cpu_after - cpu_sequential) * 1000 / len(sequential), 1)
    return {
        "sequential": {**latency_summary([r.latency_s for r in sequential], sequential_wall),
                       "p50_ms_by_kind": _by_kind(sequential), "bot_cpu_ms_per_turn": sequential_cpu},
        "paced": {**latency_summary([r.latency_s for r in paced], paced_wall), "p50_ms_by_kind": _by_kind(paced)},
        "saturated": latency_summary([r.latency_s for r in saturated], saturated_wall),
        "cpu_ms_per_turn": cpu_ms,
        **audit,
    }


async def run_turns(conversations: int = 50, think_ms: int = 2000, customers: int = 200,
                    seed: int = 7) -> dict[str, Any]:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    think_s = think_ms / 1000.0
    with tempfile.TemporaryDirectory(prefix="partnerbot-bench-") as tmp:
        tmp_path = Path(tmp)
        state_path = tmp_path / "state.db"
        async with Host("sandbox", "--customers", str(customers), log_dir=tmp_path) as sandbox:
            lookups, changes = await pick_targets(sandbox.url, conversations)
            scripts = [bot_script(i, lookups, changes) for i in range(conversations)]
            connector = LocalConnector()
            await connector.start()
            limits = aiohttp.TCPConnector(limit=conversations * 2)
            try:
                async with aiohttp.ClientSession(connector=limits) as session:
                    async with Host("echo", log_dir=tmp_path) as echo:
                        driver = Driver(echo.url, connector, session)
                        for step in echo_script(scripts[0])[:3]:  # warm-up, not measured
                            await driver.turn("a:bench-warmup", _warmup_user(), step)
                        echo_figures = await _measure(driver, [echo_script(s) for s in scripts], think_s, seed,
                                                      "a:bench-echo", {"bot": echo})
                        echo_figures["peak_rss_mb"] = _mb(echo.peak_rss_bytes())
                    async with Host("bot", "--sandbox", sandbox.url, "--state", str(state_path),
                                    log_dir=tmp_path) as bot:
                        driver = Driver(bot.url, connector, session)
                        for step in scripts[0][:2] + scripts[1][:2]:  # warm-up, not measured
                            await driver.turn("a:bench-warmup", _warmup_user(), step)
                        await _wait_directory(session, bot.url)
                        bot_figures = await _measure(driver, scripts, think_s, seed, "a:bench-bot",
                                                     {"bot": bot, "sandbox": sandbox})
                        bot_figures["peak_rss_mb"] = _mb(bot.peak_rss_bytes())
                        bot_figures["startup_s"] = bot.info.get("startup_s")
            finally:
                await connector.stop()
        bot_figures["state_bytes"] = state_bytes(state_path, conversations + 1 + min(SEQUENTIAL_SCRIPTS, conversations))
    paced_bot, paced_echo = bot_figures["paced"], echo_figures["paced"]
    return {
        "benchmark": "turns",
        "conversations": conversations,
        "think_ms": think_ms,
        "turns_per_conversation": len(scripts[0]),
        "sandbox_customers": customers,
        "partnerbot": bot_figures,
        "echo": echo_figures,
        "ratios": {
            "p50": ratio(paced_bot["p50_ms"], paced_echo["p50_ms"]),
            "p99": ratio(paced_bot["p99_ms"], paced_echo["p99_ms"]),
            "saturated_turns_per_s": ratio(bot_figures["saturated"]["turns_per_s"],
                                           echo_figures["saturated"]["turns_per_s"]),
        },
        "targets": {
            "p50_within_3x_echo": (paced_bot["p50_ms"] or 0) <= 3 * (paced_echo["p50_ms"] or 0),
            "p99_within_100ms": (paced_bot["p99_ms"] or 1e9) <= 100.0,
            "no_lost_or_duplicated_reply": all(f[k] == 0 for f in (bot_figures, echo_figures)
                                                for k in ("lost", "duplicated", "http_errors")),
        },
        "elapsed_s": round(time.perf_counter() - started, 1),
        "machine": machine(load_before),
    }


async def _wait_directory(session: aiohttp.ClientSession, bot_url: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Let the background customer-directory load finish so it is not inside the measured turns."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with session.get(bot_url + "/_bench/directory") as response:
            if (await response.json()).get("loaded"):
                return
        await asyncio.sleep(0.1)


def _warmup_user():
    from bench.driver import bench_user

    return bench_user(10_000)


def machine(load_before: float) -> dict[str, Any]:
    """CPU count and 1-minute load average before/after: figures from a busy machine are not comparable."""
    return {"cpus": os.cpu_count(), "load_avg_1m_before": round(load_before, 2),
            "load_avg_1m_after": round(os.getloadavg()[0], 2)}


def _mb(value: int | None) -> float | None:
    return None if value is None else round(value / 1024 / 1024, 1)


def table(result: dict[str, Any]) -> str:
    bot, echo, ratios = result["partnerbot"], result["echo"], result["ratios"]
    rows = [
        ("", "PartnerBot", "echo", "ratio"),
        ("p50 / p99 ms (one at a time)", f"{bot['sequential']['p50_ms']} / {bot['sequential']['p99_ms']}",
         f"{echo['sequential']['p50_ms']} / {echo['sequential']['p99_ms']}", ""),
        ("CPU ms / turn (one at a time)", bot["sequential"]["bot_cpu_ms_per_turn"],
         echo["sequential"]["bot_cpu_ms_per_turn"], ""),
        ("p50 ms (paced)", bot["paced"]["p50_ms"], echo["paced"]["p50_ms"], ratios["p50"]),
        ("p99 ms (paced)", bot["paced"]["p99_ms"], echo["paced"]["p99_ms"], ratios["p99"]),
        ("turns/s (paced)", bot["paced"]["turns_per_s"], echo["paced"]["turns_per_s"], ""),
        ("turns/s (saturated)", bot["saturated"]["turns_per_s"], echo["saturated"]["turns_per_s"],
         ratios["saturated_turns_per_s"]),
        ("p50 / p99 ms (saturated)", f"{bot['saturated']['p50_ms']} / {bot['saturated']['p99_ms']}",
         f"{echo['saturated']['p50_ms']} / {echo['saturated']['p99_ms']}", ""),
        ("lost / duplicated / unexpected", f"{bot['lost']} / {bot['duplicated']} / {bot['unexpected']}",
         f"{echo['lost']} / {echo['duplicated']} / {echo['unexpected']}", ""),
        ("bot CPU ms / turn", bot["cpu_ms_per_turn"]["bot"], echo["cpu_ms_per_turn"]["bot"], ""),
        ("sandbox CPU ms / turn", bot["cpu_ms_per_turn"].get("sandbox"), "", ""),
        ("peak RSS MB", bot["peak_rss_mb"], echo["peak_rss_mb"], ""),
        ("state bytes / conversation", bot["state_bytes"]["per_conversation"], "", ""),
    ]
    head = (f"bench turns: {result['conversations']} conversations x {result['turns_per_conversation']} turns, "
            f"think {result['think_ms']} ms, {result['elapsed_s']} s, load {result['machine']['load_avg_1m_before']}"
            f" -> {result['machine']['load_avg_1m_after']} on {result['machine']['cpus']} CPUs")
    kinds = ", ".join(f"{k} {v} ms" for k, v in bot["paced"]["p50_ms_by_kind"].items())
    targets = ", ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in result["targets"].items())
    return "\n".join([head, _format(rows), f"PartnerBot p50 by step: {kinds}", f"targets: {targets}"])


def _format(rows: list[tuple[Any, ...]]) -> str:
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = []
    for row in cells:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)
