"""PartnerCenterClient: one object per partner tenant, with an operation group per API area.

    async with PartnerCenterClient(credential=StaticTokenProvider("...")) as client:
        async for customer in client.customers.search("Contoso"):
            ...
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from .agreements import AgreementsOperations
from .analytics import AnalyticsOperations
from .audit import AuditOperations
from .carts import CartsOperations
from .catalog import CatalogOperations
from .customers import CustomersOperations
from .devices import DevicesOperations
from .directory_roles import DirectoryRolesOperations
from .gdap import GdapOperations
from .invoices import InvoicesOperations
from .licenses import LicensesOperations
from .long_running import LongRunningOperations
from .orders import OrdersOperations
from .profiles import ProfilesOperations
from .rate_limit import RateLimiter
from .reconciliation import ReconciliationOperations
from .referrals import ReferralsOperations
from .resellers import ResellersOperations
from .retry import RetryPolicy
from .service_requests import ServiceRequestsOperations
from .shared_reads import SharedReads
from .subscriptions import SubscriptionsOperations
from .transport import DEFAULT_BASE_URL, DEFAULT_GRAPH_URL, DEFAULT_PARTNER_API_URL, Pipeline
from .usage import UsageOperations
from .users import UsersOperations
from .utilities import UtilitiesOperations
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
        shared_read_window: float = 10.0,
        partner_api_url: str | None = None,
        graph_url: str | None = None,
        partner_api_credential: _TokenProvider | None = None,
        graph_credential: _TokenProvider | None = None,
        blob_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`rate_limit_per_minute=None` (or 0) disables client-side throttling; `rate_limiter` lets several
        clients of the same partner tenant share one budget.

        Three hosts, one transport style, retry policy and error hierarchy (api.md §23.0): Partner Center
        (`base_url`), the Partner API (`partner_api_url`: referrals, price sheets) and Microsoft Graph
        (`graph_url`: GDAP, reconciliation v2). Unset URLs default to production, or — when `base_url` is a
        local sandbox — to the sandbox's own prefixes. Unset credentials reuse `credential` (right for the
        sandbox; production passes tokens for each resource)."""
        if credential is None:
            raise ValueError("credential (a token provider with `async get_token()`) is required")
        if rate_limiter is None and rate_limit_per_minute:
            rate_limiter = RateLimiter(rate_limit_per_minute, 60.0)
        partner_api_url, graph_url = derived_urls(base_url, partner_api_url, graph_url)
        common = dict(locale=locale, application=application, retry=retry, timeout=timeout, transport=transport,
                      correlation_id=correlation_id)
        self._pipeline = Pipeline(base_url=base_url, credential=credential, rate_limiter=rate_limiter,
                                  **common)  # type: ignore[arg-type]
        # The other hosts throttle on their own; each gets its own budget at the same rate.
        per_minute = rate_limit_per_minute or None
        self._partner_api = Pipeline(
            base_url=partner_api_url, credential=partner_api_credential or credential, api_prefix=None,
            rate_limiter=RateLimiter(per_minute, 60.0) if per_minute else None, name="the Partner API",
            **common)  # type: ignore[arg-type]
        self._graph = Pipeline(
            base_url=graph_url, credential=graph_credential or credential, api_prefix=None,
            rate_limiter=RateLimiter(per_minute, 60.0) if per_minute else None, name="Microsoft Graph",
            **common)  # type: ignore[arg-type]
        # Reads of read operations shared between users for `shared_read_window` s (partner_center/shared_reads.py)
        for pipeline in (self._pipeline, self._partner_api, self._graph):
            pipeline.shared_reads = SharedReads(shared_read_window)
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
        self.directory_roles = DirectoryRolesOperations(self._pipeline)
        self.agreements = AgreementsOperations(self._pipeline)
        self.profiles = ProfilesOperations(self._pipeline)
        self.resellers = ResellersOperations(self._pipeline)
        self.utilities = UtilitiesOperations(self._pipeline)
        self.referrals = ReferralsOperations(self._partner_api)
        self.devices = DevicesOperations(self._pipeline)
        self.long_running = LongRunningOperations(self._pipeline)
        self.utilization = UtilizationOperations(self._pipeline)
        self.usage = UsageOperations(self._pipeline)
        self.analytics = AnalyticsOperations(self._pipeline)
        # reconciliation v2 (api.md §25) on Graph; export files come from blob storage with a SAS, no token
        self.gdap = GdapOperations(self._graph)
        self.reconciliation = ReconciliationOperations(self._graph, blob_transport=blob_transport)

    @property
    def base_url(self) -> str:
        return self._pipeline.base_url

    @property
    def partner_api_url(self) -> str:
        return self._partner_api.base_url

    @property
    def graph_url(self) -> str:
        return self._graph.base_url

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
        await self._partner_api.aclose()
        await self._graph.aclose()

    async def __aenter__(self) -> PartnerCenterClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def is_local(url: str) -> bool:
    """True for a loopback URL: a local sandbox, never production."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def derived_urls(base_url: str, partner_api_url: str | None, graph_url: str | None) -> tuple[str, str]:
    """The Partner API and Graph base URLs: as given, else the sandbox's prefixes of a local `base_url`
    (api.md §23.0: one port), else production."""
    base = base_url.rstrip("/")
    if is_local(base):
        return partner_api_url or f"{base}/partnerapi", graph_url or base
    return partner_api_url or DEFAULT_PARTNER_API_URL, graph_url or DEFAULT_GRAPH_URL
