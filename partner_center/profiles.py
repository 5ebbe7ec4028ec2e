"""client.profiles — the partner's own profiles (api.md §16) and GCC validation codes.

Updates are full PUTs; the billing and organization profiles carry `attributes.etag` and are sent with
`If-Match` so a concurrent edit fails (400 2055) instead of being overwritten. Legal business and support
profiles are guarded the same way when the profile read carried an eTag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .account_models import (
    LegalBusinessProfile,
    MpnProfile,
    OrganizationProfile,
    PartnerBillingProfile,
    SupportProfile,
    ValidationCode,
)
from .models import Model
from .operations import Operations, api_path, quoted_etag
from .paging import Pager

P = TypeVar("P", bound=Model)

# profile name -> (GET/PUT path segment, model); the support PUT path follows the SDK (api.md §16 [C]).
PROFILES: dict[str, tuple[str, type[Model]]] = {
    "legal_business": ("legalbusiness", LegalBusinessProfile),
    "organization": ("organization", OrganizationProfile),
    "billing": ("billing", PartnerBillingProfile),
    "support": ("support", SupportProfile),
}


class ProfilesOperations(Operations):
    async def get_legal_business(self, *, correlation_id: str | None = None) -> LegalBusinessProfile:
        return await self._get(LegalBusinessProfile, api_path("profiles", "legalbusiness"),
                               correlation_id=correlation_id)

    async def get_organization(self, *, correlation_id: str | None = None) -> OrganizationProfile:
        return await self._get(OrganizationProfile, api_path("profiles", "organization"),
                               correlation_id=correlation_id)

    async def get_billing(self, *, correlation_id: str | None = None) -> PartnerBillingProfile:
        return await self._get(PartnerBillingProfile, api_path("profiles", "billing"),
                               correlation_id=correlation_id)

    async def get_support(self, *, correlation_id: str | None = None) -> SupportProfile:
        return await self._get(SupportProfile, api_path("profiles", "support"), correlation_id=correlation_id)

    async def get_mpn(self, mpn_id: str | None = None, *, correlation_id: str | None = None) -> MpnProfile:
        """The partner's own MPN profile, or another partner's by `mpn_id` (unknown id: 404 code 3000)."""
        params = {"mpnId": mpn_id.strip()} if mpn_id else None
        return await self._get(MpnProfile, api_path("profiles", "mpn"), params, correlation_id=correlation_id)

    async def update(
        self, profile: str, body: Mapping[str, Any], etag: str, *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Model:
        """PUT one profile (`legal_business`, `organization`, `billing`, `support`) guarded by its eTag."""
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; one of {sorted(PROFILES)}")
        if not etag:
            raise ValueError("etag (from the profile just read) is required to update a profile")
        segment, model = PROFILES[profile]
        response = await self._call("PUT", api_path("profiles", segment), body=dict(body),
                                    headers={"If-Match": quoted_etag(etag)}, request_id=request_id,
                                    correlation_id=correlation_id)
        return self._model(model, response)

    def list_validation_codes(self, *, correlation_id: str | None = None) -> Pager[ValidationCode]:
        """Government Community Cloud validation codes (a bare JSON array)."""
        return self._pager(ValidationCode, api_path("customers", "all", "validations"), None, correlation_id)
