"""Customer users over real HTTP: seek paging, create/update/delete/restore, password resets, errors, audit."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sandbox_helpers import seeded_customer, store_of

from sandbox.config import SandboxConfig

APP_ONLY = {"Authorization": "Bearer app-only-test-token"}
GOOD_PASSWORD = "Tr1cky-Passw0rd!"


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(port=0, customers=6, seed=11, app_only_tokens=("app-only-test-token",))


def _users(sandbox, cid: str, state: str = "active") -> list[dict]:
    return [d.body for d in store_of(sandbox).list("customer_user", cid) if d.body["state"] == state]


def _new_user_body(domain: str, alias: str | None = None, **extra) -> dict:
    alias = alias or f"test.{uuid.uuid4().hex[:8]}"
    body = {"usageLocation": "US", "userPrincipalName": f"{alias}@{domain}", "firstName": "Test",
            "lastName": "User", "displayName": "Test User",
            "passwordProfile": {"password": GOOD_PASSWORD, "forceChangePassword": True},
            "attributes": {"objectType": "CustomerUser"}}
    body.update(extra)
    return body


async def _all_pages(client: httpx.AsyncClient, first_url: str) -> tuple[list[dict], int]:
    resp = await client.get(first_url)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    items, pages = list(page["items"]), 1
    while "next" in page["links"]:
        nxt = page["links"]["next"]
        assert page["continuationToken"] == nxt["headers"][0]["value"]
        headers = {h["key"]: h["value"] for h in nxt["headers"]}
        resp = await client.get(nxt["uri"], headers=headers)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert page["totalCount"] == len(page["items"])
        items += page["items"]
        pages += 1
    return items, pages


async def test_list_pages_across_boundaries_without_gaps(sandbox, client):
    cid = seeded_customer(sandbox)["id"]
    expected = {u["id"] for u in _users(sandbox, cid)}
    assert len(expected) >= 3
    items, pages = await _all_pages(client, f"/v1/customers/{cid}/users?size=2")
    ids = [u["id"] for u in items]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    assert pages == (len(expected) + 1) // 2
    assert all(u["state"] == "active" and "softDeletionTime" not in u for u in items)
    assert all(u["attributes"]["objectType"] == "CustomerUser" for u in items)
    assert all("passwordProfile" not in u for u in items)


async def test_continuation_errors(sandbox, client):
    cid = seeded_customer(sandbox)["id"]
    resp = await client.get(f"/v1/customers/{cid}/users?size=1&seekOperation=Next")
    assert resp.status_code == 400 and resp.json()["code"] == 800002
    resp = await client.get(f"/v1/customers/{cid}/users?size=1&seekOperation=Next",
                            headers={"MS-ContinuationToken": "garbage.token"})
    assert resp.status_code == 400 and resp.json()["code"] == 800002
    # a token from another customer's list is refused
    other = seeded_customer(sandbox, 1)["id"]
    first = (await client.get(f"/v1/customers/{other}/users?size=1")).json()
    token = first["continuationToken"]
    resp = await client.get(f"/v1/customers/{cid}/users?size=1&seekOperation=Next",
                            headers={"MS-ContinuationToken": token})
    assert resp.status_code == 400


async def test_bad_filter_and_size(sandbox, client):
    cid = seeded_customer(sandbox)["id"]
    for flt in ["{not json", json.dumps({"Field": "Domain", "Value": "x", "Operator": "equals"}),
                json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "starts_with"}),
                json.dumps({"Field": "UserState", "Value": "Sleeping", "Operator": "equals"})]:
        resp = await client.get(f"/v1/customers/{cid}/users", params={"filter": flt})
        assert resp.status_code == 400, flt
        assert resp.json()["code"] == 800002
    resp = await client.get(f"/v1/customers/{cid}/users?size=-1")
    assert resp.status_code == 400


async def test_not_found_codes(sandbox, client):
    cid = seeded_customer(sandbox)["id"]
    resp = await client.get(f"/v1/customers/{cid}/users/{uuid.uuid4()}")
    assert resp.status_code == 404 and resp.json()["code"] == 60002
    resp = await client.get(f"/v1/customers/{uuid.uuid4()}/users")
    assert resp.status_code == 404 and resp.json()["code"] == 60003
    resp = await client.delete(f"/v1/customers/{cid}/users/{uuid.uuid4()}")
    assert resp.status_code == 404 and resp.json()["code"] == 60002


async def test_app_only_token_is_refused(sandbox):
    cid = seeded_customer(sandbox)["id"]
    async with httpx.AsyncClient(base_url=sandbox.url, headers=APP_ONLY) as c:
        resp = await c.get(f"/v1/customers/{cid}/users")
        assert resp.status_code == 403 and resp.json()["code"] == 900329
        resp = await c.post(f"/v1/customers/{cid}/users", json=_new_user_body("x.onmicrosoft.com"))
        assert resp.status_code == 403


async def test_create_user_and_audit(sandbox, client):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    before = store_of(sandbox).audit_count()
    resp = await client.post(f"/v1/customers/{cid}/users", json=_new_user_body(domain, "jane.doe"))
    assert resp.status_code == 201, resp.text
    user = resp.json()
    assert user["state"] == "active" and user["userPrincipalName"] == f"jane.doe@{domain}"
    assert user["passwordProfile"] == {"password": GOOD_PASSWORD, "forceChangePassword": True}
    assert user["links"]["self"]["uri"] == f"/customers/{cid}/users/{user['id']}"
    got = (await client.get(f"/v1/customers/{cid}/users/{user['id']}")).json()
    assert got["displayName"] == "Test User" and "passwordProfile" not in got
    records = store_of(sandbox).list_audit("0", "9")
    assert store_of(sandbox).audit_count() == before + 1
    assert records[-1][1]["operationType"] == "create_customer_user"
    assert records[-1][1]["customerId"] == cid
    assert GOOD_PASSWORD not in json.dumps(records[-1][1])


@pytest.mark.parametrize("change, code", [
    ({"userPrincipalName": "someone@not-their-domain.com"}, 3000),
    ({"userPrincipalName": "no-at-sign"}, 3000),
    ({"usageLocation": None}, 800002),
    ({"usageLocation": "USA"}, 3000),
    ({"passwordProfile": None}, 800002),
    ({"passwordProfile": {"password": "short1A", "forceChangePassword": True}}, 3000),
    ({"passwordProfile": {"password": "alllowercaseletters", "forceChangePassword": True}}, 3000),
    ({"displayName": None, "firstName": None, "lastName": None}, 800002),
    ({"displayName": 42}, 800002),
])
async def test_create_user_validation(sandbox, client, change, code):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    count = store_of(sandbox).count("customer_user", cid)
    audits = store_of(sandbox).audit_count()
    body = _new_user_body(domain)
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    resp = await client.post(f"/v1/customers/{cid}/users", json=body)
    assert resp.status_code == 400, resp.text
    err = resp.json()
    assert err["code"] == code and err["description"] and err["source"]
    assert store_of(sandbox).count("customer_user", cid) == count
    assert store_of(sandbox).audit_count() == audits


async def test_password_must_not_contain_alias_and_body_must_be_object(sandbox, client):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    body = _new_user_body(domain, "maxwell", passwordProfile={"password": "Maxwell-2024!"})
    resp = await client.post(f"/v1/customers/{cid}/users", json=body)
    assert resp.status_code == 400 and resp.json()["code"] == 3000
    resp = await client.post(f"/v1/customers/{cid}/users", json=[1, 2])
    assert resp.status_code == 400 and resp.json()["code"] == 800002
    resp = await client.post(f"/v1/customers/{cid}/users", content=b"{broken",
                             headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


async def test_duplicate_upn_conflicts_and_request_id_replays(sandbox, client):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    body = _new_user_body(domain, "sam.repeat")
    rid = str(uuid.uuid4())
    first = await client.post(f"/v1/customers/{cid}/users", json=body, headers={"MS-RequestId": rid})
    again = await client.post(f"/v1/customers/{cid}/users", json=body, headers={"MS-RequestId": rid})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("X-Sandbox-Replayed") == "true"
    dup = await client.post(f"/v1/customers/{cid}/users", json=body)  # new request id: a real duplicate
    assert dup.status_code == 409
    assert dup.json()["code"] and dup.json()["description"]
    upns = [u["userPrincipalName"] for u in _users(sandbox, cid)]
    assert upns.count(f"sam.repeat@{domain}") == 1


async def test_update_user_fields_and_upn(sandbox, client):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    user = (await client.post(f"/v1/customers/{cid}/users", json=_new_user_body(domain, "ann.old"))).json()
    resp = await client.patch(f"/v1/customers/{cid}/users/{user['id']}",
                              json={"displayName": "Ann New", "UsageLocation": "de",
                                    "userPrincipalName": f"ann.new@{domain}",
                                    "attributes": {"objectType": "CustomerUser"}})
    assert resp.status_code == 200, resp.text
    got = resp.json()
    assert (got["displayName"], got["usageLocation"], got["userPrincipalName"]) == \
        ("Ann New", "DE", f"ann.new@{domain}")
    ops = [r[1]["operationType"] for r in store_of(sandbox).list_audit("0", "9")]
    assert "update_customer_user_principal_name" in ops
    # no change / foreign domain / empty display name -> 400, nothing changed
    for bad in ({"attributes": {"objectType": "CustomerUser"}}, {"userPrincipalName": "a@elsewhere.com"},
                {"displayName": ""}):
        resp = await client.patch(f"/v1/customers/{cid}/users/{user['id']}", json=bad)
        assert resp.status_code == 400, bad
    after = (await client.get(f"/v1/customers/{cid}/users/{user['id']}")).json()
    assert after["displayName"] == "Ann New"


async def test_soft_delete_deleted_list_and_restore(sandbox, client):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    user = (await client.post(f"/v1/customers/{cid}/users", json=_new_user_body(domain, "del.me"))).json()
    uid = user["id"]
    resp = await client.delete(f"/v1/customers/{cid}/users/{uid}")
    assert resp.status_code == 204
    got = (await client.get(f"/v1/customers/{cid}/users/{uid}")).json()
    assert got["state"] == "inactive" and got["softDeletionTime"]
    active, _ = await _all_pages(client, f"/v1/customers/{cid}/users?size=3")
    assert uid not in {u["id"] for u in active}
    flt = json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "equals"})
    deleted, _ = await _all_pages(client, f"/v1/customers/{cid}/users?size=1&filter={flt}")
    assert uid in {u["id"] for u in deleted}
    assert all(u["state"] == "inactive" and u["softDeletionTime"] for u in deleted)
    # deleted users cannot be deleted again or edited, only restored
    assert (await client.delete(f"/v1/customers/{cid}/users/{uid}")).status_code == 404
    resp = await client.patch(f"/v1/customers/{cid}/users/{uid}", json={"displayName": "Nope"})
    assert resp.status_code == 400
    resp = await client.patch(f"/v1/customers/{cid}/users/{uid}",
                              json={"state": "active", "attributes": {"objectType": "CustomerUser"}})
    assert resp.status_code == 200, resp.text
    restored = resp.json()
    assert restored["state"] == "active" and "softDeletionTime" not in restored
    ops = [r[1]["operationType"] for r in store_of(sandbox).list_audit("0", "9")]
    assert ops[-2:] == ["delete_customer_user", "restore_customer_user"]


async def test_restore_window_expires_after_30_days(sandbox, client):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    user = (await client.post(f"/v1/customers/{cid}/users", json=_new_user_body(domain, "gone.soon"))).json()
    assert (await client.delete(f"/v1/customers/{cid}/users/{user['id']}")).status_code == 204
    resp = await client.post("/_sandbox/clock", json={"advanceSeconds": 31 * 86400})
    assert resp.status_code == 200, resp.text
    resp = await client.patch(f"/v1/customers/{cid}/users/{user['id']}", json={"state": "active"})
    assert resp.status_code == 404 and resp.json()["code"] == 60002
    # the purged user's UPN is free again
    resp = await client.post(f"/v1/customers/{cid}/users", json=_new_user_body(domain, "gone.soon"))
    assert resp.status_code == 201


async def test_reset_password_on_both_paths(sandbox, client):
    customer = seeded_customer(sandbox)
    cid, domain = customer["id"], customer["companyProfile"]["domain"]
    user = (await client.post(f"/v1/customers/{cid}/users", json=_new_user_body(domain, "pw.user"))).json()
    base = f"/v1/customers/{cid}/users/{user['id']}"
    body = {"passwordProfile": {"password": "N3w-Secret-Value", "forceChangePassword": False},
            "attributes": {"objectType": "CustomerUser"}}
    resp = await client.patch(f"{base}/resetpassword", json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["passwordProfile"] == {"password": "N3w-Secret-Value", "forceChangePassword": False}
    resp = await client.patch(base, json=body)  # 2021 docs / SDK path
    assert resp.status_code == 200 and resp.json()["passwordProfile"]["password"] == "N3w-Secret-Value"
    generated = (await client.patch(f"{base}/resetpassword", json={})).json()["passwordProfile"]
    assert len(generated["password"]) >= 8 and generated["forceChangePassword"] is True
    weak = {"passwordProfile": {"password": "weak"}}
    assert (await client.patch(f"{base}/resetpassword", json=weak)).status_code == 400
    assert (await client.patch(base, json=weak)).status_code == 400
    ops = [r[1]["operationType"] for r in store_of(sandbox).list_audit("0", "9")]
    assert ops.count("reset_customer_user_password") == 3
    assert "N3w-Secret-Value" not in json.dumps([r[1] for r in store_of(sandbox).list_audit("0", "9")])
    resp = await client.patch(f"/v1/customers/{cid}/users/{uuid.uuid4()}/resetpassword", json=body)
    assert resp.status_code == 404 and resp.json()["code"] == 60002


async def test_seeded_users_are_consistent(sandbox):
    store = store_of(sandbox)
    for doc in store.list("customer", ""):
        customer = doc.body
        users = [d.body for d in store.list("customer_user", customer["id"])]
        assert 3 <= len(users) <= 12
        domain = customer["companyProfile"]["domain"]
        assert all(u["userPrincipalName"].endswith("@" + domain) for u in users)
        assert len({u["userPrincipalName"] for u in users}) == len(users)
        assert users[0]["userPrincipalName"] == f"admin@{domain}" and users[0]["state"] == "active"
        assert all(bool(u.get("softDeletionTime")) == (u["state"] == "inactive") for u in users)
