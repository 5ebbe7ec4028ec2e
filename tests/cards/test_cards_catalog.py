"""The text catalog: both locales complete, placeholders identical, fallbacks and formatting helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from cards.text import (
    LOCALES_DIR,
    SUPPORTED_LOCALES,
    catalog,
    enum_label,
    format_currency,
    format_date,
    format_datetime,
    format_number,
    format_term,
    parse_datetime,
    placeholders,
    resolve_locale,
    t,
    t_count,
)


def _load_strict(locale: str) -> dict[str, str]:
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        dupes = {k for k in keys if keys.count(k) > 1}
        assert not dupes, f"{locale}: duplicate keys {sorted(dupes)}"
        return dict(pairs)

    with open(LOCALES_DIR / f"{locale}.json", encoding="utf-8") as fh:
        return json.load(fh, object_pairs_hook=no_duplicates)


def test_every_key_exists_in_every_locale():
    reference = set(catalog("en-US"))
    for locale in SUPPORTED_LOCALES:
        keys = set(catalog(locale))
        assert keys == reference, f"{locale}: missing {sorted(reference - keys)}, extra {sorted(keys - reference)}"


def test_placeholders_match_across_locales():
    en = catalog("en-US")
    for locale in SUPPORTED_LOCALES:
        for key, template in catalog(locale).items():
            assert placeholders(template) == placeholders(en[key]), f"{locale}:{key}"


def test_catalog_files_have_no_duplicate_keys_and_only_strings():
    for locale in SUPPORTED_LOCALES:
        data = _load_strict(locale)
        assert all(isinstance(v, str) and v for v in data.values()), locale


def test_zh_tw_is_actually_translated():
    en, zh = catalog("en-US"), catalog("zh-TW")
    same = [k for k in en if en[k] == zh[k] and any(c.isalpha() for c in en[k])]
    # Only brand names, codes and pure-format templates may stay identical.
    allowed = {"enum.billing_provider.office", "enum.billing_provider.azure", "enum.billing_provider.azure_data_market",
               "common.range", "approval.line", "form.required_mark",
               "view.users.get.title", "view.subscriptions.get.title",
               "view.service_requests.get.title", "view.customers.get.title"}  # the thing's own name
    assert set(same) <= allowed, sorted(set(same) - allowed)


def test_common_engine_messages_exist():
    for key in ("msg.unknown_customer", "msg.card_inactive", "msg.cancelled", "msg.nothing_to_cancel",
                "msg.confirm_prompt", "msg.declined", "msg.field_missing", "msg.field_invalid", "msg.role_required",
                "msg.pc_error", "msg.service_unreachable", "msg.crash"):
        assert t(key, "en-US", **{p: "X" for p in placeholders(catalog("en-US")[key])})


@pytest.mark.parametrize("tag,expected", [
    ("en-US", "en-US"), ("en-GB", "en-US"), ("fr-FR", "en-US"), ("", "en-US"), (None, "en-US"),
    ("zh-TW", "zh-TW"), ("zh-tw", "zh-TW"), ("zh_TW", "zh-TW"), ("zh-Hant-TW", "zh-TW"), ("zh-Hant", "zh-TW"),
    ("zh-HK", "zh-TW"), ("zh-CN", "en-US"), ("zh-Hans", "en-US"),
])
def test_resolve_locale(tag, expected):
    assert resolve_locale(tag) == expected


def test_t_fills_placeholders_and_falls_back():
    assert t("msg.role_required", "en-GB", role="approver").startswith("You need the approver role")
    assert "approver" in t("msg.role_required", "zh-Hant-TW", role="approver")
    assert "核准" not in t("msg.role_required", "en-US", role="x")
    assert t("msg.pc_error", "en-US", explanation="E", code="800090", correlation_id="c-1").endswith(
        "(code 800090, correlation id c-1).")


def test_t_rejects_unknown_keys_and_missing_placeholders():
    with pytest.raises(KeyError):
        t("no.such.key")
    with pytest.raises(KeyError):
        t("msg.role_required", "en-US")


def test_t_count_plural_forms():
    assert t_count("subscriptions.seats", 1) == "1 seat"
    assert t_count("subscriptions.seats", 1200) == "1,200 seats"
    assert t_count("subscriptions.seats", 3, "zh-TW") == "3 個授權"


def test_dates():
    assert format_date("2026-03-12T00:00:00Z") == "12 Mar 2026"
    assert format_date("2026-03-12T00:00:00Z", "zh-TW") == "2026年3月12日"
    assert format_date("2026-03-12", "en-GB") == "12 Mar 2026"
    assert format_date("2019-01-16T00:45:41.6062996Z") == "16 Jan 2019"  # 7 fractional digits
    assert format_date("2025-01-13T23:59:59+00:00") == "13 Jan 2025"
    assert format_date("0001-01-01T00:00:00") == "—"
    assert format_date("9999-12-10T00:00:00Z") == "No end date"
    assert format_date("9999-12-10T00:00:00Z", "zh-TW") == "無結束日期"
    assert format_date("sometime soon") == "sometime soon"
    assert format_date(None) == "—"
    assert format_datetime("2024-05-01T10:05:00Z") == "1 May 2024 10:05 UTC"
    assert parse_datetime("2024-05-01T12:00:00+02:00") == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_numbers_and_money():
    assert format_number(1234567) == "1,234,567"
    assert format_number(1234.5) == "1,234.5"
    assert format_number("n/a") == "n/a"
    assert format_currency(751094.39, "USD") == "$751,094.39"
    assert format_currency(751094.39, "USD", "zh-TW") == "US$751,094.39"
    assert format_currency(-5, "USD") == "-$5.00"
    assert format_currency(12, "CHF") == "CHF 12.00"
    assert format_currency(12, "XYZ", symbol="¤") == "¤12.00"
    assert format_currency(1000, "JPY") == "¥1,000"
    assert format_currency(100, "TWD", "zh-TW") == "$100.00"


def test_terms_and_enums():
    assert format_term("P1Y") == "1 year"
    assert format_term("P3Y") == "3 years"
    assert format_term("P1M", "zh-TW") == "1 個月"
    assert format_term("P1Y6M") == "1 year 6 months"
    assert format_term("forever") == "forever"
    assert enum_label("subscription_status", "suspended") == "Suspended"
    assert enum_label("subscription_status", "Suspended", "zh-TW") == "已暫停"
    assert enum_label("order_status", "pending review") == "Pending review"
    assert enum_label("subscription_status", "hibernating") == "hibernating"  # unknown: verbatim
    assert enum_label("sr_severity", 0) == "0"


def test_every_literal_key_used_in_the_code_exists():
    """t("key", ...) / ctx.t("key") literals anywhere in the app must be in the catalog (else a turn crashes)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
    missing = {}
    for folder in ("bot", "dialogs", "cards", "intents"):
        for path in (root / folder).rglob("*.py"):
            for key in pattern.findall(path.read_text(encoding="utf-8")):
                if key not in catalog("en-US"):
                    missing.setdefault(key, str(path.relative_to(root)))
    assert not missing, f"keys used but not in cards/locales: {missing}"


def test_every_intent_has_an_operation_title():
    from pathlib import Path

    import yaml

    source = Path(__file__).resolve().parents[2] / "intents" / "intents.yaml"  # the project's copy of the contract
    if not source.exists():
        pytest.skip("intents/intents.yaml not committed yet")
    ids = [i["id"] for i in yaml.safe_load(source.read_text(encoding="utf-8"))["intents"]]
    missing = [i for i in ids if f"op.{i}" not in catalog("en-US")]
    assert not missing, missing
