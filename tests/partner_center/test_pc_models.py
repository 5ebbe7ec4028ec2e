"""Models: tolerant of unknown fields and enum values, camelCase on the wire, safe reprs."""

from datetime import UTC, datetime

from partner_center import models
from partner_center.wire import to_wire_value


def test_unknown_enum_value_is_kept_raw():
    sub = models.Subscription.from_wire({"status": "disabled_by_fraud_team", "billingCycle": "Monthly"})
    assert sub.status == "disabled_by_fraud_team" and not isinstance(sub.status, models.SubscriptionStatus)
    assert sub.billing_cycle is models.BillingCycle.MONTHLY


def test_known_enum_values_are_case_and_separator_insensitive():
    order = models.Order.from_wire({"status": "pending review"})
    assert order.status is models.OrderStatus.PENDING_REVIEW
    cart = models.Cart.from_wire({"status": "active"})
    assert cart.status is models.CartStatus.ACTIVE and cart.status == "Active"


def test_integer_enums_for_service_requests():
    sr = models.ServiceRequest.from_wire({"status": 1, "severity": 0})
    assert sr.status is models.ServiceRequestStatus.OPEN
    assert sr.severity is models.ServiceRequestSeverity.UNKNOWN
    assert models.ServiceRequest.from_wire({"status": 42}).status == 42
    assert models.Subscription.from_wire({"status": 3}).status == 3  # not int-ordered: kept raw


def test_unknown_fields_survive_round_trip():
    wire = {"id": "s1", "quantity": 5, "brandNewField": {"nested": [1, 2]}, "attributes": {"etag": "e1"}}
    sub = models.Subscription.from_wire(wire)
    out = sub.to_wire()
    assert out == wire and out is not sub.raw
    out["brandNewField"]["nested"].append(3)
    assert sub.raw["brandNewField"]["nested"] == [1, 2]
    assert sub.etag == "e1" and sub["brandNewField"] == {"nested": [1, 2]}


def test_subscription_properties():
    sub = models.Subscription.from_wire({
        "id": "a4c1", "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971",
        "offerName": "Microsoft 365 Business Basic",
        "friendlyName": "Basic HQ", "quantity": 10, "status": "active", "autoRenewEnabled": True,
        "commitmentEndDate": "2025-01-13T00:00:00Z", "termDuration": "P1Y", "billingCycle": "monthly",
        "creationDate": "2019-01-16T00:45:41.6062996Z", "effectiveStartDate": "0001-01-01T00:00:00",
    })
    assert sub.offer_name == "Microsoft 365 Business Basic" and sub.friendly_name == "Basic HQ"
    assert sub.quantity == 10 and sub.auto_renew_enabled is True and sub.term_duration == "P1Y"
    assert sub.commitment_end_date == datetime(2025, 1, 13, tzinfo=UTC)
    assert sub.creation_date.microsecond == 606299
    assert sub.effective_start_date is None
    assert sub.catalog_item_parts == ("CFQ7TTC0LH18", "0001", "CFQ7TTC0K971")


def test_customer_properties_and_repr_hides_password():
    cust = models.Customer.from_wire({
        "id": "c1",
        "companyProfile": {"tenantId": "c1", "domain": "a.onmicrosoft.com", "companyName": "A Corp"},
        "relationshipToPartner": "reseller", "userCredentials": {"userName": "admin", "password": "S3cret!"},
    })
    assert (cust.company_name, cust.domain, cust.tenant_id) == ("A Corp", "a.onmicrosoft.com", "c1")
    assert cust.relationship_to_partner is models.RelationshipToPartner.RESELLER
    assert cust.initial_password == "S3cret!"
    assert "S3cret" not in repr(cust) and "S3cret" not in str(cust)


def test_links_and_pascal_case_fallback():
    link = models.Link.from_wire({"uri": "/v1/customers?size=2", "headers": [{"key": "MS-ContinuationToken",
                                                                               "value": "t1"}]})
    assert link.headers == {"MS-ContinuationToken": "t1"}
    assert models.Product.from_wire({"Title": "Teams"}).title == "Teams"


def test_checkout_result_nested_models():
    result = models.CartCheckoutResult.from_wire({
        "orders": [{"id": "o1", "status": "pending",
                    "lineItems": [{"lineItemNumber": 0, "subscriptionId": "s"}]}],
        "orderErrors": [{"orderGroupId": "1", "code": 800018,
                         "description": "The sandbox limit has been met."}],
    })
    assert result.orders[0].line_items[0].subscription_id == "s"
    assert result.order_errors[0].code == 800018


def test_request_bodies_are_camel_case():
    body = to_wire_value({
        "auto_renew_enabled": True, "friendlyName": "x", "status": models.SubscriptionStatus.SUSPENDED,
        "provisioning_context": {"subscription_id": "keep_me"}, "line_items": [{"catalog_item_id": "p:s:a"}],
    })
    assert body == {
        "autoRenewEnabled": True, "friendlyName": "x", "status": "suspended",
        "provisioningContext": {"subscription_id": "keep_me"}, "lineItems": [{"catalogItemId": "p:s:a"}],
    }


def test_audit_record_customized_data():
    rec = models.AuditRecord.from_wire({"operationStatus": "succeeded",
                                        "customizedData": [{"key": "SubscriptionId", "value": "s1"}]})
    assert rec.operation_status is models.AuditOperationStatus.SUCCEEDED
    assert rec.customized_data == {"SubscriptionId": "s1"}
