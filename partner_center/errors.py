"""Typed Partner Center errors, built leniently from any of the three error body shapes (api.md §3.2).

Callers branch on the class (NotFoundError, ThrottledError, ...) and on `code`; the bot shows `plain()`
to users. `str(err)` never contains headers, tokens or request bodies — only status, code, the service's
description and the request/correlation ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from . import clock

_MAX_TEXT = 1024
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9\-._~+/]+=*")

_DEFAULT_PLAIN: dict[int, str] = {
    400: "Partner Center rejected the request as invalid.",
    401: "Partner Center did not accept the credentials.",
    403: "Partner Center does not allow this action for this account.",
    404: "Partner Center could not find the requested item.",
    409: "Partner Center reports a conflicting operation; try again later.",
    412: "The item changed since it was read; reload it and try again.",
    417: "A precondition for this action is not met.",
    429: "Partner Center is throttling requests; try again shortly.",
}


def _clean(text: Any) -> str:
    """One-line, bounded, token-free text: error descriptions end up in chat cards and logs."""
    if text is None:
        return ""
    out = _CONTROL_CHARS.sub(" ", str(text)).strip()
    out = _BEARER.sub("Bearer [redacted]", out)
    return out[:_MAX_TEXT]


class PartnerCenterError(Exception):
    """Any failed Partner Center call. Attributes mirror the error body and the response headers."""

    default_status: int | None = None

    def __init__(
        self,
        description: str = "",
        *,
        status: int | None = None,
        code: int | str | None = None,
        error_name: str | None = None,
        data: list[Any] | None = None,
        source: str | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
        is_retryable: bool | None = None,
    ) -> None:
        self.status = status if status is not None else self.default_status
        self.code = code
        self.description = _clean(description)
        self.error_name = error_name
        self.data = list(data or [])
        self.source = source
        self.retry_after = retry_after
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.is_retryable = is_retryable
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [type(self).__name__]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code not in (None, ""):
            parts.append(f"code {self.code}")
        head = " ".join(parts)
        body = self.description or "no description"
        ids = []
        if self.request_id:
            ids.append(f"request id {self.request_id}")
        if self.correlation_id:
            ids.append(f"correlation id {self.correlation_id}")
        tail = f" ({', '.join(ids)})" if ids else ""
        return f"{head}: {body}{tail}"

    def __str__(self) -> str:
        return self._message()

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status!r}, code={self.code!r}, request_id={self.request_id!r})"

    def plain(self) -> str:
        """A short sentence for a person in chat: the service's description, or a sensible default."""
        text = self.description or _DEFAULT_PLAIN.get(self.status or 0) or self._fallback_plain()
        if self.retry_after and self.status == 429:
            text = f"{text.rstrip('.')}. Try again in {int(self.retry_after + 0.999)} seconds."
        return text

    def _fallback_plain(self) -> str:
        if self.status is not None and self.status >= 500:
            return "Partner Center had a temporary problem; try again in a few minutes."
        return "The Partner Center request failed."


class BadRequestError(PartnerCenterError):
    default_status = 400


class AuthenticationError(PartnerCenterError):
    default_status = 401


class PermissionDeniedError(PartnerCenterError):
    default_status = 403


class NotFoundError(PartnerCenterError):
    default_status = 404


class ConflictError(PartnerCenterError):
    default_status = 409


class PreconditionFailedError(PartnerCenterError):
    """412 (stale If-Match) and 417 (business precondition, e.g. code 800036)."""

    default_status = 412


class ThrottledError(PartnerCenterError):
    default_status = 429


class ServerError(PartnerCenterError):
    default_status = 500


class ServiceUnreachableError(PartnerCenterError):
    """No HTTP response at all (connect/read failure or timeout) after the retries were spent."""

    def plain(self) -> str:
        return "Partner Center could not be reached; try again in a few minutes."


class ResponseDecodeError(PartnerCenterError):
    """A 2xx response whose body is not the JSON the API promises."""

    def plain(self) -> str:
        return "Partner Center returned a response that could not be read."


_BY_STATUS: dict[int, type[PartnerCenterError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    417: PreconditionFailedError,
    429: ThrottledError,
}


def error_class_for(status: int) -> type[PartnerCenterError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return PartnerCenterError


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is delta-seconds in Partner Center, but accept an HTTP date as RFC 9110 allows."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
            seconds = (when - clock.now()).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None
    return max(0.0, seconds)


def _as_code(value: Any) -> int | str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text or None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    getter = getattr(headers, "get", None)
    value = getter(name) if getter else None
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if key.lower() == lowered:
                return val
    return value


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes | str | None,
    *,
    sent_request_id: str | None = None,
    sent_correlation_id: str | None = None,
) -> PartnerCenterError:
    """Build the typed error for a non-2xx response, whatever shape (A, B, C or not JSON) the body has."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    payload: Any = None
    if text.strip():
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None

    code: int | str | None = None
    description = ""
    error_name = source = None
    data: list[Any] = []
    is_retryable = None
    inner_request_id = None
    if isinstance(payload, dict):
        lowered = {str(k).lower(): v for k, v in payload.items()}
        if isinstance(lowered.get("error"), dict):  # Graph's {"error": {code, message, innerError}} (api.md §23.0)
            lowered = {str(k).lower(): v for k, v in lowered["error"].items()} | lowered
            inner = lowered.get("innererror")
            if isinstance(inner, dict) and inner.get("request-id"):
                inner_request_id = str(inner["request-id"])
        code = _as_code(lowered.get("code"))
        description = lowered.get("description") or lowered.get("message") or ""
        error_name = lowered.get("errorname")
        source = lowered.get("source")
        raw_data = lowered.get("data")
        data = raw_data if isinstance(raw_data, list) else ([raw_data] if raw_data else [])
        retryable = lowered.get("isretryable")
        is_retryable = retryable if isinstance(retryable, bool) else None
    elif text.strip():
        description = text

    retry_after = parse_retry_after(_header(headers, "Retry-After"))
    cls = error_class_for(status)
    return cls(
        description,
        status=status,
        code=code,
        error_name=error_name,
        data=data,
        source=source,
        retry_after=retry_after,
        request_id=_header(headers, "MS-RequestId") or _header(headers, "request-id") or inner_request_id
        or sent_request_id,
        correlation_id=_header(headers, "MS-CorrelationId") or sent_correlation_id,
        is_retryable=is_retryable,
    )
