"""Audit records (api.md §15): GET /v1/auditrecords?startDate=&endDate=&size=&filter= with seek paging.

Dates are yyyy-mm-dd or ISO date-times (UTC); startDate defaults to 30 days ago, endDate to now (a date-only
endDate includes that whole day). Filter fields: CompanyName (substring), CustomerId (equals),
ResourceType (equals).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from sandbox.context import sandbox_of
from sandbox.envelope import iso, json_response, parse_iso
from sandbox.errors import invalid_input
from sandbox.filters import filter_body
from sandbox.paging import seek_page

routes = web.RouteTableDef()

FILTER_FIELDS = {"companyname": ("CompanyName", {"substring", "equals", "starts_with"}),
                 "customerid": ("CustomerId", {"equals"}),
                 "resourcetype": ("ResourceType", {"equals"})}


def _date(raw: str, what: str, *, end: bool = False) -> datetime:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
            day = parse_iso(raw.strip() + "T00:00:00Z")
            return day + timedelta(days=1) if end else day
        return parse_iso(raw)
    except ValueError:
        raise invalid_input(f"'{what}' must be a date (yyyy-mm-dd) or an ISO 8601 date-time.") from None


def _filter(raw: str) -> dict[str, str]:
    f = filter_body(raw)
    field, value, operator = f.get("Field"), f.get("Value"), f.get("Operator")
    if not all(isinstance(x, str) and x for x in (field, value, operator)):
        raise invalid_input("The filter needs string Field, Value and Operator.")
    known = FILTER_FIELDS.get(field.replace("_", "").lower())
    op = re.sub(r"(?<!^)(?=[A-Z])", "_", operator).lower() if "_" not in operator else operator.lower()
    if known is None:
        raise invalid_input(f"The filter field '{field}' is not supported.")
    if op not in known[1]:
        raise invalid_input(f"The operator '{operator}' is not supported for field {known[0]}.")
    return {"field": known[0], "value": value}


@routes.get("/v1/auditrecords")
async def list_audit_records(request: web.Request) -> web.Response:
    sb = sandbox_of(request)
    now = sb.now()
    start = _date(request.query["startDate"], "startDate") if request.query.get("startDate") \
        else now - timedelta(days=30)
    end = _date(request.query["endDate"], "endDate", end=True) if request.query.get("endDate") \
        else now + timedelta(seconds=1)
    if end <= start:
        raise invalid_input("endDate must be after startDate.")
    state: dict[str, Any] = {"start": iso(start), "end": iso(end)}
    if request.query.get("filter"):
        state.update(_filter(request.query["filter"]))

    def fetch(after: int, limit: int, st: dict[str, Any]) -> list[tuple[int, dict]]:
        field, value = st.get("field"), st.get("value")
        return sb.store.list_audit(
            st["start"], st["end"], after_seq=after, limit=limit,
            customer_id=value.lower() if field == "CustomerId" else None,
            resource_type=value if field == "ResourceType" else None,
            name_contains=value if field == "CompanyName" else None)

    query = {"startDate": request.query.get("startDate", start.date().isoformat())}
    if request.query.get("endDate"):
        query["endDate"] = request.query["endDate"]
    if request.query.get("filter"):
        query["filter"] = request.query["filter"]
    page = seek_page(request, kind="auditrecords", base_uri="/auditrecords", state=state, fetch=fetch,
                     default_size=500, max_size=500, self_query=query,
                     next_query={"startDate": query["startDate"]})
    return json_response(page)
