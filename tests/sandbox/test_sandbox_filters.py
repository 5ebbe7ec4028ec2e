"""The shared `filter` query parsing: the same malformed filters are rejected alike by every list route."""

from __future__ import annotations

import pytest
from sandbox_helpers import seeded_customer

from sandbox.errors import ApiError
from sandbox.filters import filter_body


def test_filter_body_is_case_insensitive_object():
    f = filter_body('{"field": "Status", "VALUE": "open", "Operator": "equals"}')
    assert (f.get("Field"), f.get("Value"), f.get("operator")) == ("Status", "open", "equals")


@pytest.mark.parametrize(("raw", "message"), [
    ("{", "The filter is not valid JSON."),
    ("", "The filter is not valid JSON."),
    ("[1, 2]", "The filter must be a JSON object."),
    ('"Status"', "The filter must be a JSON object."),
    ("null", "The filter must be a JSON object."),
])
def test_filter_body_rejects_malformed(raw: str, message: str):
    with pytest.raises(ApiError) as err:
        filter_body(raw)
    assert (err.value.status, err.value.code, err.value.description) == (400, 800002, message)


@pytest.mark.parametrize("raw, message", [
    ("{not json", "The filter is not valid JSON."),
    ("[]", "The filter must be a JSON object."),
])
@pytest.mark.parametrize("route", ["/v1/auditrecords", "/v1/customers", "/v1/invoices", "/v1/servicerequests",
                                   "/v1/customers/{cid}/users"])
async def test_every_list_route_rejects_malformed_filter(sandbox, client, route: str, raw: str, message: str):
    cid = seeded_customer(sandbox)["id"]
    r = await client.get(route.format(cid=cid), params={"filter": raw})
    assert r.status_code == 400, r.text
    assert (r.json()["code"], r.json()["description"]) == (800002, message)
