"""Bad input sent to the sandbox over raw HTTP: always a documented 4xx (400 800002 "invalid request input" for
bodies that are not a usable JSON object), never a 500, and nothing changes (documents, audit, idempotency store).

Already covered by the sandbox's own tests and not repeated here: malformed / non-object JSON and wrong property
types on the core routes (tests/sandbox/test_sandbox_bad_input.py::test_junk_bodies_never_500_and_change_nothing),
an oversized body announced by Content-Length on POST /v1/customers and wrong types / unknown enum values on
subscription PATCH and cart POST (tests/sandbox/test_sandbox_framework.py), and per-resource validation of
users, licence updates and service requests (tests/sandbox/test_users_api.py,
test_users_roles_licenses.py, test_support_api.py). This file adds the routes and the byte-level inputs those
miss: users / licences / roles / service requests, JSON nested thousands deep, lone UTF-16 surrogates, NaN and
Infinity, chunked bodies (split valid JSON must work; oversized must be refused) and oversized bodies everywhere.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from contract_helpers import DEV_TOKEN, customer_named, state

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

ONE_MIB = 1024 * 1024


def _snapshot(running) -> tuple:
    db = state(running).store._db  # test-only look at every stored row
    docs = db.execute("SELECT kind, scope, id, body FROM docs ORDER BY seq").fetchall()
    audit = db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    replays = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    return docs, audit, replays


async def _targets(pc) -> list[tuple[str, str, dict[str, str]]]:
    cust = await customer_named(pc, "Contoso Ltd")
    cid = cust.id
    sub = (await pc.subscriptions.list(cid).to_list())[0].id
    user = (await pc.users.list(cid).to_list())[-1].id
    sr = (await pc.service_requests.list().to_list())[0].id
    order = (await pc.orders.list(cid).to_list())[0].id
    cart = (await pc.carts.create(cid, [{"catalogItemId": "CFQ7TTC0LH18:0001:X", "quantity": 1}])).id
    etag = (await pc.customers.get_billing_profile(cid)).etag
    role = "62e90394-69f5-4237-9190-012177145e10"
    return [
        ("POST", "/v1/customers", {}),
        ("PUT", f"/v1/customers/{cid}/profiles/billing", {"If-Match": f'"{etag}"'}),
        ("PATCH", f"/v1/customers/{cid}/subscriptions/{sub}", {}),
        ("POST", f"/v1/customers/{cid}/carts", {}),
        ("PUT", f"/v1/customers/{cid}/carts/{cart}", {}),
        ("POST", f"/v1/customers/{cid}/carts/{cart}/checkout", {}),
        ("POST", f"/v1/customers/{cid}/orders", {}),
        ("PATCH", f"/v1/customers/{cid}/orders/{order}", {}),
        ("POST", f"/v1/customers/{cid}/users", {}),
        ("PATCH", f"/v1/customers/{cid}/users/{user}", {}),
        ("PATCH", f"/v1/customers/{cid}/users/{user}/resetpassword", {}),
        ("POST", f"/v1/customers/{cid}/users/{user}/licenseupdates", {}),
        ("POST", f"/v1/customers/{cid}/directoryroles/{role}/usermembers", {}),
        ("POST", "/v1/servicerequests/en-US", {}),
        ("PATCH", f"/v1/servicerequests/{sr}", {}),
        ("PATCH", f"/v1/customers/{cid}/servicerequests/{sr}", {}),
        ("DELETE", f"/v1/customers/{cid}/users/{user}", {}),
        ("DELETE", f"/v1/customers/{cid}", {}),
    ]


LONE_SURROGATE = json.dumps({
    "friendlyName": "\ud800", "displayName": "\ud800", "title": "\ud800", "description": "\ud800",
    "email": "a\udfff@b.example", "userPrincipalName": "\ud800@x.example", "status": "\ud800",
    "newNote": {"text": "\ud800"}, "lineItems": [{"catalogItemId": "\ud800", "quantity": 1}],
    "licensesToAssign": [{"skuId": "\ud800"}], "Id": "\ud800",
}).encode()  # json.dumps escapes them as \ud800: valid JSON syntax, but not text

BODIES = {
    "malformed": b'{"quantity": ',
    "deep array": b"[" * 5000 + b"]" * 5000,
    "deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "deep but under 1 KiB": b'{"friendlyName": "x", "participants": ' + b"[" * 300 + b"]" * 300 + b"}",
    "lone surrogate": LONE_SURROGATE,
    "NaN": b'{"quantity": NaN, "lineItems": [{"catalogItemId": "x", "quantity": NaN}], "severity": NaN}',
    "Infinity": b'{"quantity": Infinity, "advanceSeconds": -Infinity}',
    "overflowing float": b'{"quantity": 1e999, "lineItems": [{"catalogItemId": "x", "quantity": 1e999}]}',
    "not utf-8": b'{"displayName": "\xff\xfe"}',
    "oversized": b'{"pad": "' + b"x" * ONE_MIB + b'"}',
}


@pytest.fixture
async def raw(sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, headers={"Authorization": f"Bearer {DEV_TOKEN}"},
                                 timeout=20) as client:
        yield client


@pytest.mark.parametrize("body", list(BODIES.values()), ids=list(BODIES))
async def test_bad_bodies_are_400_800002_everywhere_and_change_nothing(pc, sandbox, raw, body):
    targets = await _targets(pc)
    before = _snapshot(sandbox)
    for method, url, headers in targets:
        r = await raw.request(method, url, content=body, headers={**headers, "Content-Type": "application/json",
                                                                 "MS-RequestId": f"bad-{method}-{len(url)}"})
        assert r.status_code == 400, (method, url, r.status_code, r.text[:300])
        assert r.json()["code"] == 800002 and r.json()["description"], (method, url, r.text[:300])
    assert _snapshot(sandbox) == before


async def _chunks(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def test_chunked_body_split_across_chunks_is_read_whole(pc, raw):
    """No Content-Length: the sandbox must read to the end of the stream, not just the first chunk."""
    cust = await customer_named(pc, "Fabrikam Inc")
    sub = next(s for s in await pc.subscriptions.list(cust.id).to_list() if s.offer_name == "Exchange Online (Plan 1)")
    body = json.dumps({"friendlyName": "Chunked rename"}).encode()
    r = await raw.patch(f"/v1/customers/{cust.id}/subscriptions/{sub.id}", content=_chunks(body[:5], body[5:9],
                                                                                            body[9:]),
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["friendlyName"] == "Chunked rename"


async def test_oversized_chunked_body_is_refused_and_changes_nothing(pc, sandbox, raw):
    cust = await customer_named(pc, "Fabrikam Inc")
    sub = next(s for s in await pc.subscriptions.list(cust.id).to_list() if s.offer_name == "Exchange Online (Plan 1)")
    before = _snapshot(sandbox)
    pad = b" " * (64 * 1024)
    pieces = [b'{"friendlyName": "too big"'] + [pad] * 20 + [b"}"]  # valid JSON, 1.25 MiB, no Content-Length
    try:
        r = await raw.patch(f"/v1/customers/{cust.id}/subscriptions/{sub.id}", content=_chunks(*pieces),
                            headers={"Content-Type": "application/json"})
    except httpx.TransportError:  # the sandbox may close the connection before the client finished sending
        pass
    else:
        assert r.status_code == 400 and r.json()["code"] == 800002, r.text[:300]
    assert _snapshot(sandbox) == before


async def test_admin_clock_rejects_non_finite_and_absurd_values(sandbox, raw):
    for body in (b'{"advanceSeconds": NaN}', b'{"advanceSeconds": Infinity}', b'{"advanceSeconds": 1e300}',
                 b'{"advanceSeconds": "10"}'):
        r = await raw.post("/_sandbox/clock", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["code"] == 800002, (body, r.text)
    assert state(sandbox).clock_offset.total_seconds() == 0


QUERIES = {
    "size too large": "/v1/customers?size=99999999999999999999",
    "bad continuation token": "/v1/customers?seekOperation=Next",
    "filter nested 2000 deep": "/v1/customers?filter=" + "%5B" * 2000,
    "audit filter nested 2000 deep": "/v1/auditrecords?filter=" + "%5B" * 2000,
    "offset not a number": "/v1/invoices?offset=abc",
    "unknown status": "/v1/servicerequests?status=sleeping",
    "end before start": "/v1/auditrecords?startDate=2024-01-01&endDate=2023-01-01",
    "empty targetView": "/v1/products?targetView=",
}


@pytest.mark.parametrize("query", list(QUERIES.values()), ids=list(QUERIES))
async def test_bad_queries_are_4xx_never_500(sandbox, raw, query):
    before = _snapshot(sandbox)
    r = await raw.get(query, headers={"MS-ContinuationToken": "bm90LWEtdG9rZW4"})
    assert 400 <= r.status_code < 500, (query, r.status_code, r.text[:300])
    assert isinstance(r.json().get("code"), int)
    assert _snapshot(sandbox) == before
