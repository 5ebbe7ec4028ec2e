"""Verify a Partner Center webhook delivery's signature exactly as api.md §27.3 documents, before anything is read.

Order (the documented `AuthorizeSignatureAttribute` sample): signature header (`Authorization: Signature <b64>` or
`x-ms-signature`) → certificate URL and algorithm present → the certificate URL is allowed (hardening: https, the
Microsoft host, `/cert/`; a loopback sandbox host only when configured so) → download the certificate → its chain
to a trusted root → its issuer contains `O=Microsoft Corporation` → RSASSA-PKCS1-v1_5 over the raw body bytes with
the hash named by the algorithm. Any failure raises `DeliveryRejected` with the HTTP status to answer (401, or 400
for a missing certificate URL/algorithm as in the sample) and stores nothing.

Not done here (the receiver's job): de-duplication on (EventName, ResourceUri, ResourceChangeUtcDate), queueing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from . import clock

MICROSOFT_CERT_HOST = "3psostorageacct.blob.core.windows.net"
ISSUER_ORGANIZATION = "Microsoft Corporation"
_HASHES = {"sha256": hashes.SHA256}

CertificateFetcher = Callable[[str], Awaitable[bytes]]


class DeliveryRejected(Exception):
    """The delivery is not provably from Partner Center: answer `status` and process nothing."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class CertificatePolicy:
    """Where certificates may come from and which roots anchor them. Production: Microsoft's host over https;
    tests and a loopback sandbox: their own host and CA (never enabled against production Partner Center)."""

    trusted_roots: Sequence[x509.Certificate]
    hosts: tuple[str, ...] = (MICROSOFT_CERT_HOST,)
    path_prefix: str = "/cert/"
    require_https: bool = True
    _cache: dict[str, x509.Certificate] = field(default_factory=dict)

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme != "https" and (self.require_https or parts.scheme != "http"):
            return False
        host = (parts.hostname or "").lower()
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return host in self.hosts and parts.path.startswith(self.path_prefix) and not parts.username


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _signature(headers: Mapping[str, str]) -> bytes:
    raw = _header(headers, "x-ms-signature") or _header(headers, "Authorization") or ""
    scheme, _, value = raw.strip().partition(" ")
    if scheme.lower() != "signature" or not value.strip():
        raise DeliveryRejected(401, "The delivery carries no signature.")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise DeliveryRejected(401, "Signature verification failed.") from None


def _load(data: bytes) -> x509.Certificate:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise DeliveryRejected(401, "The signing certificate could not be read.") from None


def _chain_ok(cert: x509.Certificate, roots: Sequence[x509.Certificate], now: datetime) -> bool:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return False
    for root in roots:
        if cert == root:
            return True
        if cert.issuer != root.subject:
            continue
        try:
            cert.verify_directly_issued_by(root)
        except (InvalidSignature, ValueError, TypeError):
            continue
        return root.not_valid_before_utc <= now <= root.not_valid_after_utc
    return False


async def verify_delivery(headers: Mapping[str, str], body: bytes, policy: CertificatePolicy,
                          fetch: CertificateFetcher, *, now: datetime | None = None) -> None:
    """Raise DeliveryRejected unless `body` is signed by an allowed, Microsoft-issued certificate (§27.3)."""
    signature = _signature(headers)
    url = _header(headers, "x-ms-certificate-url")
    algorithm = _header(headers, "x-ms-signature-algorithm")
    if not url or not algorithm:
        raise DeliveryRejected(400, "The certificate URL or the signature algorithm is missing.")
    if not policy.allows(url.strip()):
        raise DeliveryRejected(401, "The signing certificate is not from Partner Center's host.")
    cert = policy._cache.get(url)
    if cert is None:
        try:
            cert = _load(await fetch(url.strip()))
        except DeliveryRejected:
            raise
        except Exception:  # noqa: BLE001 - any download failure: not verifiable
            raise DeliveryRejected(401, "The signing certificate could not be downloaded.") from None
    if not _chain_ok(cert, policy.trusted_roots, now or clock.now()):
        raise DeliveryRejected(401, "The signing certificate is not trusted.")
    organizations = [a.value for a in cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    if ISSUER_ORGANIZATION not in organizations:
        raise DeliveryRejected(401, "The signing certificate was not issued by Microsoft Corporation.")
    policy._cache[url] = cert
    kind, _, digest = algorithm.strip().lower().partition("-")
    public_key = cert.public_key()
    if kind != "rsa" or digest not in _HASHES or not isinstance(public_key, rsa.RSAPublicKey):
        raise DeliveryRejected(401, "The signature algorithm is not supported.")
    try:
        public_key.verify(signature, body, padding.PKCS1v15(), _HASHES[digest]())
    except InvalidSignature:
        raise DeliveryRejected(401, "Signature verification failed.") from None
