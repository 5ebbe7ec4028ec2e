"""`partnerbot bench turns|scale|recon|recognizer [--json]`: run a benchmark, print a short table or one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnerbot bench", description="Run the benchmarks (not timed tests).")
    sub = parser.add_subparsers(dest="bench", required=True)
    turns = sub.add_parser("turns", help="turn latency and throughput against an echo-bot baseline")
    turns.add_argument("--conversations", type=int, default=50, help="concurrent conversations (default 50)")
    turns.add_argument("--think-ms", type=int, default=2000,
                       help="mean pause between a user's messages in the paced phase (default 2000)")
    turns.add_argument("--customers", type=int, default=200, help="customers seeded into the sandbox")
    turns.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    turns.add_argument("--unpaced", action="store_true",
                       help="only the unpaced phase: conversations x --lookups as fast as they come, above the "
                            "--rate-limit Partner Center enforces (bench/unpaced.py)")
    turns.add_argument("--lookups", type=int, default=20, help="lookups per conversation (--unpaced)")
    turns.add_argument("--rate-limit", type=int, default=500, help="requests/min the sandbox enforces (--unpaced)")
    scale = sub.add_parser("scale", help="Partner Center calls per turn and a rate-limited fan-out at scale")
    scale.add_argument("--customers", type=int, default=10_000, help="customers seeded into the sandbox")
    scale.add_argument("--fanout-customers", type=int, default=1000, help="customers the fan-out scans")
    scale.add_argument("--rate-limit", type=int, default=6000,
                       help="requests/min the sandbox enforces and the client is told (default 6000)")
    scale.add_argument("--concurrency", type=int, default=16, help="fan-out calls in flight (default 16)")
    scale.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    recon = sub.add_parser("recon", help="a reconciliation export read by the bot's path vs a stdlib baseline")
    recon.add_argument("--lines", type=int, default=1_000_000, help="export lines (default 1,000,000)")
    recon.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    recognizer = sub.add_parser("recognizer", help="recognizer time per character, 100 to 28,000 characters")
    recognizer.add_argument("--runs", type=int, default=3, help="best of this many runs per point (default 3)")
    recognizer.add_argument("--max-chars", type=int, default=28_000, help="longest message measured (default 28000)")
    recognizer.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    return parser


def cli_main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.bench == "turns" and args.unpaced:
        from bench.unpaced import run_unpaced, table

        result = asyncio.run(run_unpaced(args.conversations, args.lookups, args.customers, args.rate_limit))
    elif args.bench == "turns":
        from bench.turns import run_turns, table

        if args.conversations < 1:
            print("partnerbot bench: --conversations must be at least 1", file=sys.stderr)
            return 2
        result = asyncio.run(run_turns(args.conversations, args.think_ms, args.customers))
    elif args.bench == "recognizer":
        from bench.recognizer import LENGTHS, run_recognizer, table

        if not 1 <= args.runs <= 20 or not 100 <= args.max_chars <= 28_000:
            print("partnerbot bench: --runs must be 1-20 and --max-chars 100-28000", file=sys.stderr)
            return 2
        lengths = tuple(n for n in LENGTHS if n < args.max_chars) + (args.max_chars,)
        result = run_recognizer(lengths, args.runs)
    elif args.bench == "recon":
        from bench.recon import run_recon, table

        if not 1 <= args.lines <= 20_000_000:
            print("partnerbot bench: --lines must be 1-20000000", file=sys.stderr)
            return 2
        result = asyncio.run(run_recon(args.lines))
    else:
        from bench.scale import run_scale, table

        result = asyncio.run(run_scale(args.customers, args.fanout_customers, args.rate_limit, args.concurrency))
    print(json.dumps(result, indent=None if args.json else 2) if args.json else table(result))
    return 0
