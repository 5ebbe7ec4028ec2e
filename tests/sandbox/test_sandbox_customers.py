"""Customers: seek paging with MS-ContinuationToken, filter, get, create (validation, dedupe, conflicts,
sandbox cap), delete, billing profile etags, domain availability."""

from __future__ import annotations

import json

import httpx
import pytest
from sandbox_helpers import audit_count, customer_by_name, new_customer_body

from sandbox.config import SandboxConfig


async def _all_pages(client: httpx.AsyncClient, size: int, flt: dict | None = None) -> tuple[list[dict], int]:
    params: dict = {"size": size}
    if flt:
        params["filter"] = json.dumps(flt)
    r = await client.get("/v1/customers", params=params)
    pages, items = 1, []
    while True:
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["attributes"]["objectType"] == "Collection"
        assert page["totalCount"] == len(page["items"]) <= size
        items += page["items"]
        nxt = page["links"].get("next")
        if nxt is None:
            assert "continuationToken" not in page
            return items, pages
        assert nxt["uri"].startswith("/v1/customers?") and "seekOperation=Next" in nxt["uri"]
        header = nxt["headers"][0]
        assert header["key"] == "MS-ContinuationToken" and header["value"] == page["continuationToken"]
        r = await client.get(nxt["uri"], headers={header["key"]: header["value"]})
        pages += 1


async def test_paging_walks_every_customer_once(client: httpx.AsyncClient) -> None:
    items, pages = await _all_pages(client, 7)
    assert len(items) == 40 and pages == 6
    assert len({c["id"] for c in items}) == 40
    assert "billingProfile" not in items[0] and items[0]["relationshipToPartner"] == "reseller"


async def test_page_size_default_cap_and_boundary(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/customers", params={"size": 0})
    assert r.json()["totalCount"] == 40 and "next" not in r.json()["links"]
    r = await client.get("/v1/customers", params={"size": 100000})
    assert r.json()["totalCount"] == 40
    items, pages = await _all_pages(client, 40)  # exactly one full page: no next link
    assert len(items) == 40 and pages == 1
    items, pages = await _all_pages(client, 39)
    assert len(items) == 40 and pages == 2


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(port=0, customers=620, seed=3)])
async def test_size_is_capped_at_500(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/customers", params={"size": 1000})
    assert r.json()["totalCount"] == 500 and "next" in r.json()["links"]
    items, pages = await _all_pages(client, 1000)
    assert len(items) == 620 and pages == 2


async def test_continuation_requires_a_valid_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/customers?size=5&seekOperation=Next")
    assert r.status_code == 400 and r.json()["code"] == 800002
    r = await client.get("/v1/customers?size=5&seekOperation=Next", headers={"MS-ContinuationToken": "garbage"})
    assert r.status_code == 400
    first = (await client.get("/v1/customers?size=5")).json()
    token = first["continuationToken"]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    r = await client.get("/v1/customers?size=5&seekOperation=Next", headers={"MS-ContinuationToken": tampered})
    assert r.status_code == 400
    r = await client.get("/v1/customers?size=5&seekOperation=Previous", headers={"MS-ContinuationToken": token})
    assert r.status_code == 400


async def test_filter_starts_with_is_case_insensitive(client: httpx.AsyncClient) -> None:
    items, pages = await _all_pages(client, 1, {"Field": "CompanyName", "Value": "CONTOSO", "Operator": "starts_with"})
    names = sorted(c["companyProfile"]["companyName"] for c in items)
    assert names == ["Contoso Electronics", "Contoso Ltd", "Contoso Pharma"] and pages == 3
    items, _ = await _all_pages(client, 10, {"field": "domain", "value": "Fabrikam", "operator": "StartsWith"})
    assert [c["companyProfile"]["domain"] for c in items] == ["fabrikam.onmicrosoft.com"]
    items, _ = await _all_pages(client, 10, {"Field": "CompanyName", "Value": "zzz", "Operator": "starts_with"})
    assert items == []


@pytest.mark.parametrize("flt", [
    {"Field": "CompanyName", "Value": "a", "Operator": "equals"},
    {"Field": "Country", "Value": "a", "Operator": "starts_with"},
    {"Field": "CompanyName", "Value": "", "Operator": "starts_with"},
    {"Field": "CompanyName", "Operator": "starts_with"},
])
async def test_bad_filters_are_400(client: httpx.AsyncClient, flt: dict) -> None:
    r = await client.get("/v1/customers", params={"filter": json.dumps(flt)})
    assert r.status_code == 400 and r.json()["code"] == 800002


async def test_get_customer_and_unknown_id(client: httpx.AsyncClient) -> None:
    summary = await customer_by_name(client, "Northwind Traders")
    r = await client.get(f"/v1/customers/{summary['id']}")
    full = r.json()
    assert r.status_code == 200 and full["billingProfile"]["attributes"]["objectType"] == "CustomerBillingProfile"
    assert full["allowDelegatedAccess"] is True and full["companyProfile"]["tenantId"] == summary["id"]
    assert not any(k.startswith("_") for k in full)
    r = await client.get("/v1/customers/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and r.json()["code"] == 60003


async def test_create_customer_dedupes_on_request_id_and_rejects_taken_domain(client: httpx.AsyncClient) -> None:
    body = new_customer_body("newco42")
    r1 = await client.post("/v1/customers", json=body, headers={"MS-RequestId": "create-newco42"})
    assert r1.status_code == 201, r1.text
    created = r1.json()
    assert created["relationshipToPartner"] == "none" and created["userCredentials"]["userName"]
    assert created["companyProfile"]["domain"] == "newco42.onmicrosoft.com"
    r2 = await client.post("/v1/customers", json=body, headers={"MS-RequestId": "create-newco42"})
    assert r2.status_code == 201 and r2.json()["id"] == created["id"]
    r3 = await client.post("/v1/customers", json=body, headers={"MS-RequestId": "create-newco42-again"})
    assert r3.status_code == 409 and r3.json()["code"] == 600006
    items, _ = await _all_pages(client, 100)
    assert len(items) == 41
    assert (await client.get(f"/v1/customers/{created['id']}")).json()["relationshipToPartner"] == "reseller"
    r = await client.head("/v1/domains/newco42.onmicrosoft.com")
    assert r.status_code == 200
    assert (await client.head("/v1/domains/unusedprefix99")).status_code == 404


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda b: b["billingProfile"].pop("email"), 800002),
    (lambda b: b["billingProfile"].__setitem__("email", "not-an-email"), 800002),
    (lambda b: b["billingProfile"].pop("culture"), 800002),
    (lambda b: b["billingProfile"]["defaultAddress"].__setitem__("country", "USA"), 800002),
    (lambda b: b["billingProfile"]["defaultAddress"].__setitem__("addressLine1", "x" * 201), 800002),
    (lambda b: b["billingProfile"]["defaultAddress"].__setitem__("state", "WAS"), 800002),
    (lambda b: b["billingProfile"]["defaultAddress"].__setitem__("firstName", "x" * 51), 800002),
    (lambda b: b["companyProfile"].__setitem__("domain", "bad domain!"), 800002),
    (lambda b: b.pop("companyProfile"), 800002),
    (lambda b: b["billingProfile"]["defaultAddress"].__setitem__("country", "PL"), 600049),
    (lambda b: (b["billingProfile"]["defaultAddress"].__setitem__("country", "PL"),
                b["companyProfile"].__setitem__("organizationRegistrationNumber", "12345")), 600051),
    (lambda b: (b["billingProfile"]["defaultAddress"].__setitem__("country", "PL"),
                b["companyProfile"].__setitem__("organizationRegistrationNumber", "$$$")), 600050),
    (lambda b: b["companyProfile"].__setitem__("organizationRegistrationNumber", "12345"), 600002),
])
async def test_create_customer_validation(client: httpx.AsyncClient, mutate, code: int) -> None:
    body = new_customer_body("validation1")
    mutate(body)
    before = await audit_count(client)
    r = await client.post("/v1/customers", json=body)
    assert r.status_code == 400 and r.json()["code"] == code, r.text
    assert await audit_count(client) == before


async def test_registration_number_country_accepts_complete_data(client: httpx.AsyncClient) -> None:
    body = new_customer_body("polskaco")
    body["billingProfile"]["defaultAddress"].update({"country": "PL", "phoneNumber": "+48221234567", "state": None})
    body["companyProfile"]["organizationRegistrationNumber"] = "PL1234567"
    r = await client.post("/v1/customers", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["companyProfile"]["organizationRegistrationNumber"] == "PL1234567"


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(port=0, customers=74, seed=5)])
async def test_sandbox_customer_cap(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/customers", json=new_customer_body("capone"))).status_code == 201
    r = await client.post("/v1/customers", json=new_customer_body("captwo"))
    assert r.status_code == 400 and r.json() == {"code": 800018, "description": "The sandbox limit has been met.",
                                                "data": [], "source": "PartnerFD"}


async def test_delete_customer_removes_it_and_its_resources(client: httpx.AsyncClient) -> None:
    cust = await customer_by_name(client, "Wingtip Toys")
    cid = cust["id"]
    assert (await client.get(f"/v1/customers/{cid}/subscriptions")).json()["totalCount"] > 0
    r = await client.delete(f"/v1/customers/{cid}")
    assert r.status_code == 204
    assert (await client.get(f"/v1/customers/{cid}")).json()["code"] == 60003
    assert (await client.get(f"/v1/customers/{cid}/subscriptions")).status_code == 404
    assert (await client.delete(f"/v1/customers/{cid}")).status_code == 404


async def test_billing_profile_etag_flow(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Litware Inc"))["id"]
    r = await client.get(f"/v1/customers/{cid}/profiles/billing")
    profile = r.json()
    etag = profile["attributes"]["etag"]
    changed = {**profile, "email": "ap@litware.example"}
    r = await client.put(f"/v1/customers/{cid}/profiles/billing", json=changed)
    assert r.status_code == 412
    r = await client.put(f"/v1/customers/{cid}/profiles/billing", json=changed, headers={"If-Match": '"1"'})
    assert r.status_code == 400 and r.json()["code"] == 2055
    r = await client.put(f"/v1/customers/{cid}/profiles/billing", json=changed, headers={"If-Match": f'"{etag}"'})
    assert r.status_code == 200 and r.json()["email"] == "ap@litware.example"
    new_etag = r.json()["attributes"]["etag"]
    assert new_etag != etag
    r = await client.put(f"/v1/customers/{cid}/profiles/billing", json=changed, headers={"If-Match": f'"{etag}"'})
    assert r.status_code == 400 and r.json()["code"] == 2055
    assert (await client.get(f"/v1/customers/{cid}")).json()["billingProfile"]["email"] == "ap@litware.example"
    bad = {**profile, "email": "nope"}
    r = await client.put(f"/v1/customers/{cid}/profiles/billing", json=bad, headers={"If-Match": new_etag})
    assert r.status_code == 400 and r.json()["code"] == 800002


async def test_company_profile_and_custom_domains(client: httpx.AsyncClient) -> None:
    cid = (await customer_by_name(client, "Contoso Pharma"))["id"]
    r = await client.get(f"/v1/customers/{cid}/profiles/company")
    assert r.json()["companyName"] == "Contoso Pharma" and r.json()["domain"] == "contosopharma.onmicrosoft.com"
    r = await client.get(f"/v1/customers/{cid}/customDomains")
    assert r.json() == ["contosopharma.onmicrosoft.com"]
