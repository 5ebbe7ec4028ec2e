"""GDAP through the real bot (api.md §26): request a relationship → the customer approves in the sandbox → the job
announces it in the conversation → a security group gets roles; the "expiring" and "without" listings; auto-extend
and ending a relationship, with the sandbox state checked after decline and after confirm."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import dialogs.ops.gdap as gdap_ops
from partner_center.gdap import ROLES, RelationshipStatus
from tests.e2e.e2e_support import Bot, sandbox_client
from tests.jobs.test_jobs_e2e import fast, proactive

GROUP = "5f1c3a0e-7a55-4c2b-9d7e-0c1d2e3f4a5b"


async def _customers(url: str) -> list[Any]:
    client = sandbox_client(url)
    try:
        return await client.customers.list().to_list()
    finally:
        await client.close()


async def _relationships(url: str, customer_id: str) -> list[Any]:
    client = sandbox_client(url)
    try:
        return await client.gdap.list_relationships(customer_tenant_id=customer_id).to_list()
    finally:
        await client.close()


async def _assignments(url: str, rel_id: str) -> list[Any]:
    client = sandbox_client(url)
    try:
        return await client.gdap.list_access_assignments(rel_id).to_list()
    finally:
        await client.close()


async def test_request_approve_announce_then_assign_a_group(sandbox, monkeypatch):
    monkeypatch.setattr(gdap_ops, "APPROVAL_POLL_SECONDS", 0.1)
    customer = (await _customers(sandbox.url))[7]  # seeded without any relationship
    name = customer.company_name
    async with fast(Bot(sandbox.url)) as bot:
        asked = await bot.say(f"request GDAP with {name} for Helpdesk Administrator and License Administrator")
        assert "Confirm" in asked.buttons, asked.screen
        assert asked.has("Helpdesk Administrator, License Administrator", "730 days", "approve"), asked.screen
        started = await bot.click("Confirm")
        assert "admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/" \
            in started.screen, started.screen
        assert "I'll post here when it's done" in started.screen
        await bot.click("Confirm")  # a double click (or a Teams retry) requests nothing twice
        [rel] = await _relationships(sandbox.url, customer.id)
        assert rel.status is RelationshipStatus.APPROVAL_PENDING and rel.id in started.screen
        await asyncio.sleep(0.3)
        assert bot.app.connector.pending() == [], "nothing announced before the customer approves"
        async with httpx.AsyncClient(base_url=sandbox.url) as http:
            assert (await http.post(f"/_sandbox/gdap/{rel.id}/approve", json={})).status_code == 200
        done = await proactive(bot.app.connector)
        assert f"{name} approved the GDAP relationship" in done.screen, done.screen
        await asyncio.sleep(0.3)
        assert bot.app.connector.pending() == [], "announced exactly once"

        await bot.click("Cancel")
        asked = await bot.say(f"give the Helpdesk Agents group Helpdesk Administrator at {name}")
        assert "Enter the security group's object id" in asked.screen, asked.screen  # a name is not an id
        asked = await bot.click("Continue", inputs={"group": GROUP})
        assert asked.has(GROUP, "Helpdesk Administrator"), asked.screen
        assert await _assignments(sandbox.url, rel.id) == []
        answer = await bot.click("Confirm")
        assert f"now has Helpdesk Administrator at {name}" in answer.screen, answer.screen
        [assignment] = await _assignments(sandbox.url, rel.id)
        assert assignment.group_id == GROUP and assignment.role_ids == [ROLES["Helpdesk Administrator"]]


async def test_bad_input_is_refused_with_a_specific_message(shared_sandbox):
    customers = await _customers(shared_sandbox.url)
    async with Bot(shared_sandbox.url) as bot:
        await bot.say(f"request GDAP with {customers[7].company_name}")
        asked = await bot.click("Continue", inputs={"role": "Coffee Maker"})
        assert "Name the roles from this list" in asked.screen, asked.screen
        await bot.click("Cancel")
        asked = await bot.say(f"give the Helpdesk Agents group Helpdesk Administrator at "
                              f"{customers[7].company_name}")
        assert "has no active GDAP relationship" in asked.screen or "object id" in asked.screen, asked.screen
    assert await _relationships(shared_sandbox.url, customers[7].id) == []


@pytest.mark.parametrize(("text", "present", "absent"), [
    ("which GDAP relationships expire in the next 10 days", (1,), (5, 0, 2)),
    ("which customers have no GDAP relationship", (7, 2, 15), (1, 0)),
])
async def test_listings(shared_sandbox, text, present, absent):
    customers = await _customers(shared_sandbox.url)
    async with Bot(shared_sandbox.url) as bot:
        seen = await bot.say(text)
    for index in present:
        assert customers[index].company_name in seen.screen, (index, seen.screen)
    for index in absent:
        assert customers[index].company_name not in seen.screen, (index, seen.screen)


async def test_one_customers_relationships(shared_sandbox):
    customer = (await _customers(shared_sandbox.url))[1]
    async with Bot(shared_sandbox.url) as bot:
        seen = await bot.say(f"show GDAP relationships for {customer.company_name}")
    assert seen.has(customer.company_name, "Active", "Helpdesk Administrator"), seen.screen


async def test_auto_extend_off_declined_then_confirmed_and_ending_is_final(sandbox):
    customer = (await _customers(sandbox.url))[0]  # seeded with auto-extend on
    name = customer.company_name
    [before] = await _relationships(sandbox.url, customer.id)
    assert before.auto_extend
    async with Bot(sandbox.url) as bot:
        asked = await bot.say(f"turn off GDAP auto extend for {name}")
        assert asked.has("Auto-extend", "On", "Off"), asked.screen
        await bot.click("Cancel")
        [unchanged] = await _relationships(sandbox.url, customer.id)
        assert unchanged.auto_extend and unchanged.etag == before.etag
        await bot.say(f"turn off GDAP auto extend for {name}")
        done = await bot.click("Confirm")
        assert f"Auto-extend is off for {name}" in done.screen, done.screen
        [after] = await _relationships(sandbox.url, customer.id)
        assert not after.auto_extend

        asked = await bot.say(f"end the GDAP relationship with {name}")
        assert "cannot be undone" in asked.screen, asked.screen
        await bot.click("Cancel")
        assert (await _relationships(sandbox.url, customer.id))[0].status is RelationshipStatus.ACTIVE
        await bot.say(f"end the GDAP relationship with {name}")
        done = await bot.click("Confirm")
        assert f"The GDAP relationship with {name} is ended" in done.screen, done.screen
        assert (await _relationships(sandbox.url, customer.id))[0].status is RelationshipStatus.TERMINATED


async def test_a_user_operation_without_the_gdap_role_explains_and_offers_request_gdap():
    from sandbox.config import SandboxConfig
    from tests.e2e.e2e_support import SandboxThread

    enforced = SandboxThread(SandboxConfig(port=0, customers=40, seed=42, gdap_enforced=True)).start()
    try:
        customers = await _customers(enforced.url)
        covered, bare = customers[0].company_name, customers[7].company_name
        async with Bot(enforced.url) as bot:
            fine = await bot.say(f"show users of {covered}")
            assert "GDAP access missing" not in fine.screen, fine.screen
            denied = await bot.say(f"show users of {bare}")
            assert "GDAP access missing" in denied.screen, denied.screen
            said = " ".join(denied.screen.split())  # the terminal rendering wraps lines
            assert f"your GDAP relationship with {bare} does not give you the Directory Readers role" in said, said
            assert "Request GDAP" in denied.buttons and "900150" in denied.screen
            asked = await bot.click("Request GDAP")
            assert asked.has(f"New GDAP relationship with {bare}", "Directory Readers", "Confirm"), asked.screen
        assert await _relationships(enforced.url, customers[7].id) == []
    finally:
        enforced.stop()


@pytest.mark.parametrize(("op_id", "status", "code", "expected"), [
    ("users.list", 403, 900150, "Directory Readers"),
    ("users.create", 403, "accessDenied", "User Administrator"),  # Graph's 403 (api.md §26.6)
    ("licenses.assign", 403, "Authorization_RequestDenied", "License Administrator"),
    ("users.assign_role", 403, 900308, "Privileged Role Administrator"),
    ("users.list", 403, 800002, None),          # another 403: the plain error card
    ("users.list", 404, 900150, None),
    ("subscriptions.suspend", 403, 900150, None),  # not a GDAP-governed operation
])
def test_which_403s_are_explained_as_a_missing_gdap_role(op_id, status, code, expected):
    customer = {"id": "c1", "name": "Contoso Ltd"}
    found = gdap_ops.missing_gdap_role(op_id, status, code, {"customer": customer})
    assert (found[1] if found else None) == expected
    assert gdap_ops.missing_gdap_role("users.list", 403, 900150, {}) is None  # no customer to name


async def test_expiring_listing_in_zh_tw(shared_sandbox):
    customers = await _customers(shared_sandbox.url)
    async with Bot(shared_sandbox.url, locale="zh-TW") as bot:
        seen = await bot.say("哪些GDAP關係快到期")
    assert seen.has("GDAP 關係：30 天內到期", customers[1].company_name, customers[5].company_name), seen.screen
    assert customers[2].company_name not in seen.screen  # expired already
