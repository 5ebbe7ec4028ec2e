"""Every builder, both locales, realistic and awkward data: schema 1.5, < 28 KB, action contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cards_sample_data import (
    BALANCE,
    CID,
    INVOICE,
    LICENSE,
    LINE_ITEM_LICENSE,
    LINE_ITEM_ONETIME,
    ORDER,
    SERVICE_REQUEST,
    SID,
    SUBSCRIBED_SKU,
    USER,
    customer,
    subscription,
)

import cards
from cards import actions
from dialogs import views
from dialogs.paging import ListPage
from tests.support.cards import assert_action_contract, card_text, validate_card

LOCALES = ("en-US", "zh-TW", "en-GB", "zh-Hant-TW")

Builder = Callable[[str], dict[str, Any]]


CONTOSO = {"id": CID, "name": "Contoso"}


def _declared(op_id: str, data: Any, locale: str, more: dict[str, Any] | None = None) -> dict[str, Any]:
    """A result card drawn from the operation's declared view, as the dispatcher draws it."""
    return views.render(op_id, data, locale=locale, more=more)


BUILDERS: dict[str, Builder] = {
    "customer_list": lambda loc: _declared("customers.list", ListPage(
        [customer(i) for i in range(8)], 0, True, {}, {}, op="customers.list"), loc,
        more=actions.more("customers.list", {}, 1)),
    "customer_search": lambda loc: _declared("customers.search", ListPage(
        [customer()], 0, False, {"customer": "Cont"}, {"query": "Cont"}, op="customers.search"), loc),
    "customer_details": lambda loc: _declared("customers.get", customer(), loc),
    "customer_details_minimal": lambda loc: _declared("customers.get", {"id": CID}, loc),
    "subscription_list": lambda loc: _declared("subscriptions.list", ListPage(
        [subscription(i) for i in range(20)], 0, True, {"customer": CID}, {"customer": CONTOSO},
        op="subscriptions.list"), loc, more=actions.more("subscriptions.list", {"customer": CID}, 1)),
    "subscription_details": lambda loc: _declared("subscriptions.get", {"subscription": subscription(),
                                                                        "customer": CONTOSO}, loc),
    "subscription_details_odd": lambda loc: _declared("subscriptions.get", {"subscription": subscription(
        status="hibernating", billingCycle="quadrennial", termDuration="P4Y", quantity="lots",
        commitmentEndDate="9999-12-10T00:00:00Z", suspensionReasons=["Fraud", "Non-payment"],
        attentionNeeded=True, isTrial=True, newThing={"a": 1}), "customer": {"id": CID}}, loc),
    "addon_list": lambda loc: _declared("subscriptions.addons", ListPage(
        [subscription(1, parentSubscriptionId="p")], 0, False, {"customer": CID, "subscription": SID},
        {"customer": CONTOSO, "subscription": {"id": SID, "name": "Microsoft 365 Business Basic"}},
        op="subscriptions.addons"), loc),
    "service_request_list": lambda loc: _declared("service_requests.list", ListPage(
        [SERVICE_REQUEST, {**SERVICE_REQUEST, "status": 1, "severity": 0}, {"id": "1", "status": "attention_needed"}],
        0, False, {"customer": CID}, {"customer": CONTOSO}, op="service_requests.list"), loc),
    "service_request_list_partner": lambda loc: _declared("service_requests.list", ListPage(
        [SERVICE_REQUEST], 0, False, {}, {"customer": None}, op="service_requests.list"), loc),
    "service_request_details": lambda loc: _declared("service_requests.get", SERVICE_REQUEST, loc),
    "invoice_list": lambda loc: _declared("invoices.list", ListPage(
        [INVOICE, {**INVOICE, "invoiceType": "OneTime", "id": "D1"}], 0, True, {}, {}, op="invoices.list"), loc,
        more=actions.more("invoices.list", {}, 1)),
    "invoice_details": lambda loc: _declared("invoices.get", INVOICE, loc),
    "invoice_line_items": lambda loc: _declared("invoices.line_items", ListPage(
        [LINE_ITEM_LICENSE, LINE_ITEM_ONETIME, {}], 0, False, {"invoice": "G000024135"}, {"invoice": "G000024135"},
        op="invoices.line_items"), loc),
    "balance": lambda loc: _declared("billing.balance", BALANCE, loc),
    "order_list": lambda loc: _declared("orders.list", ListPage(
        [ORDER, {**ORDER, "status": "pending review", "id": "b2"}], 0, False, {"customer": CID},
        {"customer": {"id": CID, "name": "Contoso"}}, op="orders.list"), loc),
    "order_details": lambda loc: _declared("orders.get", {"order": ORDER, "customer": {"id": CID, "name": "Contoso"}},
                                           loc),
    "user_list": lambda loc: _declared("users.list", ListPage(
        [USER, {**USER, "state": "inactive", "id": "u2"}], 0, True, {"customer": CID}, {"customer": CONTOSO},
        op="users.list"), loc, more=actions.more("users.list", {"customer": CID}, 1)),
    "user_details": lambda loc: _declared("users.get", {"user": USER, "customer": CONTOSO}, loc),
    "user_details_deleted": lambda loc: _declared("users.get", {
        "user": {**USER, "state": "inactive", "softDeletionTime": "2026-03-01T00:00:00Z"},
        "customer": {"id": CID}}, loc),
    "license_summary": lambda loc: _declared("licenses.available", {
        "skus": [SUBSCRIBED_SKU, {"productSku": {}}], "customer": CONTOSO}, loc),
    "assigned_licenses": lambda loc: _declared("licenses.assigned", {
        "licenses": [LICENSE], "user": {"id": "u1", "name": "Jane Doe"}, "customer": CONTOSO}, loc),
    "welcome": lambda loc: cards.welcome_card(user_name="Ada", locale=loc),
    "help": lambda loc: cards.help_card(locale=loc),
    "choice_buttons": lambda loc: cards.choice_card(
        [cards.Option(CID, "Contoso Ltd", "contoso.onmicrosoft.com"), cards.Option("x", "Contoso Pharma")],
        flow="f1", slot="customer", locale=loc),
    "choice_list": lambda loc: cards.choice_card([cards.Option(str(i), f"Option {i}") for i in range(40)],
                                                 flow="f1", slot="subscription", locale=loc),
    "form": lambda loc: cards.form_card(
        [cards.FormField("quantity", "number", minimum=1, maximum=300, value=5),
         cards.FormField("nickname", value="HQ"), cards.FormField("auto_renew", "toggle", value=True),
         cards.FormField("start_date", "date", value="2026-03-12"),
         cards.FormField("billing_cycle", "choice", choices=[cards.Option("monthly", "Monthly")])],
        flow="f2", locale=loc),
    "confirmation": lambda loc: cards.confirmation_card(
        [cards.Change("Seats", 10, 15), cards.Change("Auto-renew", True, False)], flow="f3",
        summary="Change seats of M365 Basic (HQ) for Contoso", warnings=["Seats can be reduced only within 7 days."],
        locale=loc),
    "confirmation_purchase": lambda loc: cards.confirmation_card(
        [cards.Change("Teams Essentials", None, 20)], flow="f4", summary="Buy", purchase=True, locale=loc),
    "result": lambda loc: cards.result_card(
        "Seats changed from 10 to 15.", details=[("Seats", 15), ("Auto-renew", True)],
        next_actions=[("Open", actions.run("subscriptions.get", {"customer": CID, "subscription": "s"}))], locale=loc),
    "error": lambda loc: cards.error_card("Something broke.", correlation_id="c-42", locale=loc),
    "pc_error": lambda loc: cards.partner_center_error_card(status=400, code=800090, description="x",
                                                            correlation_id="c-1", request_id="r-1", locale=loc),
}


def _approval(status: str = "pending", **extra: Any) -> cards.ApprovalRequest:
    return cards.ApprovalRequest(
        request_id="apr-7", version=3, status=status, requester_name="Bob Buyer", customer_name="Northwind",
        lines=[cards.ApprovalLine("Teams Essentials", 20, "monthly", "P1Y", 80.0)], currency="USD",
        estimated_total=80.0, approver_names=["Ann Approver"], created_at="2026-03-12T09:00:00Z",
        refresh_user_ids=["29:requester", "29:approver"], **extra)


for _view in ("approver", "requester", "readonly"):
    BUILDERS[f"approval_{_view}"] = (lambda view: lambda loc: cards.approval_card(_approval(), view=view,
                                                                                   locale=loc))(_view)
BUILDERS["approval_decided"] = lambda loc: cards.approval_card(
    _approval("ordered", decided_by="Ann Approver", decided_at="2026-03-12T10:00:00Z", order_id="a68736758d9c"),
    view="approver", locale=loc)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_builder_is_valid_small_and_follows_the_contract(name: str, locale: str):
    card = BUILDERS[name](locale)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5" and "$schema" in card
    assert isinstance(card["body"], list) and isinstance(card["actions"], list)
    validate_card(card)
    assert_action_contract(card)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_zh_tw_cards_use_the_zh_tw_catalog(name: str):
    en, zh = card_text(BUILDERS[name]("en-US")), card_text(BUILDERS[name]("zh-TW"))
    assert en != zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), name
