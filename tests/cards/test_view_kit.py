"""Declared result views: the generic builder (cards.view_card) and the locale keys every declared view needs."""

from __future__ import annotations

from typing import Any

import pytest
from cards_sample_data import CID, ORDER, SID

from cards import actions
from cards.elements import BUDGET_BYTES, card_size
from cards.text import catalog
from cards.view_card import render_view
from cards.view_spec import Button, Chart, ChartKind, Field, Fmt, Link, Record, Table, View, When, view_keys
from dialogs.paging import ListPage
from dialogs.registry import registry
from tests.support.cards import assert_action_contract, card_text, validate_card

LOCALES = ("en-US", "zh-TW")
CUSTOMER = {"id": CID, "name": "Contoso"}


def _check(card: dict[str, Any]) -> dict[str, Any]:
    validate_card(card)
    assert_action_contract(card)
    return card


def _order(i: int, **over: Any) -> dict[str, Any]:
    return {**ORDER, "id": f"order-{i}", **over}


def _render(op_id: str, data: Any, locale: str, more: Any = None) -> dict[str, Any]:
    """Exactly what the dispatcher does with a declared view."""
    import dialogs.ops  # noqa: F401 - fills the registry
    from dialogs import views

    op = registry[op_id]
    if isinstance(data, ListPage):
        data.op = op_id
    return _check(views.declared(op)(data, locale=locale, more=more))


def _rows(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e.get("type") == "Container" and e.get("selectAction")]


# ----------------------------------------------------------------------------------------------- locale keys


def test_every_declared_view_has_its_keys_in_both_locales():
    import dialogs.ops  # noqa: F401

    declared = [op for op in registry if op.available and op.view is not None]
    assert declared, "no operation declares a view"
    missing = []
    for op in declared:
        exact, alternatives = view_keys(op.id, op.view)
        for locale in LOCALES:
            keys = catalog(locale)  # the locale's own entries: a fallback to en-US does not count
            missing += [f"{locale}: {key} ({op.id})" for key in exact if key not in keys]
            missing += [f"{locale}: one of {group} ({op.id})" for group in alternatives
                        if not any(k in keys for k in group)]
    assert not missing, "\n".join(missing)


def test_view_keys_are_derived_from_the_operation_id():
    view = View(table=Table(columns=(Field("status"), Field("seats", labelled=True)), title_key=True),
                buttons=(Button("open", Link.to("x.get", id="id")),))
    exact, alternatives = view_keys("things.list", view)
    assert exact == ["view.things.list.title", "view.things.list.empty", "view.things.list.row",
                     "view.things.list.action.open"]
    # Bare row values need no label; a labelled column does ("Seats 5").
    assert alternatives == [("view.things.list.field.seats", "field.seats")]


# ----------------------------------------------------------------------------------------------- lists


@pytest.mark.parametrize("locale", LOCALES)
def test_list_rows_open_the_follow_up_operation_with_the_row_id(locale):
    page = ListPage([_order(1), _order(2, status="completed", totalPrice=None)], 0, True,
                    {"customer": CID}, {"customer": CUSTOMER})
    card = _render("orders.list", page, locale, more=actions.more("orders.list", {"customer": CID}, 1))
    text = card_text(card)
    assert ("Orders of Contoso" if locale == "en-US" else "Contoso 的訂單") in text
    rows = _rows(card)
    assert [r["selectAction"]["data"] for r in rows] == [
        actions.run("orders.get", {"customer": CID, "order": "order-1"}),
        actions.run("orders.get", {"customer": CID, "order": "order-2"})]
    assert rows[0]["items"][0]["text"] == ("Order order-1" if locale == "en-US" else "訂單 order-1")
    details = rows[0]["items"][1]["text"]
    if locale == "en-US":
        assert details == "Basic HQ  ·  Pending  ·  18 Apr 2024  ·  $1,234.50"
    else:
        assert "2024年4月18日" in details and "US$1,234.50" in details
    # The row without a total leaves the value out rather than showing "None".
    assert "None" not in rows[1]["items"][1]["text"]
    more = [a for a in card["actions"] if a["data"].get("pb") == "more"]
    assert more and more[0]["data"] == actions.more("orders.list", {"customer": CID}, 1)


@pytest.mark.parametrize("locale", LOCALES)
def test_empty_list_says_so_with_the_context(locale):
    card = _render("orders.list", ListPage([], 0, False, {"customer": CID}, {"customer": CUSTOMER}), locale)
    expected = "Contoso has no orders yet." if locale == "en-US" else "Contoso 尚無訂單。"
    assert expected in card_text(card)
    assert not card["actions"]


def test_an_over_full_page_continues_where_it_stopped():
    long_name = "Microsoft 365 E5 " * 30
    items = [_order(i, lineItems=[{"friendlyName": f"{long_name} {i}", "quantity": 1}]) for i in range(60)]
    page = ListPage(items, 2, False, {"customer": CID}, {"customer": CUSTOMER})
    card = _render("orders.list", page, "zh-TW")
    assert card_size(card) < BUDGET_BYTES + 2048
    shown = len(_rows(card))
    assert 0 < shown < 60
    more = [a["data"] for a in card["actions"] if a["data"].get("pb") == "more"]
    assert more == [actions.more("orders.list", {"customer": CID}, 2, offset=shown)]
    # The continuation card starts at the first item not shown.
    page.offset = shown
    rest = _render("orders.list", page, "zh-TW")
    assert _rows(rest)[0]["selectAction"]["data"]["params"]["order"] == f"order-{shown}"


# ----------------------------------------------------------------------------------------------- records


@pytest.mark.parametrize("locale", LOCALES)
def test_record_with_a_section_of_rows(locale):
    card = _render("orders.get", {"order": ORDER, "customer": CUSTOMER}, locale)
    facts = {f["title"]: f["value"] for e in card["body"] if e["type"] == "FactSet" for f in e["facts"]}
    if locale == "en-US":
        assert card["body"][0]["text"] == f"Order {ORDER['id']}"
        assert facts == {"Customer": "Contoso", "Status": "Pending", "Created": "18 Apr 2024",
                         "Billing": "Monthly", "Total": "$1,234.50"}
    else:
        assert facts["總計" if "總計" in facts else next(iter(facts))]
        assert "US$1,234.50" in facts.values() and "2024年4月18日" in facts.values()
    rows = _rows(card)
    assert [r["selectAction"]["data"] for r in rows] == [
        actions.run("subscriptions.get", {"customer": CID, "subscription": SID})]
    text = card_text(card)
    assert "Teams Essentials" in text  # a line without a subscription is shown, just not clickable
    if locale == "en-US":
        assert "Quantity 5  ·  1 year  ·  New  ·  $30.00" in text


SAMPLE_VIEW = View(
    record=Record(fields=(
        Field("status", fmt=Fmt.ENUM, enum="order_status"),
        Field("created", "when", Fmt.DATETIME),
        Field("total", "amount", Fmt.MONEY, currency="currency"),
        Field("quantity", "count", Fmt.NUMBER),
        Field("auto_renew", "renews", Fmt.YES_NO),
        Field("term", fmt=Fmt.TERM),
        Field("billing_cycle", "missing", always=True),
        Field("offer", "nothing"),
    )),
    buttons=(Button("unused", Link.to("orders.get", customer="customer.id", order="missing")),),
)


def test_values_are_formatted_per_locale():
    data = {"customer": CUSTOMER, "status": "completed", "when": "2026-03-12T14:05:00Z", "amount": 1234567.5,
            "currency": "TWD", "count": 12000, "renews": False, "term": "P3Y"}
    card = _check(render_view("orders.list", SAMPLE_VIEW, data, locale="en-US"))
    en = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert en == {"Status": "Completed", "Created": "12 Mar 2026 14:05 UTC", "Total": "NT$1,234,567.50",
                  "Quantity": "12,000", "Auto-renew": "No", "Term": "3 years", "Billing": "—"}
    zh = render_view("orders.list", SAMPLE_VIEW, data, locale="zh-TW")
    _check(zh)
    values = [f["value"] for f in zh["body"][1]["facts"]]
    assert "2026年3月12日 14:05 UTC" in values and "$1,234,567.50" in values
    # A button whose params do not all resolve is left out rather than sent broken.
    assert zh["actions"] == []


def test_percent_grid_and_conditional_buttons():
    view = View(
        table=Table(items="rows", grid=True, columns=(Field("offer", "name"), Field("quantity", "used", Fmt.PERCENT))),
        buttons=(Button("restore", Link.to("orders.get", customer="customer.id", order="id"),
                        when=When("state", ("inactive",))),))
    data = {"customer": CUSTOMER, "id": "o1",
            "rows": [{"name": "E5", "used": 37.5}, {"name": "E3", "used": 100}]}
    data["state"] = "active"  # the button is only for inactive things
    card = _check(render_view("orders.list", view, data, locale="en-US"))
    table = next(e for e in card["body"] if e["type"] == "Table")
    cells = [[c["items"][0]["text"] for c in row["cells"]] for row in table["rows"]]
    assert cells == [["Product", "Quantity"], ["E5", "37.5%"], ["E3", "100%"]]
    assert card["actions"] == []


# ----------------------------------------------------------------------------------------------- charts

USAGE = {"customer": CUSTOMER, "currency": "USD", "months": [
    {"month": "2026-09-01", "charge": 1200.5, "seats": 40},
    {"month": "2026-10-01", "charge": 1310, "seats": 44},
    {"month": "2026-11-01", "charge": None, "seats": 45},  # a month without a charge yet
]}


@pytest.fixture
def chart_keys(monkeypatch):
    """Catalog entries of a synthetic operation `test.usage` (both locales) for chart views."""
    for locale, title, chart in (("en-US", "Usage of {customer}", "Charges by month"),
                                 ("zh-TW", "{customer} 的使用量", "每月費用")):
        monkeypatch.setitem(catalog(locale), "view.test.usage.title", title)
        monkeypatch.setitem(catalog(locale), "view.test.usage.chart", chart)
    return "test.usage"


def _chart_view(kind: ChartKind, *ys: str) -> View:
    fields = {"charge": Field("total", "charge", Fmt.MONEY, currency="currency"),
              "seats": Field("quantity", "seats", Fmt.NUMBER)}
    return View(chart=Chart(kind, x=Field("created", "month", Fmt.DATE), y=tuple(fields[y] for y in ys),
                            items="months"))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(ChartKind))
def test_every_chart_kind_is_valid_and_falls_back_to_a_table_of_the_same_numbers(chart_keys, kind, locale):
    card = _check(render_view(chart_keys, _chart_view(kind, "charge"), USAGE, locale=locale))
    chart = card["body"][1]
    assert chart["type"] == kind.value
    assert chart["title"] == ("Charges by month" if locale == "en-US" else "每月費用")
    if kind in (ChartKind.PIE, ChartKind.DONUT):
        assert [(d["legend"], d["value"]) for d in chart["data"]] == (
            [("1 Sep 2026", 1200.5), ("1 Oct 2026", 1310)] if locale == "en-US" else
            [("2026年9月1日", 1200.5), ("2026年10月1日", 1310)])
    elif kind == ChartKind.LINE:
        assert [(p["x"], p["y"]) for p in chart["data"][0]["values"]][1] == (
            "1 Oct 2026" if locale == "en-US" else "2026年10月1日", 1310)
    else:
        assert [p["y"] for p in chart["data"]] == [1200.5, 1310]
    fallback = chart["fallback"]
    assert fallback["type"] == "Container"
    table = fallback["items"][1]
    cells = [[c["items"][0]["text"] for c in row["cells"]] for row in table["rows"]]
    if locale == "en-US":
        assert cells == [["Created", "Total"], ["1 Sep 2026", "$1,200.50"], ["1 Oct 2026", "$1,310.00"],
                         ["1 Nov 2026", "—"]]


def test_two_series_make_a_grouped_bar_chart(chart_keys):
    card = _check(render_view(chart_keys, _chart_view(ChartKind.BAR, "charge", "seats"), USAGE, locale="en-US"))
    chart = card["body"][1]
    assert chart["type"] == "Chart.VerticalBar.Grouped"
    assert [(s["legend"], [p["y"] for p in s["values"]]) for s in chart["data"]] == [
        ("Total", [1200.5, 1310]), ("Quantity", [40, 44, 45])]


def test_no_numbers_no_chart(chart_keys):
    card = _check(render_view(chart_keys, _chart_view(ChartKind.LINE, "charge"), {**USAGE, "months": []},
                              locale="en-US"))
    assert [e["type"] for e in card["body"]] == ["TextBlock"]


@pytest.mark.parametrize("broken,where", [
    ({"type": "Chart.VerticalBar", "data": [{"x": "Jan"}]}, "$.body[0].data[0]"),
    ({"type": "Chart.Pie", "data": [{"legend": "A", "value": "12"}]}, "$.body[0].data[0].value"),
    ({"type": "Chart.Line", "data": [{"legend": "A", "values": [{"x": "Jan", "y": 1}]}], "colour": "red"}, "$.body[0]"),
    ({"type": "Chart.Donut", "data": []}, "$.body[0].data"),
    ({"type": "Chart.Bubble", "data": [{"x": 1, "y": 2}]}, "$.body[0]"),
])
def test_the_schema_check_knows_the_chart_elements(broken, where):
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [broken]}
    with pytest.raises(AssertionError) as error:
        validate_card(card)
    assert where in str(error.value)


# ----------------------------------------------------------------------------------------------- users (ported)


@pytest.mark.parametrize("state,buttons", [
    ("active", ["Licences", "Roles", "Reset password"]),
    ("inactive", ["Restore"]),
])
def test_buttons_follow_the_record_state(state, buttons):
    from cards_sample_data import USER

    card = _render("users.get", {"user": {**USER, "state": state}, "customer": CUSTOMER}, "en-US")
    assert [a["title"] for a in card["actions"]] == buttons
    assert card["actions"][0]["data"]["params"] == {"customer": CID, "user": USER["id"]}


def test_inactive_rows_are_marked_and_long_lists_are_cut():
    from cards_sample_data import LICENSE, USER

    page = ListPage([USER, {**USER, "id": "u2", "state": "inactive"}], 0, False, {"customer": CID},
                    {"customer": CUSTOMER})
    rows = _rows(_render("users.list", page, "en-US"))
    assert [r["items"][0].get("color") for r in rows] == [None, "Attention"]
    card = _render("licenses.assigned", {"licenses": [LICENSE], "user": {"name": "Jane"}, "customer": CUSTOMER},
                   "zh-TW")
    text = card_text(card)
    assert "Jane 的授權" in text
    assert "包含：Plan 0、Plan 1、Plan 2、Plan 3、Plan 4、Plan 5 及其他 6 項" in text


# ----------------------------------------------------------------------------------------------- more shapes


def test_plain_title_without_the_context_and_with_it():
    from cards_sample_data import SERVICE_REQUEST

    everyone = _render("service_requests.list", ListPage([], 0, False, {}, {"customer": None}), "en-US")
    assert everyone["body"][0]["text"] == "Service requests"
    assert "No service requests to show." in card_text(everyone)
    one = _render("service_requests.list", ListPage([SERVICE_REQUEST], 0, False, {}, {"customer": CUSTOMER}),
                  "zh-TW")
    assert one["body"][0]["text"] == "Contoso 的服務要求"
    assert f"要求 {SERVICE_REQUEST['id']}" in card_text(one)


def test_periods_distinct_enum_lists_and_fact_lists():
    from cards_sample_data import BALANCE, INVOICE

    facts = {f["title"]: f["value"] for e in _render("invoices.get", INVOICE, "en-US")["body"]
             if e["type"] == "FactSet" for f in e["facts"]}
    assert facts["Billing period"] == "9 Feb 2026 – 8 Mar 2026"
    # Three line-item groups by three providers (one unknown, shown verbatim), each named once, sorted.
    assert facts["Includes"] == "Azure, Microsoft 365, quantum_billing"
    balance = _render("billing.balance", BALANCE, "en-US")
    by_type = balance["body"][-1]
    assert by_type["type"] == "FactSet" and by_type["facts"][0] == {"title": "Recurring", "value": "$202,955.87"}


def test_a_note_feed_is_sorted_newest_first_and_long_text_is_shortened():
    from cards_sample_data import SERVICE_REQUEST

    sr = {**SERVICE_REQUEST, "description": "d" * 5000,
          "notes": [{"createdByName": "A", "createdDate": f"2024-05-0{d}T10:00:00Z", "text": f"note {d}"}
                    for d in (2, 9, 5)]}
    text = card_text(_render("service_requests.get", sr, "en-US"))
    assert text.index("note 9") < text.index("note 5") < text.index("note 2")
    assert "(shortened)" in text and "d" * 1600 not in text


def _declared_ops() -> list[str]:
    import dialogs.ops  # noqa: F401

    return [op.id for op in registry if op.available and op.view is not None]


@pytest.mark.parametrize("op_id", _declared_ops())
def test_every_declared_view_renders_an_empty_result_in_both_locales(op_id):
    """Nothing found (or a sparse answer) still gives a valid card: no crash on a missing key or placeholder."""
    op = registry[op_id]
    for locale in LOCALES:
        for data in ({}, ListPage([], 0, False, {}, {})):
            card = _render(op_id, data, locale)
            assert card["body"][0]["type"] == "TextBlock" and card["body"][0]["text"], (op_id, locale)
        if op.view.table is not None:
            card = _render(op_id, ListPage([{}, {"id": "x"}], 0, True, {}, {}), locale,
                           more=actions.more(op_id, {}, 1))
            assert any(a["data"].get("pb") == "more" for a in card["actions"]), op_id
