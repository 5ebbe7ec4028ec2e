"""Every operation of client_api.md hits the URI, method, query and body api.md documents."""

import json
from datetime import UTC, date, datetime

import pytest
from pc_fake_service import FakeService, Reply, make_client

from partner_center import models

C = "cust-1"


def _generic(record):
    if record.method == "DELETE":
        return Reply(204)
    return Reply(201 if record.method == "POST" else 200, {"id": "x", "items": [], "attributes": {}})


def _filter(q):
    return json.loads(q["filter"])


CASES = [
    # (id, call, method, path, query, body)
    ("customers.list", lambda c: c.customers.list(size=40).to_list(), "GET", "/v1/customers", {"size": "40"}, None),
    ("customers.list-default", lambda c: c.customers.list().to_list(), "GET", "/v1/customers", {}, None),
    ("customers.get", lambda c: c.customers.get(C), "GET", f"/v1/customers/{C}", {}, None),
    ("customers.create", lambda c: c.customers.create({"billingProfile": {"email": "a@b.c"}}), "POST",
     "/v1/customers", {}, {"billingProfile": {"email": "a@b.c"}}),
    ("customers.delete", lambda c: c.customers.delete(C), "DELETE", f"/v1/customers/{C}", {}, None),
    ("customers.billing", lambda c: c.customers.get_billing_profile(C), "GET",
     f"/v1/customers/{C}/profiles/billing", {}, None),
    ("subscriptions.list", lambda c: c.subscriptions.list(C).to_list(), "GET", f"/v1/customers/{C}/subscriptions",
     {}, None),
    ("subscriptions.get", lambda c: c.subscriptions.get(C, "s1"), "GET", f"/v1/customers/{C}/subscriptions/s1",
     {}, None),
    ("subscriptions.by_order", lambda c: c.subscriptions.list_by_order(C, "o1").to_list(), "GET",
     f"/v1/customers/{C}/subscriptions", {"order_id": "o1"}, None),
    ("subscriptions.addons", lambda c: c.subscriptions.list_addons(C, "s1").to_list(), "GET",
     f"/v1/customers/{C}/subscriptions/s1/addons", {}, None),
    ("subscriptions.provisioning", lambda c: c.subscriptions.get_provisioning_status(C, "s1"), "GET",
     f"/v1/customers/{C}/subscriptions/s1/provisioningstatus", {}, None),
    ("catalog.products", lambda c: c.catalog.list_products().to_list(), "GET", "/v1/products",
     {"country": "US", "targetView": "OnlineServices"}, None),
    ("catalog.product", lambda c: c.catalog.get_product("P1", "GB"), "GET", "/v1/products/P1", {"country": "GB"},
     None),
    ("catalog.skus", lambda c: c.catalog.list_skus("P1", "US").to_list(), "GET", "/v1/products/P1/skus",
     {"country": "US"}, None),
    ("catalog.sku", lambda c: c.catalog.get_sku("P1", "0001", "US"), "GET", "/v1/products/P1/skus/0001",
     {"country": "US"}, None),
    ("catalog.availabilities", lambda c: c.catalog.list_availabilities("P1", "0001", "US").to_list(), "GET",
     "/v1/products/P1/skus/0001/availabilities", {"country": "US"}, None),
    ("catalog.availability", lambda c: c.catalog.get_availability("P1", "0001", "A1", "US"), "GET",
     "/v1/products/P1/skus/0001/availabilities/A1", {"country": "US"}, None),
    ("catalog.offers", lambda c: c.catalog.list_offers("US").to_list(), "GET", "/v1/offers", {"country": "US"},
     None),
    ("carts.create", lambda c: c.carts.create(C, [{"catalog_item_id": "P1:0001:A1", "quantity": 3}]), "POST",
     f"/v1/customers/{C}/carts", {}, {"lineItems": [{"catalogItemId": "P1:0001:A1", "quantity": 3, "id": 0}]}),
    ("carts.get", lambda c: c.carts.get(C, "k1"), "GET", f"/v1/customers/{C}/carts/k1", {}, None),
    ("carts.update", lambda c: c.carts.update(C, "k1", {"lineItems": []}), "PUT", f"/v1/customers/{C}/carts/k1", {},
     {"lineItems": []}),
    ("carts.checkout", lambda c: c.carts.checkout(C, "k1"), "POST", f"/v1/customers/{C}/carts/k1/checkout", {},
     None),
    ("orders.list", lambda c: c.orders.list(C).to_list(), "GET", f"/v1/customers/{C}/orders", {}, None),
    ("orders.list-billing", lambda c: c.orders.list(C, billing_type="onetime").to_list(), "GET",
     f"/v1/customers/{C}/orders", {"billingType": "onetime"}, None),
    ("orders.get", lambda c: c.orders.get(C, "o1"), "GET", f"/v1/customers/{C}/orders/o1", {}, None),
    ("orders.cancel", lambda c: c.orders.cancel(C, "o1"), "PATCH", f"/v1/customers/{C}/orders/o1", {},
     {"id": "o1", "status": "cancelled"}),
    ("sr.list", lambda c: c.service_requests.list().to_list(), "GET", "/v1/servicerequests", {}, None),
    ("sr.customer", lambda c: c.service_requests.list_for_customer(C).to_list(), "GET",
     f"/v1/customers/{C}/servicerequests", {}, None),
    ("sr.get", lambda c: c.service_requests.get("616122292874576"), "GET", "/v1/servicerequests/616122292874576",
     {}, None),
    ("sr.create", lambda c: c.service_requests.create({"title": "t", "support_topic_id": "1"}), "POST",
     "/v1/servicerequests/en-US", {},
     {"title": "t", "supportTopicId": "1", "attributes": {"objectType": "ServiceRequest"}}),
    ("sr.update", lambda c: c.service_requests.update("9", {"new_note": {"text": "hi"}}), "PATCH",
     "/v1/servicerequests/9", {}, {"newNote": {"text": "hi"}}),
    ("sr.topics", lambda c: c.service_requests.list_support_topics().to_list(), "GET",
     "/v1/servicerequests/supporttopics", {}, None),
    ("invoices.list", lambda c: c.invoices.list(size=2).to_list(), "GET", "/v1/invoices", {"size": "2"}, None),
    ("invoices.get", lambda c: c.invoices.get("D02005YFHI"), "GET", "/v1/invoices/D02005YFHI", {}, None),
    ("invoices.lines", lambda c: c.invoices.list_line_items("D1").to_list(), "GET", "/v1/invoices/D1/lineitems",
     {"provider": "office", "invoicelineitemtype": "billinglineitems"}, None),
    ("invoices.lines-onetime", lambda c: c.invoices.list_line_items("D1", "one_time", "usage_line_items").to_list(),
     "GET", "/v1/invoices/D1/lineitems", {"provider": "onetime", "invoicelineitemtype": "usagelineitems"}, None),
    ("invoices.balance", lambda c: c.invoices.get_balance(), "GET", "/v1/invoices/summary", {}, None),
    ("users.list", lambda c: c.users.list(C).to_list(), "GET", f"/v1/customers/{C}/users", {}, None),
    ("users.get", lambda c: c.users.get(C, "u1"), "GET", f"/v1/customers/{C}/users/u1", {}, None),
    ("users.create", lambda c: c.users.create(C, {"user_principal_name": "j@x.com"}), "POST",
     f"/v1/customers/{C}/users", {},
     {"userPrincipalName": "j@x.com", "attributes": {"objectType": "CustomerUser"}}),
    ("users.update", lambda c: c.users.update(C, "u1", {"display_name": "J"}), "PATCH",
     f"/v1/customers/{C}/users/u1", {}, {"displayName": "J", "attributes": {"objectType": "CustomerUser"}}),
    ("users.delete", lambda c: c.users.delete(C, "u1"), "DELETE", f"/v1/customers/{C}/users/u1", {}, None),
    ("users.restore", lambda c: c.users.restore(C, "u1"), "PATCH", f"/v1/customers/{C}/users/u1", {},
     {"state": "active", "attributes": {"objectType": "CustomerUser"}}),
    ("users.reset", lambda c: c.users.reset_password(C, "u1", "Pw-123456!", force_change=False), "PATCH",
     f"/v1/customers/{C}/users/u1/resetpassword", {},
     {"passwordProfile": {"password": "Pw-123456!", "forceChangePassword": False},
      "attributes": {"objectType": "CustomerUser"}}),
    ("licenses.skus", lambda c: c.licenses.list_subscribed_skus(C).to_list(), "GET",
     f"/v1/customers/{C}/subscribedskus", {}, None),
    ("licenses.assigned", lambda c: c.licenses.list_assigned(C, "u1").to_list(), "GET",
     f"/v1/customers/{C}/users/u1/licenses", {}, None),
    ("licenses.assign", lambda c: c.licenses.assign(C, "u1", ["sku-a"], ["sku-b"]), "POST",
     f"/v1/customers/{C}/users/u1/licenseupdates", {},
     {"licensesToAssign": [{"skuId": "sku-a", "excludedPlans": None}], "licensesToRemove": ["sku-b"],
      "licenseWarnings": None, "attributes": {"objectType": "LicenseUpdate"}}),
    ("audit.list", lambda c: c.audit.list(datetime(2024, 5, 1, 13, 0, tzinfo=UTC), date(2024, 5, 31)).to_list(),
     "GET", "/v1/auditrecords", {"startDate": "2024-05-01", "endDate": "2024-05-31"}, None),
]


@pytest.mark.parametrize(("call", "method", "path", "query", "body"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
async def test_operation_wire_contract(call, method, path, query, body):
    async with FakeService() as svc:
        svc.fallback = _generic
        async with make_client(svc) as client:
            await call(client)
    assert len(svc.requests) == 1
    sent = svc.requests[0]
    assert (sent.method, sent.path, sent.query) == (method, path, query)
    assert sent.body == body


async def test_filters_are_url_encoded_json():
    async with FakeService() as svc:
        svc.fallback = _generic
        async with make_client(svc) as client:
            await client.customers.search("Contoso & Co", field="Domain").to_list()
            await client.users.list_deleted(C).to_list()
            await client.service_requests.list(status="open").to_list()
            await client.audit.list(date(2024, 5, 1), filter={"Field": "CustomerId", "Value": C,
                                                               "Operator": "equals"}).to_list()
    search, deleted, srs, audit = svc.requests
    assert _filter(search.query) == {"Field": "Domain", "Value": "Contoso & Co", "Operator": "starts_with"}
    assert "%22Field%22" in search.raw_path or "%7B" in search.raw_path  # encoded, never raw JSON
    assert _filter(deleted.query) == {"Field": "UserState", "Value": "Inactive", "Operator": "equals"}
    assert _filter(srs.query) == {"Field": "Status", "Value": "open", "Operator": "equals"}
    assert _filter(audit.query)["Field"] == "CustomerId" and audit.query["startDate"] == "2024-05-01"


async def test_ids_are_path_escaped_and_empty_ids_refused():
    async with FakeService() as svc:
        svc.fallback = _generic
        async with make_client(svc) as client:
            await client.customers.get("a/../b")
            with pytest.raises(ValueError):
                await client.customers.get("")
    assert svc.requests[0].raw_path == "/v1/customers/a%2F..%2Fb"


async def test_subscription_update_sends_full_resource_with_changes_and_etag():
    current = {"id": "s1", "offerId": "P:0001:A", "quantity": 5, "status": "active", "autoRenewEnabled": True,
               "futureField": {"kept": True}, "attributes": {"etag": "etag-7", "objectType": "Subscription"}}
    async with FakeService() as svc:
        svc.add("GET", f"/v1/customers/{C}/subscriptions/s1", Reply(200, current))
        svc.add("PATCH", f"/v1/customers/{C}/subscriptions/s1", Reply(200, {**current, "quantity": 8}))
        async with make_client(svc) as client:
            sub = await client.subscriptions.set_quantity(C, "s1", 8, request_id="req-q")
    get, patch = svc.requests
    assert patch.body == {**current, "quantity": 8}
    assert patch.headers["If-Match"] == '"etag-7"' and patch.headers["MS-RequestId"] == "req-q"
    assert get.headers["MS-RequestId"] != "req-q"
    assert sub.quantity == 8 and sub.raw["futureField"] == {"kept": True}


@pytest.mark.parametrize(
    ("method_name", "args", "change"),
    [("suspend", (), {"status": "suspended"}), ("reactivate", (), {"status": "active"}),
     ("cancel", (), {"status": "deleted"}), ("set_auto_renew", (False,), {"autoRenewEnabled": False}),
     ("rename", (" HQ seats ",), {"friendlyName": "HQ seats"})],
)
async def test_subscription_convenience_changes(method_name, args, change):
    current = {"id": "s1", "quantity": 5, "status": "suspended", "autoRenewEnabled": True, "friendlyName": "old"}
    async with FakeService() as svc:
        svc.add("GET", f"/v1/customers/{C}/subscriptions/s1", Reply(200, current))
        svc.add("PATCH", f"/v1/customers/{C}/subscriptions/s1", Reply(200, {**current, **change}))
        async with make_client(svc) as client:
            await getattr(client.subscriptions, method_name)(C, "s1", *args)
    patch = svc.requests[1]
    assert patch.body == {**current, **change} and "If-Match" not in patch.headers


async def test_subscription_update_with_current_skips_the_get_and_keeps_the_etag_guard():
    current = {"id": "s1", "quantity": 5, "status": "active", "attributes": {"etag": "etag-7"}}
    async with FakeService() as svc:
        svc.add("PATCH", f"/v1/customers/{C}/subscriptions/s1", Reply(200, {**current, "quantity": 6}))
        async with make_client(svc) as client:
            before = models.Subscription.from_wire(current)
            sub = await client.subscriptions.set_quantity(C, "s1", 6, current=before)
            with pytest.raises(ValueError):
                await client.subscriptions.set_quantity(C, "s2", 6, current=before)
    [patch] = svc.requests
    assert patch.method == "PATCH" and patch.body == {**current, "quantity": 6}
    assert patch.headers["If-Match"] == '"etag-7"' and sub.quantity == 6


async def test_subscription_update_202_polls_location():
    async with FakeService() as svc:
        svc.add("GET", f"/v1/customers/{C}/subscriptions/s1", Reply(200, {"id": "s1", "quantity": 5}),
                Reply(200, {"id": "s1", "quantity": 9}))
        svc.add("PATCH", f"/v1/customers/{C}/subscriptions/s1",
                Reply(202, headers={"Location": f"/customers/{C}/subscriptions/s1"}))
        async with make_client(svc) as client:
            sub = await client.subscriptions.set_quantity(C, "s1", 9)
    assert sub.quantity == 9 and [r.method for r in svc.requests] == ["GET", "PATCH", "GET"]


async def test_billing_profile_update_sends_quoted_if_match():
    async with FakeService() as svc:
        svc.add("PUT", f"/v1/customers/{C}/profiles/billing",
                Reply(200, {"email": "new@x.com", "attributes": {"etag": "2"}}))
        async with make_client(svc) as client:
            profile = await client.customers.update_billing_profile(C, {"email": "new@x.com"}, "1")
    assert svc.requests[0].headers["If-Match"] == '"1"' and svc.requests[0].method == "PUT"
    assert profile.email == "new@x.com" and profile.etag == "2"


async def test_checkout_result_is_typed():
    result = {"orders": [{"id": "o1", "status": "pending", "lineItems": [{"lineItemNumber": 0,
                                                                           "subscriptionId": "s9"}]}],
              "orderErrors": [{"orderGroupId": "1", "code": 800018, "description": "The sandbox limit..."}]}
    async with FakeService() as svc:
        svc.add("POST", f"/v1/customers/{C}/carts/k1/checkout", Reply(201, result))
        async with make_client(svc) as client:
            out = await client.carts.checkout(C, "k1", request_id="approval-1")
    assert isinstance(out, models.CartCheckoutResult)
    assert out.orders[0].status is models.OrderStatus.PENDING and out.order_errors[0].code == 800018


async def test_reset_password_generates_one_when_not_given():
    async with FakeService() as svc:
        svc.add("PATCH", f"/v1/customers/{C}/users/u1/resetpassword", Reply(200, {"id": "u1"}))
        async with make_client(svc) as client:
            user = await client.users.reset_password(C, "u1")
    sent = svc.requests[0].body["passwordProfile"]
    assert len(sent["password"]) >= 12 and sent["forceChangePassword"] is True
    assert user.temporary_password == sent["password"] and sent["password"] not in repr(user)


@pytest.mark.parametrize(
    "call",
    [lambda c: c.subscriptions.set_quantity(C, "s1", 0), lambda c: c.licenses.assign(C, "u1"),
     lambda c: c.carts.create(C, []), lambda c: c.customers.update_billing_profile(C, {}, "")],
)
async def test_invalid_arguments_fail_before_any_request(call):
    async with FakeService() as svc:
        async with make_client(svc) as client:
            with pytest.raises(ValueError):
                await call(client)
    assert svc.requests == []
