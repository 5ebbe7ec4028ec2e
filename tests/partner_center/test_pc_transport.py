"""Pipeline behaviour over real HTTP on 127.0.0.1: headers, request ids, retries, errors, secrecy."""

import logging
import uuid

import pytest
from pc_fake_service import DROP, FakeService, RecordingSleep, Reply, Token, make_client

from partner_center import PartnerCenterClient, RateLimiter, RetryPolicy, errors

CID = "5a0c1f0e-0000-4000-8000-000000000001"
SUB = {"id": "s1", "quantity": 3, "status": "active"}


def _cust_path(*rest: str) -> str:
    return "/".join([f"/v1/customers/{CID}", *rest])


async def test_every_request_carries_the_documented_headers():
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(200, {"id": CID}))
        svc.add("POST", "/v1/customers", Reply(201, {"id": CID}))
        async with make_client(svc, locale="de-DE", application="PartnerBot-Test", correlation_id="corr-1") as c:
            await c.customers.get(CID)
            await c.customers.create({"company_profile": {"domain": "x.onmicrosoft.com"}})
    get, post = svc.requests
    assert get.headers["Authorization"] == "Bearer test-token-abc123"
    assert get.headers["Accept"] == "application/json"
    assert get.headers["X-Locale"] == "de-DE"
    assert get.headers["MS-PartnerCenter-Application"] == "PartnerBot-Test"
    assert get.headers["MS-CorrelationId"] == "corr-1"
    uuid.UUID(get.headers["MS-RequestId"])
    assert "Content-Type" not in get.headers
    assert post.headers["Content-Type"] == "application/json"
    assert post.body == {"companyProfile": {"domain": "x.onmicrosoft.com"}}  # camelCase on the wire
    assert get.headers["MS-RequestId"] != post.headers["MS-RequestId"]


async def test_request_id_reused_across_retries_and_new_per_call():
    sleep = RecordingSleep()
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(503), Reply(500, {"code": 1, "description": "boom"}),
                Reply(200, {"id": CID}))
        svc.add("GET", _cust_path(), Reply(200, {"id": CID}))
        async with make_client(svc, sleep=sleep) as client:
            await client.customers.get(CID)
            await client.customers.get(CID)
    ids = [r.headers["MS-RequestId"] for r in svc.requests]
    assert len(ids) == 4
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] != ids[0]
    # equal jitter with random()=0.5 -> 75 % of the exponential ceiling (0.5 s, then 1.0 s)
    assert sleep.delays == [0.375, 0.75]


async def test_caller_supplied_request_id_is_sent_and_kept_on_retry():
    async with FakeService() as svc:
        svc.add("POST", _cust_path("carts", "k1", "checkout"), DROP, Reply(201, {"orders": [], "orderErrors": []}))
        async with make_client(svc) as client:
            await client.carts.checkout(CID, "k1", request_id="approval-42")
    assert [r.headers["MS-RequestId"] for r in svc.requests] == ["approval-42", "approval-42"]


async def test_429_honours_retry_after():
    sleep = RecordingSleep()
    async with FakeService() as svc:
        svc.add("GET", _cust_path("subscriptions", "s1"),
                Reply(429, {"statusCode": 429, "message": "Rate limit is exceeded."}, {"Retry-After": "7"}),
                Reply(200, SUB))
        async with make_client(svc, sleep=sleep) as client:
            sub = await client.subscriptions.get(CID, "s1")
    assert sub.quantity == 3
    assert sleep.delays == [7.0]


async def test_429_with_too_long_retry_after_raises_throttled():
    sleep = RecordingSleep()
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(429, {"statusCode": 429, "message": "Try again in 600 seconds."},
                                           {"Retry-After": "600", "MS-CorrelationId": "srv-corr"}))
        async with make_client(svc, sleep=sleep) as client:
            with pytest.raises(errors.ThrottledError) as info:
                await client.customers.get(CID)
    assert info.value.retry_after == 600 and info.value.correlation_id == "srv-corr"
    assert sleep.delays == [] and len(svc.requests) == 1


async def test_5xx_backoff_is_exponential_capped_and_bounded_by_attempts():
    sleep = RecordingSleep()
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=3.0, total_budget=100, sleep=sleep,
                         random=lambda: 1.0)
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), *[Reply(502)] * 10)
        async with make_client(svc, retry=policy) as client:
            with pytest.raises(errors.ServerError) as info:
                await client.customers.get(CID)
    assert info.value.status == 502
    assert len(svc.requests) == 5
    assert sleep.delays == [1.0, 2.0, 3.0, 3.0]


async def test_total_budget_stops_retries_early():
    sleep = RecordingSleep()
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=8.0, total_budget=3.5, sleep=sleep,
                         random=lambda: 1.0)
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), *[Reply(503)] * 10)
        async with make_client(svc, retry=policy) as client:
            with pytest.raises(errors.ServerError):
                await client.customers.get(CID)
    assert sleep.delays == [1.0, 2.0]  # the next wait (4 s) would exceed the 3.5 s budget
    assert sum(sleep.delays) <= 3.5 and len(svc.requests) == 3


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, errors.BadRequestError), (401, errors.AuthenticationError), (403, errors.PermissionDeniedError),
     (404, errors.NotFoundError), (409, errors.ConflictError), (412, errors.PreconditionFailedError),
     (417, errors.PreconditionFailedError), (501, errors.ServerError)],
)
async def test_no_retry_on_client_errors(status, cls):
    sleep = RecordingSleep()
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(status, {"code": 20002, "description": "No relationship."}),
                Reply(200, {"id": CID}))
        async with make_client(svc, sleep=sleep) as client:
            with pytest.raises(cls) as info:
                await client.customers.get(CID)
    assert info.value.status == status and info.value.code == 20002
    assert len(svc.requests) == 1 and sleep.delays == []


@pytest.mark.parametrize(
    "body",
    [
        {"code": 20003, "description": "Subscription with ID s9 not found", "data": [], "source": "PartnerFD"},
        {"code": 20003, "message": "Subscription with ID s9 not found",
         "description": "Subscription with ID s9 not found", "errorName": "SubscriptionNotFound",
         "isRetryable": False, "parameters": {}},
        {"statusCode": 404, "message": "Subscription with ID s9 not found"},
    ],
    ids=["shape-a", "shape-b", "shape-c"],
)
async def test_error_shapes_parsed_with_ids_from_response(body):
    async with FakeService() as svc:
        svc.add("GET", _cust_path("subscriptions", "s9"),
                Reply(404, body, {"MS-CorrelationId": "resp-corr", "MS-RequestId": "resp-req"}))
        async with make_client(svc) as client:
            with pytest.raises(errors.NotFoundError) as info:
                await client.subscriptions.get(CID, "s9")
    err = info.value
    assert err.description == "Subscription with ID s9 not found"
    assert (err.correlation_id, err.request_id) == ("resp-corr", "resp-req")
    assert "resp-corr" in str(err)
    if "errorName" in body:
        assert err.error_name == "SubscriptionNotFound"


async def test_error_without_echoed_ids_uses_the_sent_ones():
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(404, raw=b"Not Found"))
        async with make_client(svc, correlation_id="my-corr") as client:
            with pytest.raises(errors.NotFoundError) as info:
                await client.customers.get(CID, correlation_id="call-corr")
    assert info.value.correlation_id == "call-corr"
    assert info.value.request_id == svc.requests[0].headers["MS-RequestId"]
    assert svc.requests[0].headers["MS-CorrelationId"] == "call-corr"


async def test_transport_failures_are_retried_then_reported_as_unreachable():
    sleep = RecordingSleep()
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), DROP, DROP, DROP, DROP)
        async with make_client(svc, sleep=sleep) as client:
            with pytest.raises(errors.ServiceUnreachableError) as info:
                await client.customers.get(CID)
    assert len(svc.requests) == 4 and len(sleep.delays) == 3
    assert len({r.headers["MS-RequestId"] for r in svc.requests}) == 1
    assert info.value.status is None and info.value.plain()


async def test_non_json_success_body_is_a_decode_error():
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(200, raw=b"<html>hello</html>"))
        async with make_client(svc) as client:
            with pytest.raises(errors.ResponseDecodeError):
                await client.customers.get(CID)


async def test_tokens_never_reach_logs_or_messages(caplog):
    secret = "eyJhbGciOi.super-secret-token"
    caplog.set_level(logging.DEBUG)
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(503), Reply(401, {"code": 400, "description": "Access denied"}))
        async with make_client(svc, credential=Token(secret)) as client:
            with pytest.raises(errors.AuthenticationError) as info:
                await client.customers.get(CID)
            assert secret not in repr(client)
    assert svc.requests[0].headers["Authorization"] == f"Bearer {secret}"
    assert caplog.records, "the pipeline should log its attempts"
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert secret not in str(info.value) and secret not in repr(info.value)


async def test_token_is_fetched_per_attempt():
    token = Token()
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(500), Reply(200, {"id": CID}))
        async with make_client(svc, credential=token) as client:
            await client.customers.get(CID)
    assert token.calls == 2


async def test_token_provider_failure_becomes_authentication_error():
    class Broken:
        async def get_token(self) -> str:
            raise RuntimeError("identity endpoint down: secret=xyz")

    async with FakeService() as svc:
        async with make_client(svc, credential=Broken()) as client:
            with pytest.raises(errors.AuthenticationError) as info:
                await client.customers.get(CID)
    assert "xyz" not in str(info.value) and svc.requests == []


async def test_rate_limiter_counts_every_attempt():
    clock = [0.0]
    sleeps = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(2, 60.0, clock=lambda: clock[0], sleep=fake_sleep)
    async with FakeService() as svc:
        svc.add("GET", _cust_path(), Reply(500), Reply(200, {"id": CID}), Reply(200, {"id": CID}))
        async with make_client(svc, rate_limiter=limiter) as client:
            await client.customers.get(CID)  # two attempts use both slots
            await client.customers.get(CID)  # must wait for the window to slide
    assert len(svc.requests) == 3
    assert sleeps == [60.0]


async def test_client_requires_a_credential_and_default_limit():
    with pytest.raises(ValueError):
        PartnerCenterClient(base_url="http://127.0.0.1:1")
    async with PartnerCenterClient(base_url="http://127.0.0.1:1", credential=Token()) as client:
        assert client.rate_limiter is not None and client.rate_limiter.max_requests == 500
