"""Helpers shared by the sandbox tests (plain HTTP calls; no partner_center client)."""

from __future__ import annotations

import httpx

from sandbox.context import SANDBOX_KEY
from sandbox.server import RunningSandbox
from sandbox.store import Store

DEV_TOKEN = "sandbox-dev-token"
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


def store_of(running: RunningSandbox) -> Store:
    """The running sandbox's document store: to arrange and check state behind the HTTP API."""
    return running.app[SANDBOX_KEY].store


def seeded_customer(running: RunningSandbox, index: int = 0) -> dict:
    """The `index`-th stored customer (in store order)."""
    return store_of(running).list("customer", "")[index].body


async def customer_by_name(client: httpx.AsyncClient, name: str) -> dict:
    """The seeded customer whose company name is exactly `name`."""
    import json

    flt = json.dumps({"Field": "CompanyName", "Value": name, "Operator": "starts_with"})
    r = await client.get("/v1/customers", params={"size": 50, "filter": flt})
    assert r.status_code == 200, r.text
    matches = [c for c in r.json()["items"] if c["companyProfile"]["companyName"] == name]
    assert matches, f"no seeded customer named {name}"
    return matches[0]


async def subscriptions_of(client: httpx.AsyncClient, cid: str) -> list[dict]:
    r = await client.get(f"/v1/customers/{cid}/subscriptions")
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def audit_count(client: httpx.AsyncClient) -> int:
    r = await client.get("/v1/auditrecords", params={"startDate": "2000-01-01", "size": 500})
    assert r.status_code == 200, r.text
    return r.json()["totalCount"]


def new_customer_body(prefix: str, **overrides: object) -> dict:
    body = {
        "companyProfile": {"domain": f"{prefix}.onmicrosoft.com"},
        "billingProfile": {
            "email": f"billing@{prefix}.example", "culture": "en-US", "language": "en",
            "companyName": f"{prefix.title()} Test",
            "defaultAddress": {"firstName": "Ada", "lastName": "Lovelace", "addressLine1": "1 Main St",
                               "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"},
        },
    }
    body.update(overrides)
    return body
