"""Every typed property of every model the client builds from sandbox answers reads a value the sandbox
actually sends: present wire values convert (dates parse, numbers are numbers, enums map to a known member —
an unknown spelling would mean the two sides disagree on the enum), one shared sandbox, read-mostly."""

from __future__ import annotations

import enum
from datetime import timedelta
from typing import Any

import pytest
from contract_helpers import customer_named

from partner_center import clock, models
from partner_center.models import Model, _Field
from partner_center.wire import dig

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _fields(cls: type[Model]) -> dict[str, _Field]:
    out: dict[str, _Field] = {}
    for klass in reversed(cls.__mro__):
        out.update({k: v for k, v in vars(klass).items() if isinstance(v, _Field)})
    return out


def _enum_of(field: _Field) -> type[enum.Enum] | None:
    for cell in field.convert.__closure__ or ():
        if isinstance(cell.cell_contents, type) and issubclass(cell.cell_contents, enum.Enum):
            return cell.cell_contents
    return None


def _problems(instance: Model, where: str) -> list[str]:
    found = []
    for name, field in _fields(type(instance)).items():
        wire = dig(instance.raw, field.path)
        if wire is None or wire == "" or wire == [] or wire == {} or str(wire).startswith("0001-01-01"):
            continue
        value = getattr(instance, name)
        enum_cls = _enum_of(field)
        if value is None:
            found.append(f"{where}.{name}: wire {wire!r} did not convert")
        elif enum_cls is not None and not isinstance(value, enum_cls):
            found.append(f"{where}.{name}: {wire!r} is not a known {enum_cls.__name__}")
        elif isinstance(value, Model):
            found.extend(_problems(value, f"{where}.{name}"))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Model):
                    found.extend(_problems(item, f"{where}.{name}[{i}]"))
    return found


async def _samples(pc) -> list[tuple[str, Model]]:
    out: list[tuple[str, Model]] = []
    contoso = await customer_named(pc, "Contoso Ltd")
    out += [("customer(list)", contoso), ("customer", await pc.customers.get(contoso.id)),
            ("billing profile", await pc.customers.get_billing_profile(contoso.id))]
    for name in ("Contoso Ltd", "Fabrikam Inc", "Adventure Works Cycles", "Tailspin Toys"):
        cust = await customer_named(pc, name)
        out += [(f"subscription {s.offer_name}", s) for s in await pc.subscriptions.list(cust.id).to_list()]
        out += [(f"order {o.id}", o) for o in await pc.orders.list(cust.id).to_list()]
    product = (await pc.catalog.list_products().to_list())[0]
    sku = (await pc.catalog.list_skus(product.id).to_list())[0]
    out += [("product", product), ("sku", sku),
            ("availability", (await pc.catalog.list_availabilities(product.id, sku.id).to_list())[0])]
    out += [("offer", o) for o in await pc.catalog.list_offers().to_list()]
    cart = await pc.carts.create(contoso.id, [{"catalogItemId": f"{product.id}:{sku.id}:X", "quantity": 1},
                                              {"catalogItemId": "nope:0001:X", "quantity": 1}])
    out.append(("cart", cart))
    good = await pc.carts.create(contoso.id, [{"catalogItemId": (await pc.catalog.list_availabilities(
        product.id, sku.id).to_list())[0].catalog_item_id, "quantity": 1}])
    out.append(("checkout", await pc.carts.checkout(contoso.id, good.id)))
    out += [("service request", s) for s in await pc.service_requests.list().to_list()]
    out += [("support topic", t) for t in await pc.service_requests.list_support_topics().to_list()]
    invoices = await pc.invoices.list().to_list()
    out += [("invoice(list)", i) for i in invoices]
    for invoice in invoices[:3]:
        full = await pc.invoices.get(invoice.id)
        out.append(("invoice", full))
        for detail in full.invoice_details:
            items = await pc.invoices.list_line_items(full.id, detail.billing_provider, detail.invoice_line_item_type,
                                                      size=5, currency_code=full.currency_code).first_page()
            out += [(f"line item {detail.billing_provider}", li) for li in items.items]
    out.append(("balance", await pc.invoices.get_balance()))
    users = await pc.users.list(contoso.id).to_list()
    out += [("user", u) for u in users]
    out += [("subscribed sku", s) for s in await pc.licenses.list_subscribed_skus(contoso.id).to_list()]
    for user in users:
        out += [("license", lic) for lic in await pc.licenses.list_assigned(contoso.id, user.id).to_list()]
    start = clock.now() - timedelta(days=1)
    out += [("audit record", r) for r in await pc.audit.list(start).to_list(limit=50)]
    return out


async def test_every_typed_property_reads_what_the_sandbox_sends(shared_pc):
    samples = await _samples(shared_pc)
    kinds = {type(m) for _, m in samples}
    assert kinds >= {models.Customer, models.BillingProfile, models.Subscription, models.Order, models.Product,
                     models.Sku, models.Availability, models.Offer, models.Cart, models.CartCheckoutResult,
                     models.ServiceRequest, models.SupportTopic, models.Invoice, models.InvoiceLineItem,
                     models.InvoiceSummary, models.CustomerUser, models.SubscribedSku, models.License,
                     models.AuditRecord}
    problems: list[str] = []
    for where, model in samples:
        problems += _problems(model, where)
    assert not problems, "\n".join(sorted(set(problems)))


async def test_models_round_trip_through_the_sandbox_unchanged(shared_pc):
    """read-modify-write keeps unknown fields: what the client sends back is what the sandbox sent."""
    cust = await customer_named(shared_pc, "Wingtip Toys")
    sub = (await shared_pc.subscriptions.list(cust.id).to_list())[0]
    wire: dict[str, Any] = sub.to_wire()
    assert models.Subscription.from_wire(wire) == sub and wire is not sub.raw
