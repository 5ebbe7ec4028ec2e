"""client.orders — api.md §8 (O2-O4, O6)."""

from __future__ import annotations

from .models import Order, OrderStatus
from .operations import Operations, api_path
from .paging import Pager


class OrdersOperations(Operations):
    def list(
        self, customer_id: str, billing_type: str | None = None, *, correlation_id: str | None = None
    ) -> Pager[Order]:
        """All orders of a customer, optionally only one billing cycle type (e.g. `onetime`)."""
        params = {"billingType": billing_type}
        return self._pager(Order, api_path("customers", customer_id, "orders"), params, correlation_id)

    async def get(self, customer_id: str, order_id: str, *, correlation_id: str | None = None) -> Order:
        return await self._get(Order, api_path("customers", customer_id, "orders", order_id),
                               correlation_id=correlation_id)

    async def cancel(
        self, customer_id: str, order_id: str, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> Order:
        """Integration sandbox cancel (software / reserved instances); NCE is cancelled per subscription."""
        response = await self._call(
            "PATCH", api_path("customers", customer_id, "orders", order_id),
            body={"id": order_id, "status": OrderStatus.CANCELLED}, request_id=request_id,
            correlation_id=correlation_id,
        )
        return self._model(Order, response)
