"""client.catalog — api.md §10 (products -> SKUs -> availabilities, and legacy offers)."""

from __future__ import annotations

from .models import Availability, Offer, Product, Sku
from .operations import Operations, api_path
from .paging import Pager


class CatalogOperations(Operations):
    def list_products(
        self, country: str = "US", target_view: str = "OnlineServices", *, target_segment: str | None = None,
        correlation_id: str | None = None,
    ) -> Pager[Product]:
        params = {"country": country, "targetView": target_view, "targetSegment": target_segment}
        return self._pager(Product, api_path("products"), params, correlation_id)

    async def get_product(
        self, product_id: str, country: str = "US", *, correlation_id: str | None = None
    ) -> Product:
        return await self._get(Product, api_path("products", product_id), {"country": country}, correlation_id)

    def list_skus(
        self, product_id: str, country: str = "US", *, correlation_id: str | None = None
    ) -> Pager[Sku]:
        return self._pager(Sku, api_path("products", product_id, "skus"), {"country": country}, correlation_id)

    async def get_sku(
        self, product_id: str, sku_id: str, country: str = "US", *, correlation_id: str | None = None
    ) -> Sku:
        path = api_path("products", product_id, "skus", sku_id)
        return await self._get(Sku, path, {"country": country}, correlation_id)

    def list_availabilities(
        self, product_id: str, sku_id: str, country: str = "US", *, target_segment: str | None = None,
        correlation_id: str | None = None,
    ) -> Pager[Availability]:
        path = api_path("products", product_id, "skus", sku_id, "availabilities")
        params = {"country": country, "targetSegment": target_segment}
        return self._pager(Availability, path, params, correlation_id)

    async def get_availability(
        self, product_id: str, sku_id: str, availability_id: str, country: str = "US", *,
        correlation_id: str | None = None,
    ) -> Availability:
        path = api_path("products", product_id, "skus", sku_id, "availabilities", availability_id)
        return await self._get(Availability, path, {"country": country}, correlation_id)

    def list_offers(
        self, country: str = "US", *, size: int | None = None, correlation_id: str | None = None
    ) -> Pager[Offer]:
        """Legacy offers (offset paging)."""
        return self._pager(Offer, api_path("offers"), {"country": country, "size": size}, correlation_id)
