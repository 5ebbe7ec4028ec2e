"""`partnerbot operations [--json]`: what the bot can do, for admins reviewing it and for tests."""

from __future__ import annotations

import argparse
import json

import dialogs.ops  # noqa: F401  (importing it fills the registry)
from dialogs.registry import registry as _registry


def rows() -> list[dict[str, object]]:
    return [
        {"id": op.id, "kind": op.kind.value, "role": op.role.value, "area": op.area,
         "status": "available" if op.available else "planned",
         "parameters": [p.name for p in op.params]}
        for op in _registry
    ]


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="partnerbot operations", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON array")
    args = parser.parse_args(argv)
    data = rows()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    width = max(len(r["id"]) for r in data)
    print(f"{'operation':<{width}}  {'kind':<8}  {'role':<9}  {'status':<9}  area")
    for r in data:
        print(f"{r['id']:<{width}}  {r['kind']:<8}  {r['role']:<9}  {r['status']:<9}  {r['area']}")
    available = sum(1 for r in data if r["status"] == "available")
    print(f"\n{len(data)} operations, {available} available")
    return 0
