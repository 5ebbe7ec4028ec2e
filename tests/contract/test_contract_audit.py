"""client.audit against the sandbox: date window, filters and seek paging over the records mutations wrote."""

from __future__ import annotations

from datetime import timedelta

from contract_helpers import customer_named

from partner_center import clock
from partner_center.models import AuditOperationStatus


async def test_mutations_are_listed_with_filters_and_seek_paging(pc, wire):
    cust = await customer_named(pc, "Wingtip Toys")
    subs = await pc.subscriptions.list(cust.id).to_list()
    target = next(s for s in subs if s.offer_name == "Microsoft 365 Business Standard")
    for name in ("Sales", "Support", "Finance"):
        await pc.subscriptions.rename(cust.id, target.id, name)
    today = clock.now()
    flt = {"Field": "CustomerId", "Value": cust.id, "Operator": "equals"}
    records = await pc.audit.list(today - timedelta(days=1), today, filter=flt).to_list()
    assert [r.operation_type for r in records] == ["update_subscription"] * 3
    assert all(r.customer_id == cust.id and r.operation_status is AuditOperationStatus.SUCCEEDED for r in records)
    assert records[-1].customized_data["SubscriptionId"] == target.id
    assert records[0].operation_date is not None and records[0].customer_name == "Wingtip Toys"
    wire.clear()
    paged = await pc.audit.list(today - timedelta(days=1), filter=flt, size=1).to_list()
    assert [r.id for r in paged] == [r.id for r in records]
    follow = [e for e in wire.log if "seekOperation=Next" in e.query]
    assert len(follow) == 2 and all(e.path == "/v1/auditrecords" and "ms-continuationtoken" in e.sent_headers
                                    for e in follow)
    by_type = await pc.audit.list(today - timedelta(days=1), filter={
        "Field": "ResourceType", "Value": "subscription", "Operator": "equals"}).to_list()
    assert {r.id for r in records} <= {r.id for r in by_type} and all(r.resource_type == "subscription"
                                                                        for r in by_type)
    by_name = await pc.audit.list(today.date(), filter={"Field": "CompanyName", "Value": "wingtip",
                                                        "Operator": "substring"}).to_list()
    assert {r.id for r in by_name} == {r.id for r in records}
    # a window that ended before the changes holds none of them
    old = await pc.audit.list(today - timedelta(days=20), today - timedelta(days=10), filter=flt).to_list()
    assert old == []
