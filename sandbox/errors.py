"""Partner Center error bodies (api.md §3.2) raised as exceptions and rendered by the app's middleware.

Shape A `{code, description, data, source}` for service faults, shape B adds `message`/`errorName`, shape C
`{statusCode, message}` for gateway errors (unknown routes, throttling).
"""

from __future__ import annotations

from typing import Any

SOURCE = "PartnerFD"


class ApiError(Exception):
    """A Partner Center fault. Raise it from a handler; the middleware turns it into the HTTP response."""

    def __init__(self, status: int, code: int, description: str, *, data: list[Any] | None = None,
                 source: str = SOURCE, error_name: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code} {description}")
        self.status, self.code, self.description = status, code, description
        self.data, self.source, self.error_name = data or [], source, error_name
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        if self.error_name:  # shape B
            return {"code": self.code, "message": self.description, "description": self.description,
                    "errorName": self.error_name, "isRetryable": False, "parameters": {},
                    "errorMessageExtended": f"InternalErrorCode={self.code}"}
        return {"code": self.code, "description": self.description[:1024], "data": self.data,
                "source": self.source}


class GatewayError(Exception):
    """Shape C `{statusCode, message}` (unknown route, 429 throttling, injected 5xx)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status, self.message, self.headers = status, message, headers or {}

    def body(self) -> dict[str, Any]:
        return {"statusCode": self.status, "message": self.message}


def bad_request(code: int, description: str, **kw: Any) -> ApiError:
    return ApiError(400, code, description, **kw)


def invalid_input(description: str) -> ApiError:
    """400 800002: the generic 'invalid request input' used for malformed bodies, types and enum values."""
    return ApiError(400, 800002, description)


def not_found(code: int, description: str) -> ApiError:
    return ApiError(404, code, description)


def customer_not_found(customer_id: str) -> ApiError:
    return ApiError(404, 60003, f"Tenant {customer_id} was not found.")


def forbidden(code: int, description: str) -> ApiError:
    return ApiError(403, code, description)


def conflict(code: int, description: str) -> ApiError:
    return ApiError(409, code, description)


def sandbox_limit() -> ApiError:
    return ApiError(400, 800018, "The sandbox limit has been met.")
