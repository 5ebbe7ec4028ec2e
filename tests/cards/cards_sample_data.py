"""Realistic Partner Center wire dicts (api.md shapes, camelCase) for the card tests, incl. odd values."""

from __future__ import annotations

import copy
from typing import Any

CID = "5a0c1f0e-7b1d-4c55-9a55-0d8a3c7d1e01"
SID = "a4c1340d-6911-4758-bba3-0c4c6007d161"


def customer(i: int = 0, name: str = "Contoso Ltd") -> dict[str, Any]:
    cid = CID if i == 0 else f"{i:08d}-0000-4000-8000-000000000000"
    return {
        "id": cid, "commerceId": "9c2d0000-0000-0000-0000-000000000001",
        "companyProfile": {"tenantId": cid, "domain": f"contoso{i}.onmicrosoft.com", "companyName": name,
                           "links": {"self": {"uri": f"/customers/{cid}/profiles/company", "method": "GET",
                                              "headers": []}},
                           "attributes": {"objectType": "CustomerCompanyProfile"}},
        "billingProfile": {"id": "b1", "firstName": "Ada", "lastName": "Lovelace", "email": "billing@contoso.example",
                           "culture": "en-US", "language": "en", "companyName": name,
                           "defaultAddress": {"country": "US", "city": "Redmond", "state": "WA",
                                              "addressLine1": "1 Main St", "postalCode": "98052"},
                           "attributes": {"etag": "5920358838484612121", "objectType": "CustomerBillingProfile"}},
        "relationshipToPartner": "reseller", "allowDelegatedAccess": True,
        "customDomains": ["contoso.com", "contoso.example"],
        "someFutureField": {"nested": [1, 2, 3]},
        "links": {"self": {"uri": f"/customers/{cid}", "method": "GET", "headers": []}},
        "attributes": {"objectType": "Customer"},
    }


SUBSCRIPTION: dict[str, Any] = {
    "id": SID, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "offerName": "Microsoft 365 Business Basic",
    "friendlyName": "M365 Basic (HQ)",
    "productType": {"id": "OnlineServicesNCE", "displayName": "OnlineServicesNCE"},
    "quantity": 10, "unitType": "Licenses", "hasPurchasableAddons": True,
    "creationDate": "2024-01-14T16:57:15.09Z", "effectiveStartDate": "2024-01-14T16:57:14.49Z",
    "commitmentEndDate": "2026-03-12T00:00:00Z", "commitmentEndDateTime": "2026-03-12T23:59:59Z",
    "cancellationAllowedUntilDate": "2024-01-21T23:59:00Z",
    "status": "active", "autoRenewEnabled": True, "isTrial": False,
    "billingType": "license", "billingCycle": "monthly", "termDuration": "P1Y", "renewalTermDuration": "",
    "refundOptions": [{"type": "Full", "expiresAt": "2024-01-15T00:00:00Z"}],
    "refundableQuantity": {"totalQuantity": 10, "details": [{"quantity": 10,
                                                             "allowedUntilDateTime": "2024-01-21T16:57:15Z"}]},
    "isMicrosoftProduct": True, "partnerId": "", "attentionNeeded": False, "actionTaken": False,
    "contractType": "subscription", "publisherName": "Microsoft Corporation", "orderId": "34b37d7340cc",
    "links": {"self": {"uri": f"/customers/{CID}/subscriptions/{SID}", "method": "GET", "headers": []}},
    "attributes": {"objectType": "Subscription"},
}


def subscription(i: int = 0, **changes: Any) -> dict[str, Any]:
    sub = copy.deepcopy(SUBSCRIPTION)
    if i:
        sub["id"] = f"{i:08d}-1111-4000-8000-000000000000"
        sub["friendlyName"] = f"Subscription number {i} with a fairly long nickname"
        sub["links"]["self"]["uri"] = f"/customers/{CID}/subscriptions/{sub['id']}"
    sub.update(changes)
    return sub


USER: dict[str, Any] = {
    "usageLocation": "US", "id": "a9ef48bb-0000-4000-8000-000000000001",
    "userPrincipalName": "jane@contosotest123.onmicrosoft.com", "firstName": "Jane", "lastName": "Doe",
    "displayName": "Jane Doe", "userDomainType": "none", "state": "active",
    "lastDirectorySyncTime": None,
    "links": {"self": {"uri": f"/customers/{CID}/users/a9ef48bb-0000-4000-8000-000000000001", "method": "GET",
                       "headers": []}},
    "attributes": {"objectType": "CustomerUser"},
}

SUBSCRIBED_SKU: dict[str, Any] = {
    "availableUnits": 3, "activeUnits": 25, "consumedUnits": 22, "suspendedUnits": 0, "totalUnits": 25,
    "warningUnits": 0, "capabilityStatus": "Enabled",
    "productSku": {"id": "c7df2760-2c81-4ef7-b578-5b5392b571df", "name": "Microsoft 365 E5",
                   "skuPartNumber": "SPE_E5", "targetType": "User", "licenseGroupId": "group1"},
    "servicePlans": [{"id": f"p{i}", "displayName": f"Plan {i}", "serviceName": f"PLAN_{i}",
                      "capabilityStatus": "Enabled", "targetType": "User"} for i in range(12)],
    "attributes": {"objectType": "SubscribedSku"},
}

LICENSE: dict[str, Any] = {
    "productSku": SUBSCRIBED_SKU["productSku"], "servicePlans": SUBSCRIBED_SKU["servicePlans"],
    "attributes": {"objectType": "License"},
}

ORDER: dict[str, Any] = {
    "id": "a68736758d9c", "alternateId": "a68736758d9c", "referenceCustomerId": CID,
    "billingCycle": "monthly", "currencyCode": "USD", "currencySymbol": "$", "totalPrice": 1234.5,
    "lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "subscriptionId": SID,
                   "termDuration": "P1Y", "transactionType": "New", "friendlyName": "Basic HQ", "quantity": 5,
                   "pricing": {"listPrice": 6.0, "price": 30.0}},
                  {"lineItemNumber": 1, "offerId": "CFQ7TTC0LCHC:0002:CFQ7TTC0KDJP", "termDuration": "P1M",
                   "transactionType": "SomethingNew", "friendlyName": "Teams Essentials", "quantity": 20}],
    "creationDate": "2024-04-18T22:03:45.45Z", "status": "pending", "transactionType": "UserPurchase",
    "attributes": {"objectType": "Order"},
}

INVOICE: dict[str, Any] = {
    "id": "G000024135", "invoiceDate": "2026-03-12T00:00:00Z", "billingPeriodStartDate": "2026-02-09T00:00:00Z",
    "billingPeriodEndDate": "2026-03-08T00:00:00Z", "totalCharges": 751094.39, "paidAmount": 0,
    "currencyCode": "USD", "currencySymbol": "$", "pdfDownloadLink": "/invoices/G000024135/documents/statement",
    "invoiceDetails": [{"invoiceLineItemType": "billing_line_items", "billingProvider": "office"},
                       {"invoiceLineItemType": "usage_line_items", "billingProvider": "azure"},
                       {"invoiceLineItemType": "billing_line_items", "billingProvider": "quantum_billing"}],
    "documentType": "invoice", "invoiceType": "Recurring", "status": "Issued",
    "links": {"self": {"uri": "/invoices/Recurring-G000024135", "method": "GET", "headers": []}},
    "attributes": {"objectType": "Invoice"},
}

LINE_ITEM_LICENSE: dict[str, Any] = {
    "partnerId": "p", "customerId": CID, "customerName": "Contoso Ltd", "orderId": "o1", "subscriptionId": SID,
    "offerId": "x", "offerName": "Office 365 E3", "chargeStartDate": "2026-02-09T00:00:00Z",
    "chargeEndDate": "2026-03-08T00:00:00Z", "chargeType": "Cycle fee", "unitPrice": 20, "quantity": 10,
    "amount": 200, "subtotal": 200, "tax": 20, "totalForCustomer": 220, "currency": "USD",
    "attributes": {"objectType": "LicenseBasedLineItem"},
}

LINE_ITEM_ONETIME: dict[str, Any] = {
    "customerName": "Fabrikam", "productName": "Microsoft 365 Business Premium", "skuName": "Annual",
    "chargeType": "new", "unitPrice": 22, "quantity": 3, "subtotal": 66, "taxTotal": 6.6, "totalForCustomer": 72.6,
    "currency": "EUR", "attributes": {"objectType": "OneTimeInvoiceLineItem"},
}

BALANCE: dict[str, Any] = {
    "balanceAmount": 751094.39, "currencyCode": "USD", "currencySymbol": "$",
    "accountingDate": "2018-03-16T00:00:00", "firstInvoiceCreationDate": "2017-01-21T00:00:00Z",
    "lastPaymentDate": "2017-01-01T12:00:00Z", "lastPaymentAmount": 1000, "latestInvoiceDate": "2018-03-16T00:00:00",
    "details": [{"invoiceType": "Recurring", "summary": {"balanceAmount": 202955.87,
                                                          "attributes": {"objectType": "InvoiceSummary"}}},
                {"invoiceType": "OneTime", "summary": {"balanceAmount": 548138.52}},
                {"invoiceType": "Futuristic", "summary": {"balanceAmount": 0}}],
    "attributes": {"objectType": "InvoiceSummary"},
}

SERVICE_REQUEST: dict[str, Any] = {
    "title": "Cannot assign licenses", "description": "Details... " * 40, "severity": "moderate",
    "supportTopicId": "32444671", "supportTopicName": "Licensing", "id": "616122292874576", "status": "open",
    "organization": {"id": "org", "name": "Fabrikam CSP", "phoneNumber": "4255550100"},
    "primaryContact": {"contactId": "c", "firstName": "Ops", "lastName": "Admin",
                       "email": "admin@fabrikamcsp.onmicrosoft.com", "phoneNumber": "4255550101"},
    "createdDate": "2024-05-01T10:00:00Z", "lastModifiedDate": "2024-05-02T10:00:00Z",
    "lastClosedDate": "0001-01-01T00:00:00", "countryCode": "US",
    "notes": [{"createdByName": "Ops Admin", "createdDate": f"2024-05-0{d}T10:00:00Z", "text": f"note {d}"}
              for d in range(1, 4)],
    "attributes": {"objectType": "ServiceRequest"},
}
