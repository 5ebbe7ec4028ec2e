"""The webhook signature check (api.md §27.3) against certificates it must refuse: another CA's certificate
that also says "O=Microsoft Corporation", an issuer that is not Microsoft, an expired certificate, and the
sandbox's CA when the Partner Center URL is production. Certificates are served by a local HTTP server."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from bot.webhooks import CertificatePolicy, Rejected, SignatureVerifier

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
BODY = json.dumps({"EventName": "test-created", "ResourceUri": "http://x/1", "ResourceChangeUtcDate": "d"}).encode()


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])


def _issue(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey, signer: rsa.RSAPrivateKey,
           ca: bool, days: int = 30) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256()))


class Pki:
    def __init__(self, org: str = "Microsoft Corporation", days: int = 30) -> None:
        self.ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_name = _name("Test CA", org)
        self.ca = _issue(ca_name, ca_name, self.ca_key, self.ca_key, True, 3650)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert = _issue(_name("dispatch", org), ca_name, self.key, self.ca_key, False, days)

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


TRUSTED = Pki()
OTHER_CA = Pki()  # also "O=Microsoft Corporation", but not the trusted CA
NOT_MICROSOFT = Pki(org="Contoso")
EXPIRED = Pki(days=-1)


@pytest.fixture
async def cert_server() -> AsyncIterator[str]:
    files = {"ca.cer": TRUSTED.ca, "pcnotifications-dispatch.cer": TRUSTED.cert, "other.cer": OTHER_CA.cert,
             "contoso-ca.cer": NOT_MICROSOFT.ca, "contoso.cer": NOT_MICROSOFT.cert, "expired.cer": EXPIRED.cert}

    async def serve(request: web.Request) -> web.Response:
        cert = files.get(request.match_info["name"])
        if cert is None:
            raise web.HTTPNotFound()
        return web.Response(body=cert.public_bytes(serialization.Encoding.DER))

    app = web.Application()
    app.router.add_get("/_cert/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def _headers(base: str, name: str, signer: Pki) -> dict[str, str]:
    return {"Authorization": f"Signature {signer.sign(BODY)}", "X-MS-Signature-Algorithm": "rsa-sha256",
            "X-MS-Certificate-Url": f"{base}/_cert/{name}"}


async def _verify(base: str, headers: dict[str, str], body: bytes = BODY, pc_url: str | None = None) -> None:
    verifier = SignatureVerifier(CertificatePolicy.for_partner_center(pc_url or base, {}), clock=lambda: NOW)
    await verifier.load_issuers()
    await verifier.verify(headers, body)


async def test_the_sandbox_certificate_verifies(cert_server: str):
    await _verify(cert_server, _headers(cert_server, "pcnotifications-dispatch.cer", TRUSTED))
    alt = _headers(cert_server, "pcnotifications-dispatch.cer", TRUSTED)
    alt["x-ms-signature"] = alt.pop("Authorization")
    await _verify(cert_server, alt)


@pytest.mark.parametrize(("name", "signer", "reason"), [
    ("other.cer", OTHER_CA, "The signing certificate is not trusted."),
    ("expired.cer", EXPIRED, "The signing certificate is not trusted."),
    ("missing.cer", TRUSTED, "The signing certificate could not be downloaded."),
])
async def test_untrusted_certificates_are_refused(cert_server: str, name: str, signer: Pki, reason: str):
    with pytest.raises(Rejected) as refused:
        await _verify(cert_server, _headers(cert_server, name, signer))
    assert (refused.value.reason, refused.value.status) == (reason, 401)


async def test_an_issuer_that_is_not_microsoft_is_refused(cert_server: str):
    policy = CertificatePolicy(allowed_prefix=f"{cert_server}/_cert/", issuers=[NOT_MICROSOFT.ca])
    with pytest.raises(Rejected) as refused:
        await SignatureVerifier(policy, clock=lambda: NOW).verify(_headers(cert_server, "contoso.cer",
                                                                           NOT_MICROSOFT), BODY)
    assert refused.value.reason == "The signing certificate was not issued by Microsoft Corporation."


@pytest.mark.parametrize("change", ["body", "algorithm", "no-url"])
async def test_tampering_is_refused(cert_server: str, change: str):
    headers = _headers(cert_server, "pcnotifications-dispatch.cer", TRUSTED)
    body = BODY
    if change == "body":
        body = BODY.replace(b"test-created", b"test-createD")
    elif change == "algorithm":
        headers["X-MS-Signature-Algorithm"] = "rsa-sha1"
    else:
        del headers["X-MS-Certificate-Url"]
    with pytest.raises(Rejected):
        await _verify(cert_server, headers, body)


async def test_production_never_trusts_the_sandbox(cert_server: str):
    """Partner Center in production: only Microsoft's certificate host; the sandbox CA is never loaded."""
    policy = CertificatePolicy.for_partner_center("https://api.partnercenter.microsoft.com", {})
    assert policy.allowed_prefix == "https://3psostorageacct.blob.core.windows.net/cert/"
    assert policy.issuers == [] and policy.issuers_url == ""
    with pytest.raises(Rejected) as refused:
        await _verify(cert_server, _headers(cert_server, "pcnotifications-dispatch.cer", TRUSTED),
                      pc_url="https://api.partnercenter.microsoft.com")
    assert refused.value.reason == "The signing certificate is not from Partner Center's host."
