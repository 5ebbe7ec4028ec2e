"""Partner Center webhook signatures (api.md §27.3) against a local CA and a certificate served over real HTTP:
a genuine delivery passes in both header forms; a tampered body, another host, an untrusted or non-Microsoft
issuer, a missing signature or algorithm are rejected with the documented status."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from partner_center import clock
from partner_center.webhook_signature import CertificatePolicy, DeliveryRejected, verify_delivery

BODY = (b'{"EventName":"subscription-updated","ResourceUri":"http://api.partnercenter.microsoft.com/webhooks/v1/'
        b'customers/c1/subscriptions/s1","ResourceName":"subscription","AuditUri":null,'
        b'"ResourceChangeUtcDate":"2026-12-07T16:19:06.3520276+00:00"}')


def _name(org: str, cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: x509.Name, issuer: x509.Name, key, signer, *, ca: bool) -> x509.Certificate:
    now = clock.now()
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256()))


def _pki(org: str):
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _cert(_name(org, "Test Root"), _name(org, "Test Root"), root_key, root_key, ca=True)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = _cert(_name("Partner Center", "pcnotifications-dispatch"), root.subject, leaf_key, root_key, ca=False)
    return root, leaf, leaf_key


MS_ROOT, MS_LEAF, MS_KEY = _pki("Microsoft Corporation")
OTHER_ROOT, OTHER_LEAF, OTHER_KEY = _pki("Microsoft Corporation")  # same name, a root nobody trusts
CONTOSO_ROOT, CONTOSO_LEAF, CONTOSO_KEY = _pki("Contoso")


@pytest_asyncio.fixture
async def cert_server() -> AsyncIterator[str]:
    app = web.Application()
    served = {"ms": MS_LEAF, "other": OTHER_LEAF, "contoso": CONTOSO_LEAF}

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=served[request.match_info["name"]].public_bytes(serialization.Encoding.DER))

    app.router.add_get("/cert/{name}.cer", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def _fetch(url: str) -> bytes:
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.get(url)
        response.raise_for_status()
        return response.content


def _policy(host: str) -> CertificatePolicy:
    return CertificatePolicy(trusted_roots=[MS_ROOT, CONTOSO_ROOT], hosts=(host,), require_https=False)


def _headers(host: str, key=MS_KEY, name: str = "ms", body: bytes = BODY, header: str = "Authorization"):
    signature = base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
    return {header: f"Signature {signature}", "X-MS-Certificate-Url": f"http://{host}/cert/{name}.cer",
            "X-MS-Signature-Algorithm": "rsa-sha256"}


@pytest.mark.parametrize("header", ["Authorization", "x-ms-signature"])
async def test_a_genuine_delivery_passes(cert_server, header):
    await verify_delivery(_headers(cert_server, header=header), BODY, _policy(cert_server), _fetch)


@pytest.mark.parametrize(("case", "status", "reason"), [
    ("tampered body", 401, "Signature verification failed"),
    ("other host", 401, "not from Partner Center's host"),
    ("untrusted root", 401, "not trusted"),
    ("issuer not Microsoft", 401, "not issued by Microsoft Corporation"),
    ("no signature", 401, "no signature"),
    ("no algorithm", 400, "missing"),
    ("other algorithm", 401, "not supported"),
])
async def test_forged_deliveries_are_rejected(cert_server, case, status, reason):
    headers, body, policy = _headers(cert_server), BODY, _policy(cert_server)
    if case == "tampered body":
        body = BODY.replace(b"s1", b"s2")
    elif case == "other host":
        policy = CertificatePolicy(trusted_roots=[MS_ROOT], require_https=False)  # production hosts only
    elif case == "untrusted root":
        headers = _headers(cert_server, OTHER_KEY, "other")
    elif case == "issuer not Microsoft":
        headers = _headers(cert_server, CONTOSO_KEY, "contoso")
    elif case == "no signature":
        headers.pop("Authorization")
    elif case == "no algorithm":
        headers.pop("X-MS-Signature-Algorithm")
    else:
        headers["X-MS-Signature-Algorithm"] = "rsa-sha1"
    with pytest.raises(DeliveryRejected) as rejected:
        await verify_delivery(headers, body, policy, _fetch)
    assert rejected.value.status == status and reason in rejected.value.reason


def test_production_policy_allows_only_microsofts_https_cert_path():
    policy = CertificatePolicy(trusted_roots=[MS_ROOT])
    assert policy.allows("https://3psostorageacct.blob.core.windows.net/cert/pcnotifications-dispatch.microsoft.com.cer")
    assert not policy.allows("http://3psostorageacct.blob.core.windows.net/cert/x.cer")
    assert not policy.allows("https://3psostorageacct.blob.core.windows.net/other/x.cer")
    assert not policy.allows("https://evil.example/cert/x.cer")
    assert not policy.allows("https://user@3psostorageacct.blob.core.windows.net/cert/x.cer")
