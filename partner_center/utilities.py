"""client.utilities — address validation, market rules, domain availability (api.md §15)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import errors
from .account_models import AddressValidation, CountryValidationRules
from .operations import Operations, api_path


class UtilitiesOperations(Operations):
    async def validate_address(self, address: Mapping[str, Any], *,
                               correlation_id: str | None = None) -> AddressValidation:
        """`status` says whether the address is deliverable; `suggested_addresses` hold corrections."""
        response = await self._call("POST", api_path("validations", "address"), body=dict(address),
                                    correlation_id=correlation_id)
        return self._model(AddressValidation, response)

    async def address_rules(self, country: str, *, correlation_id: str | None = None) -> CountryValidationRules:
        return await self._get(CountryValidationRules, api_path("countryvalidationrules", country.strip().upper()),
                               correlation_id=correlation_id)

    async def domain_available(self, domain: str, *, correlation_id: str | None = None) -> bool:
        """HEAD /v1/domains/{domain}: 200 means taken, 404 means free (a bare prefix means .onmicrosoft.com)."""
        try:
            await self._call("HEAD", api_path("domains", domain.strip().lower()), correlation_id=correlation_id)
        except errors.NotFoundError:
            return True
        return False
