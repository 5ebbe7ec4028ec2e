"""Read-only areas against one shared sandbox: catalog (products -> SKUs -> availabilities, offers with offset
paging) and billing (invoices with offset paging, invoice line items with offset and seek paging, balance)."""

from __future__ import annotations

import pytest

from partner_center.models import BillingCycle

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_products_skus_availabilities_walk(shared_pc):
    items = await shared_pc.catalog.list_products("US").to_list()
    assert len(items) >= 20 and all(p.product_type_id == "OnlineServicesNCE" for p in items)
    premium = next(p for p in items if p.title == "Microsoft 365 Business Premium")
    assert (await shared_pc.catalog.get_product(premium.id, "US")).title == premium.title
    skus = await shared_pc.catalog.list_skus(premium.id, "US").to_list()
    assert {s.id for s in skus} == {"0001", "0002"}
    trial = await shared_pc.catalog.get_sku(premium.id, "0002", "US")
    assert trial.is_trial and trial.minimum_quantity == trial.maximum_quantity == 25
    base = next(s for s in skus if s.id == "0001")
    assert "monthly" in base.supported_billing_cycles and base.maximum_quantity == 300
    availabilities = await shared_pc.catalog.list_availabilities(premium.id, "0001", "US").to_list()
    assert len(availabilities) == 1
    availability = availabilities[0]
    assert availability.catalog_item_id == f"{premium.id}:0001:{availability.id}"
    assert availability.is_purchasable and availability.currency_code == "USD"
    assert {(t.duration, t.billing_cycle) for t in availability.terms} >= {("P1Y", BillingCycle.MONTHLY)}
    again = await shared_pc.catalog.get_availability(premium.id, "0001", availability.id, "US")
    assert again.catalog_item_id == availability.catalog_item_id and again.sku.id == "0001"


async def test_products_by_view_and_segment(shared_pc):
    azure = await shared_pc.catalog.list_products("US", target_view="Azure").to_list()
    assert [p.title for p in azure] == ["Azure plan"]
    software = await shared_pc.catalog.list_products("DE", target_view="Software",
                                                     target_segment="commercial").to_list()
    assert software and all(p.product_type_id == "Software" for p in software)


async def test_offers_offset_paging_across_boundaries(shared_pc, shared_wire):
    everything = await shared_pc.catalog.list_offers("US").to_list()
    assert len(everything) == 4
    shared_wire.clear()
    pages = [p async for p in shared_pc.catalog.list_offers("US", size=3).by_page()]
    assert [len(p.items) for p in pages] == [3, 1]
    assert [o.id for p in pages for o in p.items] == [o.id for o in everything]
    assert "offset=3" in shared_wire.log[1].query and shared_wire.log[1].path == "/v1/offers"
    assert all(o.country == "US" and o.name for o in everything)


async def test_invoices_offset_paging_get_and_balance(shared_pc, shared_wire):
    invoices = await shared_pc.invoices.list().to_list()
    assert len(invoices) >= 5
    dates = [i.invoice_date for i in invoices]
    assert dates == sorted(dates, reverse=True)
    shared_wire.clear()
    paged = await shared_pc.invoices.list(size=2).to_list()
    assert [i.id for i in paged] == [i.id for i in invoices]
    assert any("offset=2" in e.query for e in shared_wire.log)
    one = await shared_pc.invoices.get(invoices[0].id)
    assert one.id == invoices[0].id and one.total_charges is not None and one.invoice_details
    balance = await shared_pc.invoices.get_balance()
    assert balance.currency_code == "USD" and balance.balance_amount is not None
    assert set(balance.details) <= {"Recurring", "OneTime"} and balance.details


async def test_invoice_line_items_office_offset_and_onetime_seek(shared_pc, shared_wire):
    invoices = await shared_pc.invoices.list().to_list()
    recurring = next(i for i in invoices if i.invoice_type == "Recurring"
                     and any(d.billing_provider == "office" for d in i.invoice_details))
    office = await shared_pc.invoices.list_line_items(recurring.id).to_list()
    assert len(office) >= 3 and all(li.customer_id and li.object_type for li in office)
    shared_wire.clear()
    office_paged = await shared_pc.invoices.list_line_items(recurring.id, size=2).to_list()
    assert [li.raw for li in office_paged] == [li.raw for li in office]
    assert any("offset=2" in e.query for e in shared_wire.log)
    onetime_invoice = next(i for i in invoices if any(d.billing_provider == "one_time" for d in i.invoice_details))
    onetime = await shared_pc.invoices.list_line_items(onetime_invoice.id, provider="one_time").to_list()
    assert len(onetime) >= 2
    shared_wire.clear()
    pages = [p async for p in shared_pc.invoices.list_line_items(onetime_invoice.id, provider="one_time",
                                                                   size=1).by_page()]
    assert [li.raw for p in pages for li in p.items] == [li.raw for li in onetime]
    follow = [e for e in shared_wire.log if "seekOperation=Next" in e.query]
    assert len(follow) == len(pages) - 1 and all("ms-continuationtoken" in e.sent_headers for e in follow)


async def test_billed_consumption_line_items_need_the_currency(shared_pc):
    from partner_center import errors

    invoices = await shared_pc.invoices.list().to_list()
    invoice = next(i for i in invoices if any((d.billing_provider, d.invoice_line_item_type)
                                              == ("one_time", "usage_line_items") for d in i.invoice_details))
    usage = await shared_pc.invoices.list_line_items(invoice.id, "one_time", "usage_line_items",
                                                     currency_code=invoice.currency_code).to_list()
    assert usage and all(li.object_type == "DailyRatedUsageLineItem" for li in usage)
    with pytest.raises(errors.BadRequestError) as caught:
        await shared_pc.invoices.list_line_items(invoice.id, "one_time", "usage_line_items").to_list()
    assert caught.value.code == 800002 and "currencycode" in caught.value.description
