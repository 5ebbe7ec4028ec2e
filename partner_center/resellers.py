"""client.resellers — indirect resellers (api.md §17, App+User)."""

from __future__ import annotations

from .account_models import PartnerRelationship
from .models import Customer
from .operations import Operations, api_path, filter_param
from .paging import Pager


class ResellersOperations(Operations):
    def list(self, *, correlation_id: str | None = None) -> Pager[PartnerRelationship]:
        """The partner's indirect resellers."""
        params = {"relationship_type": "IsIndirectCloudSolutionProviderOf"}
        return self._pager(PartnerRelationship, api_path("relationships"), params, correlation_id)

    def list_customers(self, reseller_id: str, *, size: int | None = None,
                       correlation_id: str | None = None) -> Pager[Customer]:
        """Customers of one indirect reseller (customer filter on IndirectReseller, starts_with)."""
        params = {"size": size, "filter": filter_param("IndirectReseller", reseller_id, "starts_with")}
        return self._pager(Customer, api_path("customers"), params, correlation_id)

    def of_customer(self, customer_id: str, *, correlation_id: str | None = None) -> Pager[PartnerRelationship]:
        """Indirect resellers a customer has a relationship with."""
        return self._pager(PartnerRelationship, api_path("customers", customer_id, "relationships"), None,
                           correlation_id)
