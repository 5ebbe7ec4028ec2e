"""HTTP end-to-end: user, role, licence and budget changes through the bot — the before -> after confirmation,
Partner Center's state after confirm and after decline, the bad-input cases (unknown user, a role the user
already has, no free seats, an existing user), and the rule that a generated password reaches only the
requester's personal chat: a grep of the logs, the audit records, the state store and every message sent
anywhere else finds none of them.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from botbuilder.core import MemoryStorage

from tests.e2e.e2e_support import DANA, Bot, SandboxThread, facts, table_rows

PASSWORD_IN = re.compile(r"`([^`]{8,})`")


def rows(seen) -> dict[str, list[str]]:
    table = table_rows(seen.card)
    assert table[0] == ["Setting", "Before", "After"]
    return {r[0]: r[1:] for r in table[1:]}


@pytest.fixture
async def bot(sandbox: SandboxThread):
    async with Bot(sandbox.url) as bot:
        yield bot


async def _users(sandbox: SandboxThread, customer: str, deleted: bool = False) -> list[dict]:
    cid = (await sandbox.customer(customer))["id"]
    params = {"filter": json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "equals"})} \
        if deleted else {}
    return (await sandbox.get_json(f"/v1/customers/{cid}/users", **params))["items"]


async def _roles_of(sandbox: SandboxThread, customer: str, user_id: str) -> set[str]:
    cid = (await sandbox.customer(customer))["id"]
    return {r["name"] for r in (await sandbox.get_json(f"/v1/customers/{cid}/users/{user_id}/directoryroles"))["items"]}


async def test_create_user_declined_then_confirmed_password_only_to_the_requester(bot: Bot, sandbox: SandboxThread):
    asked = await bot.say("create a user Megan Bowen at Contoso Ltd")
    assert asked.title == "New user"
    assert facts(asked.card)["Sign-in name"] == "megan.bowen@contoso.onmicrosoft.com"
    assert "sent only to you, in your personal chat with me, once" in asked.screen
    declined = await bot.click("Cancel")
    assert declined.texts == ["OK, nothing was changed."]
    assert not [u for u in await _users(sandbox, "Contoso Ltd") if u["userPrincipalName"].startswith("megan.")]

    await bot.say("create a user Megan Bowen at Contoso Ltd")
    done = await bot.click("Confirm")
    assert "megan.bowen@contoso.onmicrosoft.com was created." in done.screen
    secrets = [m for m in done.messages if PASSWORD_IN.search(m.text)]
    assert len(secrets) == 1 and secrets[0].call.conversation_id == "a:personal-dana"
    assert "Temporary password for megan.bowen@contoso.onmicrosoft.com" in secrets[0].text
    created = [u for u in await _users(sandbox, "Contoso Ltd") if u["userPrincipalName"] ==
               "megan.bowen@contoso.onmicrosoft.com"]
    assert created and created[0]["displayName"] == "Megan Bowen"
    again = await bot.say("create a user Megan Bowen at Contoso Ltd")
    assert "Contoso Ltd already has a user megan.bowen@contoso.onmicrosoft.com." in again.screen
    assert len([u for u in await _users(sandbox, "Contoso Ltd") if u["userPrincipalName"].startswith("megan.")]) == 1


async def test_reset_password_asked_in_a_channel_goes_to_the_personal_chat_and_nowhere_else(
        sandbox: SandboxThread, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    storage = MemoryStorage()
    users = [u for u in await _users(sandbox, "Fabrikam Inc") if not u["userPrincipalName"].startswith("admin@")]
    target = users[0]
    async with Bot(sandbox.url, storage=storage, conversation_id="19:ops@thread.tacv2",
                   conversation_type="channel") as channel:
        # Dana has talked to the bot in her personal chat before: the bot knows where that chat is.
        status, _ = await channel.app.send_text("hi", DANA, conversation_type="personal",
                                                conversation_id="a:personal-dana")
        assert status in (200, 201)
        channel.app.connector.pending()
        asked = await channel.say(f"reset the password of {target['userPrincipalName']} at Fabrikam Inc")
        assert rows(asked)["Temporary password"] == ["Current password", "New temporary password"]
        done = await channel.click("Confirm")
        here = [m for m in done.messages if m.call.conversation_id == "19:ops@thread.tacv2"]
        private = [m for m in done.messages if m.call.conversation_id != "19:ops@thread.tacv2"]
        assert any("I sent the temporary password to you in our personal chat" in m.text for m in here)
        assert len(private) == 1 and private[0].call.conversation_id == "a:personal-dana"
        password = PASSWORD_IN.search(private[0].text).group(1)
        # Everything else that exists: every message to any other conversation, the logs, audit and state.
        shared = [json.dumps(m.call.activity) for m in channel.history if m is not private[0]]
        assert all(password not in s for s in shared)
        assert password not in caplog.text
        audit = json.dumps(channel.engine.audit.storage.memory, default=str)
        assert "reset_password" in audit and password not in audit
        assert password not in json.dumps(storage.memory, default=str)
    # Partner Center's own record of the change holds no password either.
    records = await sandbox.get_json("/v1/auditrecords", startDate="2000-01-01")
    assert password not in json.dumps(records)


async def test_unknown_user_is_named_and_nothing_changes(bot: Bot, sandbox: SandboxThread):
    before = await _users(sandbox, "Contoso Ltd")
    seen = await bot.say("reset the password of nobody.here@contoso.onmicrosoft.com at Contoso Ltd")
    assert "I couldn't find a user \"nobody.here@contoso.onmicrosoft.com\" at Contoso Ltd." in seen.screen
    assert await _users(sandbox, "Contoso Ltd") == before


async def test_assign_role_then_the_same_role_again_then_remove_it(bot: Bot, sandbox: SandboxThread):
    user = next(u for u in await _users(sandbox, "Contoso Ltd") if not u["userPrincipalName"].startswith("admin@"))
    upn = user["userPrincipalName"]
    asked = await bot.say(f"make {upn} a User Administrator at Contoso Ltd")
    assert rows(asked)["User Account Administrator"] == ["No", "Yes"]
    await bot.click("Cancel")
    assert "User Account Administrator" not in await _roles_of(sandbox, "Contoso Ltd", user["id"])
    await bot.say(f"make {upn} a User Administrator at Contoso Ltd")
    done = await bot.click("Confirm")
    assert "is now a User Account Administrator." in done.screen
    assert "User Account Administrator" in await _roles_of(sandbox, "Contoso Ltd", user["id"])
    again = await bot.say(f"make {upn} a User Administrator at Contoso Ltd")
    assert "already is a User Account Administrator; nothing to change." in again.screen
    assert "Confirm" not in again.buttons
    removed = await bot.say(f"remove {upn} from the User Administrator role at Contoso Ltd")
    assert rows(removed)["User Account Administrator"] == ["Yes", "No"]
    await bot.click("Confirm")
    assert "User Account Administrator" not in await _roles_of(sandbox, "Contoso Ltd", user["id"])


async def test_removing_the_only_global_admin_is_refused_and_another_is_warned(bot: Bot, sandbox: SandboxThread):
    users = await _users(sandbox, "Contoso Ltd")
    admin = next(u for u in users if u["userPrincipalName"].startswith("admin@"))
    seen = await bot.say(f"remove {admin['userPrincipalName']} from the Global Administrator role at Contoso Ltd")
    assert not seen.cards and "Confirm" not in seen.buttons
    assert "is the only Global Administrator of Contoso Ltd" in seen.screen and "can't be undone" in seen.screen
    assert "Company Administrator" in await _roles_of(sandbox, "Contoso Ltd", admin["id"])
    other = next(u for u in users if u is not admin)
    await bot.say(f"make {other['userPrincipalName']} a Global Administrator at Contoso Ltd")
    await bot.click("Confirm")
    asked = await bot.say(f"remove {admin['userPrincipalName']} from the Global Administrator role at Contoso Ltd")
    assert "only another Global Administrator can give the role back" in asked.screen
    await bot.click("Confirm")
    assert "Company Administrator" not in await _roles_of(sandbox, "Contoso Ltd", admin["id"])


async def _sku(sandbox: SandboxThread, customer: str, name: str) -> dict:
    cid = (await sandbox.customer(customer))["id"]
    skus = (await sandbox.get_json(f"/v1/customers/{cid}/subscribedskus"))["items"]
    return next(s for s in skus if s["productSku"]["name"] == name)


async def _licences(sandbox: SandboxThread, customer: str, user_id: str) -> set[str]:
    cid = (await sandbox.customer(customer))["id"]
    found = (await sandbox.get_json(f"/v1/customers/{cid}/users/{user_id}/licenses"))["items"]
    return {x["productSku"]["name"] for x in found}


async def test_assign_and_remove_a_licence_with_free_seats_before_and_after(bot: Bot, sandbox: SandboxThread):
    offer = "Microsoft 365 E3"
    sku = await _sku(sandbox, "Contoso Ltd", offer)
    users = await _users(sandbox, "Contoso Ltd")
    without = [u for u in users if offer not in await _licences(sandbox, "Contoso Ltd", u["id"])]
    if not without:  # everyone holds one: free one first through the bot
        holder = users[-1]
        await bot.say(f"remove the E3 licence from {holder['userPrincipalName']} at Contoso Ltd")
        await bot.click("Confirm")
        without = [holder]
        sku = await _sku(sandbox, "Contoso Ltd", offer)
    user = without[0]
    free = sku["availableUnits"]
    asked = await bot.say(f"assign an E3 licence to {user['userPrincipalName']} at Contoso Ltd")
    assert rows(asked)["Free seats"] == [str(free), str(free - 1)]
    await bot.click("Cancel")
    assert offer not in await _licences(sandbox, "Contoso Ltd", user["id"])
    await bot.say(f"assign an E3 licence to {user['userPrincipalName']} at Contoso Ltd")
    done = await bot.click("Confirm")
    assert f"Free seats: {free} → {free - 1}." in done.screen
    assert offer in await _licences(sandbox, "Contoso Ltd", user["id"])
    removed = await bot.say(f"remove the E3 licence from {user['userPrincipalName']} at Contoso Ltd")
    assert rows(removed)["Free seats"] == [str(free - 1), str(free)]
    await bot.click("Confirm")
    assert offer not in await _licences(sandbox, "Contoso Ltd", user["id"])


async def test_no_free_seats_is_refused_with_a_button_to_add_seats(bot: Bot, sandbox: SandboxThread):
    offer = "Microsoft 365 E3"
    users = await _users(sandbox, "Contoso Ltd")
    # take every free seat through the sandbox directly (the set-up, not the behaviour under test): new users,
    # each given a licence, until none is left
    cid = (await sandbox.customer("Contoso Ltd"))["id"]
    sku_id = (await _sku(sandbox, "Contoso Ltd", offer))["productSku"]["id"]
    import httpx
    async with httpx.AsyncClient(base_url=sandbox.url, headers={"Authorization": "Bearer sandbox-dev-token"}) as h:
        for n in range(60):
            if (await _sku(sandbox, "Contoso Ltd", offer))["availableUnits"] == 0:
                break
            r = await h.post(f"/v1/customers/{cid}/users", json={
                "userPrincipalName": f"filler{n}@contoso.onmicrosoft.com", "displayName": f"Filler {n}",
                "usageLocation": "US", "passwordProfile": {"password": "Filler-Passw0rd!"}})
            assert r.status_code in (200, 201), r.text
            r = await h.post(f"/v1/customers/{cid}/users/{r.json()['id']}/licenseupdates",
                             json={"licensesToAssign": [{"skuId": sku_id}]})
            assert r.status_code == 201, r.text
    sku = await _sku(sandbox, "Contoso Ltd", offer)
    assert sku["availableUnits"] == 0
    user = None
    for u in users:
        if offer not in await _licences(sandbox, "Contoso Ltd", u["id"]):
            user = u
            break
    assert user is not None
    seen = await bot.say(f"assign an E3 licence to {user['userPrincipalName']} at Contoso Ltd")
    assert seen.title == "This can't be done"
    assert f"All {sku['totalUnits']} seats of {offer} are assigned: none is free." in seen.screen
    assert "Add seats to Microsoft 365 E3" in seen.buttons
    assert offer not in await _licences(sandbox, "Contoso Ltd", user["id"])
    add = await bot.click("Add seats to Microsoft 365 E3")
    assert add.title == "Change the number of seats" or "seats" in add.screen.lower()


async def test_delete_then_restore_a_user(bot: Bot, sandbox: SandboxThread):
    user = next(u for u in await _users(sandbox, "Fabrikam Inc") if not u["userPrincipalName"].startswith("admin@"))
    upn = user["userPrincipalName"]
    asked = await bot.say(f"delete the user {upn} at Fabrikam Inc")
    assert rows(asked)["State"] == ["Active", "Deleted"]
    assert "gone for good" in asked.screen
    await bot.click("Cancel")
    assert upn in {u["userPrincipalName"] for u in await _users(sandbox, "Fabrikam Inc")}
    await bot.say(f"delete the user {upn} at Fabrikam Inc")
    done = await bot.click("Confirm")
    assert f"{upn} was deleted. It can be restored for 30 days." in done.screen
    assert upn in {u["userPrincipalName"] for u in await _users(sandbox, "Fabrikam Inc", deleted=True)}
    back = await bot.say(f"restore the deleted user {upn} at Fabrikam Inc")
    assert rows(back)["State"] == ["Deleted", "Active"]
    done = await bot.click("Confirm")
    assert f"{upn} was restored." in done.screen
    assert upn in {u["userPrincipalName"] for u in await _users(sandbox, "Fabrikam Inc")}


async def test_update_a_users_usage_location_and_phone(bot: Bot, sandbox: SandboxThread):
    user = next(u for u in await _users(sandbox, "Contoso Ltd") if not u["userPrincipalName"].startswith("admin@"))
    form = await bot.say(f"change the usage location of {user['userPrincipalName']} at Contoso Ltd")
    assert "Say what to change" in form.screen
    bad = await bot.click("Continue", inputs={"usage_location": "Narnia"})
    assert "I don't know the country \"Narnia\"" in bad.screen
    asked = await bot.click("Continue", inputs={"usage_location": "Germany", "phone": "+49 30 1234567"})
    assert rows(asked)["Usage location"] == [user["usageLocation"], "DE"]
    await bot.click("Confirm")
    after = next(u for u in await _users(sandbox, "Contoso Ltd") if u["id"] == user["id"])
    assert after["usageLocation"] == "DE" and after["phoneNumber"] == "+49 30 1234567"


async def test_set_the_spending_budget(bot: Bot, sandbox: SandboxThread):
    cid = (await sandbox.customer("Contoso Ltd"))["id"]
    before = (await sandbox.get_json(f"/v1/customers/{cid}/usagebudget"))["amount"]
    asked = await bot.say("set Contoso Ltd's spending budget to 2000")
    assert rows(asked)["Monthly budget"] == [str(before), "2000"]
    await bot.click("Cancel")
    assert (await sandbox.get_json(f"/v1/customers/{cid}/usagebudget"))["amount"] == before
    await bot.say("set Contoso Ltd's spending budget to 2000")
    await bot.click("Confirm")
    assert (await sandbox.get_json(f"/v1/customers/{cid}/usagebudget"))["amount"] == 2000
    assert DANA  # the requester is the default user
