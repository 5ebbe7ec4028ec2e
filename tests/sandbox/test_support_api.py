"""Service requests over real HTTP: lists (partner-wide, status filter, per customer, offset paging), get,
create (agentLocale, required fields), update (note, close, reopen), topics, errors and audit records."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import httpx
import pytest
from sandbox_helpers import store_of

from sandbox.config import SandboxConfig

APP_ONLY = {"Authorization": "Bearer app-only-support"}
CONTACT = {"firstName": "Ops", "lastName": "Admin", "email": "ops@partner.example", "phoneNumber": "4255550101"}


def _new_sr(**changes) -> dict:
    body = {"title": "Cannot assign licences", "description": "Assignment fails for new users.",
            "severity": "moderate", "supportTopicId": "32444672", "primaryContact": dict(CONTACT),
            "attributes": {"objectType": "ServiceRequest"}}
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(port=0, customers=20, seed=9, app_only_tokens=("app-only-support",))


def _stored(sandbox) -> list[dict]:
    return [d.body for d in store_of(sandbox).list("service_request", "")]


async def _all(client, url: str) -> list[dict]:
    resp = await client.get(url)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    items = list(page["items"])
    while "next" in page["links"]:
        resp = await client.get("/v1" + page["links"]["next"]["uri"])
        assert resp.status_code == 200, resp.text
        page = resp.json()
        items += page["items"]
    return items


async def test_partner_list_pages_and_status_filter(sandbox, client):
    stored = _stored(sandbox)
    assert {s["status"] for s in stored} >= {"open", "closed"}
    items = await _all(client, "/v1/servicerequests?size=2")
    assert len(items) == len(stored) and len({i["id"] for i in items}) == len(stored)
    assert [i["createdDate"] for i in items] == sorted((i["createdDate"] for i in items), reverse=True)
    assert all(not any(k.startswith("_") for k in i) for i in items)
    for status in ("open", "closed", "attention_needed"):
        flt = quote(json.dumps({"Field": "Status", "Value": status, "Operator": "equals"}))
        got = await _all(client, f"/v1/servicerequests?size=2&filter={flt}")
        assert {i["id"] for i in got} == {s["id"] for s in stored if s["status"] == status}
    for bad in ["{x", json.dumps({"Field": "Title", "Value": "a", "Operator": "equals"}),
                json.dumps({"Field": "Status", "Value": "sleeping", "Operator": "equals"}),
                json.dumps({"Field": "Status", "Value": "open", "Operator": "substring"})]:
        resp = await client.get("/v1/servicerequests", params={"filter": bad})
        assert resp.status_code == 400 and resp.json()["code"] == 800002, bad


async def test_customer_list_and_get(sandbox, client):
    stored = _stored(sandbox)
    with_customer = next(s for s in stored if s["_customerId"])
    cid = with_customer["_customerId"]
    items = await _all(client, f"/v1/customers/{cid}/servicerequests?size=1")
    assert {i["id"] for i in items} == {s["id"] for s in stored if s["_customerId"] == cid}
    sr_id = with_customer["id"]
    for url in (f"/v1/servicerequests/{sr_id}", f"/v1/customers/{cid}/servicerequests/{sr_id}"):
        resp = await client.get(url)
        assert resp.status_code == 200
        body = resp.json()
        assert body["id"] == sr_id and body["attributes"]["objectType"] == "ServiceRequest"
        assert isinstance(body["notes"], list) and body["supportTopicName"]
    other = next(c.id for c in store_of(sandbox).list("customer", "") if c.id != cid)
    resp = await client.get(f"/v1/customers/{other}/servicerequests/{sr_id}")
    assert resp.status_code == 404 and resp.json()["code"] == 1000
    resp = await client.get("/v1/servicerequests/123456789012345")
    assert resp.status_code == 404 and resp.json()["code"] == 1000
    resp = await client.get(f"/v1/customers/{uuid.uuid4()}/servicerequests")
    assert resp.status_code == 404 and resp.json()["code"] == 60003


async def test_support_topics(client):
    resp = await client.get("/v1/servicerequests/supporttopics")
    assert resp.status_code == 200
    topics = resp.json()["items"]
    assert len(topics) >= 5 and all(isinstance(t["id"], int) and t["name"] for t in topics)
    assert all(t["attributes"]["objectType"] == "SupportTopic" for t in topics)


async def test_create_update_close_reopen(sandbox, client):
    audits = store_of(sandbox).audit_count()
    resp = await client.post("/v1/servicerequests/en-GB", json=_new_sr())
    assert resp.status_code == 201, resp.text
    sr = resp.json()
    assert sr["status"] == "open" and sr["id"].isdigit() and len(sr["id"]) == 15
    assert sr["lastClosedDate"] == "0001-01-01T00:00:00" and sr["countryCode"] == "GB"
    assert sr["primaryContact"]["email"] == CONTACT["email"] and sr["organization"]["id"]
    assert sr["supportTopicName"] == "Licensing and subscriptions"
    assert (await client.get(f"/v1/servicerequests/{sr['id']}")).json()["title"] == sr["title"]
    note = {"newNote": {"text": "Logs attached."}, "attributes": {"objectType": "ServiceRequest"}}
    resp = await client.patch(f"/v1/servicerequests/{sr['id']}", json=note)
    assert resp.status_code == 200, resp.text
    noted = resp.json()
    assert [n["text"] for n in noted["notes"]] == ["Logs attached."]
    assert noted["lastModifiedDate"] >= sr["lastModifiedDate"]
    resp = await client.patch(f"/v1/servicerequests/{sr['id']}", json={"status": "Closed"})
    closed = resp.json()
    assert resp.status_code == 200 and closed["status"] == "closed"
    assert closed["lastClosedDate"] != "0001-01-01T00:00:00"
    resp = await client.patch(f"/v1/servicerequests/{sr['id']}", json={"newNote": {"text": "more"}})
    assert resp.status_code == 400 and resp.json()["code"] == 3000  # closed: reopen first
    resp = await client.patch(f"/v1/servicerequests/{sr['id']}", json={"status": "open", "newNote": {"text": "again"}})
    assert resp.status_code == 200 and resp.json()["status"] == "open" and len(resp.json()["notes"]) == 2
    # sending back the whole resource with one change works (unchanged fields are ignored)
    full = dict(resp.json(), severity="critical")
    resp = await client.patch(f"/v1/servicerequests/{sr['id']}", json=full)
    assert resp.status_code == 200 and resp.json()["severity"] == "critical"
    records = [r[1] for r in store_of(sandbox).list_audit("0", "9")]
    ops = [r["operationType"] for r in records]
    assert store_of(sandbox).audit_count() == audits + 5
    assert ops[-5:] == ["create_service_request"] + ["update_service_request"] * 4
    listed = await _all(client, "/v1/servicerequests?size=50")
    assert sr["id"] in {i["id"] for i in listed}


async def test_create_for_customer_and_customer_path_update(sandbox, client):
    cid = store_of(sandbox).list("customer", "")[0].id
    resp = await client.post("/v1/servicerequests/en-US", json=_new_sr(customerId=cid))
    assert resp.status_code == 201
    sr = resp.json()
    assert sr["id"] in {i["id"] for i in await _all(client, f"/v1/customers/{cid}/servicerequests")}
    resp = await client.patch(f"/v1/customers/{cid}/servicerequests/{sr['id']}", json={"status": "closed"})
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    assert store_of(sandbox).list_audit("0", "9")[-1][1]["customerId"] == cid
    resp = await client.post("/v1/servicerequests/en-US", json=_new_sr(customerId=str(uuid.uuid4())))
    assert resp.status_code == 404 and resp.json()["code"] == 60003


@pytest.mark.parametrize("changes, code", [
    ({"title": None}, 800002),
    ({"title": "   "}, 800002),
    ({"description": None}, 800002),
    ({"severity": None}, 800002),
    ({"severity": "apocalyptic"}, 800002),
    ({"severity": "unknown"}, 3000),
    ({"supportTopicId": None}, 800002),
    ({"supportTopicId": "999"}, 3000),
    ({"primaryContact": {"firstName": "A", "lastName": "B"}}, 800002),
    ({"primaryContact": {"firstName": "A", "lastName": "B", "email": "not-an-email"}}, 3000),
    ({"title": "x" * 300}, 800002),
])
async def test_create_validation(sandbox, client, changes, code):
    before = len(_stored(sandbox))
    audits = store_of(sandbox).audit_count()
    resp = await client.post("/v1/servicerequests/en-US", json=_new_sr(**changes))
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == code and resp.json()["description"]
    assert len(_stored(sandbox)) == before and store_of(sandbox).audit_count() == audits


async def test_bad_locale_body_and_update_errors(sandbox, client):
    assert (await client.post("/v1/servicerequests/not_a_locale!", json=_new_sr())).status_code in (400, 404)
    resp = await client.post("/v1/servicerequests/en-US", json=["not", "an", "object"])
    assert resp.status_code == 400 and resp.json()["code"] == 800002
    sr = (await client.post("/v1/servicerequests/en-US", json=_new_sr())).json()
    url = f"/v1/servicerequests/{sr['id']}"
    for body, code in [({}, 800002), ({"newNote": {"text": ""}}, 800002), ({"status": "attention_needed"}, 3000),
                       ({"status": "asleep"}, 800002), ({"title": "renamed"}, 3000), ({"newNote": {}}, 800002)]:
        resp = await client.patch(url, json=body)
        assert resp.status_code == 400, body
        assert resp.json()["code"] == code, body
    assert (await client.get(url)).json()["notes"] == []
    resp = await client.patch("/v1/servicerequests/111111111111111", json={"status": "closed"})
    assert resp.status_code == 404 and resp.json()["code"] == 1000


async def test_create_is_deduplicated_by_request_id(sandbox, client):
    rid = str(uuid.uuid4())
    first = await client.post("/v1/servicerequests/en-US", json=_new_sr(), headers={"MS-RequestId": rid})
    again = await client.post("/v1/servicerequests/en-US", json=_new_sr(), headers={"MS-RequestId": rid})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert sum(1 for s in _stored(sandbox) if s["id"] == first.json()["id"]) == 1


async def test_app_only_refused(sandbox):
    async with httpx.AsyncClient(base_url=sandbox.url, headers=APP_ONLY) as c:
        resp = await c.get("/v1/servicerequests")
        assert resp.status_code == 403 and resp.json()["code"] == 900329
        resp = await c.post("/v1/servicerequests/en-US", json=_new_sr())
        assert resp.status_code == 403


async def test_seeded_requests_are_varied(sandbox):
    stored = _stored(sandbox)
    assert {s["status"] for s in stored} == {"open", "closed", "attention_needed"}
    assert any(s["_customerId"] for s in stored) and any(not s["_customerId"] for s in stored)
    assert any(s["notes"] for s in stored)
    for s in stored:
        assert (s["lastClosedDate"] != "0001-01-01T00:00:00") == (s["status"] == "closed")
        assert all(n["createdDate"] >= s["createdDate"] for n in s["notes"])


async def test_create_without_contact_uses_the_signed_in_partner_user(sandbox, client):
    body = _new_sr()
    body.pop("primaryContact")
    resp = await client.post("/v1/servicerequests/en-US", json=body)
    assert resp.status_code == 201, resp.text
    contact = resp.json()["primaryContact"]
    assert contact["email"] and contact["organization"]["id"]
