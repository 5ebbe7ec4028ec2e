"""What a handler is given: the Partner Center client, who is asking, in which language, and stable request ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cards.text import t

if TYPE_CHECKING:
    from dialogs.turn import User
    from partner_center import PartnerCenterClient

# Namespace for request ids derived from a flow: the same confirmed flow always sends the same MS-RequestId,
# so a replayed confirmation cannot create a second resource in Partner Center.
_REQUEST_NS = uuid.UUID("8a4c7a52-4a63-4f55-9f1e-4b1d7e0c2a11")


@dataclass
class OperationContext:
    client: PartnerCenterClient
    user: User
    locale: str = "en-US"
    flow_id: str = ""
    text: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def request_id(self, purpose: str = "") -> str:
        """A deterministic MS-RequestId for this flow (and purpose): Partner Center's idempotency key."""
        return str(uuid.uuid5(_REQUEST_NS, f"{self.flow_id}:{purpose}"))

    def t(self, key: str, **kwargs: Any) -> str:
        return t(key, self.locale, **kwargs)
