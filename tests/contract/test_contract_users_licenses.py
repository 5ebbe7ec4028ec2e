"""client.users / client.licenses against the sandbox: seek paging, create/update/delete/deleted list/restore,
password reset, subscribed SKUs, assigned licences and licence updates."""

from __future__ import annotations

import pytest
from contract_helpers import customer_named

from partner_center import errors
from partner_center.models import UserState

PASSWORD = "Tr1cky-Passw0rd!"


async def test_users_seek_paging_across_boundaries(pc, wire):
    cust = await customer_named(pc, "Contoso Ltd")
    for alias in ("pager.one", "pager.two"):
        await pc.users.create(cust.id, {"userPrincipalName": f"{alias}@{cust.domain}", "displayName": alias,
                                        "usageLocation": "US", "passwordProfile": {"password": PASSWORD}})
    everything = await pc.users.list(cust.id).to_list()
    assert len(everything) >= 5
    wire.clear()
    pages = [p async for p in pc.users.list(cust.id, size=2).by_page()]
    assert all(len(p.items) == 2 for p in pages[:-1]) and 1 <= len(pages[-1].items) <= 2
    assert [u.id for p in pages for u in p.items] == [u.id for u in everything]
    follow = wire.log[1:]
    assert len(follow) == len(pages) - 1
    for exchange, previous in zip(follow, pages, strict=False):
        assert exchange.path == f"/v1/customers/{cust.id}/users" and "seekOperation=Next" in exchange.query
        assert exchange.sent_headers["ms-continuationtoken"] == previous.continuation_token


async def test_user_lifecycle_create_update_delete_restore_reset(pc):
    cust = await customer_named(pc, "Fabrikam Inc")
    upn = f"new.hire@{cust.domain}"
    created = await pc.users.create(cust.id, {
        "user_principal_name": upn, "first_name": "New", "last_name": "Hire", "display_name": "New Hire",
        "usage_location": "US", "password_profile": {"password": PASSWORD, "force_change_password": True}})
    assert created.id and created.user_principal_name == upn and created.state is UserState.ACTIVE
    assert (await pc.users.get(cust.id, created.id)).display_name == "New Hire"
    updated = await pc.users.update(cust.id, created.id, {"display_name": "Newly Hired", "usage_location": "GB"})
    assert updated.display_name == "Newly Hired" and updated.usage_location == "GB"
    await pc.users.delete(cust.id, created.id)
    assert created.id not in {u.id for u in await pc.users.list(cust.id).to_list()}
    deleted = await pc.users.list_deleted(cust.id).to_list()
    gone = next(u for u in deleted if u.id == created.id)
    assert gone.state is UserState.INACTIVE and gone.soft_deletion_time is not None
    restored = await pc.users.restore(cust.id, created.id)
    assert restored.state is UserState.ACTIVE
    assert created.id in {u.id for u in await pc.users.list(cust.id).to_list()}
    assert created.id not in {u.id for u in await pc.users.list_deleted(cust.id).to_list()}
    reset = await pc.users.reset_password(cust.id, created.id)
    assert reset.temporary_password and reset.force_change_password is True
    chosen = await pc.users.reset_password(cust.id, created.id, password=PASSWORD, force_change=False)
    assert chosen.temporary_password == PASSWORD and chosen.force_change_password is False


async def test_subscribed_skus_assigned_licences_and_assign(pc):
    cust = await customer_named(pc, "Contoso Ltd")
    skus = await pc.licenses.list_subscribed_skus(cust.id).to_list()
    assert skus and all(s.sku_id and s.total_units is not None for s in skus)
    sku = next(s for s in skus if s.available_units and s.available_units > 0)
    user = await pc.users.create(cust.id, {
        "userPrincipalName": f"licensee@{cust.domain}", "displayName": "Licensee", "usageLocation": "US",
        "passwordProfile": {"password": PASSWORD, "forceChangePassword": True}})
    assert await pc.licenses.list_assigned(cust.id, user.id).to_list() == []
    result = await pc.licenses.assign(cust.id, user.id, add_sku_ids=[sku.sku_id])
    assert result["licensesToAssign"][0]["skuId"] == sku.sku_id.lower()
    assigned = await pc.licenses.list_assigned(cust.id, user.id).to_list()
    assert [lic.sku_id for lic in assigned] == [sku.sku_id] and assigned[0].service_plans
    after = next(s for s in await pc.licenses.list_subscribed_skus(cust.id).to_list() if s.sku_id == sku.sku_id)
    assert after.consumed_units == sku.consumed_units + 1 and after.available_units == sku.available_units - 1
    await pc.licenses.assign(cust.id, user.id, remove_sku_ids=[sku.sku_id])
    assert await pc.licenses.list_assigned(cust.id, user.id).to_list() == []


async def test_licence_quota_exhausted_is_60012_with_data(pc):
    cust = await customer_named(pc, "Northwind Traders")
    skus = await pc.licenses.list_subscribed_skus(cust.id).to_list()
    sku = min(skus, key=lambda s: s.available_units or 0)
    users = []
    for i in range((sku.available_units or 0) + 1):
        users.append(await pc.users.create(cust.id, {
            "userPrincipalName": f"seat{i}@{cust.domain}", "displayName": f"Seat {i}", "usageLocation": "US",
            "passwordProfile": {"password": PASSWORD, "forceChangePassword": True}}))
    for user in users[:-1]:
        await pc.licenses.assign(cust.id, user.id, add_sku_ids=[sku.sku_id])
    with pytest.raises(errors.BadRequestError) as caught:
        await pc.licenses.assign(cust.id, users[-1].id, add_sku_ids=[sku.sku_id])
    assert caught.value.code == 60012 and caught.value.data and caught.value.description
    assert await pc.licenses.list_assigned(cust.id, users[-1].id).to_list() == []
