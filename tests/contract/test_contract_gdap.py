"""client.gdap against the sandbox's Graph paths (api.md §26): paging by @odata.nextLink, filters, the relationship
state machine on the sandbox clock, etags in If-Match, access assignments and their operations, and every
documented Graph error arriving as the shared typed error (with Graph's code and message)."""

from __future__ import annotations

import httpx
import pytest
from contract_helpers import advance_clock, audit_total, state

from partner_center import errors
from partner_center.gdap import ROLES, RelationshipStatus, approval_link
from sandbox.seed_gdap import HELPDESK_GROUP

HELPDESK, LICENSE, GLOBAL = (ROLES["Helpdesk Administrator"], ROLES["License Administrator"],
                             ROLES["Global Administrator"])
GROUP = "5f1c3a0e-7a55-4c2b-9d7e-0c1d2e3f4a5b"
PATH = "/v1.0/tenantRelationships/delegatedAdminRelationships"


async def _approve(sandbox, rel_id: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        return await http.post(f"/_sandbox/gdap/{rel_id}/approve", json={})


async def test_list_pages_by_odata_next_link_and_filters(pc, wire):
    everything = await pc.gdap.list_relationships().to_list()
    statuses = {r.status for r in everything}
    assert {RelationshipStatus.ACTIVE, RelationshipStatus.EXPIRED, RelationshipStatus.APPROVAL_PENDING} <= statuses
    wire.clear()
    paged = await pc.gdap.list_relationships(top=7).to_list()
    assert [r.id for r in paged] == [r.id for r in everything]
    assert len(wire.log) == (len(everything) + 6) // 7 and all(e.path == PATH for e in wire.log)
    active = await pc.gdap.list_relationships(status="active").to_list()
    assert active and all(r.status is RelationshipStatus.ACTIVE for r in active)
    first = everything[0]
    mine = await pc.gdap.list_relationships(customer_tenant_id=first.customer_tenant_id).to_list()
    assert [r.id for r in mine] == [first.id]
    assert len({r.customer_tenant_id for r in everything}) == len(everything)  # one per seeded customer


async def test_create_lock_approve_assign_update_and_terminate(pc, sandbox):
    customer = (await pc.customers.list().to_list())[7]  # index 7: seeded without any relationship
    assert await pc.gdap.list_relationships(customer_tenant_id=customer.id).to_list() == []
    rel = await pc.gdap.create_relationship("Contract-helpdesk", [HELPDESK, LICENSE], duration_days=365,
                                            customer_tenant_id=customer.id, auto_extend=True)
    assert rel.status is RelationshipStatus.CREATED and rel.etag and rel.duration == "P365D" and rel.auto_extend
    assert rel.role_names == ["Helpdesk Administrator", "License Administrator"]
    renamed = await pc.gdap.update_relationship(rel.id, {"displayName": "Contract-helpdesk-2"}, etag=rel.etag)
    assert renamed.display_name == "Contract-helpdesk-2" and renamed.etag != rel.etag
    with pytest.raises(errors.PreconditionFailedError) as stale:
        await pc.gdap.update_relationship(rel.id, {"duration": "P30D"}, etag=rel.etag)
    assert stale.value.code == "resourceModified" and stale.value.status == 412
    lock = await pc.gdap.request_action(rel.id, "lockForApproval")
    assert lock.action == "lockForApproval" and lock.status == "created"
    assert (await pc.gdap.get_request(rel.id, lock.id)).status == "succeeded"
    assert [r.id for r in await pc.gdap.list_requests(rel.id).to_list()] == [lock.id]
    pending = await pc.gdap.get_relationship(rel.id)
    assert pending.status is RelationshipStatus.APPROVAL_PENDING
    assert approval_link(rel.id).endswith(f"/granularAdminRelationships/{rel.id}")
    with pytest.raises(errors.BadRequestError):  # no assignments before the customer approves
        await pc.gdap.create_access_assignment(rel.id, GROUP, [HELPDESK])
    assert (await _approve(sandbox, rel.id)).status_code == 200
    active = await pc.gdap.get_relationship(rel.id)
    assert active.status is RelationshipStatus.ACTIVE and (active.end - active.activated).days == 365
    assignment = await pc.gdap.create_access_assignment(rel.id, GROUP, [HELPDESK])
    assert assignment.status == "pending" and assignment.group_id == GROUP
    again = await pc.gdap.get_access_assignment(rel.id, assignment.id)
    assert again.status == "active" and again.role_names == ["Helpdesk Administrator"]
    assert [a.id for a in await pc.gdap.list_access_assignments(rel.id).to_list()] == [assignment.id]
    op_id = await pc.gdap.update_access_assignment(rel.id, assignment.id, [HELPDESK, LICENSE], etag=again.etag)
    assert op_id and (await pc.gdap.get_operation(rel.id, op_id)).status == "succeeded"
    updated = await pc.gdap.get_access_assignment(rel.id, assignment.id)
    assert updated.role_ids == [HELPDESK, LICENSE]
    assert await pc.gdap.update_access_assignment(rel.id, assignment.id, [HELPDESK, LICENSE],
                                                  etag=updated.etag) is None  # identical → 200, no operation
    await pc.gdap.delete_access_assignment(rel.id, assignment.id, etag=updated.etag)
    assert (await pc.gdap.get_access_assignment(rel.id, assignment.id)).status == "deleted"
    with pytest.raises(errors.BadRequestError):  # only while created
        await pc.gdap.delete_relationship(rel.id, etag=active.etag)
    await pc.gdap.request_action(rel.id, "terminate")
    assert (await pc.gdap.get_relationship(rel.id)).status is RelationshipStatus.TERMINATED


async def test_delete_while_created(pc):
    rel = await pc.gdap.create_relationship("Contract-draft", [HELPDESK], duration_days=30)
    with pytest.raises(errors.BadRequestError) as missing_etag:
        await pc.gdap._call("DELETE", f"{PATH}/{rel.id}")
    assert "If-Match" in missing_etag.value.description
    await pc.gdap.delete_relationship(rel.id, etag=rel.etag)
    with pytest.raises(errors.NotFoundError) as gone:
        await pc.gdap.get_relationship(rel.id)
    assert gone.value.code == "itemNotFound" and "was not found" in gone.value.description


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"display_name": "x" * 51, "role_ids": [HELPDESK]}, "at most 50"),
    ({"display_name": "Dup", "role_ids": ["00000000-0000-0000-0000-000000000000"]}, "not a known Entra"),
    ({"display_name": "GA", "role_ids": [GLOBAL], "auto_extend": True}, "Global Administrator"),
])
async def test_create_errors_are_graph_invalid_request(pc, sandbox, kwargs, fragment):
    before = audit_total(sandbox)
    with pytest.raises(errors.BadRequestError) as bad:
        await pc.gdap.create_relationship(**kwargs)
    assert bad.value.code == "invalidRequest" and fragment in bad.value.description
    assert bad.value.request_id and audit_total(sandbox) == before
    with pytest.raises(ValueError):
        await pc.gdap.create_relationship("Too long", [HELPDESK], duration_days=731)


async def test_duplicate_name_and_request_from_wrong_state(pc):
    rel = await pc.gdap.create_relationship("Contract-dup", [HELPDESK], duration_days=10)
    with pytest.raises(errors.BadRequestError) as dup:
        await pc.gdap.create_relationship("contract-DUP", [HELPDESK], duration_days=10)
    assert "already exists" in dup.value.description
    with pytest.raises(errors.BadRequestError) as wrong:
        await pc.gdap.request_action(rel.id, "terminate")
    assert "needs a relationship that is active" in wrong.value.description


async def test_state_machine_runs_on_the_sandbox_clock(pc, sandbox):
    active = await pc.gdap.list_relationships(status="active").to_list()
    now = state(sandbox).now()
    ending = next(r for r in active if not r.auto_extend and 0 <= r.days_left(now) <= 10)
    rolling = next(r for r in active if r.auto_extend)
    pending = (await pc.gdap.list_relationships(status="approvalPending").to_list())[0]
    group_before = await pc.gdap.list_access_assignments(ending.id).to_list()
    assert group_before and group_before[0].group_id == HELPDESK_GROUP
    # the auto-extend switch: on → off needs the current etag
    off = await pc.gdap.update_relationship(rolling.id, {"autoExtendDuration": "PT0S"}, etag=rolling.etag)
    assert not off.auto_extend
    on = await pc.gdap.update_relationship(rolling.id, {"autoExtendDuration": "P180D"}, etag=off.etag)
    assert on.auto_extend
    await advance_clock(sandbox, (ending.end - now).total_seconds() + 60)
    assert (await pc.gdap.get_relationship(ending.id)).status is RelationshipStatus.EXPIRING
    await advance_clock(sandbox, 2 * 3600)
    expired = await pc.gdap.get_relationship(ending.id)
    assert expired.status is RelationshipStatus.EXPIRED
    assert all(a.status == "deleted" for a in await pc.gdap.list_access_assignments(ending.id).to_list())
    await advance_clock(sandbox, 800 * 86400)
    extended = await pc.gdap.get_relationship(rolling.id)
    assert extended.status is RelationshipStatus.ACTIVE and extended.end > state(sandbox).now()
    assert (await pc.gdap.get_relationship(pending.id)).status is RelationshipStatus.EXPIRED  # 90 days unanswered


async def test_graph_error_shape_parses_into_the_shared_hierarchy():
    body = (b'{"error": {"code": "accessDenied", "message": "Insufficient privileges to complete the operation.",'
            b' "innerError": {"request-id": "0f5e-req", "date": "2026-12-07T10:00:00Z"}}}')
    err = errors.error_from_response(403, {}, body)
    assert isinstance(err, errors.PermissionDeniedError)
    assert (err.code, err.description, err.request_id) == (
        "accessDenied", "Insufficient privileges to complete the operation.", "0f5e-req")


async def test_approve_endpoint_refuses_other_states(pc, sandbox):
    active = (await pc.gdap.list_relationships(status="active", top=1).first_page()).items[0]
    answer = await _approve(sandbox, active.id)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalidRequest"


async def test_filters_fall_back_to_client_side_when_graph_refuses_them(pc, sandbox, wire):
    expected = [r.id for r in await pc.gdap.list_relationships(status="active").to_list()]
    state(sandbox).config.gdap_filter_supported = False
    wire.clear()
    active = await pc.gdap.list_relationships(status="active", top=5).to_list()
    assert [r.id for r in active] == expected
    assert wire.log[0].status == 400 and all(e.status == 200 for e in wire.log[1:])
    assert "filter" in wire.log[0].query and all("filter" not in e.query for e in wire.log[1:])
    one = (await pc.gdap.list_relationships(customer_tenant_id=active[0].customer_tenant_id).to_list())
    assert [r.id for r in one] == [active[0].id]


async def test_delegated_admin_customers_are_those_with_an_active_relationship(pc):
    active = {r.customer_tenant_id for r in await pc.gdap.list_relationships(status="active").to_list()}
    held = await pc.gdap.list_customers().to_list()
    assert {c.tenant_id for c in held} == active and all(c.display_name for c in held)
    one = await pc.gdap.get_customer(held[0].tenant_id)
    assert one.display_name == held[0].display_name
    bare = (await pc.customers.list().to_list())[7]  # seeded without a relationship
    with pytest.raises(errors.NotFoundError) as missing:
        await pc.gdap.get_customer(bare.id)
    assert missing.value.code == "itemNotFound"
