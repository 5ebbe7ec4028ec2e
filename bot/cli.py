"""`partnerbot` command line: one entry point, each subcommand owned by the module that implements it.

Subcommands are imported lazily so that `partnerbot sandbox` does not pay for botbuilder and vice versa.
"""

from __future__ import annotations

import importlib
import sys

# name -> ("module:function", one-line help). Each function takes argv (list[str]) and returns an exit code.
COMMANDS: dict[str, tuple[str, str]] = {
    "sandbox": ("sandbox.server:cli_main", "run the local Partner Center emulator"),
    "serve": ("bot.server:cli_main", "run the bot (POST /api/messages)"),
    "chat": ("bot.chat:cli_main", "terminal chat against a running bot"),
    "demo": ("bot.demo:cli_main", "sandbox + bot + terminal chat, no credentials"),
    "operations": ("bot.operations_cli:cli_main", "list the registered operations"),
    "nlu-eval": ("intents.evaluate:cli_main", "evaluate the recognizer on a JSONL data set"),
    "package": ("bot.package:cli_main", "build the Teams app package (zip)"),
    "bench": ("bench.cli:cli_main", "run the benchmarks"),
}


def usage() -> str:
    lines = ["usage: partnerbot COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<11} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"partnerbot: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name, func_name = COMMANDS[name][0].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            print(f"partnerbot: command {name!r} is not available in this build", file=sys.stderr)
            return 2
        raise
    return int(getattr(module, func_name)(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
