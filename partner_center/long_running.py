"""Partner Center operations that finish later (api.md §1.3, §7.1 S8, §12.1 B12, §19 D2/D6, §25.2).

Two shapes, one small vocabulary for both:
- 202 Accepted + `Location`: the work was accepted; GET the status resource at `Location` until it says done.
  `Accepted` carries the location (and any `Retry-After`); `client.long_running.poll(location)` reads it.
- 204 No Content + `Retry-After` on a read: the data is not ready yet; ask again later (`NotReady`).

These are results, not errors: the caller (typically a bot job, `dialogs.jobs`) decides when to ask again, and
a `Retry-After` the service sends is always passed on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ResponseDecodeError, parse_retry_after
from .operations import Operations
from .transport import Response


@dataclass(frozen=True)
class Accepted:
    """202: the operation runs on; poll `location` (a path the client can GET, same host)."""

    location: str
    retry_after: float | None = None
    request_id: str = ""


@dataclass(frozen=True)
class NotReady:
    """204 + Retry-After: nothing yet; ask again after `retry_after` seconds (None when the service gave none)."""

    retry_after: float | None = None
    request_id: str = ""


@dataclass(frozen=True)
class OperationStatus:
    """One read of a status resource: its JSON body, the HTTP status and the service's `Retry-After`."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None

    @property
    def state(self) -> str:
        """The resource's own status word, lower-cased ("registering", "processing", "succeeded", ...)."""
        return str(self.body.get("status") or "").strip().lower()


def retry_after_of(response: Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


def accepted_of(response: Response) -> Accepted | None:
    """The `Accepted` of a 202 with a Location, else None."""
    if response.status == 202 and response.location:
        return Accepted(response.location, retry_after_of(response), response.request_id)
    return None


def not_ready_of(response: Response) -> NotReady | None:
    """The `NotReady` of a 204 (a read answered with no content), else None."""
    if response.status == 204:
        return NotReady(retry_after_of(response), response.request_id)
    return None


class LongRunningOperations(Operations):
    """`client.long_running`: read the status resource an `Accepted` points at."""

    async def poll(self, location: str, *, correlation_id: str | None = None) -> OperationStatus:
        response = await self._call("GET", self._pipeline.link_target(location), correlation_id=correlation_id)
        body = response.body
        if body is not None and not isinstance(body, Mapping):
            raise ResponseDecodeError("Expected an operation status object from Partner Center.",
                                      status=response.status, request_id=response.request_id,
                                      correlation_id=response.correlation_id)
        return OperationStatus(response.status, dict(body or {}), retry_after_of(response))
