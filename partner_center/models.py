"""Partner Center resources as thin, tolerant views over the wire JSON.

Each model keeps the camelCase dict it was built from in `.raw` (unknown fields survive a read-modify-write)
and exposes typed snake_case properties. Enum properties return a `StrEnum` member when the value is known and
the raw value otherwise, because the service adds values over time (e.g. subscription status `disabled`).
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Generic, Self, TypeVar

from .wire import as_bool, as_float, as_int, as_str, coerce_enum, dig, parse_datetime

T = TypeVar("T")
M = TypeVar("M", bound="Model")


# --------------------------------------------------------------------------------------------------- enums
class SubscriptionStatus(enum.StrEnum):
    NONE = "none"
    ACTIVE = "active"
    PENDING = "pending"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    DISABLED = "disabled"
    DELETED = "deleted"


class BillingCycle(enum.StrEnum):
    UNKNOWN = "unknown"
    MONTHLY = "monthly"
    ANNUAL = "annual"
    NONE = "none"
    ONE_TIME = "one_time"
    TRIENNIAL = "triennial"
    BIENNIAL = "biennial"


class BillingType(enum.StrEnum):
    NONE = "none"
    USAGE = "usage"
    LICENSE = "license"
    BENEFIT = "benefit"


class ContractType(enum.StrEnum):
    SUBSCRIPTION = "subscription"
    PRODUCT_KEY = "product_key"
    REDEMPTION_CODE = "redemption_code"


class RelationshipToPartner(enum.StrEnum):
    UNKNOWN = "unknown"
    NONE = "none"
    RESELLER = "reseller"
    ADVISOR = "advisor"
    SYNDICATION = "syndication"
    MICROSOFT_SUPPORT = "microsoft_support"


class OrderStatus(enum.StrEnum):
    UNKNOWN = "unknown"
    COMPLETED = "completed"
    PENDING = "pending"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"
    PENDING_REVIEW = "pending_review"
    PENDING_PO_UPLOAD = "pending_po_upload"
    PO_UPLOAD_COMPLETE = "po_upload_complete"
    PO_REVIEW_REJECTED = "po_review_rejected"
    PARTIAL_SUCCESS = "partial_success"
    ERROR = "error"


class CartStatus(enum.StrEnum):
    ACTIVE = "Active"
    ORDERED = "Ordered"


class ServiceRequestStatus(enum.StrEnum):
    NONE = "none"
    OPEN = "open"
    CLOSED = "closed"
    ATTENTION_NEEDED = "attention_needed"


class ServiceRequestSeverity(enum.StrEnum):
    UNKNOWN = "unknown"
    CRITICAL = "critical"
    MODERATE = "moderate"
    MINIMAL = "minimal"


class UserState(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class UserDomainType(enum.StrEnum):
    NONE = "none"
    MANAGED = "managed"
    FEDERATED = "federated"


class AuditOperationStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PROGRESS = "progress"


# Older service-request payloads send integers (declaration order); see wire.coerce_enum.
for _cls in (ServiceRequestStatus, ServiceRequestSeverity):
    _cls._int_ordered_ = True  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------- field views
class _Field(Generic[T]):
    """Read-only attribute that looks a dotted camelCase path up in `.raw` and converts it."""

    def __init__(self, path: str, convert: Callable[[Any], T]) -> None:
        self.path = tuple(path.split("."))
        self.convert = convert

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Model | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return self.convert(dig(obj.raw, self.path))


def text(path: str) -> Any:
    return _Field(path, as_str)


def integer(path: str) -> Any:
    return _Field(path, as_int)


def number(path: str) -> Any:
    return _Field(path, as_float)


def flag(path: str) -> Any:
    return _Field(path, as_bool)


def moment(path: str) -> Any:
    return _Field(path, parse_datetime)


def choice(path: str, enum_cls: type[enum.Enum]) -> Any:
    return _Field(path, lambda value: coerce_enum(enum_cls, value))


def strings(path: str) -> Any:
    return _Field(path, lambda value: [str(v) for v in value] if isinstance(value, list) else [])


def mapping(path: str) -> Any:
    return _Field(path, lambda value: dict(value) if isinstance(value, Mapping) else {})


def nested(path: str, model: Callable[[], type[M]]) -> Any:
    """`model` is a thunk so that models can reference classes defined further down."""
    return _Field(path, lambda value: model()(value) if isinstance(value, Mapping) else None)


def nested_list(path: str, model: Callable[[], type[M]]) -> Any:
    def convert(value: Any) -> list[M]:
        return [model()(v) for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []

    return _Field(path, convert)


# --------------------------------------------------------------------------------------------------- base
class Model:
    """Base of every resource: `.raw` wire dict, `from_wire`/`to_wire`, read-only dict-style access."""

    object_type_name: ClassVar[str] = ""
    _repr_fields: ClassVar[tuple[str, ...]] = ("id",)

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, raw: Mapping[str, Any] | None = None) -> None:
        self.raw: dict[str, Any] = dict(raw or {})

    @classmethod
    def from_wire(cls, data: Mapping[str, Any] | Model | None) -> Self:
        if isinstance(data, cls):
            return data
        if isinstance(data, Model):
            return cls(data.raw)
        if data is not None and not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__}.from_wire expects a JSON object, got {type(data).__name__}")
        return cls(data)

    def to_wire(self) -> dict[str, Any]:
        """A deep copy of the wire dict: safe to modify and send back (unknown fields included)."""
        return copy.deepcopy(self.raw)

    id = text("id")
    etag = text("attributes.etag")
    object_type = text("attributes.objectType")

    @property
    def links(self) -> dict[str, Link]:
        links = self.raw.get("links")
        if not isinstance(links, Mapping):
            return {}
        return {name: Link(value) for name, value in links.items() if isinstance(value, Mapping)}

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def keys(self) -> Any:
        return self.raw.keys()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return type(self) is type(other) and self.raw == other.raw

    def __repr__(self) -> str:
        # Only identifying fields: some payloads carry passwords (new customers, password resets).
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._repr_fields)
        return f"{type(self).__name__}({shown})"


class Link(Model):
    """`{uri, method, headers: [{key, value}]}`; `uri` is relative and may or may not start with /v1."""

    _repr_fields = ("uri",)
    uri = text("uri")
    method = text("method")

    @property
    def headers(self) -> dict[str, str]:
        value = self.raw.get("headers")
        out: dict[str, str] = {}
        if isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping) and item.get("key"):
                    out[str(item["key"])] = str(item.get("value", ""))
        elif isinstance(value, Mapping):
            out = {str(k): str(v) for k, v in value.items()}
        return out


class Address(Model):
    _repr_fields = ("city", "country")
    first_name = text("firstName")
    last_name = text("lastName")
    address_line1 = text("addressLine1")
    address_line2 = text("addressLine2")
    city = text("city")
    state = text("state")
    region = text("region")
    postal_code = text("postalCode")
    country = text("country")
    phone_number = text("phoneNumber")


# ------------------------------------------------------------------------------------------------ customers
class CompanyProfile(Model):
    _repr_fields = ("tenant_id", "domain")
    tenant_id = text("tenantId")
    domain = text("domain")
    company_name = text("companyName")
    email = text("email")
    organization_registration_number = text("organizationRegistrationNumber")
    address = nested("address", lambda: Address)


class BillingProfile(Model):
    first_name = text("firstName")
    last_name = text("lastName")
    email = text("email")
    culture = text("culture")
    language = text("language")
    company_name = text("companyName")
    default_address = nested("defaultAddress", lambda: Address)


class Customer(Model):
    _repr_fields = ("id", "company_name")
    commerce_id = text("commerceId")
    company_profile = nested("companyProfile", lambda: CompanyProfile)
    billing_profile = nested("billingProfile", lambda: BillingProfile)
    company_name = text("companyProfile.companyName")
    domain = text("companyProfile.domain")
    relationship_to_partner = choice("relationshipToPartner", RelationshipToPartner)
    allow_delegated_access = flag("allowDelegatedAccess")
    custom_domains = strings("customDomains")
    associated_partner_id = text("associatedPartnerId")
    user_name = text("userCredentials.userName")
    initial_password = text("userCredentials.password")

    @property
    def tenant_id(self) -> str | None:
        return as_str(dig(self.raw, ("companyProfile", "tenantId"))) or self.id


# -------------------------------------------------------------------------------------------- subscriptions
class Subscription(Model):
    _repr_fields = ("id", "offer_name", "quantity", "status")
    entitlement_id = text("entitlementId")
    offer_id = text("offerId")
    offer_name = text("offerName")
    friendly_name = text("friendlyName")
    product_type_id = text("productType.id")
    quantity = integer("quantity")
    unit_type = text("unitType")
    parent_subscription_id = text("parentSubscriptionId")
    creation_date = moment("creationDate")
    effective_start_date = moment("effectiveStartDate")
    commitment_end_date = moment("commitmentEndDate")
    cancellation_allowed_until_date = moment("cancellationAllowedUntilDate")
    status = choice("status", SubscriptionStatus)
    auto_renew_enabled = flag("autoRenewEnabled")
    billing_type = choice("billingType", BillingType)
    billing_cycle = choice("billingCycle", BillingCycle)
    term_duration = text("termDuration")
    renewal_term_duration = text("renewalTermDuration")
    has_purchasable_addons = flag("hasPurchasableAddons")
    is_trial = flag("isTrial")
    publisher_name = text("publisherName")
    partner_id = text("partnerId")
    actions = strings("actions")
    suspension_reasons = strings("suspensionReasons")
    contract_type = choice("contractType", ContractType)
    order_id = text("orderId")
    refundable_quantity = integer("refundableQuantity.totalQuantity")
    commitment_end_date_time = moment("commitmentEndDateTime")
    scheduled_next_term_instructions = nested("scheduledNextTermInstructions", lambda: ScheduledNextTermInstructions)
    refundable_details = nested_list("refundableQuantity.details", lambda: RefundableQuantityDetail)
    promotion_id = text("promotionId")

    @property
    def catalog_item_parts(self) -> tuple[str, str, str] | None:
        """(product, sku, availability) when `offerId` is a modern catalog item id, else None."""
        parts = (self.offer_id or "").split(":")
        return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


class RefundableQuantityDetail(Model):
    """Seats of one purchase/renewal/mid-term add that may still be removed, until when (api.md §23.2)."""

    _repr_fields = ("quantity", "allowed_until")
    quantity = integer("quantity")
    allowed_until = moment("allowedUntilDateTime")


class ScheduledNextTermInstructions(Model):
    """A change scheduled for the next renewal (api.md §23.2, §23.4)."""

    _repr_fields = ("product_id", "sku_id", "quantity")
    product_id = text("product.productId")
    sku_id = text("product.skuId")
    availability_id = text("product.availabilityId")
    billing_cycle = choice("product.billingCycle", BillingCycle)
    term_duration = text("product.termDuration")
    promotion_id = text("product.promotionId")
    quantity = integer("quantity")
    custom_term_end_date = moment("customTermEndDate")


class TransitionEligibility(Model):
    """A catalog item a subscription may move to (api.md §7.1 S14, §23.1 N8)."""

    _repr_fields = ("catalog_item_id", "title")
    catalog_item_id = text("catalogItemId")
    title = text("title")

    @property
    def is_eligible(self) -> bool:
        checks = self.raw.get("eligibilities")
        return isinstance(checks, list) and any(isinstance(c, Mapping) and c.get("isEligible") for c in checks)

    @property
    def terms(self) -> list[tuple[str, str]]:
        """(termDuration, billingCycle) pairs offered, when the service lists them."""
        raw = self.raw.get("terms")
        return [(str(t.get("duration") or ""), str(t.get("billingCycle") or "").lower())
                for t in raw if isinstance(t, Mapping)] if isinstance(raw, list) else []


# ------------------------------------------------------------------------------------------------- catalog
class Product(Model):
    _repr_fields = ("id", "title")
    title = text("title")
    description = text("description")
    product_type_id = text("productType.id")
    is_microsoft_product = flag("isMicrosoftProduct")
    publisher_name = text("publisherName")


class Sku(Model):
    _repr_fields = ("product_id", "id", "title")
    product_id = text("productId")
    title = text("title")
    description = text("description")
    minimum_quantity = integer("minimumQuantity")
    maximum_quantity = integer("maximumQuantity")
    is_trial = flag("isTrial")
    supported_billing_cycles = strings("supportedBillingCycles")
    purchase_prerequisites = strings("purchasePrerequisites")
    actions = strings("actions")
    dynamic_attributes = mapping("dynamicAttributes")


class AvailabilityTerm(Model):
    _repr_fields = ("id", "duration", "billing_cycle")
    duration = text("duration")
    description = text("description")
    billing_cycle = choice("billingCycle", BillingCycle)


class Availability(Model):
    _repr_fields = ("catalog_item_id",)
    product_id = text("productId")
    sku_id = text("skuId")
    catalog_item_id = text("catalogItemId")
    currency_code = text("defaultCurrency.code")
    segment = text("segment")
    country = text("country")
    is_purchasable = flag("isPurchasable")
    is_renewable = flag("isRenewable")
    terms = nested_list("terms", lambda: AvailabilityTerm)
    product = nested("product", lambda: Product)
    sku = nested("sku", lambda: Sku)


class Offer(Model):
    _repr_fields = ("id", "name")
    name = text("name")
    description = text("description")
    minimum_quantity = integer("minimumQuantity")
    maximum_quantity = integer("maximumQuantity")
    is_add_on = flag("isAddOn")
    has_add_ons = flag("hasAddOns")
    is_available_for_purchase = flag("isAvailableForPurchase")
    is_auto_renewable = flag("isAutoRenewable")
    is_trial = flag("isTrial")
    billing = choice("billing", BillingType)
    supported_billing_cycles = strings("supportedBillingCycles")
    prerequisite_offers = strings("prerequisiteOffers")
    unit_type = text("unitType")
    category_name = text("category.name")
    country = text("country")


# --------------------------------------------------------------------------------------------- carts/orders
class CartLineItem(Model):
    _repr_fields = ("id", "catalog_item_id", "quantity")
    id = integer("id")
    catalog_item_id = text("catalogItemId")
    friendly_name = text("friendlyName")
    quantity = integer("quantity")
    currency_code = text("currencyCode")
    billing_cycle = choice("billingCycle", BillingCycle)
    term_duration = text("termDuration")
    order_group = text("orderGroup")
    provisioning_context = mapping("provisioningContext")
    error_code = text("error.errorCode")
    error_description = text("error.errorDescription")


class Cart(Model):
    _repr_fields = ("id", "status")
    creation_timestamp = moment("creationTimestamp")
    last_modified_timestamp = moment("lastModifiedTimestamp")
    expiration_timestamp = moment("expirationTimestamp")
    status = choice("status", CartStatus)
    line_items = nested_list("lineItems", lambda: CartLineItem)


class OrderLineItem(Model):
    _repr_fields = ("line_item_number", "offer_id", "quantity")
    line_item_number = integer("lineItemNumber")
    offer_id = text("offerId")
    subscription_id = text("subscriptionId")
    parent_subscription_id = text("parentSubscriptionId")
    friendly_name = text("friendlyName")
    quantity = integer("quantity")
    term_duration = text("termDuration")
    transaction_type = text("transactionType")


class Order(Model):
    _repr_fields = ("id", "status")
    alternate_id = text("alternateId")
    reference_customer_id = text("referenceCustomerId")
    billing_cycle = choice("billingCycle", BillingCycle)
    currency_code = text("currencyCode")
    line_items = nested_list("lineItems", lambda: OrderLineItem)
    creation_date = moment("creationDate")
    status = choice("status", OrderStatus)
    transaction_type = text("transactionType")
    total_price = number("totalPrice")


class OrderError(Model):
    _repr_fields = ("order_group_id", "code")
    order_group_id = text("orderGroupId")
    code = _Field("code", lambda v: v)
    description = text("description")


class CartCheckoutResult(Model):
    _repr_fields = ()
    orders = nested_list("orders", lambda: Order)
    order_errors = nested_list("orderErrors", lambda: OrderError)


# ---------------------------------------------------------------------------------------- service requests
class ServiceRequest(Model):
    _repr_fields = ("id", "status")
    title = text("title")
    description = text("description")
    severity = choice("severity", ServiceRequestSeverity)
    status = choice("status", ServiceRequestStatus)
    support_topic_id = text("supportTopicId")
    support_topic_name = text("supportTopicName")
    product_name = text("productName")
    organization_name = text("organization.name")
    created_date = moment("createdDate")
    last_modified_date = moment("lastModifiedDate")
    last_closed_date = moment("lastClosedDate")
    country_code = text("countryCode")

    @property
    def notes(self) -> list[dict[str, Any]]:
        value = self.raw.get("notes")
        return [dict(n) for n in value if isinstance(n, Mapping)] if isinstance(value, list) else []


class SupportTopic(Model):
    _repr_fields = ("id", "name")
    name = text("name")
    description = text("description")


# ------------------------------------------------------------------------------------------------- billing
class InvoiceDetail(Model):
    _repr_fields = ("billing_provider", "invoice_line_item_type")
    billing_provider = text("billingProvider")
    invoice_line_item_type = text("invoiceLineItemType")


class Invoice(Model):
    _repr_fields = ("id", "invoice_date")
    invoice_date = moment("invoiceDate")
    billing_period_start_date = moment("billingPeriodStartDate")
    billing_period_end_date = moment("billingPeriodEndDate")
    total_charges = number("totalCharges")
    paid_amount = number("paidAmount")
    currency_code = text("currencyCode")
    currency_symbol = text("currencySymbol")
    pdf_download_link = text("pdfDownloadLink")
    document_type = text("documentType")
    invoice_type = text("invoiceType")
    status = text("status")
    invoice_details = nested_list("invoiceDetails", lambda: InvoiceDetail)


class InvoiceLineItem(Model):
    """Line items differ by provider (license, usage, one-time): use typed helpers or `item["fieldName"]`."""

    _repr_fields = ("object_type",)
    customer_id = text("customerId")
    customer_name = text("customerName")
    subscription_id = text("subscriptionId")
    order_id = text("orderId")
    offer_name = text("offerName")
    product_name = text("productName")
    charge_type = text("chargeType")
    quantity = number("quantity")
    unit_price = number("unitPrice")
    subtotal = number("subtotal")
    total_for_customer = number("totalForCustomer")
    currency = text("currency")
    charge_start_date = moment("chargeStartDate")
    charge_end_date = moment("chargeEndDate")


class InvoiceSummary(Model):
    _repr_fields = ("balance_amount", "currency_code")
    balance_amount = number("balanceAmount")
    currency_code = text("currencyCode")
    currency_symbol = text("currencySymbol")
    accounting_date = moment("accountingDate")
    first_invoice_creation_date = moment("firstInvoiceCreationDate")
    last_payment_date = moment("lastPaymentDate")
    last_payment_amount = number("lastPaymentAmount")
    latest_invoice_date = moment("latestInvoiceDate")

    @property
    def details(self) -> dict[str, InvoiceSummary]:
        """Per invoice type (`Recurring`, `OneTime`) summaries."""
        value = self.raw.get("details")
        out: dict[str, InvoiceSummary] = {}
        if isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping) and isinstance(item.get("summary"), Mapping):
                    out[str(item.get("invoiceType"))] = InvoiceSummary(item["summary"])
        return out


# ------------------------------------------------------------------------------------------ users/licenses
class CustomerUser(Model):
    _repr_fields = ("id", "user_principal_name", "state")
    user_principal_name = text("userPrincipalName")
    first_name = text("firstName")
    last_name = text("lastName")
    display_name = text("displayName")
    usage_location = text("usageLocation")
    phone_number = text("phoneNumber")
    immutable_id = text("immutableId")
    state = choice("state", UserState)
    user_domain_type = choice("userDomainType", UserDomainType)
    soft_deletion_time = moment("softDeletionTime")
    last_directory_sync_time = moment("lastDirectorySyncTime")
    temporary_password = text("passwordProfile.password")
    force_change_password = flag("passwordProfile.forceChangePassword")


class ProductSku(Model):
    _repr_fields = ("id", "name")
    name = text("name")
    sku_part_number = text("skuPartNumber")
    target_type = text("targetType")
    license_group_id = text("licenseGroupId")


class ServicePlan(Model):
    _repr_fields = ("id", "service_name")
    display_name = text("displayName")
    service_name = text("serviceName")
    capability_status = text("capabilityStatus")
    target_type = text("targetType")


class SubscribedSku(Model):
    _repr_fields = ("sku_id", "available_units")
    available_units = integer("availableUnits")
    active_units = integer("activeUnits")
    consumed_units = integer("consumedUnits")
    suspended_units = integer("suspendedUnits")
    total_units = integer("totalUnits")
    warning_units = integer("warningUnits")
    capability_status = text("capabilityStatus")
    product_sku = nested("productSku", lambda: ProductSku)
    service_plans = nested_list("servicePlans", lambda: ServicePlan)
    sku_id = text("productSku.id")
    sku_name = text("productSku.name")


class License(Model):
    _repr_fields = ("sku_id",)
    product_sku = nested("productSku", lambda: ProductSku)
    service_plans = nested_list("servicePlans", lambda: ServicePlan)
    sku_id = text("productSku.id")
    sku_name = text("productSku.name")


# --------------------------------------------------------------------------------------------------- audit
class AuditRecord(Model):
    _repr_fields = ("id", "operation_type", "operation_status")
    partner_id = text("partnerId")
    customer_id = text("customerId")
    customer_name = text("customerName")
    user_principal_name = text("userPrincipalName")
    application_id = text("applicationId")
    resource_type = text("resourceType")
    resource_old_value = text("resourceOldValue")
    resource_new_value = text("resourceNewValue")
    operation_type = text("operationType")
    operation_date = moment("operationDate")
    operation_status = choice("operationStatus", AuditOperationStatus)

    @property
    def customized_data(self) -> dict[str, Any]:
        value = self.raw.get("customizedData")
        if isinstance(value, list):
            return {str(i.get("key")): i.get("value") for i in value if isinstance(i, Mapping)}
        return dict(value) if isinstance(value, Mapping) else {}

