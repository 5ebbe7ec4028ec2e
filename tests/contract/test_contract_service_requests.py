"""client.service_requests against the sandbox: partner-wide and per-customer lists (offset paging, status
filter), get, create (documented required fields only), update (note, close), support topics."""

from __future__ import annotations

from contract_helpers import customer_named

from partner_center.models import ServiceRequestSeverity, ServiceRequestStatus


async def test_lists_page_by_offset_and_filter_by_status(pc, wire):
    everything = await pc.service_requests.list().to_list()
    assert len(everything) >= 4
    wire.clear()
    pages = [p async for p in pc.service_requests.list().by_page()]
    assert sum(len(p.items) for p in pages) == len(everything)
    opened = await pc.service_requests.list(status="open").to_list()
    assert opened and all(sr.status is ServiceRequestStatus.OPEN for sr in opened)
    closed = await pc.service_requests.list(status=ServiceRequestStatus.CLOSED).to_list()
    assert closed and all(sr.status is ServiceRequestStatus.CLOSED for sr in closed)
    assert {sr.id for sr in opened}.isdisjoint({sr.id for sr in closed})


async def test_offset_paging_across_boundaries_partner_wide_and_per_customer(pc, wire):
    cust = await customer_named(pc, "Contoso Ltd")
    for i in range(3):
        await pc.service_requests.create({"title": f"Paging {i}", "description": "d", "severity": "minimal",
                                          "supportTopicId": "32444671", "customerId": cust.id})
    everything = await pc.service_requests.list().to_list()
    wire.clear()
    paged = await pc.service_requests.list(size=2).to_list()
    assert [sr.id for sr in paged] == [sr.id for sr in everything]
    follow = [e for e in wire.log if "offset=" in e.query and "offset=0" not in e.query]
    assert len(follow) == (len(everything) - 1) // 2 and all(e.path == "/v1/servicerequests" for e in follow)
    theirs = await pc.service_requests.list_for_customer(cust.id).to_list()
    assert len(theirs) >= 3
    wire.clear()
    assert [sr.id for sr in await pc.service_requests.list_for_customer(cust.id, size=1).to_list()] == \
        [sr.id for sr in theirs]
    assert len(wire.log) == len(theirs)
    opened = await pc.service_requests.list(status="open", size=1).to_list()
    assert len(opened) == len(await pc.service_requests.list(status="open").to_list())
    assert all(sr.status is ServiceRequestStatus.OPEN for sr in opened)


async def test_create_with_documented_fields_get_note_and_close(pc):
    topics = await pc.service_requests.list_support_topics().to_list()
    assert len(topics) >= 5 and all(t.name and t.id for t in topics)
    billing = next(t for t in topics if t.name == "Billing")
    created = await pc.service_requests.create({"title": "Invoice question", "description": "Why two lines?",
                                                "severity": ServiceRequestSeverity.MODERATE,
                                                "support_topic_id": billing.id})
    assert created.id and created.status is ServiceRequestStatus.OPEN
    assert created.severity is ServiceRequestSeverity.MODERATE and created.support_topic_name == "Billing"
    assert created.raw["primaryContact"]["email"]
    got = await pc.service_requests.get(created.id)
    assert got.title == "Invoice question" and got.notes == []
    noted = await pc.service_requests.update(created.id, {"newNote": {"text": "More detail"}})
    assert [n["text"] for n in noted.notes] == ["More detail"]
    closed = await pc.service_requests.update(created.id, {"status": "closed"})
    assert closed.status is ServiceRequestStatus.CLOSED and closed.last_closed_date is not None
    assert created.id in {sr.id for sr in await pc.service_requests.list(status="closed").to_list()}


async def test_per_customer_list(pc):
    cust = await customer_named(pc, "Fabrikam Inc")
    created = await pc.service_requests.create({
        "title": "Mailbox issue", "description": "Cannot send mail.", "severity": "critical",
        "supportTopicId": "32444675", "customerId": cust.id,
        "primaryContact": {"firstName": "Ops", "lastName": "Admin", "email": "ops@partner.example"}})
    mine = await pc.service_requests.list_for_customer(cust.id).to_list()
    assert created.id in {sr.id for sr in mine}
    assert created.raw["primaryContact"]["email"] == "ops@partner.example"
