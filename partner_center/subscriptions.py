"""client.subscriptions — api.md §7 (S1-S3, S5-S7, S14) and the PATCH rules of §7.3; changes scheduled for
renewal per §23.4."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .long_running import Accepted, accepted_of
from .models import Subscription, SubscriptionStatus, TransitionEligibility
from .operations import Operations, api_path, quoted_etag
from .paging import Pager
from .transport import Response
from .wire import to_wire_value


class SubscriptionsOperations(Operations):
    def list(self, customer_id: str, *, correlation_id: str | None = None) -> Pager[Subscription]:
        return self._pager(Subscription, api_path("customers", customer_id, "subscriptions"), None, correlation_id)

    async def get(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> Subscription:
        path = api_path("customers", customer_id, "subscriptions", subscription_id)
        return await self._get(Subscription, path, correlation_id=correlation_id)

    def list_by_order(
        self, customer_id: str, order_id: str, *, correlation_id: str | None = None
    ) -> Pager[Subscription]:
        if not order_id:
            raise ValueError("order_id must not be empty")
        path = api_path("customers", customer_id, "subscriptions")
        return self._pager(Subscription, path, {"order_id": order_id}, correlation_id)

    def list_by_partner(
        self, customer_id: str, partner_id: str, *, correlation_id: str | None = None
    ) -> Pager[Subscription]:
        """A customer's subscriptions sold through a reseller (indirect model), by its MPN id (§7.1 S4)."""
        if not partner_id or not str(partner_id).strip():
            raise ValueError("partner_id must not be empty")
        path = api_path("customers", customer_id, "subscriptions")
        return self._pager(Subscription, path, {"mpn_id": str(partner_id).strip()}, correlation_id)

    def list_addons(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> Pager[Subscription]:
        path = api_path("customers", customer_id, "subscriptions", subscription_id, "addons")
        return self._pager(Subscription, path, None, correlation_id)

    async def update(
        self, customer_id: str, subscription_id: str, changes: Mapping[str, Any], *,
        request_id: str | None = None, correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        """PATCH the full current subscription with `changes` applied (as the docs do), guarded by its etag.

        `changes` may use snake_case or camelCase keys. A 202 (slow update) is followed by a GET of the
        subscription so the caller always gets the resource back. A caller that has just fetched the
        subscription passes it as `current` to save the GET; its etag still guards the PATCH, so a change
        made in between is refused (412), never overwritten.
        """
        if not changes:
            raise ValueError("changes must not be empty")
        if current is not None and current.id and current.id != subscription_id:
            raise ValueError("current is another subscription")
        if current is None:
            current = await self.get(customer_id, subscription_id, correlation_id=correlation_id)
        body = current.to_wire()
        body.update(to_wire_value(dict(changes)))
        headers = {"If-Match": quoted_etag(current.etag)} if current.etag else None
        path = api_path("customers", customer_id, "subscriptions", subscription_id)
        response = await self._call(
            "PATCH", path, body=body, headers=headers, request_id=request_id, correlation_id=correlation_id
        )
        return await self._updated(response, customer_id, subscription_id, correlation_id)

    async def _updated(
        self, response: Response, customer_id: str, subscription_id: str, correlation_id: str | None
    ) -> Subscription:
        if response.status == 202 or not isinstance(response.body, Mapping):
            location = response.location
            if location:
                follow = await self._call(
                    "GET", self._pipeline.link_target(location), correlation_id=correlation_id
                )
                return self._model(Subscription, follow)
            return await self.get(customer_id, subscription_id, correlation_id=correlation_id)
        return self._model(Subscription, response)

    async def set_quantity(
        self, customer_id: str, subscription_id: str, quantity: int, *, request_id: str | None = None,
        correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValueError("quantity must be a positive integer")
        return await self.update(customer_id, subscription_id, {"quantity": quantity},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    async def suspend(
        self, customer_id: str, subscription_id: str, *, request_id: str | None = None,
        correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        return await self.update(customer_id, subscription_id, {"status": SubscriptionStatus.SUSPENDED},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    async def reactivate(
        self, customer_id: str, subscription_id: str, *, request_id: str | None = None,
        correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        return await self.update(customer_id, subscription_id, {"status": SubscriptionStatus.ACTIVE},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    async def cancel(
        self, customer_id: str, subscription_id: str, *, request_id: str | None = None,
        correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        """NCE / marketplace / software cancel (`status: deleted`), allowed only inside the cancellation window."""
        return await self.update(customer_id, subscription_id, {"status": SubscriptionStatus.DELETED},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    async def set_auto_renew(
        self, customer_id: str, subscription_id: str, enabled: bool, *, request_id: str | None = None,
        correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        return await self.update(customer_id, subscription_id, {"autoRenewEnabled": bool(enabled)},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    async def rename(
        self, customer_id: str, subscription_id: str, friendly_name: str, *, request_id: str | None = None,
        correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        if not friendly_name or not friendly_name.strip():
            raise ValueError("friendly_name must not be empty")
        return await self.update(customer_id, subscription_id, {"friendlyName": friendly_name.strip()},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    async def schedule_change(
        self, customer_id: str, subscription_id: str, *, quantity: int | None = None,
        term_duration: str | None = None, billing_cycle: str | None = None, catalog_item_id: str | None = None,
        custom_term_end_date: str | None = None, request_id: str | None = None, correlation_id: str | None = None,
        current: Subscription | None = None,
    ) -> Subscription:
        """Schedule seats, term, billing cycle and/or SKU for the next renewal (§23.4 N3).

        Unset values keep what the subscription has now (or what is already scheduled). The PATCH carries the
        full subscription with `scheduledNextTermInstructions` and `autoRenewEnabled: true`, as documented.
        """
        if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1):
            raise ValueError("quantity must be a positive integer")
        if current is None:
            current = await self.get(customer_id, subscription_id, correlation_id=correlation_id)
        planned = current.scheduled_next_term_instructions
        parts = (catalog_item_id or "").split(":") if catalog_item_id else list(current.catalog_item_parts or ())
        if planned is not None and not catalog_item_id:
            parts = [planned.product_id or "", planned.sku_id or "", planned.availability_id or ""]
        if len(parts) != 3 or not all(parts):
            raise ValueError("a change at renewal needs a new-commerce catalog item (PRODUCT:SKU:AVAILABILITY)")
        product = {"productId": parts[0], "skuId": parts[1], "availabilityId": parts[2],
                   "billingCycle": str(billing_cycle or (planned.billing_cycle if planned else None)
                                       or current.billing_cycle or ""),
                   "termDuration": term_duration or (planned.term_duration if planned else None)
                   or current.term_duration or ""}
        plan: dict[str, Any] = {"product": product,
                                "quantity": quantity or (planned.quantity if planned else None) or current.quantity}
        if custom_term_end_date:
            plan["customTermEndDate"] = custom_term_end_date
        return await self.update(customer_id, subscription_id,
                                 {"scheduledNextTermInstructions": plan, "autoRenewEnabled": True},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    async def cancel_scheduled_change(
        self, customer_id: str, subscription_id: str, *, request_id: str | None = None,
        correlation_id: str | None = None, current: Subscription | None = None,
    ) -> Subscription:
        """Drop the change scheduled for renewal: `scheduledNextTermInstructions: null` (§23.1 N4, [I])."""
        return await self.update(customer_id, subscription_id, {"scheduledNextTermInstructions": None},
                                 request_id=request_id, correlation_id=correlation_id, current=current)

    def transition_eligibilities(
        self, customer_id: str, subscription_id: str, eligibility_type: str = "scheduled", *,
        correlation_id: str | None = None,
    ) -> Pager[TransitionEligibility]:
        """SKUs the subscription may change to at renewal (`scheduled`) or now (`immediate`) (§7.1 S14, §23.1 N8)."""
        if eligibility_type not in {"scheduled", "immediate"}:
            raise ValueError("eligibility_type must be 'scheduled' or 'immediate'")
        path = api_path("customers", customer_id, "subscriptions", subscription_id, "transitionEligibilities")
        return self._pager(TransitionEligibility, path, {"eligibilityType": eligibility_type}, correlation_id)

    async def get_support_contact(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> dict[str, Any]:
        """Who supports the subscription: `{supportTenantId, supportMpnId, name}` (§7.1 S10, App+User)."""
        path = api_path("customers", customer_id, "subscriptions", subscription_id, "supportcontact")
        response = await self._call("GET", path, correlation_id=correlation_id)
        return dict(response.body) if isinstance(response.body, Mapping) else {}

    async def get_provisioning_status(
        self, customer_id: str, subscription_id: str, *, correlation_id: str | None = None
    ) -> dict[str, Any]:
        path = api_path("customers", customer_id, "subscriptions", subscription_id, "provisioningstatus")
        response = await self._call("GET", path, correlation_id=correlation_id)
        return dict(response.body) if isinstance(response.body, Mapping) else {}

    async def register(
        self, customer_id: str, subscription_id: str, *, request_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Accepted:
        """Register an Azure subscription for reserved-instance purchases (api.md §7.1 S8): 202 + `Location` of
        the registration status; poll it with `client.long_running.poll(accepted.location)`."""
        path = api_path("customers", customer_id, "subscriptions", subscription_id, "registrations")
        response = await self._call("POST", path, request_id=request_id, correlation_id=correlation_id)
        accepted = accepted_of(response)
        if accepted is None:  # a service that finished at once: point at the status resource ourselves
            status_path = f"/customers/{customer_id}/subscriptions/{subscription_id}/registrationstatus"
            return Accepted(status_path, None, response.request_id)
        return accepted

