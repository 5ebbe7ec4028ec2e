"""client.usage — Azure usage, budgets, service costs and prices (api.md §12.1 B12-B16, §7.1 S21)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import errors
from .billing_models import (
    AzureRateCard,
    AzureUtilizationRecord,
    CustomerUsageSummary,
    MeterUsageRecord,
    PartnerUsageSummary,
    ServiceCostLineItem,
    ServiceCostsSummary,
    SubscriptionUsageRecord,
)
from .operations import Operations, api_path
from .paging import Page, Pager
from .wire import to_wire_value


class UtilizationNotReadyError(errors.PartnerCenterError):
    """204 + Retry-After: Partner Center is still preparing the utilization window (B12); ask again later."""

    def plain(self) -> str:
        return "Partner Center is still preparing this usage data."


@dataclass(frozen=True)
class UtilizationWindow:
    """What B12 answered for a window: the first page, or `retry_after` seconds when the data is not ready."""

    first_page: Page[AzureUtilizationRecord] | None
    retry_after: float | None

    @property
    def ready(self) -> bool:
        return self.first_page is not None


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

    def _utilization_path(self, customer_id: str, subscription_id: str) -> str:
        return api_path("customers", customer_id, "subscriptions", subscription_id, "utilizations", "azure")

    def _utilization_params(self, start: datetime, end: datetime, granularity: str, show_details: bool,
                            size: int | None) -> dict:
        return {"start_time": to_wire_value(start), "end_time": to_wire_value(end), "granularity": granularity,
                "show_details": show_details, "size": size}

    async def check_azure_utilization(
        self, customer_id: str, subscription_id: str, start: datetime, end: datetime, *,
        granularity: str = "daily", show_details: bool = True, size: int | None = None,
        correlation_id: str | None = None,
    ) -> UtilizationWindow:
        """B12 first page, or the Retry-After of a 204 (data not ready) — the caller makes that a job."""
        response = await self._call("GET", self._utilization_path(customer_id, subscription_id),
                                    params=self._utilization_params(start, end, granularity, show_details, size),
                                    correlation_id=correlation_id)
        if response.status == 204:
            retry = errors.parse_retry_after(response.headers.get("Retry-After"))
            return UtilizationWindow(None, retry if retry is not None else 60.0)
        pager = self.list_azure_utilization(customer_id, subscription_id, start, end, granularity=granularity,
                                            show_details=show_details, size=size, correlation_id=correlation_id)
        return UtilizationWindow(pager._parse(response.body), None)  # noqa: SLF001 (same package)

    def list_azure_utilization(
        self, customer_id: str, subscription_id: str, start: datetime, end: datetime, *,
        granularity: str = "daily", show_details: bool = True, size: int | None = None,
        correlation_id: str | None = None,
    ) -> Pager[AzureUtilizationRecord]:
        """B12 records, all pages (seek paging). Raises UtilizationNotReadyError when the service answers 204."""
        return _UtilizationPager(self._pipeline, self._utilization_path(customer_id, subscription_id),
                                 AzureUtilizationRecord.from_wire,
                                 params=self._utilization_params(start, end, granularity, show_details, size),
                                 correlation_id=correlation_id)

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


class _UtilizationPager(Pager[AzureUtilizationRecord]):
    async def first_page(self) -> Page[AzureUtilizationRecord]:
        response = await self._pipeline.request("GET", self._path, params=self._params,
                                                correlation_id=self._correlation_id)
        if response.status == 204:
            raise UtilizationNotReadyError(
                "Azure utilization data is not ready yet.", status=204,
                retry_after=errors.parse_retry_after(response.headers.get("Retry-After")),
                request_id=response.request_id, correlation_id=response.correlation_id)
        return self._parse(response.body)
