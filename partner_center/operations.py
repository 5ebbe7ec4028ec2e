"""Shared plumbing for the operation groups (client.customers, client.subscriptions, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from . import errors
from .models import Model
from .paging import Pager
from .transport import Pipeline, Response

M = TypeVar("M", bound=Model)


def api_path(*segments: Any) -> str:
    """`/v1/` + URL-escaped segments. Empty ids are refused: `customers/` + "" would silently list everything."""
    parts = []
    for segment in segments:
        text = str(segment).strip() if segment is not None else ""
        if not text:
            raise ValueError("Partner Center path segments (ids) must not be empty")
        parts.append(quote(text, safe=""))
    return "/v1/" + "/".join(parts)


def quoted_etag(etag: str) -> str:
    etag = etag.strip()
    if etag.startswith('"') or etag.startswith("W/"):
        return etag
    return f'"{etag}"'


def filter_param(field: str, value: Any, operator: str) -> dict[str, Any]:
    """The JSON `filter` query value (api.md §1.8); the pipeline JSON-encodes dicts in query strings."""
    return {"Field": field, "Value": value, "Operator": operator}


class Operations:
    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _pager(
        self, model: type[M], path: str, params: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> Pager[M]:
        return Pager(self._pipeline, path, model.from_wire, params=params, correlation_id=correlation_id)

    async def _call(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
        headers: Mapping[str, str] | None = None, request_id: str | None = None, correlation_id: str | None = None,
    ) -> Response:
        return await self._pipeline.request(
            method, path, params=params, json_body=body, headers=headers,
            request_id=request_id, correlation_id=correlation_id,
        )

    async def _get(
        self, model: type[M], path: str, params: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> M:
        return self._model(model, await self._call("GET", path, params=params, correlation_id=correlation_id))

    @staticmethod
    def _model(model: type[M], response: Response) -> M:
        if not isinstance(response.body, Mapping):
            raise errors.ResponseDecodeError(
                f"Expected a {model.__name__} object from Partner Center, got {type(response.body).__name__}.",
                status=response.status, request_id=response.request_id, correlation_id=response.correlation_id,
            )
        return model.from_wire(response.body)
