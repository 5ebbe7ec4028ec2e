"""`make playground`: the sandbox, the bot and the Microsoft 365 Agents Playground, until Ctrl-C.

Open the printed URL in a browser on this machine: a Teams-like chat with PartnerBot against the local Partner
Center sandbox, no tenant, tunnel or app registration. Options: --port (Playground, default 56150), --bot-port
(default 3978), --roles-file (PARTNERBOT_ROLES_FILE), --workdir (keeps the Playground's config and logs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.playground_stack import LocalStack, PlaygroundError  # noqa: E402


async def run(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with LocalStack(bot_port=args.bot_port, playground_port=args.port, workdir=args.workdir,
                              roles_file=args.roles_file) as stack:
            assert stack.playground is not None and stack.sandbox is not None
            print(f"Partner Center sandbox: {stack.sandbox.url}")
            print(f"PartnerBot:             {stack.bot_endpoint} (anonymous, in-memory state)")
            print(f"Agents Playground:      {stack.playground.url}   <- open this in a browser")
            print(f"Playground logs:        {stack.workdir}")
            print("Ctrl-C stops everything.", flush=True)
            await stop.wait()
    except PlaygroundError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"playground: {exc} (is something else using the port? try --port/--bot-port)", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="make playground", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("PLAYGROUND_PORT", "56150")))
    p.add_argument("--bot-port", type=int, default=int(os.environ.get("PARTNERBOT_PORT", "3978")))
    p.add_argument("--roles-file", default=os.environ.get("PARTNERBOT_ROLES_FILE", ""))
    p.add_argument("--workdir", type=Path, default=None)
    return asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
