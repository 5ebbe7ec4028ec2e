"""HTTP end-to-end: customer creation (one form, checked before any call: taken domain, malformed address, an
address with a suggested correction), creation for an indirect reseller, the eTag-guarded billing profile and
partner profile updates (a concurrent edit is explained, not overwritten), domains, qualification, agreement
confirmation, removing the relationship and deleting a sandbox customer — Partner Center's state after confirm
and after decline."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.e2e_support import Bot, SandboxThread, table_rows

AUTH = {"Authorization": "Bearer sandbox-dev-token"}
GOOD = {"company": "Blue Harbor Cafe", "domain": "blueharborcafe", "email": "owner@blueharbor.example",
        "first_name": "Rita", "last_name": "Moss", "address_line1": "1 Microsoft Way", "city": "Redmond",
        "state": "WA", "postal_code": "98052", "country": "US"}


def rows(seen) -> dict[str, list[str]]:
    table = table_rows(seen.card)
    return {r[0]: r[1:] for r in table[1:]}


@pytest.fixture
async def bot(sandbox: SandboxThread):
    async with Bot(sandbox.url) as bot:
        yield bot


async def _named(sandbox: SandboxThread, name: str) -> list[dict]:
    flt = json.dumps({"Field": "CompanyName", "Value": name, "Operator": "starts_with"})
    return [c for c in (await sandbox.get_json("/v1/customers", filter=flt))["items"]
            if c["companyProfile"]["companyName"] == name]


async def test_create_customer_form_checks_domain_and_address_before_the_call(bot: Bot, sandbox: SandboxThread):
    form = await bot.say("create a new customer")
    assert "Continue" in form.buttons
    bad_zip = await bot.click("Continue", inputs={**GOOD, "domain": "tailspintoys", "postal_code": "ABCDE"})
    assert "The postal code 'ABCDE' isn't valid for US." in bad_zip.screen
    address = {k: GOOD[k] for k in ("address_line1", "city", "state", "postal_code", "country")}
    wrong_city = await bot.click("Continue", inputs={**address, "city": "Seattle"})
    assert "Did you mean: 1 Microsoft Way, Redmond, WA 98052, US?" in wrong_city.screen
    taken = await bot.click("Continue", inputs=address)
    assert "tailspintoys.onmicrosoft.com is already taken." in taken.screen
    assert not await _named(sandbox, "Blue Harbor Cafe"), "nothing is created while the form is wrong"
    asked = await bot.click("Continue", inputs={"domain": "blueharborcafe"})
    assert asked.title == "Blue Harbor Cafe" and "blueharborcafe.onmicrosoft.com" in asked.screen
    done = await bot.click("Confirm")
    assert "Blue Harbor Cafe was created with the domain blueharborcafe.onmicrosoft.com." in done.screen
    private = [m for m in done.messages if "Temporary password for admin@blueharborcafe" in m.text]
    assert len(private) == 1 and private[0].call.conversation_id == "a:personal-dana"
    created = await _named(sandbox, "Blue Harbor Cafe")
    assert created and created[0]["companyProfile"]["domain"] == "blueharborcafe.onmicrosoft.com"


async def test_create_customer_declined_creates_nothing(bot: Bot, sandbox: SandboxThread):
    await bot.say("create a new customer")
    await bot.click("Continue", inputs=GOOD)
    declined = await bot.click("Cancel")
    assert declined.texts == ["OK, nothing was changed."]
    assert not await _named(sandbox, "Blue Harbor Cafe")


async def test_create_customer_for_a_reseller(bot: Bot, sandbox: SandboxThread):
    await bot.say("create a customer for reseller Proseware Cloud Resellers")
    asked = await bot.click("Continue", inputs={**GOOD, "company": "Resold Bakery", "domain": "resoldbakery"})
    if "What is the new customer's company name?" in asked.screen:  # the reseller's name is no company name
        asked = await bot.click("Continue", inputs={"company": "Resold Bakery"})
    assert asked.title == "Resold Bakery"
    assert "Proseware Cloud Resellers" in asked.screen
    await bot.click("Confirm")
    created = await _named(sandbox, "Resold Bakery")
    resellers = (await sandbox.get_json("/v1/relationships", relationship_type="IsIndirectCloudSolutionProviderOf"))
    proseware = next(r for r in resellers["items"] if r["name"] == "Proseware Cloud Resellers")
    assert created and created[0]["associatedPartnerId"] == proseware["id"]


async def test_billing_profile_change_and_a_concurrent_edit_is_not_overwritten(bot: Bot, sandbox: SandboxThread):
    cid = (await sandbox.customer("Contoso Ltd"))["id"]
    before = await sandbox.get_json(f"/v1/customers/{cid}/profiles/billing")
    form = await bot.say("change Contoso Ltd's billing e-mail")
    assert "Say what to change" in form.screen
    bad = await bot.click("Continue", inputs={"email": "not-an-address"})
    assert "\"not-an-address\" isn't an e-mail address." in bad.screen
    asked = await bot.click("Continue", inputs={"email": "ap@contoso.example"})
    assert rows(asked)["E-mail"] == [before["email"], "ap@contoso.example"]
    await bot.click("Cancel")
    assert (await sandbox.get_json(f"/v1/customers/{cid}/profiles/billing"))["email"] == before["email"]
    await bot.say("change Contoso Ltd's billing e-mail")
    await bot.click("Continue", inputs={"email": "ap@contoso.example"})
    # Someone edits the profile in Partner Center between the confirmation card and the click.
    current = await sandbox.get_json(f"/v1/customers/{cid}/profiles/billing")
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH) as h:
        r = await h.put(f"/v1/customers/{cid}/profiles/billing", json={**current, "email": "other@contoso.example"},
                        headers={"If-Match": f'"{current["attributes"]["etag"]}"'})
        assert r.status_code == 200
    done = await bot.click("Confirm")
    assert "Someone else changed the billing profile of Contoso Ltd" in done.screen
    assert "nothing was overwritten" in done.screen and "other@contoso.example" in done.screen
    assert (await sandbox.get_json(f"/v1/customers/{cid}/profiles/billing"))["email"] == "other@contoso.example"
    await bot.say("change Contoso Ltd's billing e-mail")
    await bot.click("Continue", inputs={"email": "ap@contoso.example"})
    await bot.click("Confirm")
    assert (await sandbox.get_json(f"/v1/customers/{cid}/profiles/billing"))["email"] == "ap@contoso.example"


async def test_add_domain_existing_domain_and_one_in_use(bot: Bot, sandbox: SandboxThread):
    cid = (await sandbox.customer("Contoso Ltd"))["id"]
    asked = await bot.say("add the domain contoso-shop.com to Contoso Ltd")
    assert rows(asked)["Domain"][1].endswith("contoso-shop.com")
    await bot.click("Cancel")
    assert "contoso-shop.com" not in await sandbox.get_json(f"/v1/customers/{cid}/customDomains")
    await bot.say("add the domain contoso-shop.com to Contoso Ltd")
    done = await bot.click("Confirm")
    assert "contoso-shop.com was added to Contoso Ltd." in done.screen
    assert "contoso-shop.com" in await sandbox.get_json(f"/v1/customers/{cid}/customDomains")
    again = await bot.say("add the domain contoso-shop.com to Contoso Ltd")
    assert "Contoso Ltd already has the domain contoso-shop.com." in again.screen
    await bot.say("add the domain contoso-shop.com to Fabrikam Inc")
    refused = await bot.click("Confirm")
    assert "already in use by another tenant" in refused.screen and "Add another domain" in refused.buttons
    fid = (await sandbox.customer("Fabrikam Inc"))["id"]
    assert "contoso-shop.com" not in await sandbox.get_json(f"/v1/customers/{fid}/customDomains")


async def test_remove_relationship_and_delete_a_sandbox_customer(bot: Bot, sandbox: SandboxThread):
    asked = await bot.say("remove the reseller relationship with Litware Inc")
    assert "You can't undo this yourself" in asked.screen
    await bot.click("Cancel")
    assert await _named(sandbox, "Litware Inc")
    await bot.say("remove the reseller relationship with Litware Inc")
    await bot.click("Confirm")
    assert not await _named(sandbox, "Litware Inc")
    asked = await bot.say("delete the sandbox customer Wingtip Toys")
    assert "This can't be undone." in asked.screen
    done = await bot.click("Confirm")
    assert "Wingtip Toys was deleted from the integration sandbox." in done.screen
    assert not await _named(sandbox, "Wingtip Toys")


async def test_qualification_and_agreement_confirmation(bot: Bot, sandbox: SandboxThread):
    already = await bot.say("set Bellows College's qualification to education")
    assert "Bellows College already has the qualification Education." in already.screen
    asked = await bot.say("set Contoso Ltd's qualification to education")
    assert rows(asked)["Qualification"] == ["—", "Education"]
    await bot.click("Confirm")
    cid = (await sandbox.customer("Contoso Ltd"))["id"]
    assert [q["qualification"] for q in await sandbox.get_json(f"/v1/customers/{cid}/qualifications")] == \
        ["Education"]
    tid = (await sandbox.customer("Tailspin Toys"))["id"]
    await bot.say("record that Tailspin Toys accepted the Microsoft Customer Agreement")
    future = await bot.click("Continue", inputs={"first_name": "Jo", "last_name": "Doe",
                                                 "email": "jo@tailspintoys.example", "date_agreed": "2099-01-01"})
    assert "2099-01-01 is in the future" in future.screen
    asked = await bot.click("Continue", inputs={"date_agreed": "2026-12-01"})
    assert "Microsoft Customer Agreement" in asked.screen
    await bot.click("Confirm")
    found = (await sandbox.get_json(f"/v1/customers/{tid}/agreements",
                                    agreementType="MicrosoftCustomerAgreement"))["items"]
    assert [a["primaryContact"]["email"] for a in found] == ["jo@tailspintoys.example"]


async def test_support_profile_update_and_a_stale_etag(bot: Bot, sandbox: SandboxThread):
    form = await bot.say("change our support phone number")
    asked = await bot.click("Continue", inputs={"phone": "+1 425 555 0123"})
    assert rows(asked)["Phone"] == ["+1 425 555 0199", "+1 425 555 0123"]
    await bot.click("Confirm")
    assert (await sandbox.get_json("/v1/profiles/support"))["telephone"] == "+1 425 555 0123"
    assert form
    await bot.say("change our support phone number")
    await bot.click("Continue", inputs={"phone": "+1 425 555 0777"})
    current = await sandbox.get_json("/v1/profiles/support")
    async with httpx.AsyncClient(base_url=sandbox.url, headers=AUTH) as h:
        r = await h.put("/v1/profiles/support", json={**current, "email": "help@sandboxcsp.example"},
                        headers={"If-Match": f'"{current["attributes"]["etag"]}"'})
        assert r.status_code == 200
    done = await bot.click("Confirm")
    assert "Someone else changed Support profile" in done.screen
    now = await sandbox.get_json("/v1/profiles/support")
    assert now["telephone"] == "+1 425 555 0123" and now["email"] == "help@sandboxcsp.example"
