"""What the cards say and which buttons they offer: statuses, paging, before/after, forms, approvals, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cards_sample_data import CID, SERVICE_REQUEST, SID, customer, subscription

import cards
from cards import actions
from cards.elements import MAX_CARD_BYTES, card_size
from dialogs import views
from dialogs.paging import ListPage
from tests.support.cards import assert_action_contract, card_text, iter_actions, validate_card


def _submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for _, a in iter_actions(card) if a["type"] == "Action.Submit"]


def _titled(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["title"]: a["data"] for a in _submits(card) if "title" in a}


CONTOSO = {"id": CID, "name": "Contoso"}


def subscription_details(sub: dict[str, Any], *, customer: dict[str, Any] = CONTOSO,
                         locale: str = "en-US") -> dict[str, Any]:
    """The subscriptions.get card, drawn from its declared view as the dispatcher draws it."""
    return views.render("subscriptions.get", {"subscription": sub, "customer": customer}, locale=locale)


def subscription_list(subs: list[dict[str, Any]], *, customer: dict[str, Any] = CONTOSO, more: Any = None,
                      locale: str = "en-US", offset: int = 0, page: int = 0, last_page: bool = True) -> dict[str, Any]:
    """The subscriptions.list card for one page (`subs`), from `offset` on, as the dispatcher draws it."""
    data = ListPage(subs, page, not last_page, {"customer": customer["id"]}, {"customer": customer},
                    op="subscriptions.list" if page else "", offset=offset)
    return views.render("subscriptions.list", data, locale=locale, more=more)


# ------------------------------------------------------------------------------------------- subscriptions


def test_active_subscription_offers_change_suspend_cancel_with_run_payloads():
    card = subscription_details(subscription())
    buttons = _titled(card)
    params = {"customer": CID, "subscription": SID}
    assert buttons["Change seats"] == {"pb": "run", "op": "subscriptions.change_quantity", "params": params}
    assert buttons["Suspend"] == {"pb": "run", "op": "subscriptions.suspend", "params": params}
    assert buttons["Cancel subscription"] == {"pb": "run", "op": "subscriptions.cancel", "params": params}
    assert "Reactivate" not in buttons
    text = card_text(card)
    for expected in ("Active", "10 seats", "1 year", "Monthly", "12 Mar 2026", "Renews on 12 Mar 2026", "Yes"):
        assert expected in text, expected


def test_suspended_subscription_offers_reactivate_not_suspend():
    buttons = _titled(subscription_details(subscription(status="suspended")))
    assert buttons["Reactivate"]["op"] == "subscriptions.reactivate"
    assert "Suspend" not in buttons and "Change seats" not in buttons
    assert "Cancel subscription" in buttons


@pytest.mark.parametrize("status", ["deleted", "expired", "pending", "hibernating"])
def test_subscription_without_changeable_status_has_no_buttons(status: str):
    card = subscription_details(subscription(status=status))
    assert card["actions"] == []


def test_unknown_enum_values_are_shown_verbatim():
    card = subscription_details(subscription(status="hibernating", billingCycle="quadrennial"))
    text = card_text(card)
    assert "hibernating" in text and "quadrennial" in text


def test_auto_renew_off_says_when_it_ends():
    text = card_text(subscription_details(subscription(autoRenewEnabled=False), locale="zh-TW"))
    assert "將於 2026年3月12日 結束" in text


def test_rows_open_the_subscription_with_the_customer_of_the_result():
    card = subscription_list([subscription()])
    row_action = next(a for _, a in iter_actions(card) if "title" not in a)
    assert row_action["data"] == {"pb": "run", "op": "subscriptions.get",
                                  "params": {"customer": CID, "subscription": SID}}


# ------------------------------------------------------------------------------------------- lists


def test_empty_list_says_so_and_has_no_show_more():
    card = subscription_list([], more=None)
    validate_card(card)
    assert "No subscriptions of Contoso to show." in card_text(card)
    assert card["actions"] == []


def test_list_with_next_page_shows_more_with_the_callers_payload():
    more = actions.more("customers.list", {}, 1)
    card = views.render("customers.list", ListPage([customer(i) for i in range(3)], 0, True, {}, {},
                                                   op="customers.list"), locale="en-US", more=more)
    assert _titled(card)["Show more"] == {"pb": "more", "op": "customers.list", "params": {}, "page": 1}
    assert card_text(card).count("onmicrosoft.com") == 3


def test_last_page_has_no_show_more():
    card = views.render("customers.list", ListPage([customer(i) for i in range(3)], 0, False, {}, {},
                                                   op="customers.list"), locale="en-US")
    assert "Show more" not in _titled(card)


def test_overfull_page_is_never_silently_truncated():
    subs = [subscription(i) for i in range(1, 301)]
    more = actions.more("subscriptions.list", {"customer": CID}, 3)
    card = subscription_list(subs, more=more, page=2, last_page=False)
    validate_card(card)
    shown = sum(1 for s in subs if s["friendlyName"] in card_text(card))
    assert 10 < shown < 300
    show_more = _titled(card)["Show more"]
    # Same page (2), resuming at the first item that was not shown.
    assert show_more == {"pb": "more", "op": "subscriptions.list", "params": {"customer": CID}, "page": 2,
                         "offset": shown}
    assert f"{300 - shown} more items" in card_text(card)
    # The continuation card starts where the first one stopped.
    rest = subscription_list(subs, more=more, offset=shown, page=2, last_page=False)
    second = _titled(rest)["Show more"]
    assert second["page"] == 2 and second["offset"] > shown


def test_overfull_last_page_uses_current_payload_or_asks_to_narrow():
    subs = [subscription(i) for i in range(1, 200)]
    narrow = subscription_list(subs, more=None)
    assert "Show more" not in _titled(narrow)
    assert "Narrow the request" in card_text(narrow)
    cont = subscription_list(subs, more=None, page=4)  # the dispatcher knows this page: it can be continued
    assert _titled(cont)["Show more"]["page"] == 4 and _titled(cont)["Show more"]["offset"] > 0


def test_huge_names_and_many_rows_stay_under_the_limit_in_zh_tw():
    subs = [subscription(i, friendlyName="訂用帳戶" * 3000, offerName="產品" * 3000) for i in range(1, 120)]
    card = subscription_list(subs, customer={"id": CID, "name": "客戶" * 50}, locale="zh-TW",
                             more=actions.more("subscriptions.list", {"customer": CID}, 1))
    validate_card(card)
    assert card_size(card) < MAX_CARD_BYTES
    assert "顯示更多" in card_text(card)


def test_long_service_request_is_shortened_and_says_so():
    sr = {**SERVICE_REQUEST, "description": "x" * 100_000,
          "notes": [{"createdByName": "A", "createdDate": f"2024-05-01T10:{m:02d}:00Z", "text": "n" * 5000}
                    for m in range(60)]}
    card = views.render("service_requests.get", sr, locale="en-US")
    validate_card(card)
    text = card_text(card)
    assert "(shortened)" in text and "52 more not shown." in text
    assert "1 May 2024 10:59 UTC" in text  # newest note first


def test_license_summary_table_shows_assigned_and_available():
    sku = {"availableUnits": 3, "consumedUnits": 22, "totalUnits": 25, "productSku": {"name": "Microsoft 365 E5"}}
    card = views.render("licenses.available", {"skus": [sku] * 400, "customer": {"id": CID, "name": "Contoso"}},
                        locale="en-US")
    validate_card(card)
    tables = [e for e in card["body"] if e["type"] == "Table"]
    assert [c["items"][0]["text"] for c in tables[0]["rows"][1]["cells"]] == ["Microsoft 365 E5", "22", "3", "25"]
    assert "more items did not fit" in card_text(card)


# ------------------------------------------------------------------------------------------- confirmation


def test_confirmation_shows_before_and_after_and_confirm_decline_payloads():
    card = cards.confirmation_card([cards.Change("Seats", 10, 1500), cards.Change("Nickname", None, "HQ")],
                                   flow="F-9", summary="Change seats of M365 Basic for Contoso")
    validate_card(card)
    table = next(e for e in card["body"] if e["type"] == "Table")
    rows = [[c["items"][0]["text"] for c in row["cells"]] for row in table["rows"]]
    assert rows == [["Setting", "Before", "After"], ["Seats", "10", "1,500"], ["Nickname", "—", "HQ"]]
    assert "Seats: 10 → 1,500" in table["fallback"]["text"]
    buttons = _titled(card)
    assert buttons["Confirm"] == {"pb": "confirm", "flow": "F-9"}
    assert buttons["Cancel"] == {"pb": "decline", "flow": "F-9"}


def test_purchase_confirmation_mentions_the_approver():
    card = cards.confirmation_card([cards.Change("Teams Essentials", None, 20)], flow="f", summary="Buy",
                                   purchase=True, locale="zh-TW")
    assert "核准者" in card_text(card)


# ------------------------------------------------------------------------------------------- choice / form


def test_short_choice_has_one_button_per_option():
    options = [cards.Option(CID, "Contoso Ltd"), cards.Option("other", "Contoso Pharma")]
    card = cards.choice_card(options, flow="f1", slot="customer")
    buttons = _titled(card)
    assert buttons["Contoso Ltd"] == {"pb": "choose", "flow": "f1", "slot": "customer", "choice": CID}
    assert buttons["Cancel"] == {"pb": "cancel", "flow": "f1"}


def test_long_choice_uses_a_choice_set_named_choice():
    options = [cards.Option(str(i), f"Option {i}") for i in range(12)]
    card = cards.choice_card(options, flow="f1", slot="subscription")
    choice_set = next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")
    assert choice_set["id"] == "choice" and len(choice_set["choices"]) == 12
    assert _titled(card)["Select"] == {"pb": "choose", "flow": "f1", "slot": "subscription"}


def test_form_prefills_values_and_shows_field_errors():
    fields = [cards.FormField("quantity", "number", minimum=1, maximum=300, value=500,
                              error="Enter a number from 1 to 300."),
              cards.FormField("nickname", value="HQ"), cards.FormField("auto_renew", "toggle", value=False),
              cards.FormField("start_date", "date", value="2026-03-12T00:00:00Z"),
              cards.FormField("billing_cycle", "choice", value="annual",
                              choices=[cards.Option("monthly", "Monthly"), cards.Option("annual", "Annual")])]
    card = cards.form_card(fields, flow="f2")
    validate_card(card)
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert inputs["quantity"]["value"] == 500 and inputs["quantity"]["min"] == 1 and inputs["quantity"]["max"] == 300
    assert inputs["quantity"]["label"] == "Number of seats"
    assert inputs["quantity"]["errorMessage"] == "Enter a number from 1 to 300."
    assert inputs["nickname"]["value"] == "HQ"
    assert inputs["auto_renew"]["value"] == "false"
    assert inputs["start_date"]["value"] == "2026-03-12"
    assert inputs["billing_cycle"]["value"] == "annual"
    text = card_text(card)
    assert "Please correct the highlighted fields." in text
    buttons = _titled(card)
    assert buttons["Continue"] == {"pb": "form", "flow": "f2"}
    assert buttons["Cancel"] == {"pb": "cancel", "flow": "f2"}
    cancel = next(a for a in card["actions"] if a["title"] == "Cancel")
    assert cancel["associatedInputs"] == "none"


def test_form_refuses_input_ids_that_collide_with_payload_keys():
    with pytest.raises(ValueError):
        cards.form_card([cards.FormField("flow")], flow="f")


# ------------------------------------------------------------------------------------------- approvals


def _request(status: str = "pending", **extra: Any) -> cards.ApprovalRequest:
    return cards.ApprovalRequest(request_id="apr-7", version=3, status=status, requester_name="Bob",
                                 customer_name="Northwind", lines=[cards.ApprovalLine("Teams Essentials", 20)],
                                 refresh_user_ids=["29:bob", "29:ann"], **extra)


def test_approval_views_offer_the_right_verbs_with_only_id_and_version():
    verbs = {}
    for view in ("approver", "requester", "readonly"):
        card = cards.approval_card(_request(), view=view)
        validate_card(card)
        assert_action_contract(card)
        verbs[view] = [a["verb"] for a in card["actions"]]
        assert card["refresh"]["action"] == {"type": "Action.Execute", "verb": "refresh",
                                             "data": {"request_id": "apr-7", "version": 3}}
        assert card["refresh"]["userIds"] == ["29:bob", "29:ann"]
        for action in card["actions"]:
            assert action["type"] == "Action.Execute" and action["data"] == {"request_id": "apr-7", "version": 3}
    assert verbs == {"approver": ["approve", "reject"], "requester": ["withdraw"], "readonly": []}


def test_decided_approval_is_read_only_and_refresh_is_manual():
    card = cards.approval_card(_request("rejected", decided_by="Ann", decided_at="2026-03-12T10:00:00Z",
                                        reason="Over budget"), view="approver")
    validate_card(card)
    assert card["actions"] == [] and card["refresh"]["userIds"] == []
    text = card_text(card)
    assert "Rejected by Ann on 12 Mar 2026 10:00 UTC" in text and "Over budget" in text


def test_approval_rejects_unknown_view():
    with pytest.raises(ValueError):
        cards.approval_card(_request(), view="boss")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- errors / misc


def test_partner_center_error_card_explains_code_and_shows_references():
    card = cards.partner_center_error_card(status=400, code=800090, description="Subscription quantity cannot be "
                                           "decreased.", correlation_id="c-123", request_id="r-9")
    text = card_text(card)
    assert "within 7 days" in text and "800090" in text and "c-123" in text and "r-9" in text
    assert "800,090" not in text


@pytest.mark.parametrize("status,code,expected", [
    (403, None, "GDAP"), (404, 1000, "couldn't find"), (503, None, "temporary problem"),
    (400, 12345, "did not accept the request. (odd thing)"), (None, None, "odd thing"),
])
def test_explanations_fall_back_from_code_to_status_to_text(status, code, expected):
    assert expected in cards.explain_partner_center_error(status, code, "odd thing")


def test_help_card_uses_given_areas_and_catalog_titles():
    card = cards.help_card([{"id": "subscriptions", "examples": ["add 5 seats to Fabrikam's Business Premium"]},
                            {"id": "weird", "title": "Weird things", "examples": []}], locale="zh-TW")
    validate_card(card)
    text = card_text(card)
    assert "訂用帳戶" in text and "Weird things" in text and "add 5 seats" in text


def test_welcome_buttons_run_help_and_customer_list():
    data = [a["data"] for a in cards.welcome_card()["actions"]]
    assert data == [{"pb": "run", "op": "help", "params": {}}, {"pb": "run", "op": "customers.list", "params": {}}]


def test_cards_are_json_round_trippable():
    card = subscription_details(subscription(), locale="zh-TW")
    assert json.loads(json.dumps(card)) == card
