"""`partnerbot demo`: the embedded sandbox, the bot and the terminal chat in one command, no credentials.

State lives in `.demo/` (sandbox database, bot state, roles file), so stopping and starting the demo continues
where it was; `--fresh` starts over. The roles file gives the demo user every role and adds a second identity,
"Avery (approver)", so a newcomer can try a purchase and approve it (`/user avery` in the chat).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import shutil
import sys
from pathlib import Path

from aiohttp import web

from bot.chat import DEFAULT_USER, DEMO_USERS, ChatSession, _terminal_input, find_identity
from bot.config import Settings
from bot.server import create_app
from sandbox.config import SandboxConfig
from sandbox.server import start_sandbox

DEMO_DIR = Path(".demo")


def demo_roles() -> dict[str, object]:
    dana, avery = DEMO_USERS["dana"], DEMO_USERS["avery"]
    return {
        "default": ["viewer"],
        "users": {
            dana.aad_object_id: ["viewer", "agent", "purchaser", "approver", "admin"],
            avery.aad_object_id: ["viewer", "approver"],
        },
    }


def prepare(directory: Path, fresh: bool) -> dict[str, str]:
    if fresh and directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    roles = directory / "roles.json"
    roles.write_text(json.dumps(demo_roles(), indent=2), encoding="utf-8")
    return {"sandbox_db": str(directory / "sandbox.db"), "state": str(directory / "state.db"), "roles": str(roles)}


async def run_demo(args: argparse.Namespace) -> int:
    paths = prepare(Path(args.dir), args.fresh)
    sandbox = await start_sandbox(SandboxConfig(db_path=paths["sandbox_db"], port=args.sandbox_port))
    # The user's settings (e.g. the LLM recognizer) with the demo's sandbox, state and roles on top.
    settings = dataclasses.replace(
        Settings.from_env(), partner_center_url=sandbox.url, partner_center_dev_token="sandbox-dev-token",
        state_path=paths["state"], storage_kind="sqlite", roles_file=paths["roles"], host="127.0.0.1",
        port=args.port)
    app = create_app(settings)  # builds the engine on the same store as state, approvals and audit
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    bot_url = f"http://127.0.0.1:{args.port}"
    print(f"Partner Center sandbox: {sandbox.url}   bot: {bot_url}/api/messages   state: {args.dir}/")
    try:
        if args.no_chat:
            print("Bot running (no chat). Connect `partnerbot chat` or the Agents Playground; Ctrl+C to stop.")
            await asyncio.Event().wait()
            return 0
        print('Try: "show contoso subscriptions", "add 5 seats to Fabrikam\'s Business Premium", '
              '"what renews this month?", "can I still cancel Contoso\'s Copilot?", '
              '"at renewal drop Fabrikam\'s E3 to 10 seats", "help".')
        session = ChatSession(bot_url, find_identity(args.user), ask=_terminal_input,
                              out=lambda s: print(s, flush=True))
        try:
            await session.start()
            await session.run()
        finally:
            await session.close()
        return 0
    finally:
        await runner.cleanup()
        await sandbox.stop()


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="partnerbot demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3978, help="bot port (default 3978)")
    parser.add_argument("--sandbox-port", type=int, default=0, help="sandbox port (default: any free port)")
    parser.add_argument("--dir", default=str(DEMO_DIR), help="where the demo keeps its state (default .demo)")
    parser.add_argument("--fresh", action="store_true", help="discard the previous demo state")
    parser.add_argument("--user", default=DEFAULT_USER, help="who you are in the chat")
    parser.add_argument("--no-chat", action="store_true", help="run sandbox + bot only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(run_demo(args))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"partnerbot demo: {exc} (is another demo running? try --port)", file=sys.stderr)
        return 1
