"""Microsoft Partner Center REST client (httpx, async).

`PartnerCenterClient` is the entry point; `errors` holds the exception hierarchy, `models` the resources.
"""

from . import errors, models
from .client import PartnerCenterClient
from .paging import Page, Pager
from .rate_limit import RateLimiter
from .retry import RetryPolicy

__all__ = ["PartnerCenterClient", "Page", "Pager", "RateLimiter", "RetryPolicy", "errors", "models"]
