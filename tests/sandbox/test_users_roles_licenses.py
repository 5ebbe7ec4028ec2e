"""Directory roles and licences over real HTTP: members add/remove, subscribed SKUs following subscriptions,
assignment until exhaustion (400 60012) and removal."""

from __future__ import annotations

import uuid

import pytest
from sandbox_helpers import seeded_customer, store_of

from sandbox.config import SandboxConfig
from sandbox.routes.users import GLOBAL_ADMIN_ROLE, license_sku_for

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(port=0, customers=8, seed=5)


async def _create_user(client, customer: dict, alias: str) -> dict:
    domain = customer["companyProfile"]["domain"]
    resp = await client.post(f"/v1/customers/{customer['id']}/users", json={
        "usageLocation": "US", "userPrincipalName": f"{alias}@{domain}", "displayName": alias,
        "passwordProfile": {"password": "Aa1!aaaaBBBB", "forceChangePassword": True}})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def _skus(client, cid: str) -> dict[str, dict]:
    resp = await client.get(f"/v1/customers/{cid}/subscribedskus")
    assert resp.status_code == 200, resp.text
    return {s["productSku"]["id"]: s for s in resp.json()["items"]}


def _licenceseeded_customer(sandbox) -> tuple[dict, dict]:
    """A customer with an active licence-based subscription, and that subscription."""
    for doc in store_of(sandbox).list("customer", ""):
        for sub in store_of(sandbox).list("subscription", doc.id):
            if sub.body["status"] == "active" and license_sku_for(sub.body):
                return doc.body, sub.body
    raise AssertionError("no licence-based subscription seeded")


async def test_roles_list_members_add_remove(sandbox, client):
    customer = seeded_customer(sandbox)
    cid = customer["id"]
    roles = (await client.get(f"/v1/customers/{cid}/directoryroles")).json()
    assert {r["name"] for r in roles["items"]} >= {"Company Administrator", "Helpdesk Administrator"}
    assert all(r["attributes"]["objectType"] == "DirectoryRole" for r in roles["items"])
    admins = (await client.get(f"/v1/customers/{cid}/directoryroles/{GLOBAL_ADMIN_ROLE}/usermembers")).json()
    assert admins["items"] and admins["items"][0]["userPrincipalName"].startswith("admin@")
    user = await _create_user(client, customer, "role.person")
    member = {"id": user["id"], "displayName": user["displayName"], "userPrincipalName": user["userPrincipalName"],
              "attributes": {"objectType": "UserMember"}}
    resp = await client.post(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers", json=member)
    assert resp.status_code == 201, resp.text
    assert resp.json()["roleId"] == HELPDESK and resp.json()["id"] == user["id"]
    again = await client.post(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers", json=member)
    assert again.status_code == 201  # idempotent
    mine = (await client.get(f"/v1/customers/{cid}/users/{user['id']}/directoryroles")).json()
    assert [r["id"] for r in mine["items"]] == [HELPDESK]
    members = (await client.get(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers")).json()
    assert [m["id"] for m in members["items"]].count(user["id"]) == 1
    audit_ops = [r[1] for r in store_of(sandbox).list_audit("0", "9")]
    assert sum(1 for r in audit_ops if r["operationType"] == "update_customer_user") == 1
    resp = await client.delete(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers/{user['id']}")
    assert resp.status_code == 204
    resp = await client.delete(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers/{user['id']}")
    assert resp.status_code == 404 and resp.json()["code"] == 1000
    mine = (await client.get(f"/v1/customers/{cid}/users/{user['id']}/directoryroles")).json()
    assert mine["items"] == []


async def test_role_errors(sandbox, client):
    customer = seeded_customer(sandbox)
    cid = customer["id"]
    resp = await client.get(f"/v1/customers/{cid}/directoryroles/{uuid.uuid4()}/usermembers")
    assert resp.status_code == 404 and resp.json()["code"] == 1000
    resp = await client.post(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers",
                             json={"id": str(uuid.uuid4())})
    assert resp.status_code == 404 and resp.json()["code"] == 60002
    resp = await client.post(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers", json={})
    assert resp.status_code == 400 and resp.json()["code"] == 800002
    # the only Company Administrator cannot be removed
    admins = (await client.get(f"/v1/customers/{cid}/directoryroles/{GLOBAL_ADMIN_ROLE}/usermembers")).json()
    assert len(admins["items"]) == 1
    resp = await client.delete(
        f"/v1/customers/{cid}/directoryroles/{GLOBAL_ADMIN_ROLE}/usermembers/{admins['items'][0]['id']}")
    assert resp.status_code == 400


async def test_role_members_page(sandbox, client):
    customer = seeded_customer(sandbox)
    cid = customer["id"]
    created = [await _create_user(client, customer, f"helper{i}") for i in range(3)]
    for user in created:
        resp = await client.post(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers",
                                 json={"id": user["id"]})
        assert resp.status_code == 201
    page = (await client.get(f"/v1/customers/{cid}/directoryroles/{HELPDESK}/usermembers?size=2")).json()
    seen = [m["id"] for m in page["items"]]
    while "next" in page["links"]:
        nxt = page["links"]["next"]
        page = (await client.get(nxt["uri"], headers={h["key"]: h["value"] for h in nxt["headers"]})).json()
        seen += [m["id"] for m in page["items"]]
    assert set(u["id"] for u in created) <= set(seen) and len(seen) == len(set(seen))


async def test_subscribed_skus_follow_subscriptions(sandbox, client):
    store = store_of(sandbox)
    for doc in store.list("customer", ""):
        cid = doc.id
        expected: dict[str, int] = {}
        for sub in store.list("subscription", cid):
            sku = license_sku_for(sub.body)
            if sku and sub.body["status"] == "active":
                expected[sku["id"]] = expected.get(sku["id"], 0) + sub.body["quantity"]
        skus = (await client.get(f"/v1/customers/{cid}/subscribedskus")).json()["items"]
        got = {s["productSku"]["id"]: s for s in skus}
        assert {k: v["totalUnits"] for k, v in got.items() if v["totalUnits"]} == expected
        for s in skus:
            assert s["availableUnits"] == max(0, s["totalUnits"] - s["consumedUnits"])
            assert 0 <= s["consumedUnits"] <= s["totalUnits"]  # seeded assignments fit the seats
            assert s["attributes"]["objectType"] == "SubscribedSku"
    # a quantity change shows up at once
    customer, sub = _licenceseeded_customer(sandbox)
    sku_id = license_sku_for(sub)["id"]
    before = {s["productSku"]["id"]: s for s in
              (await client.get(f"/v1/customers/{customer['id']}/subscribedskus")).json()["items"]}[sku_id]
    store.put("subscription", sub["id"], dict(sub, quantity=sub["quantity"] + 7), customer["id"])
    after = {s["productSku"]["id"]: s for s in
             (await client.get(f"/v1/customers/{customer['id']}/subscribedskus")).json()["items"]}[sku_id]
    assert after["totalUnits"] == before["totalUnits"] + 7
    groups = await client.get(f"/v1/customers/{customer['id']}/subscribedskus?licenseGroupIds=group2")
    assert groups.status_code == 200 and groups.json()["items"] == []
    bad = await client.get(f"/v1/customers/{customer['id']}/subscribedskus?licenseGroupIds=group9")
    assert bad.status_code == 400


async def test_assign_until_exhausted_then_60012_and_remove(sandbox, client):
    store = store_of(sandbox)
    customer, sub = _licenceseeded_customer(sandbox)
    cid = customer["id"]
    sku_id = license_sku_for(sub)["id"]
    skus = await _skus(client, cid)
    # leave exactly one free seat: shrink this subscription so total = consumed + 1
    extra = skus[sku_id]["totalUnits"] - sub["quantity"]
    new_qty = skus[sku_id]["consumedUnits"] + 1 - extra
    assert new_qty >= 1, "test needs the SKU to come from one subscription mostly"
    store.put("subscription", sub["id"], dict(sub, quantity=new_qty), cid)
    u1 = await _create_user(client, customer, "lic.one")
    u2 = await _create_user(client, customer, "lic.two")
    body = {"licensesToAssign": [{"skuId": sku_id, "excludedPlans": None}], "licensesToRemove": None,
            "licenseWarnings": None, "attributes": {"objectType": "LicenseUpdate"}}
    resp = await client.post(f"/v1/customers/{cid}/users/{u1['id']}/licenseupdates", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["licenseWarnings"] == [] and resp.json()["licensesToAssign"][0]["skuId"] == sku_id
    audits = store.audit_count()
    resp = await client.post(f"/v1/customers/{cid}/users/{u2['id']}/licenseupdates", json=body)
    assert resp.status_code == 400
    err = resp.json()
    assert err["code"] == 60012 and err["data"] and err["description"]
    assert store.audit_count() == audits
    licences = (await client.get(f"/v1/customers/{cid}/users/{u2['id']}/licenses")).json()
    assert licences["items"] == []
    mine = (await client.get(f"/v1/customers/{cid}/users/{u1['id']}/licenses")).json()["items"]
    assert [lic["productSku"]["id"] for lic in mine] == [sku_id]
    assert mine[0]["servicePlans"] and mine[0]["attributes"]["objectType"] == "License"
    state = await _skus(client, cid)
    assert state[sku_id]["availableUnits"] == 0
    # removing from u1 frees the seat for u2
    resp = await client.post(f"/v1/customers/{cid}/users/{u1['id']}/licenseupdates",
                             json={"licensesToRemove": [sku_id]})
    assert resp.status_code == 201
    resp = await client.post(f"/v1/customers/{cid}/users/{u2['id']}/licenseupdates", json=body)
    assert resp.status_code == 201
    ops = [r[1] for r in store.list_audit("0", "9") if r[1]["operationType"] == "update_customer_user_licenses"]
    assert len(ops) == 3 and all(r["resourceType"] == "license" for r in ops)


async def test_deleted_user_frees_its_seat(sandbox, client):
    customer, sub = _licenceseeded_customer(sandbox)
    cid = customer["id"]
    sku_id = license_sku_for(sub)["id"]
    user = await _create_user(client, customer, "seat.holder")
    store = store_of(sandbox)
    skus = await _skus(client, cid)
    if skus[sku_id]["availableUnits"] == 0:
        store.put("subscription", sub["id"], dict(sub, quantity=sub["quantity"] + 1), cid)
    resp = await client.post(f"/v1/customers/{cid}/users/{user['id']}/licenseupdates",
                             json={"licensesToAssign": [{"skuId": sku_id}]})
    assert resp.status_code == 201
    consumed = lambda items: {s["productSku"]["id"]: s for s in items}[sku_id]["consumedUnits"]  # noqa: E731
    before = consumed((await client.get(f"/v1/customers/{cid}/subscribedskus")).json()["items"])
    assert (await client.delete(f"/v1/customers/{cid}/users/{user['id']}")).status_code == 204
    after = consumed((await client.get(f"/v1/customers/{cid}/subscribedskus")).json()["items"])
    assert after == before - 1


@pytest.mark.parametrize("body, code", [
    ({}, 800002),
    ({"licensesToAssign": [], "licensesToRemove": []}, 800002),
    ({"licensesToAssign": [{"excludedPlans": []}]}, 800002),
    ({"licensesToAssign": "sku"}, 800002),
    ({"licensesToAssign": [{"skuId": "00000000-0000-0000-0000-000000000001"}]}, 3000),
    ({"licensesToRemove": ["00000000-0000-0000-0000-000000000001"]}, 3000),
])
async def test_license_update_validation(sandbox, client, body, code):
    customer, _ = _licenceseeded_customer(sandbox)
    user = await _create_user(client, customer, "lic.bad")
    audits = store_of(sandbox).audit_count()
    resp = await client.post(f"/v1/customers/{customer['id']}/users/{user['id']}/licenseupdates", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == code
    assert store_of(sandbox).audit_count() == audits


async def test_license_update_unknown_user_and_excluded_plans(sandbox, client):
    customer, sub = _licenceseeded_customer(sandbox)
    cid = customer["id"]
    sku_id = license_sku_for(sub)["id"]
    resp = await client.post(f"/v1/customers/{cid}/users/{uuid.uuid4()}/licenseupdates",
                             json={"licensesToAssign": [{"skuId": sku_id}]})
    assert resp.status_code == 404 and resp.json()["code"] == 60002
    user = await _create_user(client, customer, "plan.picker")
    resp = await client.post(f"/v1/customers/{cid}/users/{user['id']}/licenseupdates",
                             json={"licensesToAssign": [{"skuId": sku_id, "excludedPlans": ["not-a-plan"]}]})
    assert resp.status_code == 400 and resp.json()["code"] == 3000
