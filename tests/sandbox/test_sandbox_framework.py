"""Transport behaviour shared by every resource: auth, headers, error shapes, body parsing."""

from __future__ import annotations

import json

import httpx
from aiohttp import web
from sandbox_helpers import AUTH, audit_count, customer_by_name, new_customer_body, subscriptions_of

from sandbox.app import create_app
from sandbox.config import SandboxConfig


async def test_missing_token_is_401_shape_a(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/v1/customers")
    assert r.status_code == 401
    body = r.json()
    assert body["code"] == 800001 and body["description"] and "source" in body
    assert r.headers["WWW-Authenticate"].startswith("OAuth realm=urn:cpsvc:cpid:")


async def test_wrong_token_is_401_access_denied(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/v1/customers", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["code"] == 400
    r = await anon.get("/v1/customers", headers={"Authorization": "Basic c2FuZGJveA=="})
    assert r.status_code == 401


async def test_unknown_route_is_404_shape_c(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/definitely/not/here")
    assert r.status_code == 404
    assert r.json() == {"statusCode": 404, "message": "Resource not found"}


async def test_wrong_method_is_405_shape_c(client: httpx.AsyncClient) -> None:
    r = await client.request("DELETE", "/v1/products")
    assert r.status_code == 405 and r.json()["statusCode"] == 405


async def test_correlation_and_request_ids_are_echoed_or_generated(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/customers?size=1", headers={"MS-CorrelationId": "corr-1", "MS-RequestId": "req-1"})
    assert r.headers["MS-CorrelationId"] == "corr-1" and r.headers["MS-RequestId"] == "req-1"
    assert r.headers["MS-CV"].endswith(".0")
    assert r.headers["Content-Type"].startswith("application/json")
    r = await client.get("/v1/customers?size=1")
    assert len(r.headers["MS-CorrelationId"]) == 36 and len(r.headers["MS-RequestId"]) == 36


async def test_token_endpoint_issues_app_only_tokens(anon: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    form = {"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret",
            "scope": "https://api.partnercenter.microsoft.com/.default"}
    r = await anon.post("/partner.onmicrosoft.com/oauth2/v2.0/token", data=form)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer" and r.json()["expires_in"] > 0
    app_auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await anon.get("/v1/customers?size=1", headers=app_auth)).status_code == 200
    cid = (await customer_by_name(client, "Fabrikam Inc"))["id"]
    r = await anon.get(f"/v1/customers/{cid}/profiles/company", headers=app_auth)
    assert r.status_code == 403 and r.json()["code"] == 900329
    # the same operation works with the App+User dev token
    assert (await client.get(f"/v1/customers/{cid}/profiles/company")).status_code == 200


async def test_token_endpoint_rejects_bad_client_and_grant(anon: httpx.AsyncClient) -> None:
    bad = {"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "wrong"}
    r = await anon.post("/t/oauth2/v2.0/token", data=bad)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert "wrong" not in r.text
    r = await anon.post("/t/oauth2/v2.0/token", data={**bad, "client_secret": "sandbox-secret", "grant_type": "x"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    refresh = {"grant_type": "refresh_token", "refresh_token": "rt", "client_id": "sandbox-client",
               "client_secret": "sandbox-secret"}
    r = await anon.post("/t/oauth2/v2.0/token", data=refresh)
    assert r.status_code == 200 and r.json()["scope"] == "user_impersonation"


async def test_malformed_json_is_400_and_changes_nothing(client: httpx.AsyncClient) -> None:
    before = await audit_count(client)
    r = await client.post("/v1/customers", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == 800002
    r = await client.post("/v1/customers", json=[1, 2, 3])
    assert r.status_code == 400 and r.json()["code"] == 800002
    assert await audit_count(client) == before


async def test_oversized_body_is_400(client: httpx.AsyncClient) -> None:
    big = json.dumps({"companyProfile": {"domain": "x" * (1024 * 1024 + 10)}})
    r = await client.post("/v1/customers", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == 800002


async def test_request_bodies_match_case_insensitively(client: httpx.AsyncClient) -> None:
    body = new_customer_body("casetest1")
    pascal = {"CompanyProfile": {"Domain": body["companyProfile"]["domain"]},
              "BILLINGPROFILE": {k[:1].upper() + k[1:]: v for k, v in body["billingProfile"].items()}}
    r = await client.post("/v1/customers", json=pascal)
    assert r.status_code == 201, r.text
    assert r.json()["billingProfile"]["email"] == "billing@casetest1.example"


async def test_wrong_types_and_enum_values_are_400_never_500(client: httpx.AsyncClient) -> None:
    cust = await customer_by_name(client, "Fabrikam Inc")
    cid = cust["id"]
    subs = await subscriptions_of(client, cid)
    sub = next(s for s in subs if s["offerName"] == "Microsoft 365 Business Premium")
    before_audit = await audit_count(client)
    bad_patches = [{"quantity": "many"}, {"quantity": True}, {"quantity": 1.5}, {"status": "sleeping"},
                   {"autoRenewEnabled": "maybe"}, {"friendlyName": 42}, {"quantity": None, "status": 99},
                   {"quantity": 10**12}]
    for patch in bad_patches:
        r = await client.patch(f"/v1/customers/{cid}/subscriptions/{sub['id']}", json=patch)
        assert r.status_code == 400, (patch, r.text)
        assert isinstance(r.json()["code"], int)
    bad_carts = [{}, {"lineItems": "x"}, {"lineItems": [1]}, {"lineItems": [{"quantity": 1}]},
                 {"lineItems": [{"catalogItemId": "A:B:C", "quantity": "x"}]},
                 {"lineItems": [{"catalogItemId": "A:B:C", "quantity": 1, "billingCycle": "weekly"}]},
                 {"lineItems": [{"catalogItemId": "A:B:C", "quantity": 1, "provisioningContext": [1]}]}]
    for cart in bad_carts:
        r = await client.post(f"/v1/customers/{cid}/carts", json=cart)
        assert r.status_code == 400, (cart, r.text)
    bad_queries = ["/v1/customers?size=abc", "/v1/customers?size=-1", "/v1/customers?filter=%7Bbad",
                   "/v1/customers?filter=%5B%5D", "/v1/auditrecords?startDate=yesterday",
                   "/v1/offers?offset=-3", "/v1/products?country=USA"]
    for url in bad_queries:
        r = await client.get(url)
        assert r.status_code == 400, (url, r.text)
    assert await subscriptions_of(client, cid) == subs
    assert await audit_count(client) == before_audit


async def test_unexpected_exception_is_500_shape_a_with_correlation_id() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    app = create_app(SandboxConfig(customers=0))

    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals")

    app.router.add_get("/v1/boom", boom)
    async with TestClient(TestServer(app, host="127.0.0.1")) as tc:
        r = await tc.get("/v1/boom", headers={**AUTH, "MS-CorrelationId": "c-500"})
        assert r.status == 500
        body = await r.json()
        assert body["code"] == 500 and "c-500" in body["description"] and "secret" not in body["description"]
