"""POST /api/partner-center/events: Partner Center webhook deliveries (api.md §27.3), verified, queued, posted.

Verification (`partner_center.webhook_signature`, used here with this bot's certificate policy) follows the
documented order: signature header (`Authorization: Signature …` or `x-ms-signature`),
certificate URL and algorithm present; the certificate downloaded from `X-MS-Certificate-Url` (only from an
allowed place: Microsoft's `https://3psostorageacct.blob.core.windows.net/cert/` in production, the sandbox's
`/_cert/` when the Partner Center URL is a loopback sandbox); the chain checked (issued by a trusted issuer, valid
now); the issuer containing `O=Microsoft Corporation`; RSASSA-PKCS1-v1_5 SHA-256 over the raw body bytes. Any
failure is 401 and nothing is stored. The signature covers only the body, so a delivery whose (EventName,
ResourceUri, ResourceChangeUtcDate) was already accepted is a replay: 401, nothing posted (this also makes
redeliveries post once). Accepted events are queued and answered 200 at once; a worker posts a card to every
conversation subscribed to the event's topic (`dialogs.notifications`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiohttp import web
from cryptography import x509

from cards.notifications import event_card
from cards.text import t
from dialogs.notifications import NotificationStore, topic_of_event
from dialogs.turn import Reply
from partner_center import webhook_signature as signature

log = logging.getLogger(__name__)

MICROSOFT_CERT_HOST = "3psostorageacct.blob.core.windows.net"
MAX_EVENT_BYTES = 64 * 1024
SEEN_PREFIX = "partnerbot/events/seen/"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Rejected(Exception):
    """A delivery that failed verification; `reason` is for the log, never echoed in detail."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class CertificatePolicy:
    """Where certificates may come from and which issuers are trusted (for `partner_center.webhook_signature`)."""

    allowed_prefix: str  # the certificate URL must start with this
    issuers_url: str = ""  # sandbox: the CA certificate to trust, fetched once
    issuers: list[x509.Certificate] = field(default_factory=list)

    @classmethod
    def for_partner_center(cls, partner_center_url: str, env: dict[str, str] | None = None) -> CertificatePolicy:
        """A loopback sandbox Partner Center: trust its /_cert/ CA. Anything else: Microsoft's host, with the
        issuers from PARTNERBOT_EVENT_ISSUERS_PEM (a PEM bundle of the CA(s) that issue the dispatch certificate).
        """
        parts = urlsplit(partner_center_url or "")
        if parts.hostname in LOOPBACK:
            base = f"{parts.scheme}://{parts.netloc}"
            return cls(allowed_prefix=f"{base}/_cert/", issuers_url=f"{base}/_cert/ca.cer")
        env = env if env is not None else dict(os.environ)
        issuers: list[x509.Certificate] = []
        path = env.get("PARTNERBOT_EVENT_ISSUERS_PEM", "")
        if path and os.path.exists(path):
            with open(path, "rb") as handle:
                issuers = x509.load_pem_x509_certificates(handle.read())
        return cls(allowed_prefix=f"https://{MICROSOFT_CERT_HOST}/cert/", issuers=issuers)

    def library_policy(self) -> signature.CertificatePolicy:
        parts = urlsplit(self.allowed_prefix)
        host = (parts.hostname or "").lower() + (f":{parts.port}" if parts.port is not None else "")
        return signature.CertificatePolicy(trusted_roots=list(self.issuers), hosts=(host,), path_prefix=parts.path,
                                           require_https=parts.scheme == "https")


class SignatureVerifier:
    """The receiver's use of `partner_center.webhook_signature.verify_delivery` (the §27.3 steps live there)."""

    def __init__(self, policy: CertificatePolicy, clock: Callable[[], datetime] | None = None) -> None:
        self.policy = policy
        self.clock = clock or (lambda: datetime.now(UTC))
        self._library: signature.CertificatePolicy | None = None

    async def verify(self, headers: Any, body: bytes) -> None:
        if self.policy.issuers_url and not self.policy.issuers:
            raise Rejected("issuer not loaded")
        if self._library is None:
            self._library = self.policy.library_policy()
        try:
            await signature.verify_delivery(dict(headers), body, self._library, _fetch, now=self.clock())
        except signature.DeliveryRejected as rejected:
            raise Rejected(str(rejected.reason), 401) from None  # 401 for every failure: nothing is processed

    async def load_issuers(self) -> None:
        if self.policy.issuers_url and not self.policy.issuers:
            try:
                self.policy.issuers = [_load_cert(await _fetch(self.policy.issuers_url))]
                self._library = None
            except (httpx.HTTPError, Rejected):
                log.warning("could not load the sandbox's event-signing CA from %s", self.policy.issuers_url)


async def _fetch(url: str) -> bytes:
    async with httpx.AsyncClient(timeout=5, follow_redirects=False) as client:
        response = await client.get(url)
    if response.status_code != 200 or len(response.content) > 16 * 1024:
        raise Rejected("certificate download failed")
    return response.content


def _load_cert(data: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        try:
            return x509.load_pem_x509_certificate(data)
        except ValueError as exc:
            raise Rejected("certificate unreadable") from exc


@dataclass(frozen=True)
class PartnerCenterEvent:
    name: str
    resource_uri: str
    resource_name: str
    changed_at: str

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.name}\n{self.resource_uri}\n{self.changed_at}".encode()).hexdigest()[:40]

    @classmethod
    def parse(cls, body: bytes) -> PartnerCenterEvent:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Rejected("body is not JSON", 400) from exc
        if not isinstance(data, dict):
            raise Rejected("body is not an event", 400)
        low = {str(k).lower(): v for k, v in data.items()}
        name, uri = low.get("eventname"), low.get("resourceuri")
        if not isinstance(name, str) or not name or not isinstance(uri, (str, type(None))):
            raise Rejected("event without a name", 400)
        return cls(name, str(uri or ""), str(low.get("resourcename") or ""),
                   str(low.get("resourcechangeutcdate") or ""))


class EventReceiver:
    """Verifies, de-duplicates and queues deliveries; a worker posts them to the subscribed conversations."""

    def __init__(self, verifier: SignatureVerifier, store: NotificationStore, storage: Any, client: Any,
                 notifier: Any, locale: str = "en-US") -> None:
        self.verifier = verifier
        self.store = store
        self.storage = storage
        self.client = client
        self.notifier = notifier
        self.locale = locale
        self.queue: asyncio.Queue[PartnerCenterEvent] = asyncio.Queue()
        self.posted: list[tuple[str, str]] = []  # (conversation id, event name), for operators and tests
        self._worker: asyncio.Task[None] | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.content.read(MAX_EVENT_BYTES + 1)
        try:
            if len(body) > MAX_EVENT_BYTES:
                raise Rejected("body too large", 413)
            await self.verifier.load_issuers()
            await self.verifier.verify(request.headers, body)
            event = PartnerCenterEvent.parse(body)
            key = SEEN_PREFIX + event.key
            if (await self.storage.read([key])).get(key) is not None:
                raise Rejected("already received (replay or redelivery)")
            await self.storage.write({key: {"event": event.name, "e_tag": "*"}})
        except Rejected as rejected:
            log.info("partner center event rejected: %s", rejected.reason)
            return web.json_response({"error": "Signature verification failed" if rejected.status == 401
                                      else rejected.reason}, status=rejected.status)
        self.queue.put_nowait(event)
        return web.json_response({"status": "accepted"})

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    async def drain(self) -> None:
        await self.queue.join()

    async def _run(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                await self._post(event)
            except Exception:  # noqa: BLE001 - one bad event must not stop the worker
                log.exception("posting partner center event %s failed", event.name)
            finally:
                self.queue.task_done()

    async def _post(self, event: PartnerCenterEvent) -> None:
        topic = topic_of_event(event.name)
        if topic is None:
            return
        targets = await self.store.subscribed(topic)
        if not targets:
            return
        facts = await self._describe(event, topic)
        card = event_card(facts, self.locale)
        for target in targets:
            try:
                await self.notifier.send_to_conversation(target.conversation_id, [Reply(card=card)])
                self.posted.append((target.conversation_id, event.name))
            except Exception:  # noqa: BLE001 - one unreachable conversation must not stop the others
                log.warning("could not post %s to a subscribed conversation", event.name)

    async def _describe(self, event: PartnerCenterEvent, topic: str) -> dict[str, Any]:
        """The event carries no state (§27.2): read the current one for plain words."""
        facts: dict[str, Any] = {"name": event.name, "topic": topic, "when": event.changed_at}
        parts = urlsplit(event.resource_uri).path.strip("/").split("/")
        if topic == "subscriptions" and "customers" in parts and "subscriptions" in parts:
            cid = parts[parts.index("customers") + 1]
            sid = parts[parts.index("subscriptions") + 1]
            facts.update(customer_id=cid, subscription_id=sid)
            try:
                sub = await self.client.subscriptions.get(cid, sid)
                customer = await self.client.customers.get(cid)
                facts.update(subscription=sub.friendly_name or sub.offer_name, customer=customer.company_name,
                             quantity=str(sub.quantity) if sub.quantity is not None else None,
                             status_label=t(f"enum.subscription_status.{sub.status}", self.locale)
                             if sub.status else None)
            except Exception:  # noqa: BLE001 - the post still says what happened, without the details
                log.info("could not read the changed subscription for the event card")
        return facts


EVENTS = web.AppKey("partner_center_events", EventReceiver)
DIGESTS = web.AppKey("digests", object)


def mount(app: web.Application, settings: Any, engine: Any, storage: Any, notifier: Any) -> EventReceiver | None:
    """POST /api/partner-center/events beside /api/messages, when the engine keeps notification routes."""
    store = getattr(engine, "notifications", None)
    client = getattr(engine, "client", None)
    if not isinstance(store, NotificationStore) or client is None:
        return None
    from partner_center import clock as pc_clock

    url = settings.partner_center_url or getattr(client, "base_url", "")
    verifier = SignatureVerifier(CertificatePolicy.for_partner_center(url, dict(settings.env)), clock=pc_clock.now)
    receiver = EventReceiver(verifier, store, storage, client, notifier)
    app[EVENTS] = receiver
    app.router.add_post("/api/partner-center/events", receiver.handle)
    from bot.digest import scheduler, sweep_forever

    digests = scheduler(client, store, storage, notifier, pc_clock.now)
    app[DIGESTS] = digests
    sweeping: list[asyncio.Task[None]] = []

    async def _start(_: web.Application) -> None:
        receiver.start()
        sweeping.append(asyncio.get_running_loop().create_task(sweep_forever(digests, pc_clock.now)))

    async def _stop(_: web.Application) -> None:
        await receiver.stop()
        for task in sweeping:
            task.cancel()

    app.on_startup.append(_start)
    app.on_shutdown.append(_stop)
    return receiver
