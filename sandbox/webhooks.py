"""Partner Center webhooks in the sandbox (api.md §27.4): the registration, a signing CA and certificate, and
signed deliveries of events raised by the sandbox's own state changes.

The CA and the dispatch certificate are made at first use (RSA-2048, issuer and subject with
`O=Microsoft Corporation` so the documented issuer check passes) and served at `{sandbox}/_cert/ca.cer` and
`{sandbox}/_cert/pcnotifications-dispatch.cer` (DER). A receiver under test trusts that CA only because the
Partner Center URL it is configured with is this loopback sandbox.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

log = logging.getLogger("sandbox.webhooks")

REGISTRATION_META = "webhook_registration"
SIGNING_META = "webhook_signing"  # the sandbox's test CA and key: not a secret of anything real
CERT_NAME = "pcnotifications-dispatch.cer"
CA_NAME = "ca.cer"
EVENT_NAMES = (
    "test-created", "subscription-updated", "usagerecords-thresholdExceeded", "invoice-ready",
    "azure-fraud-event-detected", "granular-admin-relationship-approved", "granular-admin-relationship-activated",
    "granular-admin-relationship-terminated", "granular-admin-relationship-expired",
    "granular-admin-access-assignment-created", "granular-admin-access-assignment-activated",
    "granular-admin-access-assignment-updated", "granular-admin-access-assignment-deleted", "referral-created",
    "referral-updated", "related-referral-created", "related-referral-updated",
    "reseller-relationship-accepted-by-customer", "dap-admin-relationship-approved",
    "dap-admin-relationship-terminated", "dap-admin-relationship-terminated-by-microsoft",
    "new-commerce-migration-created", "new-commerce-migration-completed", "new-commerce-migration-failed",
    "new-commerce-migration-schedule-failed",
)
MAX_ATTEMPTS = 10  # §27.3


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Microsoft Corporation")])


@dataclass
class SigningIdentity:
    """A sandbox CA and the dispatch certificate it issued; the dispatch key signs every delivery."""

    ca_der: bytes
    cert_der: bytes
    key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, now: datetime) -> SigningIdentity:
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca = (x509.CertificateBuilder().subject_name(_name("Sandbox Partner Center Test CA"))
              .issuer_name(_name("Sandbox Partner Center Test CA")).public_key(ca_key.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
              .not_valid_after(now + timedelta(days=3650))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .sign(ca_key, hashes.SHA256()))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (x509.CertificateBuilder().subject_name(_name("pcnotifications-dispatch.microsoft.com"))
                .issuer_name(ca.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(ca_key, hashes.SHA256()))
        return cls(ca.public_bytes(serialization.Encoding.DER), cert.public_bytes(serialization.Encoding.DER), key)

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


@dataclass
class WebhookHub:
    """The one registration of the partner tenant and the delivery queue (in order of the changes)."""

    sandbox: Any
    base_url: str = ""  # the sandbox's own URL, for X-MS-Certificate-Url
    identity: SigningIdentity | None = None
    delivered: list[dict[str, Any]] = field(default_factory=list)  # attempts, for W6 and tests
    test_requests: list[datetime] = field(default_factory=list)  # W5 calls in the last minute (sandbox clock)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _lock: asyncio.Lock | None = None

    def signing(self) -> SigningIdentity:
        """Made once and kept in the sandbox database, so a restarted sandbox signs with the same certificate."""
        if self.identity is None:
            saved = self.sandbox.store.get_meta(SIGNING_META)
            if saved:
                data = json.loads(saved)
                key = serialization.load_der_private_key(base64.b64decode(data["key"]), password=None)
                assert isinstance(key, rsa.RSAPrivateKey)
                self.identity = SigningIdentity(base64.b64decode(data["ca"]), base64.b64decode(data["cert"]), key)
            else:
                self.identity = SigningIdentity.generate(self.sandbox.now())
                key_der = self.identity.key.private_bytes(serialization.Encoding.DER,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption())
                self.sandbox.store.set_meta(SIGNING_META, json.dumps(
                    {k: base64.b64encode(v).decode() for k, v in
                     (("ca", self.identity.ca_der), ("cert", self.identity.cert_der), ("key", key_der))}))
        return self.identity

    def registration(self) -> dict[str, Any] | None:
        raw = self.sandbox.store.get_meta(REGISTRATION_META)
        return json.loads(raw) if raw else None

    def save(self, registration: dict[str, Any] | None) -> None:
        if registration is None:
            self.sandbox.store.set_meta(REGISTRATION_META, "")
        else:  # the sandbox's own URL goes along: deliveries after a restart name the same certificate URL
            self.sandbox.store.set_meta(REGISTRATION_META, json.dumps({**registration, "_base": self.base_url}))

    def on_audit(self, record: dict[str, Any], new: Any) -> None:
        """A state change in the sandbox: raise the event Partner Center would (§27.4 rule 5)."""
        if record.get("resourceType") == "subscription" and isinstance(new, dict) and new.get("id"):
            self.emit("subscription-updated", "subscription",
                      "http://api.partnercenter.microsoft.com/webhooks/v1/customers/"
                      f"{record.get('customerId')}/subscriptions/{new['id']}")

    def emit(self, event_name: str, resource_name: str, resource_uri: str) -> dict[str, Any] | None:
        registration = self.registration()
        if not registration or event_name not in registration.get("WebhookEvents", []):
            return None
        payload = {"EventName": event_name, "ResourceUri": resource_uri, "ResourceName": resource_name,
                   "AuditUri": None, "ResourceChangeUtcDate": self.sandbox.now().isoformat()}
        task = asyncio.get_running_loop().create_task(self._deliver(registration, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return payload

    async def _deliver(self, registration: dict[str, Any], payload: dict[str, Any]) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one at a time: deliveries arrive in the order of the changes
            body = json.dumps(payload, separators=(",", ":")).encode()
            signature = f"Signature {self.signing().sign(body)}"
            headers = {"Content-Type": "application/json", "X-MS-Signature-Algorithm": "rsa-sha256",
                       "X-MS-Certificate-Url": f"{self.base_url or registration.get('_base', '')}/_cert/{CERT_NAME}"}
            headers["x-ms-signature" if registration.get("SignatureTokenToMsSignatureHeader") else
                    "Authorization"] = signature
            delay = 0.05
            async with httpx.AsyncClient(timeout=5) as client:
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    try:
                        response = await client.post(registration["WebhookUrl"], content=body, headers=headers)
                        code = response.status_code
                    except httpx.HTTPError as exc:
                        code = 0
                        log.info("webhook delivery failed: %s", type(exc).__name__)
                    self.delivered.append({"payload": payload, "attempt": attempt, "responseCode": code})
                    if 200 <= code < 300:
                        return
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
            log.warning("webhook event %s parked after %d attempts", payload["EventName"], MAX_ATTEMPTS)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
