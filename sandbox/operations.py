"""Work that finishes later, for any route: one facility behind 202 + `Location` status resources and 204
"not ready yet" reads (api.md §1.3, §20 items 35-37, §25.6 rule 3).

A route starts an operation under a key it can find again (`start(sb, "registration", f"{cid}/{sid}")`) and
asks `poll(sb, kind, key)` each time the client reads the status resource (or repeats the 204 read). An
operation is done when it has been polled `polls_until_done` times *and* `delay_seconds` have passed on the
sandbox clock; until then the route answers "running" with `Retry-After: retry_after_seconds`. Tests set these
through `POST /_sandbox/operations` (they apply to operations started afterwards) or finish one at once with
`POST /_sandbox/operations/{id}` (`{"complete": true}` or `{"fail": "message"}`), so timing is deterministic.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sandbox.context import Sandbox
from sandbox.envelope import iso, parse_iso

KIND = "operation"
_SETTINGS_META = "operations.settings"
_NAMESPACE = uuid.UUID("6f1d2c4e-5b7a-4c3d-9e8f-0a1b2c3d4e5f")


@dataclass
class OperationSettings:
    polls_until_done: int = 1  # the first poll says "running", the next "done"
    delay_seconds: float = 0.0
    retry_after_seconds: int = 1
    outcome: str = "succeeded"  # or "failed"

    def to_wire(self) -> dict[str, Any]:
        return {"pollsUntilDone": self.polls_until_done, "delaySeconds": self.delay_seconds,
                "retryAfterSeconds": self.retry_after_seconds, "outcome": self.outcome}


def settings(sb: Sandbox) -> OperationSettings:
    import json

    raw = sb.store.get_meta(_SETTINGS_META)
    return OperationSettings(**json.loads(raw)) if raw else OperationSettings()


def save_settings(sb: Sandbox, value: OperationSettings) -> None:
    import json

    sb.store.set_meta(_SETTINGS_META, json.dumps(asdict(value)))


def operation_id(kind: str, key: str) -> str:
    """Deterministic: the same (kind, key) is the same operation, so a route can find it from its own path."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}\n{key}"))


@dataclass(frozen=True)
class Polled:
    id: str
    status: str  # running | succeeded | failed
    polls: int
    retry_after: int
    error: str | None = None
    doc: dict[str, Any] | None = None

    @property
    def running(self) -> bool:
        return self.status == "running"


def get(sb: Sandbox, kind: str, key: str) -> dict[str, Any] | None:
    return sb.store.get(KIND, operation_id(kind, key))


def start(sb: Sandbox, kind: str, key: str, *, restart: bool = False, data: dict[str, Any] | None = None,
          ) -> dict[str, Any]:
    """The operation for (kind, key), created with the current settings unless it exists (or `restart`)."""
    op_id = operation_id(kind, key)
    existing = sb.store.get(KIND, op_id)
    if existing is not None and not restart:
        return existing
    conf = settings(sb)
    doc = {"id": op_id, "kind": kind, "key": key, "status": "running", "polls": 0,
           "pollsUntilDone": conf.polls_until_done, "readyAt": iso(sb.now() + timedelta(seconds=conf.delay_seconds)),
           "retryAfter": conf.retry_after_seconds, "outcome": conf.outcome, "error": None,
           "createdDateTime": sb.now_iso(), "lastActionDateTime": sb.now_iso(), "data": data or {}}
    sb.store.put(KIND, op_id, doc, k1=kind)
    return doc


def poll(sb: Sandbox, kind: str, key: str) -> Polled | None:
    """Count one read of the operation's status and return where it stands (None: never started)."""
    op_id = operation_id(kind, key)
    doc = sb.store.get(KIND, op_id)
    if doc is None:
        return None
    if doc["status"] == "running":
        doc["polls"] += 1
        ready_at = parse_iso(doc["readyAt"])
        if doc["polls"] > doc["pollsUntilDone"] and (ready_at is None or sb.now() >= ready_at):
            doc["status"] = doc["outcome"]
            if doc["status"] == "failed" and not doc.get("error"):
                doc["error"] = "The operation failed in the sandbox (configured outcome)."
        doc["lastActionDateTime"] = sb.now_iso()
        sb.store.put(KIND, op_id, doc, k1=kind)
    return Polled(op_id, doc["status"], doc["polls"], int(doc["retryAfter"]), doc.get("error"), doc)


def finish(sb: Sandbox, op_id: str, *, error: str | None = None) -> dict[str, Any] | None:
    """Admin: end an operation now (succeeded, or failed with `error`)."""
    doc = sb.store.get(KIND, op_id)
    if doc is None:
        return None
    doc["status"] = "failed" if error else "succeeded"
    doc["error"] = error
    doc["lastActionDateTime"] = sb.now_iso()
    sb.store.put(KIND, op_id, doc, k1=doc["kind"])
    return doc


def listing(sb: Sandbox) -> list[dict[str, Any]]:
    return [{k: d.body[k] for k in ("id", "kind", "key", "status", "polls")} for d in sb.store.list(KIND)]


def retry_after_header(polled: Polled) -> dict[str, str]:
    return {"Retry-After": str(polled.retry_after)}
