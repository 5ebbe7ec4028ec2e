"""HTTP end-to-end: every account read, typed as a partner admin would, answered by its declared view with
what Partner Center (the sandbox) holds — partner profiles, MPN checks, validation codes, indirect resellers,
utilities, a customer's profiles/qualification/portals/agreements, directory roles and deleted users."""

from __future__ import annotations

import json

import pytest

from tests.e2e.e2e_support import Bot, SandboxThread, facts


@pytest.fixture
async def bot(shared_sandbox: SandboxThread):
    async with Bot(shared_sandbox.url) as bot:
        yield bot


READS = [
    ("show our legal business profile", "Legal business profile",
     ["Sandbox CSP Partner", "1 Microsoft Way, Redmond, WA 98052, US", "Authorized"]),
    ("show my organization profile", "Organization profile", ["sandboxcsp.onmicrosoft.com", "en-US"]),
    ("show our partner billing profile", "Partner billing profile", ["PO-2026-0042", "USD"]),
    ("what is our MPN ID", "Partner network (MPN) profile", ["4851537"]),
    ("show our support profile", "Support profile", ["support@sandboxcsp.example", "+1 425 555 0199"]),
    ("verify MPN ID 5123801", "Partner ID 5123801", ["MPN ID 5123801 belongs to Proseware Cloud Resellers."]),
    ("show my partner validation codes", "Government Community Cloud validation codes", ["Uses left 4"]),
    ("which resellers do we have?", "Indirect resellers",
     ["Proseware Cloud Resellers", "Lucerne IT Services", "Inactive"]),
    ("is tailspintoys.onmicrosoft.com free?", None, ["tailspintoys.onmicrosoft.com is already taken."]),
    ("is brandnewco42.onmicrosoft.com available?", None, ["brandnewco42.onmicrosoft.com is available."]),
    ("address rules for Canada", "Address rules for CA", ["State required", "Yes", "ON"]),
    ("show the company profile of Contoso Ltd", "Company profile of Contoso Ltd",
     ["contoso.onmicrosoft.com", "233 S Wacker Dr, Chicago, IL 60601, US"]),
    ("show contoso's billing profile", "Billing profile of Contoso Ltd", ["billing@contoso.example"]),
    ("what is Contoso Ltd's qualification", "Qualification of Contoso Ltd",
     ["Contoso Ltd has no qualification: it buys as a commercial customer."]),
    ("what qualification does bellows college have", "Qualification of Bellows College", ["Education", "Approved"]),
    ("which admin portals can I open for Fabrikam", "Admin portals for Fabrikam Inc",
     ["Microsoft 365 admin center", "Azure portal"]),
    ("has Contoso Ltd accepted the customer agreement?", "Agreement acceptances of Contoso Ltd",
     ["Microsoft Customer Agreement"]),
    ("has tailspin toys accepted the customer agreement?", "Agreement acceptances of Tailspin Toys",
     ["Tailspin Toys hasn't accepted the Microsoft Customer Agreement yet."]),
    ("show the agreement templates", "Agreement templates",
     ["117a77b0-9360-443b-8795-c6dedc750cf9", "Microsoft Cloud Agreement"]),
    ("get the reseller relationship request link", "Reseller relationship request", ["https://admin.microsoft.com/"]),
    ("who are the global admins at Contoso Ltd?", "Directory roles: Contoso Ltd",
     ["Company Administrator", "Members"]),
]


@pytest.mark.parametrize(("said", "title", "shown"), READS, ids=[r[0] for r in READS])
async def test_account_read(bot: Bot, said: str, title: str | None, shown: list[str]):
    seen = await bot.say(said)
    if title is not None:
        assert seen.title == title, seen.screen
    for fragment in shown:
        assert fragment in seen.screen, f"{fragment!r} not in:\n{seen.screen}"


async def test_portal_buttons_open_the_admin_centers(bot: Bot):
    seen = await bot.say("which admin portals can I open for Fabrikam")
    opens = [a for a in seen.card["actions"] if a["type"] == "Action.OpenUrl"]
    assert {a["title"] for a in opens} >= {"Microsoft 365 admin center", "Entra admin center", "Azure portal"}
    assert all(a["url"].startswith("https://") for a in opens)


async def test_resellers_then_one_resellers_customers_then_a_customers_resellers(bot: Bot,
                                                                                  shared_sandbox: SandboxThread):
    resellers = (await shared_sandbox.get_json("/v1/relationships",
                                               relationship_type="IsIndirectCloudSolutionProviderOf"))["items"]
    owned = {}
    for reseller in resellers:
        flt = json.dumps({"Field": "IndirectReseller", "Value": reseller["id"], "Operator": "starts_with"})
        owned[reseller["name"]] = (await shared_sandbox.get_json("/v1/customers", filter=flt))["items"]
    name, customers = next((n, c) for n, c in owned.items() if c)
    listed = await bot.say("which resellers do we have?")
    assert name in listed.buttons
    seen = await bot.click(name)
    assert seen.title == f"Customers of {name}"
    first = customers[0]["companyProfile"]["companyName"]
    assert first in seen.screen
    mine = await bot.say(f"which indirect resellers does {first} have")
    assert mine.title == f"Indirect resellers of {first}" and name in mine.screen
    direct = await bot.say("which indirect resellers does Contoso Ltd have")
    assert "Contoso Ltd buys from you directly, through no indirect reseller." in direct.screen


async def test_a_users_roles_and_the_deleted_users(bot: Bot, shared_sandbox: SandboxThread):
    customer = await shared_sandbox.customer("Contoso Ltd")
    users = (await shared_sandbox.get_json(f"/v1/customers/{customer['id']}/users"))["items"]
    admin = next(u for u in users if u["userPrincipalName"].startswith("admin@"))
    seen = await bot.say(f"what roles does {admin['userPrincipalName']} have at Contoso Ltd")
    assert seen.title == f"Directory roles: {admin['displayName']}"
    assert "Company Administrator" in seen.screen
    flt = '{"Field":"UserState","Value":"Inactive","Operator":"equals"}'
    found = None
    for name in ("Contoso Ltd", "Fabrikam Inc", "Northwind Traders", "Litware Inc", "Wingtip Toys",
                 "Adventure Works Cycles", "Tailspin Toys", "Contoso Pharma"):
        cid = (await shared_sandbox.customer(name))["id"]
        deleted = (await shared_sandbox.get_json(f"/v1/customers/{cid}/users", filter=flt))["items"]
        if deleted:
            found = (name, deleted)
            break
    assert found, "the seed soft-deletes some users"
    name, deleted = found
    seen = await bot.say(f"show deleted users of {name}")
    assert seen.title == f"Deleted users of {name}"
    assert deleted[0]["userPrincipalName"] in seen.screen and "Restorable until" in seen.screen


ADDRESSES = [
    ({"address_line1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postal_code": "98052",
      "country": "US"}, "Verified (deliverable)", None),
    ({"address_line1": "1 Microsoft Way", "city": "Seattle", "state": "WA", "postal_code": "98052",
      "country": "US"}, "Needs a correction", "1 Microsoft Way, Redmond, WA 98052, US"),
    ({"address_line1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postal_code": "9805X",
      "country": "US"}, "Not valid", None),
]


@pytest.mark.parametrize(("fields", "result", "suggestion"), ADDRESSES, ids=["ok", "wrong-city", "bad-zip"])
async def test_validate_address_form_and_suggestion(bot: Bot, fields, result, suggestion):
    form = await bot.say("validate an address")
    assert form.title == "Validate a postal address" or "address" in form.title.lower()
    seen = await bot.click("Continue", inputs=fields)
    shown = facts(seen.card)
    assert shown["Result"] == result, seen.screen
    if suggestion:
        assert shown["Suggested address"] == suggestion
    if result == "Not valid":
        assert "isn't valid for US" in shown["Problem"]
