"""client.service_requests — api.md §13 (SR1-SR4, SR6, SR7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import ServiceRequest, SupportTopic
from .operations import Operations, api_path, filter_param
from .paging import Pager


class ServiceRequestsOperations(Operations):
    def list(
        self, status: str | None = None, *, size: int | None = None, correlation_id: str | None = None
    ) -> Pager[ServiceRequest]:
        """Partner-wide service requests, optionally only those with `status` (open, closed, ...).

        Offset paging; `size` per page (service default when None)."""
        params: dict[str, object] = {"size": size}
        if status:
            params["filter"] = filter_param("Status", str(status), "equals")
        return self._pager(ServiceRequest, api_path("servicerequests"), params, correlation_id)

    def list_for_customer(
        self, customer_id: str, *, size: int | None = None, correlation_id: str | None = None
    ) -> Pager[ServiceRequest]:
        path = api_path("customers", customer_id, "servicerequests")
        return self._pager(ServiceRequest, path, {"size": size}, correlation_id)

    async def get(self, service_request_id: str, *, correlation_id: str | None = None) -> ServiceRequest:
        return await self._get(ServiceRequest, api_path("servicerequests", service_request_id),
                               correlation_id=correlation_id)

    async def create(
        self, body: Mapping[str, Any], agent_locale: str = "en-US", *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> ServiceRequest:
        """`body` needs title, description, severity and supportTopicId."""
        payload = dict(body)
        payload.setdefault("attributes", {"objectType": "ServiceRequest"})
        response = await self._call(
            "POST", api_path("servicerequests", agent_locale), body=payload, request_id=request_id,
            correlation_id=correlation_id,
        )
        return self._model(ServiceRequest, response)

    async def update(
        self, service_request_id: str, changes: Mapping[str, Any], *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> ServiceRequest:
        """Send only what changes, typically `{"newNote": {"text": ...}}` or `{"status": "closed"}`."""
        if not changes:
            raise ValueError("changes must not be empty")
        response = await self._call(
            "PATCH", api_path("servicerequests", service_request_id), body=dict(changes),
            request_id=request_id, correlation_id=correlation_id,
        )
        return self._model(ServiceRequest, response)

    def list_support_topics(self, *, correlation_id: str | None = None) -> Pager[SupportTopic]:
        return self._pager(SupportTopic, api_path("servicerequests", "supporttopics"), None, correlation_id)
