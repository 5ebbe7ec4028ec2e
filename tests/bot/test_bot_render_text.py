"""Terminal rendering of Adaptive Cards: facts, tables, list rows, inputs and actions."""

from __future__ import annotations

from bot.render_text import render_card

SAMPLE = {
    "type": "AdaptiveCard", "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "Add seats to **Contoso**", "weight": "Bolder", "size": "Medium"},
        {"type": "FactSet", "facts": [{"title": "Customer", "value": "Contoso Ltd"},
                                      {"title": "Subscription", "value": "Microsoft 365 Business Premium"},
                                      {"title": "Seats", "value": "10 -> 15"}]},
        {"type": "Table", "columns": [{"width": 1}, {"width": 1}], "rows": [
            {"type": "TableRow", "cells": [
                {"type": "TableCell", "items": [{"type": "TextBlock", "text": "Product"}]},
                {"type": "TableCell", "items": [{"type": "TextBlock", "text": "Qty"}]}]},
            {"type": "TableRow", "cells": [
                {"type": "TableCell", "items": [{"type": "TextBlock", "text": "Teams Essentials"}]},
                {"type": "TableCell", "items": [{"type": "TextBlock", "text": "20"}]}]}]},
        {"type": "ColumnSet", "columns": [{"type": "Column", "items": [{"type": "TextBlock", "text": "Fabrikam"}]},
                                          {"type": "Column", "items": [{"type": "TextBlock", "text": "active"}]}]},
        {"type": "ColumnSet", "columns": [{"type": "Column", "items": [{"type": "TextBlock", "text": "Northwind"}]},
                                          {"type": "Column", "items": [{"type": "TextBlock", "text": "suspended"}]}]},
        {"type": "TextBlock", "text": "hidden", "isVisible": False},
        {"type": "Input.Number", "id": "quantity", "label": "Seats", "value": 15, "min": 1, "max": 300,
         "isRequired": True},
        {"type": "Input.ChoiceSet", "id": "term", "label": "Term", "value": "P1Y",
         "choices": [{"title": "Monthly", "value": "P1M"}, {"title": "Yearly", "value": "P1Y"}]},
        {"type": "Input.Toggle", "id": "notify", "title": "Notify the customer", "valueOn": "yes", "valueOff": "no"},
        {"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": "Docs", "url": "https://x.test/d"}]},
    ],
    "actions": [
        {"type": "Action.Submit", "title": "Confirm", "data": {"pb": "confirm", "flow": "f1"}},
        {"type": "Action.Execute", "title": "Refresh", "verb": "refresh", "data": {"request_id": "r1"}},
        {"type": "Action.ToggleVisibility", "title": "More", "targetElements": ["x"]},
    ],
}

EXPECTED = """\
  Add seats to Contoso
  ====================
  Customer:      Contoso Ltd
  Subscription:  Microsoft 365 Business Premium
  Seats:         10 -> 15
  Product           Qty
  ----------------  ---
  Teams Essentials  20
  Fabrikam   active
  Northwind  suspended
  > Seats *: 15
  > Term: Yearly
    options: Monthly, Yearly
  > Notify the customer: off
  [1] Docs   [2] Confirm   [3] Refresh"""


def test_sample_card_text():
    rendered = render_card(SAMPLE)
    assert rendered.text() == EXPECTED


def test_sample_card_inputs_and_actions():
    rendered = render_card(SAMPLE)
    assert [(i.id, i.type, i.default, i.required) for i in rendered.inputs] == [
        ("quantity", "Input.Number", "15", True), ("term", "Input.ChoiceSet", "P1Y", False),
        ("notify", "Input.Toggle", "no", False)]
    assert rendered.inputs[0].minimum == 1 and rendered.inputs[0].maximum == 300
    assert rendered.inputs[1].choices == [("Monthly", "P1M"), ("Yearly", "P1Y")]
    assert [(a.type, a.title) for a in rendered.actions] == [
        ("Action.OpenUrl", "Docs"), ("Action.Submit", "Confirm"), ("Action.Execute", "Refresh")]
    assert rendered.actions[2].verb == "refresh" and rendered.actions[2].data == {"request_id": "r1"}


def test_numbering_can_continue_from_an_earlier_card():
    card = {"type": "AdaptiveCard", "body": [], "actions": [{"type": "Action.Submit", "title": "Yes"}]}
    assert render_card(card).text(first_number=4) == "  [4] Yes"


def test_unknown_elements_and_markdown_links():
    card = {"type": "AdaptiveCard", "body": [{"type": "Media"}, {"type": "TextBlock",
                                                                  "text": "See [docs](https://d.test)"}]}
    assert render_card(card).lines == ["[Media]", "See docs (https://d.test)"]


def test_clickable_rows_are_named_after_their_text():
    card = {"type": "AdaptiveCard", "body": [
        {"type": "Container", "selectAction": {"type": "Action.Submit", "data": {"pb": "run"}},
         "items": [{"type": "TextBlock", "text": "Contoso Ltd"}, {"type": "TextBlock", "text": "contoso.com"}]},
        {"type": "ColumnSet", "selectAction": {"type": "Action.Execute", "verb": "open"},
         "columns": [{"type": "Column", "items": [{"type": "TextBlock", "text": "Fabrikam"}]}]},
    ]}
    assert [a.title for a in render_card(card).actions] == ["Contoso Ltd", "Fabrikam"]


def test_many_buttons_wrap_between_choices():
    card = {"type": "AdaptiveCard", "body": [],
            "actions": [{"type": "Action.Submit", "title": f"Customer number {i}"} for i in range(1, 9)]}
    lines = render_card(card).text(width=60).splitlines()
    assert len(lines) > 1 and all(len(line) <= 62 for line in lines)
    assert " ".join(lines).split("[")[1:][-1] == "8] Customer number 8"
