"""Jobs: Partner Center work that finishes later, polled in the background and announced once in the chat that
asked (issue 10 part 2; DESIGN.md "Growing to every operation", Jobs).

An area declares a kind once:

    @job_kind("subscriptions.registration", card=cards.jobs.registration_result)
    async def poll_registration(ctx: PollContext) -> PollResult:
        status = await ctx.client.long_running.poll(ctx.params["location"])
        return Pending(status.retry_after) if status.state == "registering" else Done({"status": status.state})

and a handler starts one by returning `Outcome(job=JobRequest("subscriptions.registration", {...}, summary))`;
the dispatcher stores the record and answers "... I'll post here when it's done" at once.

Records live in bot storage behind the botbuilder `Storage` interface (duck-typed, no SDK import), one document
per job plus a small index (the Storage interface cannot list keys), every change compare-and-set on the eTag
(`VersionedDocs`, as approvals). The index entry is written before the record, so every record is reachable
from the index; an entry whose record never appeared is dropped by the sweep. Polling is claimed with a lease
written under the eTag, so with several bot instances on one Blob container exactly one polls and announces.
Time comes only from the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from dialogs.approval_store import VersionedDocs
from partner_center import clock as pc_clock
from partner_center import errors

log = logging.getLogger(__name__)

PREFIX = "partnerbot/jobs/"
INDEX_KEY = PREFIX + "index"
MAX_ATTEMPTS = 8
MAX_FINISHED_IN_INDEX = 300
ORPHAN_GRACE = timedelta(minutes=2)  # an index entry whose record never got written is dropped after this

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock: the process clock (partner_center.clock), the only place jobs read the time."""
    return pc_clock.now()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ----------------------------------------------------------------------------------------------- poll results


@dataclass(frozen=True)
class Pending:
    """Not finished: ask again after `retry_after` seconds (the service's Retry-After), or after the backoff."""

    retry_after: float | None = None


@dataclass(frozen=True)
class Done:
    """Finished; `data` (plain JSON) is stored and handed to the kind's card."""

    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed:
    """Finished without success; `message` is shown to the user (no secrets, no stack traces)."""

    message: str


PollResult = Pending | Done | Failed


# ----------------------------------------------------------------------------------------------- the record


class JobStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"


FINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.TIMED_OUT})


@dataclass(frozen=True)
class JobRequest:
    """What a handler returns (in `Outcome.job`) to start a job. `params` says what to poll (a Location, an
    operation id, the ids of the resource) and must be plain JSON without secrets; `summary` is the user's
    words for it ("Registering Azure plan of Contoso")."""

    kind: str
    params: dict[str, Any]
    summary: str
    first_poll_after: float | None = None  # the Retry-After of the response that started it, if any


@dataclass
class JobRecord:
    id: str
    kind: str
    params: dict[str, Any]
    summary: str
    user_id: str
    user_name: str
    conversation_id: str
    locale: str
    created_at: str
    next_poll_at: str
    deadline: str
    max_attempts: int
    status: JobStatus = JobStatus.RUNNING
    attempts: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    finished_at: str | None = None
    announced_at: str | None = None
    lease_owner: str | None = None
    lease_until: str | None = None
    version: int = 1

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["status"] = JobStatus(known.get("status", "running"))
        return cls(**known)


def job_key(job_id: str) -> str:
    return f"{PREFIX}job/{job_id}"


def new_job_id() -> str:
    return "J-" + secrets.token_hex(5).upper()


# ----------------------------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class PollContext:
    """What a kind's poll function gets: the Partner Center client and the job (read-only)."""

    client: Any
    job: JobRecord

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params


PollFn = Callable[[PollContext], Awaitable[PollResult]]
# card(job, locale) -> Adaptive Card dict announcing the outcome (built in cards/, never in dialogs)
ResultCardFn = Callable[[JobRecord, str], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    poll: PollFn
    card: ResultCardFn
    interval: float = 10.0  # first backoff step when the service gives no Retry-After
    max_interval: float = 300.0
    max_attempts: int = 60
    max_seconds: float = 6 * 3600

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        """Seconds until the next poll: the service's Retry-After when it sent one, else doubling steps."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return min(self.max_interval, self.interval * (2 ** min(max(attempts - 1, 0), 16)))


class JobKinds:
    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}

    def add(self, kind: JobKind, *, replace: bool = False) -> JobKind:
        if kind.name in self._kinds and not replace:
            raise ValueError(f"job kind {kind.name!r} is declared twice")
        self._kinds[kind.name] = kind
        return kind

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[JobKind]:
        return iter(self._kinds.values())


job_kinds = JobKinds()


def job_kind(name: str, *, card: ResultCardFn, interval: float = 10.0, max_interval: float = 300.0,
             max_attempts: int = 60, max_seconds: float = 6 * 3600,
             kinds: JobKinds | None = None) -> Callable[[PollFn], PollFn]:
    """Declare a job kind: its poll function (decorated) and the card that announces its outcome."""

    def register(poll: PollFn) -> PollFn:
        (kinds or job_kinds).add(JobKind(name, poll, card, interval, max_interval, max_attempts, max_seconds),
                                 replace=True)
        return poll

    return register


# ----------------------------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class IndexEntry:
    id: str
    status: str
    user_id: str
    conversation_id: str
    created_at: str
    next_poll_at: str
    announced: bool
    version: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("id")
        return data

    @classmethod
    def of(cls, job: JobRecord) -> IndexEntry:
        return cls(job.id, job.status.value, job.user_id, job.conversation_id, job.created_at, job.next_poll_at,
                   job.announced_at is not None, job.version)

    @property
    def open(self) -> bool:
        return not self.announced


class JobStoreError(RuntimeError):
    """A job change could not be stored after several attempts (persistent conflict or storage outage)."""


class JobStore:
    def __init__(self, storage: Any) -> None:
        self.docs = VersionedDocs(storage)

    async def create(self, job: JobRecord) -> JobRecord:
        for _ in range(5):
            existing, _ = await self.docs.read(job_key(job.id))
            if existing is None:
                break
            job.id = new_job_id()
        else:
            raise JobStoreError("could not find an unused job id")
        await self._index(job)  # index first: a record is never unreachable from the index
        await self.docs.create(job_key(job.id), job.to_dict())
        return job

    async def load(self, job_id: str) -> JobRecord | None:
        data, _ = await self.docs.read(job_key(job_id))
        return JobRecord.from_dict(data) if data else None

    async def change(self, job_id: str, decide: Callable[[JobRecord], JobRecord | None]) -> JobRecord | None:
        """Apply `decide` (pure: called again after a lost race) to the stored record; None from `decide` means
        "leave it". Returns the stored result, or None when nothing was written."""
        last: Exception | None = None
        for attempt in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(job_key(job_id))
            if data is None:
                return None
            current = JobRecord.from_dict(data)
            changed = decide(replace(current, params=dict(current.params), result=dict(current.result)))
            if changed is None:
                return None
            changed.version = current.version + 1
            try:
                await self.docs.replace(job_key(job_id), changed.to_dict(), etag)
            except Exception as exc:  # noqa: BLE001 - stale eTag (type depends on the storage) or a transient error
                last = exc
                log.debug("job %s changed concurrently (%s); deciding again (%d)", job_id, type(exc).__name__,
                          attempt + 1)
                continue
            await self._index(changed)
            return changed
        raise JobStoreError(f"job {job_id} could not be updated") from last

    async def entries(self) -> list[IndexEntry]:
        data, _ = await self.docs.read(INDEX_KEY)
        items = (data or {}).get("items") or {}
        return [IndexEntry(jid, str(v.get("status")), str(v.get("user_id")), str(v.get("conversation_id")),
                           str(v.get("created_at")), str(v.get("next_poll_at")), bool(v.get("announced")),
                           int(v.get("version") or 1)) for jid, v in items.items()]

    async def _index(self, job: JobRecord) -> None:
        entry = IndexEntry.of(job)
        for _ in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(INDEX_KEY)
            items = dict((data or {}).get("items") or {})
            if int((items.get(entry.id) or {}).get("version") or 0) >= entry.version:
                return
            items[entry.id] = entry.to_dict()
            before = set(items)
            items = _prune(items)
            try:
                if data is None:
                    await self.docs.create(INDEX_KEY, {"items": items})
                else:
                    await self.docs.replace(INDEX_KEY, {"items": items}, etag)
            except Exception as exc:  # noqa: BLE001 - lost the race: read again
                log.debug("job index changed concurrently (%s)", type(exc).__name__)
                continue
            pruned = before - set(items)  # announced long ago and out of the index: their records go too
            if pruned:
                try:
                    await self.docs.storage.delete([job_key(j) for j in sorted(pruned)])
                except Exception:  # noqa: BLE001 - a leftover record is harmless
                    log.debug("old job records could not be deleted", exc_info=True)
            check, _ = await self.docs.read(INDEX_KEY)
            stored = ((check or {}).get("items") or {}).get(entry.id)
            if stored is not None and int(stored.get("version") or 0) >= entry.version:
                return
        log.warning("job index entry for %s could not be written; the record stays authoritative", entry.id)

    async def drop_from_index(self, job_id: str) -> None:
        for _ in range(MAX_ATTEMPTS):
            data, etag = await self.docs.read(INDEX_KEY)
            items = dict((data or {}).get("items") or {})
            if job_id not in items:
                return
            items.pop(job_id)
            try:
                await self.docs.replace(INDEX_KEY, {"items": items}, etag)
                return
            except Exception:  # noqa: BLE001 - lost the race: read again
                continue


def _prune(items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Keep every job not yet announced and the most recent announced ones ("what ran lately")."""
    done = sorted((k for k, v in items.items() if v.get("announced")), key=lambda k: items[k].get("created_at") or "")
    for key in done[:-MAX_FINISHED_IN_INDEX] if len(done) > MAX_FINISHED_IN_INDEX else []:
        items.pop(key)
    return items


# ----------------------------------------------------------------------------------------------- the service

# (job, replies) -> delivered; raises when the conversation could not be reached
Announcer = Callable[[JobRecord, list[Any]], Awaitable[None]]


@dataclass
class JobSettings:
    tick_seconds: float = 2.0  # how often the poller looks for due jobs
    lease_seconds: float = 60.0  # how long a claim keeps other instances off a job
    announce_retry_seconds: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str]) -> JobSettings:
        def number(name: str, default: float) -> float:
            try:
                value = float(env.get(name, "") or default)
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(tick_seconds=number("PARTNERBOT_JOBS_TICK_SECONDS", 2.0),
                   lease_seconds=number("PARTNERBOT_JOBS_LEASE_SECONDS", 60.0),
                   announce_retry_seconds=number("PARTNERBOT_JOBS_ANNOUNCE_RETRY_SECONDS", 30.0))


class JobService:
    """Starts jobs (from the dispatcher), lists a user's jobs, and runs the poller loop of this instance.

    Unbound until the bot layer attaches storage and an announcer (`bind`); the poller starts with the app."""

    def __init__(self, client: Any, kinds: JobKinds | None = None, *, clock: Clock = utc_now,
                 settings: JobSettings | None = None, owner: str | None = None,
                 binder: Callable[[Any], tuple[Any, Announcer]] | None = None) -> None:
        self.client = client
        self.kinds = kinds if kinds is not None else job_kinds
        self.clock = clock
        self.settings = settings or JobSettings()
        self.owner = owner or f"{socket.gethostname()}/{uuid.uuid4().hex[:8]}"
        self.binder = binder
        self.audit: Any = None  # an AuditSink: how each job ended is recorded once, by the instance that ended it
        self.store: JobStore | None = None
        self.announce: Announcer | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False

    def bind(self, storage: Any, announce: Announcer) -> None:
        self.store = JobStore(storage)
        self.announce = announce

    def attach_notifier(self, notifier: Any) -> None:
        """The bot layer offers its proactive notifier; the binder turns it into (storage, announcer)."""
        if self.binder is not None:
            self.bind(*self.binder(notifier))

    @property
    def bound(self) -> bool:
        return self.store is not None and self.announce is not None

    # --- from the dispatcher ------------------------------------------------------------------------

    async def start(self, request: JobRequest, *, user_id: str, user_name: str, conversation_id: str,
                    locale: str) -> JobRecord:
        kind = self.kinds.get(request.kind)
        if kind is None:
            raise ValueError(f"unknown job kind {request.kind!r}")
        if self.store is None:
            raise JobStoreError("jobs are not bound to storage")
        now = self.clock()
        first = kind.backoff(0, request.first_poll_after) if request.first_poll_after is not None else 0.0
        job = JobRecord(id=new_job_id(), kind=kind.name, params=dict(request.params), summary=request.summary,
                        user_id=user_id, user_name=user_name, conversation_id=conversation_id, locale=locale,
                        created_at=_iso(now), next_poll_at=_iso(now + timedelta(seconds=first)),
                        deadline=_iso(now + timedelta(seconds=kind.max_seconds)), max_attempts=kind.max_attempts)
        job = await self.store.create(job)
        log.info("job %s (%s) started for user %s", job.id, job.kind, user_id)
        self._wake.set()
        return job

    async def for_user(self, user_id: str, *, limit: int = 10) -> list[JobRecord]:
        """The user's jobs, running ones first, then the latest finished ones."""
        if self.store is None:
            return []
        entries = [e for e in await self.store.entries() if e.user_id == user_id]
        entries.sort(key=lambda e: (e.status != JobStatus.RUNNING.value, _neg(e.created_at)))
        jobs = []
        for entry in entries[:limit]:
            job = await self.store.load(entry.id)
            if job is not None:
                jobs.append(job)
        return jobs

    # --- the poller ---------------------------------------------------------------------------------

    def start_poller(self) -> None:
        if self._task is None and self.bound:
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="partnerbot-jobs")

    async def stop_poller(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            self._wake.set()
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a storage hiccup must not end the poller
                log.exception("job poller pass failed; trying again")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.settings.tick_seconds)
            except TimeoutError:
                pass

    async def run_once(self) -> int:
        """One pass: claim and advance every due job. Returns how many jobs this instance worked on."""
        assert self.store is not None
        now = self.clock()
        worked = 0
        for entry in await self.store.entries():
            if not entry.open:
                continue
            if entry.status == JobStatus.RUNNING.value and (_parse(entry.next_poll_at) or now) > now:
                continue
            job = await self.store.load(entry.id)
            if job is None:
                if now - (_parse(entry.created_at) or now) > ORPHAN_GRACE:
                    await self.store.drop_from_index(entry.id)  # its creation never completed
                continue
            if job.announced_at is not None:
                continue
            claimed = await self._claim(job.id)
            if claimed is None:
                continue
            worked += 1
            try:
                await self._advance(claimed)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one job's failure must not stop the others
                log.exception("job %s could not be advanced", job.id)
        return worked

    async def _claim(self, job_id: str) -> JobRecord | None:
        """Take the job's lease under its eTag; None when another instance holds it or it is not due."""
        assert self.store is not None
        now = self.clock()
        until = _iso(now + timedelta(seconds=self.settings.lease_seconds))

        def decide(job: JobRecord) -> JobRecord | None:
            if job.announced_at is not None:
                return None
            if job.lease_owner and job.lease_owner != self.owner and (_parse(job.lease_until) or now) > now:
                return None
            if not job.finished and (_parse(job.next_poll_at) or now) > now:
                return None
            job.lease_owner, job.lease_until = self.owner, until
            return job

        return await self.store.change(job_id, decide)

    async def _advance(self, job: JobRecord) -> None:
        assert self.store is not None
        kind = self.kinds.get(job.kind)
        if not job.finished:
            job = await self._poll(job, kind)
        if job.finished:
            await self._announce(job, kind)

    async def _poll(self, job: JobRecord, kind: JobKind | None) -> JobRecord:
        assert self.store is not None
        now = self.clock()
        result: PollResult
        timed_out = now >= (_parse(job.deadline) or now) or job.attempts >= job.max_attempts
        if kind is None:
            result = Failed(f"unknown job kind {job.kind}")
        elif timed_out:
            result = Failed("")
        else:
            result = await self._poll_once(job, kind)
        now = self.clock()

        def decide(current: JobRecord) -> JobRecord | None:
            if current.lease_owner != self.owner or current.finished:
                return None  # lost the lease meanwhile: the other instance's result stands
            current.attempts += 1
            if isinstance(result, Pending):
                assert kind is not None
                delay = kind.backoff(current.attempts, result.retry_after)
                current.next_poll_at = _iso(now + timedelta(seconds=delay))
                current.lease_owner, current.lease_until = None, None
            elif isinstance(result, Done):
                current.status, current.result, current.finished_at = JobStatus.SUCCEEDED, result.data, _iso(now)
            else:
                current.status = JobStatus.TIMED_OUT if timed_out else JobStatus.FAILED
                current.message = None if timed_out else result.message
                current.finished_at = _iso(now)
            return current

        stored = await self.store.change(job.id, decide)
        if stored is None:
            return (await self.store.load(job.id)) or job
        if stored.finished:
            log.info("job %s (%s) %s after %d poll(s)", job.id, job.kind, stored.status.value, stored.attempts)
            await self._record(stored)
        return stored

    async def _record(self, job: JobRecord) -> None:
        """The audit entry for the end of a job (the change that started it was recorded when it was asked)."""
        if self.audit is None:
            return
        customer = {k: str(v) for k, v in (("id", job.params.get("customer_id")),
                                            ("name", job.params.get("customer"))) if v}
        entry: dict[str, Any] = {
            "operation": job.kind, "kind": "job", "outcome": job.status.value, "job": job.id,
            "user": {"id": job.user_id, "name": job.user_name},
            "parameters": {k: v for k, v in job.params.items() if k != "location" and not isinstance(v, dict | list)},
            "details": {"attempts": job.attempts, "started": job.created_at, "finished": job.finished_at},
        }
        if customer:
            entry["customer"] = customer
        if job.message:
            entry["details"]["message"] = job.message
        try:
            await self.audit.append(entry)
        except Exception:  # noqa: BLE001 - the job ended either way; a failing audit write must show, not stop it
            log.exception("audit append failed for job %s", job.id)

    async def _poll_once(self, job: JobRecord, kind: JobKind) -> PollResult:
        try:
            return await kind.poll(PollContext(self.client, job))
        except errors.PartnerCenterError as exc:
            transient = isinstance(exc, errors.ServiceUnreachableError) or (exc.status or 0) in (408, 429) or (
                exc.status or 0) >= 500
            if transient:
                log.info("job %s: Partner Center not reachable or busy (%s); polling again later", job.id,
                         type(exc).__name__)
                return Pending(exc.retry_after)
            return Failed(exc.plain() if hasattr(exc, "plain") else exc.description)

    async def _announce(self, job: JobRecord, kind: JobKind | None) -> None:
        """Post the outcome card once. The record is marked announced right after the post; the post itself is
        the one step that cannot share a transaction with storage (see docs/operation-kit-jobs-files.md)."""
        assert self.store is not None and self.announce is not None
        from dialogs.turn import Reply

        if job.lease_owner != self.owner:
            return
        card_fn = kind.card if kind is not None else None
        replies = [Reply(card=card_fn(job, job.locale))] if card_fn else [Reply(text=job.message or job.status)]
        try:
            await self.announce(job, replies)
        except Exception as exc:  # noqa: BLE001 - conversation unreachable now: try again later
            log.warning("job %s: could not post the outcome (%s); will try again", job.id, type(exc).__name__)
            retry_at = _iso(self.clock() + timedelta(seconds=self.settings.announce_retry_seconds))

            def release(current: JobRecord) -> JobRecord | None:
                if current.lease_owner != self.owner:
                    return None
                current.lease_owner, current.lease_until = None, None
                current.next_poll_at = retry_at
                return current

            await self.store.change(job.id, release)
            return
        announced_at = _iso(self.clock())

        def mark(current: JobRecord) -> JobRecord | None:
            if current.announced_at is not None:
                return None
            current.announced_at = announced_at
            current.lease_owner, current.lease_until = None, None
            return current

        await self.store.change(job.id, mark)
        log.info("job %s announced in conversation %s", job.id, job.conversation_id)

    async def drain(self, *, max_seconds: float = 10.0) -> None:
        """Tests: run passes until no job is due now (or `max_seconds` passed)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + max_seconds
        while loop.time() < end and await self.run_once():
            pass


def _neg(text: str) -> str:
    """Sort key for "newest first" on ISO strings."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text)
