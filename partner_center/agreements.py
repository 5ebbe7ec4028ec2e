"""client.agreements — agreement templates and customers' confirmations (api.md §5.1 A1-A3)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .account_models import Agreement, AgreementMetadata
from .operations import Operations, api_path
from .paging import Pager

MCA = "MicrosoftCustomerAgreement"


class AgreementsOperations(Operations):
    def list_metadata(self, agreement_type: str = MCA, *,
                      correlation_id: str | None = None) -> Pager[AgreementMetadata]:
        """Templates (`templateId`, link) of one agreement type, or every type with "*"."""
        return self._pager(AgreementMetadata, api_path("agreements"), {"agreementType": agreement_type},
                           correlation_id)

    def list(self, customer_id: str, agreement_type: str = MCA, *,
             correlation_id: str | None = None) -> Pager[Agreement]:
        """Confirmations recorded for a customer (the service defaults to the Cloud Agreement when omitted)."""
        return self._pager(Agreement, api_path("customers", customer_id, "agreements"),
                           {"agreementType": agreement_type}, correlation_id)

    async def confirm(
        self, customer_id: str, *, template_id: str, contact: Mapping[str, Any], date_agreed: date | str,
        agreement_type: str = MCA, request_id: str | None = None, correlation_id: str | None = None,
    ) -> Agreement:
        """Record that the customer accepted (a second identical confirmation: 600061)."""
        body = {"primaryContact": dict(contact), "templateId": template_id,
                "dateAgreed": date_agreed.isoformat() if isinstance(date_agreed, date) else date_agreed,
                "type": agreement_type}
        response = await self._call("POST", api_path("customers", customer_id, "agreements"), body=body,
                                    request_id=request_id, correlation_id=correlation_id)
        return self._model(Agreement, response)
