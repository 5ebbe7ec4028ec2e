"""The activity-log card: schema 1.5 and the action contract in every locale, size under the Teams budget with
full pages of long data, and what each row says for engine entries, approval decisions and Partner Center
records."""

from __future__ import annotations

import json

import pytest

from cards import actions
from cards.audit import audit_records_card
from cards.elements import BUDGET_BYTES, card_size
from tests.support.cards import assert_action_contract, card_text, validate_card

LOCALES = ("en-US", "zh-TW", "en-GB", "zh-Hant-TW")

CHANGE = {"id": "20260312T101500000000Z-abc", "at": "2026-03-12T10:15:00.000000Z",
          "operation": "subscriptions.change_quantity", "kind": "change", "outcome": "succeeded",
          "user": {"id": "aad-ada", "name": "Ada Lovelace", "upn": "ada@partner.example"},
          "parameters": {"customer": {"id": "c1", "name": "Contoso Ltd"}, "quantity": 3},
          "customer": {"id": "c1", "name": "Contoso Ltd"}, "request_id": "req-77",
          "details": {"before": {"quantity": 20}, "after": {"quantity": 23}}}
FAILED = {**CHANGE, "id": "x2", "outcome": "failed", "details": None,
          "error": {"status": 409, "code": 800002, "correlation_id": "corr-1"}}
APPROVAL = {"id": "x3", "at": "2026-03-12T11:00:00Z", "operation": "orders.purchase", "kind": "purchase",
            "action": "approval.ordered", "user": {"id": "aad-avery", "name": "Avery"},
            "approval": {"id": "R-7F3A9C2B1D", "status": "ordered", "version": 3},
            "customer": {"id": "c2", "name": "Northwind Traders"}, "orders": ["o-1"], "outcome": "ordered"}
PC = {"id": "p1", "customerId": "c1", "customerName": "Contoso Ltd", "userPrincipalName": "admin@partner.example",
      "resourceType": "subscription", "operationType": "update_subscription",
      "operationDate": "2026-03-12T10:15:01Z", "operationStatus": "succeeded",
      "resourceOldValue": json.dumps({"Quantity": 20, "Status": "active"}),
      "resourceNewValue": json.dumps({"Quantity": 23, "Status": "active"})}


def card(locale: str = "en-US", **kw):
    args = {"window": ("2026-02-11", "2026-03-12"), "customer_name": "Contoso Ltd", "locale": locale}
    args.update(kw)
    return audit_records_card(kw.pop("bot", [CHANGE, FAILED, APPROVAL]), kw.pop("pc", [PC]),
                              **{k: v for k, v in args.items() if k not in ("bot", "pc")})


@pytest.mark.parametrize("locale", LOCALES)
def test_valid_in_every_locale_with_show_more(locale):
    more = actions.more("audit.records", {"until": "2026-03-12T12:00:00Z"}, 1)
    built = card(locale, more=more, bot_more=True, pc_more=False, user="ada", notes=["a note"])
    validate_card(built)
    assert_action_contract(built)
    assert [a["title"] for a in built["actions"]] == (["Show more"] if locale.startswith("en") else ["顯示更多"])


@pytest.mark.parametrize("locale", LOCALES)
def test_full_pages_of_long_values_stay_under_the_budget(locale):
    long = "x" * 3000
    bot = [{**CHANGE, "id": str(i), "parameters": {"customer": {"name": long}, "note": long},
            "user": {"name": long}, "details": {"before": {f"k{j}": long for j in range(9)},
                                                "after": {f"k{j}": j for j in range(9)}}} for i in range(10)]
    pc = [{**PC, "customerName": long, "resourceNewValue": json.dumps({f"K{j}": long for j in range(20)})}
          for _ in range(10)]
    built = card(locale, bot=bot, pc=pc, customer_name=long)
    validate_card(built)
    assert card_size(built) < BUDGET_BYTES


def test_rows_say_who_what_outcome_and_ids():
    text = card_text(card())
    for fragment in ("Change the number of seats · Contoso Ltd", "by Ada Lovelace", "Succeeded", "quantity: 20 → 23",
                     "request req-77", "Failed", "error 800002, correlation id corr-1", "approval R-7F3A9C2B1D",
                     "order o-1", "Ordered", "Update subscription · Contoso Ltd", "by admin@partner.example",
                     "Quantity: 20 → 23"):
        assert fragment in text, fragment
    assert "Status: active" not in text, "unchanged fields are not listed"


def test_empty_sections_error_and_no_show_more_on_the_last_page():
    built = card(bot=[], pc=[], pc_error="Partner Center could not be reached.")
    text = card_text(built)
    assert "No changes were made through PartnerBot in this period." in text
    assert "could not be loaded: Partner Center could not be reached." in text
    assert built["actions"] == []
    empty = card_text(card(bot=[], pc=[], customer_name=None))
    assert "Activity log" in empty and "Partner Center recorded no activity in this period." in empty
