"""client.analytics — partner insights (api.md §18; App+User only).

Licence insights use the Partner Center collection envelope under /v1; the other reports live under
/partner/v1/analytics and answer `{"Value": [...], "@nextLink": ..., "TotalCount": n}` with `top`/`skip` paging,
an OData-like `filter` (`field eq 'x' and field2 contains 'y'`), `groupby` and `aggregationLevel`.
"""

from __future__ import annotations

from .billing_models import Insight
from .operations import Operations, api_path
from .paging import Pager

INSIGHTS_PREFIX = "/partner/v1/analytics"


def quote_filter_value(value: str) -> str:
    """A value inside single quotes, quotes doubled (so a customer name cannot break the filter)."""
    return "'" + value.replace("'", "''") + "'"


class AnalyticsOperations(Operations):
    def list_license_deployment(self, customer_id: str | None = None, *, correlation_id: str | None = None
                                ) -> Pager[Insight]:
        """Licences sold vs deployed, partner-wide per service or one customer's per product."""
        path = (api_path("customers", customer_id, "analytics", "licenses", "deployment") if customer_id
                else api_path("analytics", "licenses", "deployment"))
        return self._pager(Insight, path, None, correlation_id)

    def list_license_usage(self, customer_id: str | None = None, *, correlation_id: str | None = None
                           ) -> Pager[Insight]:
        """Active vs qualified licences per workload, partner-wide or for one customer."""
        path = (api_path("customers", customer_id, "analytics", "licenses", "usage") if customer_id
                else api_path("analytics", "licenses", "usage"))
        return self._pager(Insight, path, None, correlation_id)

    def _insights(self, report: str, *, filter: str | None, groupby: str | None, aggregation_level: str | None,
                  top: int | None, skip: int | None, correlation_id: str | None) -> Pager[Insight]:
        params = {"filter": filter, "groupby": groupby, "aggregationLevel": aggregation_level, "top": top,
                  "skip": skip}
        return self._pager(Insight, f"{INSIGHTS_PREFIX}/{report}", params, correlation_id)

    def list_subscriptions(self, *, filter: str | None = None, groupby: str | None = None,
                           aggregation_level: str | None = None, top: int | None = None, skip: int | None = None,
                           correlation_id: str | None = None) -> Pager[Insight]:
        """Subscription rows, or counts grouped by a field/date (`groupby="creationDate"`, level month)."""
        return self._insights("subscriptions", filter=filter, groupby=groupby, aggregation_level=aggregation_level,
                              top=top, skip=skip, correlation_id=correlation_id)

    def list_azure_usage(self, *, filter: str | None = None, groupby: str | None = None,
                         aggregation_level: str | None = None, top: int | None = None, skip: int | None = None,
                         correlation_id: str | None = None) -> Pager[Insight]:
        """Daily meter quantities of the customers' Azure plans (default: the last 30 days)."""
        return self._insights("usage/azure", filter=filter, groupby=groupby, aggregation_level=aggregation_level,
                              top=top, skip=skip, correlation_id=correlation_id)

    def list_resellers(self, *, filter: str | None = None, top: int | None = None, skip: int | None = None,
                       correlation_id: str | None = None) -> Pager[Insight]:
        return self._insights("indirectresellers", filter=filter, groupby=None, aggregation_level=None, top=top,
                              skip=skip, correlation_id=correlation_id)

    def list_referrals(self, *, filter: str | None = None, groupby: str | None = None,
                       aggregation_level: str | None = None, top: int | None = None, skip: int | None = None,
                       correlation_id: str | None = None) -> Pager[Insight]:
        return self._insights("referrals", filter=filter, groupby=groupby, aggregation_level=aggregation_level,
                              top=top, skip=skip, correlation_id=correlation_id)

    def list_searches(self, *, filter: str | None = None, groupby: str | None = None,
                      aggregation_level: str | None = None, top: int | None = None, skip: int | None = None,
                      correlation_id: str | None = None) -> Pager[Insight]:
        return self._insights("search", filter=filter, groupby=groupby, aggregation_level=aggregation_level,
                              top=top, skip=skip, correlation_id=correlation_id)
