"""PartnerCenterClient: one object per partner tenant, with an operation group per API area.

    async with PartnerCenterClient(credential=StaticTokenProvider("...")) as client:
        async for customer in client.customers.search("Contoso"):
            ...
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

import httpx

from .audit import AuditOperations
from .carts import CartsOperations
from .catalog import CatalogOperations
from .customers import CustomersOperations
from .invoices import InvoicesOperations
from .licenses import LicensesOperations
from .long_running import LongRunningOperations
from .orders import OrdersOperations
from .rate_limit import RateLimiter
from .retry import RetryPolicy
from .service_requests import ServiceRequestsOperations
from .subscriptions import SubscriptionsOperations
from .transport import DEFAULT_BASE_URL, Pipeline
from .users import UsersOperations
from .utilization import UtilizationOperations


class _TokenProvider(Protocol):
    """Structural twin of partner_center.auth.TokenProvider (kept here so importing the client needs no msal)."""

    async def get_token(self) -> str: ...


class PartnerCenterClient:
    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        credential: _TokenProvider | None = None,
        *,
        locale: str = "en-US",
        application: str | None = "PartnerBot",
        retry: RetryPolicy | None = None,
        rate_limit_per_minute: int | None = 500,
        rate_limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        correlation_id: str | None = None,
    ) -> None:
        """`rate_limit_per_minute=None` (or 0) disables client-side throttling; `rate_limiter` lets several
        clients of the same partner tenant share one budget."""
        if credential is None:
            raise ValueError("credential (a token provider with `async get_token()`) is required")
        if rate_limiter is None and rate_limit_per_minute:
            rate_limiter = RateLimiter(rate_limit_per_minute, 60.0)
        self._pipeline = Pipeline(
            base_url=base_url,
            credential=credential,
            locale=locale,
            application=application,
            retry=retry,
            rate_limiter=rate_limiter,
            timeout=timeout,
            transport=transport,
            correlation_id=correlation_id,
        )
        self.customers = CustomersOperations(self._pipeline)
        self.subscriptions = SubscriptionsOperations(self._pipeline)
        self.catalog = CatalogOperations(self._pipeline)
        self.carts = CartsOperations(self._pipeline)
        self.orders = OrdersOperations(self._pipeline)
        self.service_requests = ServiceRequestsOperations(self._pipeline)
        self.invoices = InvoicesOperations(self._pipeline)
        self.users = UsersOperations(self._pipeline)
        self.licenses = LicensesOperations(self._pipeline)
        self.audit = AuditOperations(self._pipeline)
        self.long_running = LongRunningOperations(self._pipeline)
        self.utilization = UtilizationOperations(self._pipeline)

    @property
    def base_url(self) -> str:
        return self._pipeline.base_url

    @property
    def correlation_id(self) -> str:
        """Default MS-CorrelationId of this client's calls (a call's `correlation_id=` overrides it)."""
        return self._pipeline.correlation_id

    @property
    def rate_limiter(self) -> RateLimiter | None:
        return self._pipeline.rate_limiter

    def __repr__(self) -> str:
        return f"PartnerCenterClient(base_url={self.base_url!r})"

    async def close(self) -> None:
        await self._pipeline.aclose()

    async def __aenter__(self) -> PartnerCenterClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
