"""JobService over MemoryStorage with a fake clock: backoff honours Retry-After, bounded attempts and total time,
a lease keeps a second instance off a job, and an unreachable conversation is retried, not lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botbuilder.core import MemoryStorage

from dialogs.jobs import Done, Failed, JobKinds, JobRequest, JobService, JobSettings, Pending, job_kind
from dialogs.turn import Reply


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def card(job: Any, locale: str) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "status": job.status.value, "message": job.message}


def world(answers: list[Any], *, max_attempts: int = 60, max_seconds: float = 3600):
    kinds = JobKinds()
    polls: list[str] = []

    @job_kind("test.kind", card=card, interval=10, max_interval=40, max_attempts=max_attempts,
              max_seconds=max_seconds, kinds=kinds)
    async def poll(ctx):
        polls.append(ctx.job.id)
        return answers.pop(0) if answers else Pending(None)

    storage, clock, posted = MemoryStorage(), Clock(), []

    def service(owner: str) -> JobService:
        svc = JobService(None, kinds, clock=clock, settings=JobSettings(lease_seconds=60), owner=owner)

        async def announce(job, replies: list[Reply]) -> None:
            posted.append((owner, job.id, replies[0].card))

        svc.bind(storage, announce)
        return svc

    return service, clock, polls, posted


async def start(svc: JobService, first_poll_after: float | None = None):
    return await svc.start(JobRequest("test.kind", {"location": "/x"}, "Testing", first_poll_after),
                           user_id="u1", user_name="Dana", conversation_id="c1", locale="en-US")


async def test_retry_after_decides_the_next_poll_and_backoff_doubles_without_it():
    service, clock, polls, posted = world([Pending(7), Pending(None), Pending(None), Done({"n": 1})])
    svc = service("a")
    job = await start(svc, first_poll_after=3)
    assert await svc.run_once() == 0  # not due before the first Retry-After
    clock.advance(3)
    assert await svc.run_once() == 1 and len(polls) == 1
    clock.advance(6.9)
    assert await svc.run_once() == 0  # Retry-After: 7
    clock.advance(0.1)
    assert await svc.run_once() == 1 and len(polls) == 2
    clock.advance(19)  # no Retry-After: 10 s, then 20 s
    await svc.run_once()
    assert len(polls) == 2
    clock.advance(1)
    await svc.run_once()
    assert len(polls) == 3
    clock.advance(40)
    await svc.run_once()
    assert len(polls) == 4 and posted == [("a", job.id, {"type": "AdaptiveCard", "status": "succeeded",
                                                          "message": None})]
    await svc.run_once()
    clock.advance(3600)
    await svc.run_once()
    assert len(posted) == 1 and len(polls) == 4


async def test_bounded_attempts_end_in_timed_out_and_are_announced():
    service, clock, polls, posted = world([], max_attempts=3)
    svc = service("a")
    await start(svc)
    for _ in range(10):
        await svc.run_once()
        clock.advance(100)
    assert len(polls) == 3
    assert [p[2]["status"] for p in posted] == ["timed_out"]


async def test_total_time_is_bounded():
    service, clock, polls, posted = world([], max_seconds=25)
    svc = service("a")
    await start(svc)
    for _ in range(5):
        await svc.run_once()
        clock.advance(20)
    assert [p[2]["status"] for p in posted] == ["timed_out"] and len(polls) == 2


async def test_failed_is_announced_with_its_message():
    service, clock, polls, posted = world([Failed("808 ZtdDeviceAssignedToOtherTenant")])
    svc = service("a")
    await start(svc)
    await svc.run_once()
    assert posted[0][2] == {"type": "AdaptiveCard", "status": "failed",
                            "message": "808 ZtdDeviceAssignedToOtherTenant"}


async def test_a_held_lease_keeps_another_instance_off_until_it_expires():
    service, clock, polls, posted = world([Done({})])
    a, b = service("a"), service("b")
    job = await start(a)
    assert await a._claim(job.id) is not None  # a claims, then "dies" before polling
    assert await b.run_once() == 0 and polls == []
    clock.advance(61)
    assert await b.run_once() == 1
    assert [p[0] for p in posted] == ["b"]
    assert await a.run_once() == 0 and len(posted) == 1


async def test_an_unreachable_conversation_is_retried_later_not_lost():
    service, clock, polls, posted = world([Done({})])
    svc = service("a")
    failures = [RuntimeError("connector down")]
    real = svc.announce

    async def flaky(job, replies):
        if failures:
            raise failures.pop()
        await real(job, replies)

    svc.announce = flaky
    await start(svc)
    await svc.run_once()
    assert posted == []
    clock.advance(31)
    await svc.run_once()
    assert len(posted) == 1 and len(polls) == 1  # announced without polling again


async def test_the_end_of_a_job_is_audited_once():
    from dialogs.policy import MemoryAudit

    service, clock, polls, posted = world([Pending(None), Done({"status": "registered"})])
    a, b = service("a"), service("b")
    a.audit = b.audit = audit = MemoryAudit()
    job = await start(a)
    for _ in range(4):
        await a.run_once()
        await b.run_once()
        clock.advance(60)
    [entry] = audit.entries
    assert entry["operation"] == "test.kind" and entry["outcome"] == "succeeded" and entry["job"] == job.id
    assert entry["user"] == {"id": "u1", "name": "Dana"} and "location" not in entry["parameters"]


async def test_old_announced_jobs_leave_the_index_and_storage():
    import dialogs.jobs as jobs_module

    service, clock, polls, posted = world([Done({}) for _ in range(8)])
    svc = service("a")
    keep = jobs_module.MAX_FINISHED_IN_INDEX
    jobs_module.MAX_FINISHED_IN_INDEX = 3
    try:
        started = []
        for _ in range(6):
            started.append(await start(svc))
            clock.advance(1)
            await svc.run_once()
        ids = {e.id for e in await svc.store.entries()}
        assert ids == {j.id for j in started[-3:]}
        assert await svc.store.load(started[0].id) is None and await svc.store.load(started[-1].id) is not None
    finally:
        jobs_module.MAX_FINISHED_IN_INDEX = keep


def test_whats_running_phrasings():
    from dialogs.engine import _JOBS

    for text in ("what's running?", "what's still running", "what jobs are running?", "any jobs running?",
                 "show my jobs", "jobs", "list running jobs", "my running jobs", "我的工作", "正在執行的工作？"):
        assert _JOBS.match(text), text
    for text in ("show contoso subscriptions", "cancel the job", "what's running at contoso", "run jobs"):
        assert not _JOBS.match(text), text
