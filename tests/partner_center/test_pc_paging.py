"""Paging over real HTTP: seek (continuation header), offset, the /v1 quirk, unpaged and odd envelopes."""

import pytest
from pc_fake_service import FakeService, Reply, make_client

from partner_center import models, transport


def _customer(n: int) -> dict:
    return {"id": f"c{n}", "companyProfile": {"tenantId": f"c{n}", "companyName": f"Co {n}"},
            "relationshipToPartner": "reseller", "attributes": {"objectType": "Customer"}}


def _seek_page(items, token=None, next_uri="/v1/customers?size=2&seekOperation=Next"):
    page = {"totalCount": len(items), "items": items, "attributes": {"objectType": "Collection"},
            "links": {"self": {"uri": "/customers?size=2", "method": "GET", "headers": []}}}
    if token:
        page["continuationToken"] = token
        page["links"]["next"] = {"uri": next_uri, "method": "GET",
                                 "headers": [{"key": "MS-ContinuationToken", "value": token}]}
    return page


async def test_seek_paging_follows_next_links_with_the_continuation_header():
    async with FakeService() as svc:
        svc.add("GET", "/v1/customers",
                Reply(200, _seek_page([_customer(1), _customer(2)], token="tok-1")),
                Reply(200, _seek_page([_customer(3), _customer(4)], token="tok-2")),
                Reply(200, _seek_page([_customer(5)])))
        async with make_client(svc) as client:
            customers = [c async for c in client.customers.list(size=2)]
    assert [c.id for c in customers] == ["c1", "c2", "c3", "c4", "c5"]
    assert all(isinstance(c, models.Customer) for c in customers)
    first, second, third = svc.requests
    assert first.query == {"size": "2"} and "MS-ContinuationToken" not in first.headers
    assert second.query == {"size": "2", "seekOperation": "Next"}
    assert second.headers["MS-ContinuationToken"] == "tok-1"
    assert third.headers["MS-ContinuationToken"] == "tok-2"
    assert len({r.headers["MS-RequestId"] for r in svc.requests}) == 3  # each page is its own call
    assert all(r.headers["Authorization"].startswith("Bearer ") for r in svc.requests)


@pytest.mark.parametrize(
    "next_uri",
    ["/v1/customers?size=2&seekOperation=Next", "/customers?size=2&seekOperation=Next",
     "customers?size=2&seekOperation=Next", "//v1/customers?size=2&seekOperation=Next"],
)
async def test_v1_prefix_added_only_when_missing(next_uri):
    async with FakeService() as svc:
        svc.add("GET", "/v1/customers",
                Reply(200, _seek_page([_customer(1)], token="t", next_uri=next_uri)),
                Reply(200, _seek_page([_customer(2)])))
        async with make_client(svc) as client:
            assert len(await client.customers.list(size=2).to_list()) == 2
    assert [r.path for r in svc.requests] == ["/v1/customers", "/v1/customers"]
    assert svc.requests[1].raw_path == "/v1/customers?size=2&seekOperation=Next"


def test_with_api_prefix_unit():
    assert transport.with_api_prefix("/customers/x") == "/v1/customers/x"
    assert transport.with_api_prefix("/v1/customers/x") == "/v1/customers/x"
    assert transport.with_api_prefix("/v1") == "/v1"
    assert transport.with_api_prefix("/v1customers") == "/v1/v1customers"  # only a whole /v1 segment counts
    assert transport.with_api_prefix("/invoices?size=2&offset=2") == "/v1/invoices?size=2&offset=2"


async def test_offset_paging_follows_offsets():
    def page(ids, next_uri=None):
        body = {"totalCount": len(ids), "items": [{"id": i, "totalCharges": 10.5} for i in ids],
                "links": {"self": {"uri": "/invoices?size=2", "method": "GET", "headers": []}}}
        if next_uri:
            body["links"]["next"] = {"uri": next_uri, "method": "GET", "headers": []}
        return body

    async with FakeService() as svc:
        svc.add("GET", "/v1/invoices",
                Reply(200, page(["D1", "D2"], "/invoices?size=2&offset=2")),
                Reply(200, page(["D3", "D4"], "/v1/invoices?size=2&offset=4")),
                Reply(200, page(["D5"])))
        async with make_client(svc) as client:
            invoices = await client.invoices.list(size=2).to_list()
    assert [i.id for i in invoices] == ["D1", "D2", "D3", "D4", "D5"]
    assert invoices[0].total_charges == 10.5
    assert [r.query.get("offset") for r in svc.requests] == [None, "2", "4"]
    assert all("MS-ContinuationToken" not in r.headers for r in svc.requests)


async def test_collection_without_links_is_one_page():
    async with FakeService() as svc:
        svc.add("GET", "/v1/customers/c1/subscriptions",
                Reply(200, {"totalCount": 2, "items": [{"id": "s1"}, {"id": "s2"}],
                            "attributes": {"objectType": "Collection"}}))
        async with make_client(svc) as client:
            pager = client.subscriptions.list("c1")
            pages = [p async for p in pager.by_page()]
    assert len(pages) == 1 and not pages[0].has_more
    assert [s.id for s in pages[0].items] == ["s1", "s2"]
    assert len(svc.requests) == 1


async def test_first_page_and_to_list_limit_do_not_over_fetch():
    async with FakeService() as svc:
        svc.add("GET", "/v1/customers",
                Reply(200, _seek_page([_customer(1), _customer(2)], token="tok-1")),
                Reply(200, _seek_page([_customer(1), _customer(2)], token="tok-1")),
                Reply(200, _seek_page([_customer(3)])))
        async with make_client(svc) as client:
            pager = client.customers.list(size=2)
            page = await pager.first_page()
            assert page.continuation_token == "tok-1" and page.has_more
            assert [c.id for c in page.items] == ["c1", "c2"]
            assert [c.id for c in await pager.to_list(limit=2)] == ["c1", "c2"]
            assert len(svc.requests) == 2
            nxt = await pager.next_page(page)  # e.g. a "show more" button in a later chat turn
            assert [c.id for c in nxt.items] == ["c3"] and await pager.next_page(nxt) is None
    assert svc.requests[-1].headers["MS-ContinuationToken"] == "tok-1"


async def test_body_token_is_sent_when_the_link_has_no_header():
    async with FakeService() as svc:
        body = _seek_page([_customer(1)], token="tok-b", next_uri="/customers/c1/users?seekOperation=Next")
        body["links"]["next"]["headers"] = []
        svc.add("GET", "/v1/customers/c1/users", Reply(200, body),
                Reply(200, _seek_page([{"id": "u2", "state": "active"}])))
        async with make_client(svc) as client:
            users = await client.users.list("c1").to_list()
    assert [u.id for u in users] == ["c1", "u2"]
    assert svc.requests[1].headers["MS-ContinuationToken"] == "tok-b"


async def test_repeated_next_link_stops_instead_of_looping():
    async with FakeService() as svc:
        same = _seek_page([_customer(1)], token="stuck")
        svc.add("GET", "/v1/customers", *[Reply(200, same)] * 5)
        async with make_client(svc) as client:
            items = await client.customers.list().to_list()
    assert len(items) == 2 and len(svc.requests) == 2


async def test_bare_array_and_value_envelopes():
    async with FakeService() as svc:
        svc.add("GET", "/v1/servicerequests/supporttopics",
                Reply(200, [{"id": 1, "name": "Billing"}, {"id": 2, "name": "Licensing"}]))
        svc.add("GET", "/v1/customers/c1/subscribedskus",
                Reply(200, {"Value": [{"availableUnits": 3, "productSku": {"id": "sku1"}}], "TotalCount": 1}))
        async with make_client(svc) as client:
            topics = await client.service_requests.list_support_topics().to_list()
            skus = await client.licenses.list_subscribed_skus("c1").to_list()
    assert [t.name for t in topics] == ["Billing", "Licensing"] and topics[0].id == "1"
    assert skus[0].available_units == 3 and skus[0].sku_id == "sku1"


async def test_absolute_next_link_to_another_host_stays_on_the_api_host():
    async with FakeService() as svc:
        svc.add("GET", "/v1/customers",
                Reply(200, _seek_page([_customer(1)], token="t",
                                      next_uri="https://evil.example/v1/customers?seekOperation=Next")),
                Reply(200, _seek_page([_customer(2)])))
        async with make_client(svc) as client:
            assert len(await client.customers.list().to_list()) == 2
    assert svc.requests[1].path == "/v1/customers" and svc.requests[1].query == {"seekOperation": "Next"}
