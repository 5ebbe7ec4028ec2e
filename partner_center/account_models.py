"""Resources of the account chores (api.md §5, §6, §15-§17): partner profiles, agreements, resellers, roles,
utilities. Same tolerant style as `models.py`: typed views over the wire dict, unknown fields kept in `.raw`."""

from __future__ import annotations

from .models import Address, Model, choice, flag, integer, moment, nested, nested_list, strings, text  # noqa: F401


class Contact(Model):
    _repr_fields = ("email",)
    first_name = text("firstName")
    last_name = text("lastName")
    email = text("email")
    phone_number = text("phoneNumber")


class LegalBusinessProfile(Model):
    """GET /v1/profiles/legalbusiness (api.md §16)."""

    _repr_fields = ("company_name", "vetting_status")
    company_name = text("companyName")
    address = nested("address", lambda: Address)
    primary_contact = nested("primaryContact", lambda: Contact)
    company_approver_email = text("companyApproverEmail")
    vetting_status = text("vettingStatus")
    vetting_sub_status = text("vettingSubStatus")
    profile_type = text("profileType")


class OrganizationProfile(Model):
    _repr_fields = ("company_name", "domain")
    company_name = text("companyName")
    default_address = nested("defaultAddress", lambda: Address)
    tenant_id = text("tenantId")
    domain = text("domain")
    email = text("email")
    language = text("language")
    culture = text("culture")
    profile_type = text("profileType")


class PartnerBillingProfile(Model):
    _repr_fields = ("company_name",)
    company_name = text("companyName")
    address = nested("address", lambda: Address)
    primary_contact = nested("primaryContact", lambda: Contact)
    purchase_order_number = text("purchaseOrderNumber")
    tax_id = text("taxId")
    billing_currency = text("billingCurrency")
    profile_type = text("profileType")


class MpnProfile(Model):
    _repr_fields = ("mpn_id", "partner_name")
    mpn_id = text("mpnId")
    partner_name = text("partnerName")
    profile_type = text("profileType")


class SupportProfile(Model):
    _repr_fields = ("email",)
    email = text("email")
    telephone = text("telephone")
    website = text("website")
    profile_type = text("profileType")


class ValidationCode(Model):
    """A Government Community Cloud validation code (GET /v1/customers/all/validations)."""

    _repr_fields = ("validation_id",)
    partner_id = text("partnerId")
    organization_name = text("organizationName")
    validation_id = text("validationId")
    max_creates = integer("maxCreates")
    remaining_creates = integer("remainingCreates")


class PartnerRelationship(Model):
    """An indirect reseller (api.md §17)."""

    _repr_fields = ("id", "name")
    name = text("name")
    relationship_type = text("relationshipType")
    state = text("state")
    mpn_id = text("mpnId")
    location = text("location")


class RelationshipRequest(Model):
    _repr_fields = ("url",)
    url = text("url")


class ManagedService(Model):
    _repr_fields = ("id", "name")
    name = text("name")
    group_name = text("groupName")
    admin_service_url = text("adminServiceUrl")


class SpendingBudget(Model):
    _repr_fields = ("amount",)
    amount = text("amount")


class CustomerQualification(Model):
    _repr_fields = ("qualification", "vetting_status")
    qualification = text("qualification")
    vetting_status = text("vettingStatus")
    vetting_reason = text("vettingReason")
    vetting_created_date = moment("vettingCreatedDate")


class AgreementMetadata(Model):
    _repr_fields = ("template_id", "agreement_type")
    template_id = text("templateId")
    agreement_type = text("agreementType")
    agreement_link = text("agreementLink")
    version_rank = integer("versionRank")


class Agreement(Model):
    _repr_fields = ("template_id", "type")
    template_id = text("templateId")
    type = text("type")
    date_agreed = moment("dateAgreed")
    user_id = text("userId")
    agreement_link = text("agreementLink")
    primary_contact = nested("primaryContact", lambda: Contact)


class DirectoryRole(Model):
    _repr_fields = ("id", "name")
    name = text("name")


class UserMember(Model):
    _repr_fields = ("id", "user_principal_name")
    display_name = text("displayName")
    user_principal_name = text("userPrincipalName")
    role_id = text("roleId")


class AddressValidation(Model):
    """POST /v1/validations/address (api.md §15 X1)."""

    _repr_fields = ("status",)
    status = text("status")
    validation_message = text("validationMessage")
    original_address = nested("originalAddress", lambda: Address)
    suggested_addresses = nested_list("suggestedAddresses", lambda: Address)

    @property
    def verified(self) -> bool:
        return (self.status or "") in {"Verified", "VerifiedShippable"}


class CountryValidationRules(Model):
    """GET /v1/countryvalidationrules/{country} (api.md §15 X4)."""

    _repr_fields = ("iso2_code",)
    iso2_code = text("iso2Code")
    default_culture = text("defaultCulture")
    is_city_required = flag("isCityRequired")
    is_postal_code_required = flag("isPostalCodeRequired")
    is_state_required = flag("isStateRequired")
    postal_code_regex = text("postalCodeRegex")
    phone_number_regex = text("phoneNumberRegex")
    supported_states = strings("supportedStatesList")
    supported_languages = strings("supportedLanguagesList")
    supported_cultures = strings("supportedCulturesList")
