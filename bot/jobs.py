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
    """(on_startup, on_shutdown) callbacks for the app when the engine runs jobs or approvals, else None: the job
    poller, and the approvals' sweep (resume approved requests a crash left behind at start, then on a timer)."""
    jobs = getattr(engine, "jobs", None)
    approvals = getattr(engine, "purchases", None)
    has_jobs = jobs is not None and callable(getattr(jobs, "start_poller", None))
    has_approvals = approvals is not None and callable(getattr(approvals, "start_sweeper", None))
    if not (has_jobs or has_approvals):
        return None

    async def start(_: Any) -> None:
        if has_jobs:
            jobs.start_poller()
        if has_approvals:
            approvals.start_sweeper()

    async def stop(_: Any) -> None:
        if has_jobs:
            await jobs.stop_poller()
        if has_approvals:
            await approvals.stop_sweeper()

    return start, stop
