"""The botbuilder side of jobs (`dialogs.jobs`): where job records live and how an outcome reaches the chat.

Job records share the app's durable bot storage (SQLite or Blob), and an outcome is posted with the app's
`ProactiveNotifier` into the conversation the job was started from (its stored conversation reference).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import Storage

from bot.proactive import ProactiveNotifier
from dialogs.jobs import Announcer, JobRecord
from dialogs.turn import Reply


def bind(notifier: ProactiveNotifier) -> tuple[Storage, Announcer]:
    """The `binder` for `JobService`: (storage, announce)."""

    async def announce(job: JobRecord, replies: list[Reply]) -> None:
        await notifier.send_to_conversation(job.conversation_id, replies)

    return notifier.storage, announce


def poller_hooks(engine: Any) -> tuple[Any, Any] | None:
    """(on_startup, on_shutdown) callbacks for the app when the engine runs jobs, else None."""
    jobs = getattr(engine, "jobs", None)
    if jobs is None or not callable(getattr(jobs, "start_poller", None)):
        return None

    async def start(_: Any) -> None:
        jobs.start_poller()

    async def stop(_: Any) -> None:
        await jobs.stop_poller()

    return start, stop
