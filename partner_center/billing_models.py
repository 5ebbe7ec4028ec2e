"""Money resources (api.md §12 B6-B16, §18, §25) as tolerant views over the wire JSON; amounts are Decimal.

A JSON number such as 1245.48 arrives as a float; `amount()` turns it into Decimal through its shortest repr
(str(float)), which is exactly the decimal the service wrote for any amount of up to 15 significant digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .models import Model, _Field, integer, moment, nested, nested_list, text
from .wire import dig


def to_decimal(value: Any) -> Decimal | None:
    """Wire number/string -> Decimal (None when absent or not a number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip()) if isinstance(value, str) else Decimal(repr(float(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None


def amount(path: str) -> Any:
    return _Field(path, to_decimal)


class SpendingBudget(Model):
    amount = amount("amount")


class CustomerUsageSummary(Model):
    """B13: month-to-date Azure spend vs budget (`resourceId`/`resourceName` on Azure plan, `id`/`name` legacy)."""

    _repr_fields = ("resource_name", "total_cost")
    budget = nested("budget", lambda: SpendingBudget)
    billing_start_date = moment("billingStartDate")
    billing_end_date = moment("billingEndDate")
    total_cost = amount("totalCost")
    usd_total_cost = amount("usdTotalCost")
    last_modified_date = moment("lastModifiedDate")

    @property
    def resource_name(self) -> str | None:
        return self.raw.get("resourceName") or self.raw.get("name")

    @property
    def currency_code(self) -> str:
        """`currencyCode` (Azure plan) or the legacy `currencyLocale`'s currency; USD when neither says."""
        return str(self.raw.get("currencyCode") or "USD")

    @property
    def budget_amount(self) -> Decimal | None:
        """The docs' legacy example misspells `ammount`; accept both."""
        budget = self.raw.get("budget")
        if not isinstance(budget, Mapping):
            return None
        return to_decimal(budget.get("amount", budget.get("ammount")))


class PartnerUsageSummary(Model):
    """B14: how many customers are over / trending over their Azure budget this month."""

    customers_with_usage = integer("customersWithUsageBasedSubscriptions")
    customers_over_budget = integer("customersOverBudget")
    customers_trending_over = integer("customersTrendingOver")
    billing_start_date = moment("billingStartDate")
    billing_end_date = moment("billingEndDate")


class SubscriptionUsageRecord(Model):
    """S21: a usage-based subscription's month-to-date cost (usagerecords / usagesummary)."""

    _repr_fields = ("id", "total_cost")
    name = text("name")
    status = text("status")
    resource_type = text("resourceType")
    total_cost = amount("totalCost")
    currency_code = text("currencyCode")
    billing_start_date = moment("billingStartDate")
    billing_end_date = moment("billingEndDate")


class MeterUsageRecord(Model):
    _repr_fields = ("meter_name", "total_cost")
    meter_id = text("meterId")
    meter_name = text("meterName")
    category = text("category")
    unit = text("unit")
    quantity = amount("quantity")
    total_cost = amount("totalCost")
    currency_code = text("currencyCode")


class ServiceCostsSummary(Model):
    """B15: a customer's charges on the most recent invoices."""

    billing_start_date = moment("billingStartDate")
    billing_end_date = moment("billingEndDate")
    pretax_total = amount("pretaxTotal")
    tax = amount("tax")
    after_tax_total = amount("afterTaxTotal")
    currency_code = text("currencyCode")
    currency_symbol = text("currencySymbol")

    @property
    def details(self) -> dict[str, ServiceCostsSummary]:
        out: dict[str, ServiceCostsSummary] = {}
        for item in self.raw.get("details") or []:
            if isinstance(item, Mapping) and isinstance(item.get("summary"), Mapping):
                out[str(item.get("invoiceType"))] = ServiceCostsSummary(item["summary"])
        return out


class ServiceCostLineItem(Model):
    _repr_fields = ("product_name", "after_tax_total")
    subscription_id = text("subscriptionId")
    subscription_friendly_name = text("subscriptionFriendlyName")
    product_name = text("productName")
    charge_type = text("chargeType")
    quantity = amount("quantity")
    unit_price = amount("unitPrice")
    pretax_total = amount("pretaxTotal")
    after_tax_total = amount("afterTaxTotal")
    currency_code = text("currencyCode")
    start_date = moment("startDate")
    end_date = moment("endDate")


class AzureMeter(Model):
    _repr_fields = ("name", "price")
    name = text("name")
    category = text("category")
    subcategory = text("subcategory")
    region = text("region")
    unit = text("unit")

    @property
    def price(self) -> Decimal | None:
        """The first tier's rate (`rates{"0": price}`)."""
        rates = self.raw.get("rates")
        if isinstance(rates, Mapping) and rates:
            first = rates.get("0", next(iter(rates.values())))
            return to_decimal(first)
        return None


class AzureRateCard(Model):
    currency = text("currency")
    locale = text("locale")
    meters = nested_list("meters", lambda: AzureMeter)


class EstimateLink(Model):
    _repr_fields = ("title",)
    title = text("title")
    description = text("description")

    @property
    def uri(self) -> str | None:
        value = dig(self.raw, ("link", "uri"))
        return str(value) if value else None


class Insight(Model):
    """One row of an analytics answer (§18); fields differ per report, read them with `row["name"]`."""

    def number(self, name: str) -> Decimal | None:
        return to_decimal(dig(self.raw, (name,)))
