"""Junk sent to every mutating endpoint: always a 4xx (never a 500) and nothing changes."""

from __future__ import annotations

import json

import httpx
from sandbox_helpers import audit_count, customer_by_name, subscriptions_of

JUNK: list[bytes] = [
    b"[]", b'"text"', b"123", b"true", b"{", b"\xff\xfe\x00garbage", b'{"a": NaN',
    json.dumps({"quantity": {}, "status": [], "lineItems": {"x": 1}}).encode(),
    json.dumps({"lineItems": [{"catalogItemId": 5, "quantity": []}]}).encode(),
    json.dumps({"lineItems": [None]}).encode(),
    json.dumps({"companyProfile": "x", "billingProfile": 7}).encode(),
    json.dumps({"billingProfile": {"defaultAddress": []}, "companyProfile": {"domain": 5}}).encode(),
    json.dumps({"status": {"nested": True}, "quantity": "1e9"}).encode(),
    json.dumps({"lineItems": [{"lineItemNumber": "x", "offerId": None}]}).encode(),
    json.dumps(_deep := {"a": {"b": {"c": {"d": [1, {"e": None}]}}}}).encode(),
]


async def test_junk_bodies_never_500_and_change_nothing(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Contoso Ltd"))["id"]
    sub = (await subscriptions_of(client, cid))[0]
    cart = (await client.post(f"/v1/customers/{cid}/carts", json={"lineItems": [
        {"id": 0, "catalogItemId": "unknown:0001:x", "quantity": 1}]})).json()
    order_id = (await client.get(f"/v1/customers/{cid}/orders")).json()["items"][0]["id"]
    etag = (await client.get(f"/v1/customers/{cid}/profiles/billing")).json()["attributes"]["etag"]
    targets = [
        ("POST", "/v1/customers", {}),
        ("PUT", f"/v1/customers/{cid}/profiles/billing", {"If-Match": etag}),
        ("PATCH", f"/v1/customers/{cid}/subscriptions/{sub['id']}", {}),
        ("POST", f"/v1/customers/{cid}/carts", {}),
        ("PUT", f"/v1/customers/{cid}/carts/{cart['id']}", {}),
        ("POST", f"/v1/customers/{cid}/carts/{cart['id']}/checkout", {}),
        ("POST", f"/v1/customers/{cid}/orders", {}),
        ("PATCH", f"/v1/customers/{cid}/orders/{order_id}", {}),
        ("POST", "/_sandbox/faults", {}),
    ]
    audits = await audit_count(client)
    subs = await subscriptions_of(client, cid)
    for method, url, headers in targets:
        for junk in JUNK:
            r = await client.request(method, url, content=junk,
                                     headers={**headers, "Content-Type": "application/json"})
            assert 400 <= r.status_code < 500, (method, url, junk, r.status_code, r.text)
            body = r.json()
            assert isinstance(body.get("code", body.get("statusCode")), int)
    assert await audit_count(client) == audits
    assert await subscriptions_of(client, cid) == subs
    assert (await client.get(f"/v1/customers/{cid}/profiles/billing")).json()["attributes"]["etag"] == etag
    assert (await client.get(f"/v1/customers/{cid}/carts/{cart['id']}")).json() == cart
