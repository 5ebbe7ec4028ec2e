"""Files: results that are documents (statement PDFs, reconciliation exports, price sheets), delivered to chat
(issue 10 part 3; DESIGN.md "Growing to every operation", Files).

An area declares where a file's bytes come from, once, as a streaming source:

    @file_source("invoices.statement")
    def open_statement(client, params):          # an async context manager yielding a FileStream
        return statement_stream(client, params["invoice_id"])

and a handler offers one by returning `Outcome(file=FileRequest("invoices.statement", {...}, "Invoice_X.pdf"))`.
The dispatcher hands it to `FileService.offer`, which stores a small offer record and answers with
- in a Teams personal chat: a FileConsentCard; the user's accept makes the bot layer PUT the bytes to the upload
  URL Teams gives and post a FileInfoCard (decline: nothing is uploaded);
- elsewhere (group chats, channels, the Agents Playground): a short-lived HMAC-signed download link served by
  the bot at GET /api/files/<token>.

The bytes are read from the source at delivery time, in chunks, and never held whole: the offer records only
what to open, its name, declared type and size. Signing secret: configuration, else generated once and kept in
bot storage (never logged).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cards.text import t
from dialogs.approval_store import VersionedDocs, create_if_absent
from dialogs.jobs import Clock, utc_now

log = logging.getLogger(__name__)

PREFIX = "partnerbot/files/"
SECRET_KEY = PREFIX + "secret"
OFFERS_INDEX_KEY = PREFIX + "offers"
DEFAULT_LINK_SECONDS = 15 * 60
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CONSENT_CONTENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CONTENT_TYPE = "application/vnd.microsoft.teams.card.file.info"
# What the bot will hand out: documents and data exports, never anything a browser would run.
ALLOWED_TYPES = frozenset({"application/pdf", "text/csv", "application/json", "application/x-ndjson",
                           "application/gzip", "application/zip", "text/plain",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
_TOKEN = re.compile(r"^([A-Za-z0-9]{8,40})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


# The scheme and host the current /api/messages request was sent to (set by the bot layer for the turn): the
# Bot Connector posts to the bot's public endpoint, so links built during a turn point where users can reach.
REQUEST_ORIGIN: ContextVar[str] = ContextVar("partnerbot_request_origin", default="")


class FileRejected(ValueError):
    """The source's type or size is not what may be delivered (or not what the offer declared)."""


@dataclass
class FileStream:
    """An open source: its content type, size when known, and the bytes as chunks."""

    content_type: str
    size: int | None
    chunks: AsyncIterator[bytes]


# open(client, params) -> async context manager yielding a FileStream
FileSourceFn = Callable[[Any, dict[str, Any]], AbstractAsyncContextManager[FileStream]]


class FileSources:
    def __init__(self) -> None:
        self._sources: dict[str, FileSourceFn] = {}

    def add(self, name: str, source: FileSourceFn) -> None:
        self._sources[name] = source

    def get(self, name: str) -> FileSourceFn | None:
        return self._sources.get(name)


file_sources = FileSources()


def file_source(name: str, *, sources: FileSources | None = None) -> Callable[[FileSourceFn], FileSourceFn]:
    """Declare where the bytes of files of this kind come from (opened again at every delivery)."""

    def register(fn: FileSourceFn) -> FileSourceFn:
        (sources or file_sources).add(name, fn)
        return fn

    return register


@dataclass(frozen=True)
class FileRequest:
    """What a handler returns (in `Outcome.file`): which source to open with which (plain JSON) params, the file
    name the user sees and one line describing it."""

    source: str
    params: dict[str, Any]
    name: str
    description: str = ""


@dataclass
class FileOffer:
    id: str
    source: str
    params: dict[str, Any]
    name: str
    description: str
    content_type: str
    size: int
    user_id: str
    conversation_id: str
    created_at: str
    expires_at: str
    delivery: str  # consent | link
    uploaded_at: str | None = None
    declined_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileOffer:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def offer_key(offer_id: str) -> str:
    return f"{PREFIX}offer/{offer_id}"


def safe_name(name: str) -> str:
    """A file name without path parts or characters a header or file system would choke on."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip(" .") or "file"
    return cleaned[:120]


@dataclass
class FileSettings:
    link_seconds: int = DEFAULT_LINK_SECONDS
    max_bytes: int = DEFAULT_MAX_BYTES
    secret: str = ""  # PARTNERBOT_FILE_LINK_SECRET; empty: generated once and kept in bot storage
    base_url: str = ""  # where the bot is reachable from users' browsers (PARTNERBOT_PUBLIC_URL)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> FileSettings:
        def integer(name: str, default: int) -> int:
            try:
                value = int(env.get(name, "") or default)
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(link_seconds=integer("PARTNERBOT_FILE_LINK_SECONDS", DEFAULT_LINK_SECONDS),
                   max_bytes=integer("PARTNERBOT_FILE_MAX_BYTES", DEFAULT_MAX_BYTES),
                   secret=env.get("PARTNERBOT_FILE_LINK_SECRET", ""),
                   base_url=(env.get("PARTNERBOT_PUBLIC_URL", "") or "").rstrip("/"))

    def __repr__(self) -> str:  # the secret never reaches a log line
        return f"FileSettings(link_seconds={self.link_seconds}, max_bytes={self.max_bytes}, base_url={self.base_url!r})"


@dataclass
class Verdict:
    """The outcome of checking a download token: 200 with the offer, 403 (anything wrong) or 410 (expired)."""

    status: int
    offer: FileOffer | None = None
    detail: str = field(default="", repr=False)


class FileService:
    """Offers files (from the dispatcher), signs and checks download links, and opens sources for delivery."""

    def __init__(self, client: Any, sources: FileSources | None = None, *, clock: Clock = utc_now,
                 settings: FileSettings | None = None) -> None:
        self.client = client
        self.sources = sources if sources is not None else file_sources
        self.clock = clock
        self.settings = settings or FileSettings()
        self.docs: VersionedDocs | None = None
        self._secret: bytes | None = None

    def attach_notifier(self, notifier: Any) -> None:
        """Offers live in the app's bot storage (the notifier's)."""
        self.bind(notifier.storage)

    def bind(self, storage: Any) -> None:
        self.docs = VersionedDocs(storage)

    @property
    def bound(self) -> bool:
        return self.docs is not None

    # --- the secret ---------------------------------------------------------------------------------

    async def secret(self) -> bytes:
        if self._secret is not None:
            return self._secret
        if self.settings.secret:
            self._secret = self.settings.secret.encode("utf-8")
            return self._secret
        assert self.docs is not None
        for _ in range(5):
            data, _ = await self.docs.read(SECRET_KEY)
            if data and isinstance(data.get("key"), str):
                self._secret = base64.urlsafe_b64decode(data["key"])
                return self._secret
            # The first instance to create it wins; the others read the winner's (no last-writer-wins race).
            await create_if_absent(self.docs.storage, SECRET_KEY, {
                "key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                "e_tag": f"new-{secrets.token_hex(8)}"})
        raise RuntimeError("could not read or create the file link secret")

    # --- offering -----------------------------------------------------------------------------------

    async def offer(self, request: FileRequest, *, user_id: str, conversation_id: str, consent: bool,
                    locale: str) -> tuple[FileOffer, dict[str, Any]]:
        """Check the source (type, size), store the offer; returns it with the attachment or card to send:
        a FileConsentCard attachment when `consent`, else an Adaptive Card with the signed link."""
        assert self.docs is not None
        content_type, size = await self.measure(request.source, request.params)
        now = self.clock()
        offer = FileOffer(id=secrets.token_hex(12), source=request.source, params=dict(request.params),
                          name=safe_name(request.name), description=request.description,
                          content_type=content_type, size=size, user_id=user_id, conversation_id=conversation_id,
                          created_at=now.isoformat(), delivery="consent" if consent else "link",
                          expires_at=(now + timedelta(seconds=self.settings.link_seconds)).isoformat())
        await self.docs.create(offer_key(offer.id), offer.to_dict())
        await self._sweep(offer)
        if consent:
            return offer, consent_attachment(offer, locale)
        return offer, {"link": await self.link(offer)}

    async def _sweep(self, offer: FileOffer) -> None:
        """Keep a small index of offers (id -> expiry) and delete offers a day past their expiry, so offer records
        do not pile up in storage (the Storage interface cannot list keys)."""
        assert self.docs is not None
        cutoff = (self.clock() - timedelta(days=1)).isoformat()
        for _ in range(5):
            data, etag = await self.docs.read(OFFERS_INDEX_KEY)
            items = dict((data or {}).get("items") or {})
            items[offer.id] = offer.expires_at
            stale = sorted(k for k, expires in items.items() if expires < cutoff)
            for key in stale:
                items.pop(key)
            try:
                if data is None:
                    await self.docs.create(OFFERS_INDEX_KEY, {"items": items})
                else:
                    await self.docs.replace(OFFERS_INDEX_KEY, {"items": items}, etag)
            except Exception:  # noqa: BLE001 - lost a race: read again
                continue
            if stale:
                try:
                    await self.docs.storage.delete([offer_key(k) for k in stale])
                except Exception:  # noqa: BLE001 - a leftover offer is harmless (its link has expired)
                    log.debug("expired file offers could not be deleted", exc_info=True)
            return

    async def measure(self, source: str, params: dict[str, Any]) -> tuple[str, int]:
        """Open the source and learn its type and size; when the source does not say its size, count the bytes
        as they stream past (nothing is kept)."""
        async with self.open(source, params) as stream:
            self.check_type(stream.content_type)
            if stream.size is not None:
                self.check_size(stream.size)
                return stream.content_type, stream.size
            total = 0
            async for chunk in stream.chunks:
                total += len(chunk)
                self.check_size(total)
            return stream.content_type, total

    def open(self, source: str, params: dict[str, Any]) -> AbstractAsyncContextManager[FileStream]:
        fn = self.sources.get(source)
        if fn is None:
            raise FileRejected(f"unknown file source {source!r}")
        return fn(self.client, params)

    def check_type(self, content_type: str) -> None:
        if content_type.split(";")[0].strip().lower() not in ALLOWED_TYPES:
            raise FileRejected(f"content type {content_type!r} is not delivered")

    def check_size(self, size: int) -> None:
        if size > self.settings.max_bytes:
            raise FileRejected(f"file larger than {self.settings.max_bytes} bytes")

    async def load(self, offer_id: str) -> FileOffer | None:
        assert self.docs is not None
        data, _ = await self.docs.read(offer_key(offer_id))
        return FileOffer.from_dict(data) if data else None

    async def mark(self, offer_id: str, field_name: str) -> bool:
        """Record the user's one answer to a consent card (uploaded_at or declined_at), eTag-guarded; False when
        it was already answered either way (a replayed invoke, or an accept after a decline)."""
        assert self.docs is not None
        for _ in range(5):
            data, etag = await self.docs.read(offer_key(offer_id))
            if data is None or data.get("uploaded_at") or data.get("declined_at"):
                return False
            data[field_name] = self.clock().isoformat()
            try:
                await self.docs.replace(offer_key(offer_id), data, etag)
                return True
            except Exception:  # noqa: BLE001 - lost a race: read again
                continue
        return False

    # --- signed links -------------------------------------------------------------------------------

    async def link(self, offer: FileOffer) -> str:
        """The configured public URL (PARTNERBOT_PUBLIC_URL), else the origin the turn's request arrived at."""
        base = self.settings.base_url or REQUEST_ORIGIN.get() or "http://127.0.0.1:3978"
        return f"{base.rstrip('/')}/api/files/{await self.token(offer)}"

    async def token(self, offer: FileOffer) -> str:
        expires = int(datetime.fromisoformat(offer.expires_at).timestamp())
        return f"{offer.id}.{expires}.{await self._sign(offer, expires)}"

    async def _sign(self, offer: FileOffer, expires: int) -> str:
        message = "\n".join([offer.id, str(expires), offer.user_id, offer.conversation_id, offer.name,
                             offer.content_type, str(offer.size)]).encode("utf-8")
        digest = hmac.new(await self.secret(), message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    async def verify(self, token: str) -> Verdict:
        """403 for anything malformed, unknown or tampered; 410 only for a genuine link past its lifetime."""
        match = _TOKEN.match(token or "")
        if not match:
            return Verdict(403, detail="malformed")
        offer_id, expires_text, signature = match.groups()
        offer = await self.load(offer_id)
        if offer is None or offer.delivery != "link":
            return Verdict(403, detail="unknown")
        expires = int(expires_text)
        expected = await self._sign(offer, expires)
        if not hmac.compare_digest(expected, signature):
            return Verdict(403, detail="signature")
        if expires != int(datetime.fromisoformat(offer.expires_at).timestamp()):
            return Verdict(403, detail="expiry")
        if self.clock() >= datetime.fromtimestamp(expires, UTC):
            return Verdict(410, detail="expired")
        return Verdict(200, offer)



def consent_attachment(offer: FileOffer, locale: str) -> dict[str, Any]:
    """The FileConsentCard attachment (Teams asks the user, then invokes fileConsent/invoke with our context)."""
    context = {"offer": offer.id}
    return {"contentType": CONSENT_CONTENT_TYPE, "name": offer.name,
            "content": {"description": offer.description or t("files.consent.description", locale, name=offer.name),
                        "sizeInBytes": offer.size, "acceptContext": context, "declineContext": context}}


def file_info_attachment(name: str, content_url: str, unique_id: str, file_type: str) -> dict[str, Any]:
    """The FileInfoCard that shows an uploaded file in the chat."""
    return {"contentType": FILE_INFO_CONTENT_TYPE, "name": name, "contentUrl": content_url,
            "content": {"uniqueId": unique_id, "fileType": file_type}}
