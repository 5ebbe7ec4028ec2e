"""client.carts — api.md §9 (K1-K4). Checkout takes the caller's MS-RequestId so an approval buys once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .models import Cart, CartCheckoutResult
from .operations import Operations, api_path


class CartsOperations(Operations):
    async def create(
        self, customer_id: str, line_items: Sequence[Mapping[str, Any]], *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Cart:
        """Line items: `{id, catalogItemId, quantity, billingCycle, termDuration, ...}` (snake_case accepted)."""
        if not line_items:
            raise ValueError("a cart needs at least one line item")
        items = [dict(item) for item in line_items]
        for index, item in enumerate(items):
            if "id" not in item:
                item["id"] = index
        response = await self._call(
            "POST", api_path("customers", customer_id, "carts"), body={"lineItems": items},
            request_id=request_id, correlation_id=correlation_id,
        )
        return self._model(Cart, response)

    async def get(self, customer_id: str, cart_id: str, *, correlation_id: str | None = None) -> Cart:
        return await self._get(Cart, api_path("customers", customer_id, "carts", cart_id),
                               correlation_id=correlation_id)

    async def update(
        self, customer_id: str, cart_id: str, cart: Mapping[str, Any] | Cart, *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Cart:
        """Replace the cart (PUT the full cart, e.g. `get(...)` result with edited line items)."""
        response = await self._call(
            "PUT", api_path("customers", customer_id, "carts", cart_id), body=cart,
            request_id=request_id, correlation_id=correlation_id,
        )
        return self._model(Cart, response)

    async def checkout(
        self, customer_id: str, cart_id: str, *, request_id: str | None = None, correlation_id: str | None = None
    ) -> CartCheckoutResult:
        """Place the order(s). Pass a stable `request_id` (one per approval) so retries never buy twice."""
        response = await self._call(
            "POST", api_path("customers", customer_id, "carts", cart_id, "checkout"),
            request_id=request_id, correlation_id=correlation_id,
        )
        return self._model(CartCheckoutResult, response)
