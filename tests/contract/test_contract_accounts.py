"""client.profiles / resellers / utilities / agreements / directory_roles and the customer extras (company
profile, spending budget, domains, managed services, qualifications, relationship) against the sandbox over
HTTP, including each documented error code (api.md §5, §6, §15-§17)."""

from __future__ import annotations

import pytest
from contract_helpers import audit_total, customer_named

from partner_center import errors

US_ADDRESS = {"addressLine1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postalCode": "98052",
              "country": "US"}


async def test_partner_profiles_read_and_update_with_etag(pc):
    legal = await pc.profiles.get_legal_business()
    assert legal.company_name == "Sandbox CSP Partner" and legal.vetting_status == "authorized"
    assert legal.primary_contact.email and legal.address.city == "Redmond"
    org = await pc.profiles.get_organization()
    assert org.domain == "sandboxcsp.onmicrosoft.com" and org.default_address.country == "US" and org.etag
    billing = await pc.profiles.get_billing()
    assert billing.billing_currency == "USD" and billing.etag
    support = await pc.profiles.get_support()
    assert support.email == "support@sandboxcsp.example" and support.profile_type == "SupportProfile"
    mpn = await pc.profiles.get_mpn()
    assert mpn.mpn_id == "4851537" and mpn.partner_name == "Sandbox CSP Partner"

    body = support.to_wire()
    body["telephone"] = "+1 425 555 0111"
    updated = await pc.profiles.update("support", body, support.etag)
    assert updated.telephone == "+1 425 555 0111" and updated.etag != support.etag
    with pytest.raises(errors.BadRequestError) as stale:  # the eTag read before the change is no longer valid
        await pc.profiles.update("support", body, support.etag)
    assert stale.value.code == 2055
    assert (await pc.profiles.get_support()).telephone == "+1 425 555 0111"
    with pytest.raises(ValueError):
        await pc.profiles.update("support", body, "")
    org_body = org.to_wire()
    org_body["email"] = "not-an-email"
    with pytest.raises(errors.BadRequestError) as bad:
        await pc.profiles.update("organization", org_body, org.etag)
    assert bad.value.code == 800002
    legal_body = legal.to_wire()
    legal_body["companyName"] = "Sandbox CSP Partner LLC"
    assert (await pc.profiles.update("legal_business", legal_body, legal.etag)).company_name.endswith("LLC")
    billing_body = billing.to_wire()
    billing_body["purchaseOrderNumber"] = "PO-7"
    assert (await pc.profiles.update("billing", billing_body, billing.etag)).purchase_order_number == "PO-7"


async def test_profile_put_without_if_match_is_412(pc, sandbox):
    import httpx
    async with httpx.AsyncClient(base_url=sandbox.url, headers={"Authorization": "Bearer sandbox-dev-token"}) as h:
        r = await h.put("/v1/profiles/support", json={"email": "a@b.example"})
    assert r.status_code == 412 and r.json()["code"] == 2055


async def test_verify_mpn_and_validation_codes(pc):
    other = await pc.profiles.get_mpn("5123801")
    assert other.partner_name == "Proseware Cloud Resellers"
    with pytest.raises(errors.NotFoundError) as missing:
        await pc.profiles.get_mpn("9999999")
    assert missing.value.code == 3000
    codes = await pc.profiles.list_validation_codes().to_list()
    assert len(codes) == 2 and all(c.validation_id and c.max_creates == 5 for c in codes)


async def test_resellers_their_customers_and_a_customers_resellers(pc):
    resellers = await pc.resellers.list().to_list()
    assert [r.name for r in resellers][:2] == ["Proseware Cloud Resellers", "Lucerne IT Services"]
    assert all(r.relationship_type == "is_indirect_cloud_solution_provider_of" and r.mpn_id for r in resellers)
    found = None
    for reseller in resellers:
        customers = await pc.resellers.list_customers(reseller.id).to_list()
        if customers:
            found = (reseller, customers)
            break
    assert found, "the seed gives some customers to resellers"
    reseller, customers = found
    assert all(c.associated_partner_id == reseller.id for c in customers)
    of = await pc.resellers.of_customer(customers[0].id).to_list()
    assert [r.id for r in of] == [reseller.id]
    contoso = await customer_named(pc, "Contoso Ltd")
    assert await pc.resellers.of_customer(contoso.id).to_list() == []


async def test_utilities_address_rules_and_domains(pc):
    ok = await pc.utilities.validate_address(US_ADDRESS)
    assert ok.status == "VerifiedShippable" and ok.verified
    wrong_city = await pc.utilities.validate_address({**US_ADDRESS, "city": "Seattle"})
    assert wrong_city.status == "InteractionRequired" and not wrong_city.verified
    assert wrong_city.suggested_addresses[0].city == "Redmond"
    bad_zip = await pc.utilities.validate_address({**US_ADDRESS, "postalCode": "ABCDE"})
    assert bad_zip.status == "None" and "postal code" in bad_zip.validation_message
    with pytest.raises(errors.BadRequestError) as bad:
        await pc.utilities.validate_address({"addressLine1": "x", "city": "y", "country": "USA"})
    assert bad.value.code == 800002
    rules = await pc.utilities.address_rules("us")
    assert rules.iso2_code == "US" and rules.is_state_required and "WA" in rules.supported_states
    with pytest.raises(errors.NotFoundError):
        await pc.utilities.address_rules("ZZ")
    contoso = await customer_named(pc, "Contoso Ltd")
    assert await pc.utilities.domain_available(contoso.domain) is False
    assert await pc.utilities.domain_available("surely-free-domain-4242.onmicrosoft.com") is True


async def test_customer_profile_budget_domains_services_qualifications(pc, sandbox):
    contoso = await customer_named(pc, "Contoso Ltd")
    company = await pc.customers.get_company_profile(contoso.id)
    assert company.company_name == "Contoso Ltd" and company.domain == contoso.domain
    budget = await pc.customers.get_spending_budget(contoso.id)
    updated = await pc.customers.update_spending_budget(contoso.id, 1500)
    assert float(updated.amount) == 1500 and float((await pc.customers.get_spending_budget(contoso.id)).amount) \
        == 1500 and budget.object_type == "SpendingBudget"
    with pytest.raises(errors.BadRequestError) as negative:
        await pc.customers.update_spending_budget(contoso.id, -5)
    assert negative.value.code == 800002

    assert contoso.domain in await pc.customers.list_custom_domains(contoso.id)
    domains = await pc.customers.add_domain(contoso.id, "contoso-shop.example")
    assert "contoso-shop.example" in domains
    before = audit_total(sandbox)
    with pytest.raises(errors.ConflictError) as taken:
        await pc.customers.add_domain(contoso.id, "contoso-shop.example")
    assert taken.value.code == 600006 and audit_total(sandbox) == before
    with pytest.raises(errors.BadRequestError):
        await pc.customers.add_domain(contoso.id, "not a domain")

    services = await pc.customers.list_managed_services(contoso.id).to_list()
    assert services[0].name == "Microsoft 365 admin center" and services[0].admin_service_url.startswith("https://")

    assert await pc.customers.list_qualifications(contoso.id).to_list() == []
    added = await pc.customers.add_qualification(contoso.id, "StateOwnedEntity")
    assert added.qualification == "StateOwnedEntity" and added.vetting_status == "Approved"
    with pytest.raises(errors.ConflictError):
        await pc.customers.add_qualification(contoso.id, "StateOwnedEntity")
    with pytest.raises(errors.BadRequestError):
        await pc.customers.add_qualification(contoso.id, "Nonsense")
    with pytest.raises(errors.BadRequestError):
        await pc.customers.add_qualification(contoso.id, "GovernmentCommunityCloud", validation_code="000")
    code = next(c for c in await pc.profiles.list_validation_codes().to_list() if c.remaining_creates)
    gcc = await pc.customers.add_qualification(contoso.id, "GovernmentCommunityCloud",
                                               validation_code=code.validation_id)
    assert gcc.qualification == "GovernmentCommunityCloud"
    assert {q.qualification for q in await pc.customers.list_qualifications(contoso.id).to_list()} == \
        {"StateOwnedEntity", "GovernmentCommunityCloud"}


async def test_relationship_request_and_remove_relationship(pc):
    request = await pc.customers.get_relationship_request()
    assert request.url.startswith("https://admin.microsoft.com/")
    litware = await customer_named(pc, "Litware Inc")
    removed = await pc.customers.remove_relationship(litware.id)
    assert removed.relationship_to_partner == "none"
    with pytest.raises(errors.NotFoundError) as gone:
        await pc.customers.get(litware.id)
    assert gone.value.code == 60003


async def test_agreements_metadata_list_confirm_and_duplicate(pc):
    templates = await pc.agreements.list_metadata().to_list()
    assert [t.agreement_type for t in templates] == ["MicrosoftCustomerAgreement"]
    every = await pc.agreements.list_metadata("*").to_list()
    assert len(every) == 2
    tailspin = await customer_named(pc, "Tailspin Toys")
    assert await pc.agreements.list(tailspin.id).to_list() == []
    contact = {"first_name": "Jo", "last_name": "Doe", "email": "jo@tailspintoys.example"}
    agreement = await pc.agreements.confirm(tailspin.id, template_id=templates[0].template_id, contact=contact,
                                            date_agreed="2026-12-01")
    assert agreement.type == "MicrosoftCustomerAgreement" and agreement.user_id
    listed = await pc.agreements.list(tailspin.id).to_list()
    assert [a.primary_contact.email for a in listed] == ["jo@tailspintoys.example"]
    with pytest.raises(errors.ConflictError) as dup:
        await pc.agreements.confirm(tailspin.id, template_id=templates[0].template_id, contact=contact,
                                    date_agreed="2026-12-01")
    assert dup.value.code == 600061
    with pytest.raises(errors.BadRequestError):
        await pc.agreements.confirm(tailspin.id, template_id="nope", contact=contact, date_agreed="2026-12-01")
    with pytest.raises(errors.BadRequestError):
        await pc.agreements.confirm(tailspin.id, template_id=templates[0].template_id,
                                    contact={**contact, "email": "bad"}, date_agreed="2026-12-01")


async def test_directory_roles_members_add_and_remove(pc):
    cust = await customer_named(pc, "Contoso Ltd")
    roles = await pc.directory_roles.list(cust.id).to_list()
    ga = next(r for r in roles if r.name == "Company Administrator")
    helpdesk = next(r for r in roles if r.name == "Helpdesk Administrator")
    admins = await pc.directory_roles.members(cust.id, ga.id).to_list()
    assert admins and admins[0].user_principal_name.startswith("admin@")
    users = await pc.users.list(cust.id).to_list()
    plain = [u for u in users if not u.user_principal_name.startswith("admin@")]
    someone = None
    for user in plain:
        if helpdesk.id not in {r.id for r in await pc.directory_roles.of_user(cust.id, user.id).to_list()}:
            someone = user
            break
    assert someone is not None
    member = await pc.directory_roles.add_member(cust.id, helpdesk.id, someone)
    assert member.role_id == helpdesk.id and member.user_principal_name == someone.user_principal_name
    assert helpdesk.id in {r.id for r in await pc.directory_roles.of_user(cust.id, someone.id).to_list()}
    await pc.directory_roles.remove_member(cust.id, helpdesk.id, someone.id)
    assert helpdesk.id not in {r.id for r in await pc.directory_roles.of_user(cust.id, someone.id).to_list()}
    with pytest.raises(errors.NotFoundError):
        await pc.directory_roles.remove_member(cust.id, helpdesk.id, someone.id)
    with pytest.raises(errors.NotFoundError) as unknown_user:
        await pc.directory_roles.add_member(cust.id, helpdesk.id, {"id": "00000000-0000-0000-0000-000000000001"})
    assert unknown_user.value.code == 60002
