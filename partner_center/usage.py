"""client.usage — Azure usage vs budget, service costs and prices (api.md §12.1 B13-B16, §7.1 S21; B12 is
client.utilization)."""

from __future__ import annotations

from .billing_models import (
    AzureRateCard,
    CustomerUsageSummary,
    MeterUsageRecord,
    PartnerUsageSummary,
    ServiceCostLineItem,
    ServiceCostsSummary,
    SubscriptionUsageRecord,
)
from .operations import Operations, api_path
from .paging import Pager


class UsageOperations(Operations):
    async def get_customer_summary(self, customer_id: str, *, correlation_id: str | None = None
                                   ) -> CustomerUsageSummary:
        """B13: month-to-date Azure spend vs the customer's budget; 404 when the customer has no Azure."""
        return await self._get(CustomerUsageSummary, api_path("customers", customer_id, "usagesummary"),
                               correlation_id=correlation_id)

    async def get_partner_summary(self, *, correlation_id: str | None = None) -> PartnerUsageSummary:
        """B14: customers over / trending over budget."""
        return await self._get(PartnerUsageSummary, api_path("usagesummary"), correlation_id=correlation_id)

    def list_subscription_usage(self, customer_id: str, *, correlation_id: str | None = None
                                ) -> Pager[SubscriptionUsageRecord]:
        """S21: month-to-date cost per usage-based subscription of a customer."""
        return self._pager(SubscriptionUsageRecord,
                           api_path("customers", customer_id, "subscriptions", "usagerecords"), None, correlation_id)

    async def get_subscription_summary(self, customer_id: str, subscription_id: str, *,
                                       correlation_id: str | None = None) -> SubscriptionUsageRecord:
        return await self._get(SubscriptionUsageRecord, api_path(
            "customers", customer_id, "subscriptions", subscription_id, "usagesummary"),
            correlation_id=correlation_id)

    def list_meter_usage(self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
                         ) -> Pager[MeterUsageRecord]:
        """S21: month-to-date quantity and cost per meter of an Azure subscription."""
        return self._pager(MeterUsageRecord, api_path(
            "customers", customer_id, "subscriptions", subscription_id, "meterusagerecords"), None, correlation_id)

    async def get_service_costs(self, customer_id: str, billing_period: str = "MostRecent", *,
                                correlation_id: str | None = None) -> ServiceCostsSummary:
        """B15 (only `MostRecent` exists)."""
        return await self._get(ServiceCostsSummary, api_path("customers", customer_id, "servicecosts",
                                                             billing_period), correlation_id=correlation_id)

    def list_service_cost_line_items(self, customer_id: str, billing_period: str = "MostRecent", *,
                                     correlation_id: str | None = None) -> Pager[ServiceCostLineItem]:
        """B16."""
        return self._pager(ServiceCostLineItem, api_path("customers", customer_id, "servicecosts", billing_period,
                                                         "lineitems"), None, correlation_id)

    async def get_azure_rate_card(self, *, currency: str | None = None, region: str | None = None,
                                  correlation_id: str | None = None) -> AzureRateCard:
        """Pay-as-you-go Azure meter prices (`GET /v1/ratecards/azure`)."""
        return await self._get(AzureRateCard, api_path("ratecards", "azure"),
                               {"currency": currency, "region": region}, correlation_id)
