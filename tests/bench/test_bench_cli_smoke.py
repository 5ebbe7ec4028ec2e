"""`partnerbot bench turns|scale --json` end to end at tiny sizes: real processes, every figure present.

Smoke tests of the machinery only; no figure is compared with a time budget.
"""

from __future__ import annotations

import json

from bench.cli import cli_main


def test_bench_turns_tiny_run_reports_every_figure(capsys):
    assert cli_main(["turns", "--conversations", "2", "--think-ms", "0", "--customers", "45", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["benchmark"] == "turns" and result["conversations"] == 2
    for name in ("partnerbot", "echo"):
        figures = result[name]
        assert figures["paced"]["turns"] == 2 * result["turns_per_conversation"]
        assert figures["saturated"]["turns"] == figures["paced"]["turns"]
        assert figures["paced"]["p50_ms"] > 0 and figures["saturated"]["turns_per_s"] > 0
        assert figures["sequential"]["turns"] == 2 * result["turns_per_conversation"]  # 2 scripts, one at a time
        assert figures["sequential"]["bot_cpu_ms_per_turn"] > 0
        assert (figures["lost"], figures["duplicated"], figures["unexpected"], figures["http_errors"]) == (0, 0, 0, 0)
    bot = result["partnerbot"]
    assert bot["state_bytes"]["per_conversation"] > 0 and bot["state_bytes"]["conversation_state_max"] > 0
    assert set(bot["paced"]["p50_ms_by_kind"]) == {"lookup", "change", "confirm"}
    assert set(result["ratios"]) == {"p50", "p99", "saturated_turns_per_s"}
    assert result["targets"]["no_lost_or_duplicated_reply"] is True


def test_bench_scale_tiny_run_counts_calls_and_scans(capsys):
    assert cli_main(["scale", "--customers", "120", "--fanout-customers", "20", "--rate-limit", "6000",
                     "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    names, fanout = result["name_resolution"], result["fanout"]
    # The first turn searches unless the (small) directory arrived within the first turn's short wait.
    assert names["first_turn"]["calls"]["search"] <= 1 and names["first_turn"]["calls"]["other"] == 1
    # Later reads name customers the loaded directory knows exactly: no search, only the subscriptions call.
    assert names["max_calls_per_turn"] == 1 and names["searches_in_turns"] == 0
    assert names["list_customers_in_turns"] == 0
    assert names["directory"]["loaded"] and names["directory"]["size"] == 120
    assert fanout["customers_scanned"] == 20 and fanout["http_requests"] == 21
    assert fanout["failures"] == [] and fanout["throttled"] == 0
    assert fanout["bound_s"] == round(21 / 100, 2)
    assert result["replies"]["lost"] == 0 and result["replies"]["duplicated"] == 0
    assert result["targets"]["at_most_2_calls_per_name_turn"] is True


def test_bench_turns_unpaced_tiny_run_delivers_every_result(capsys):
    assert cli_main(["turns", "--unpaced", "--conversations", "2", "--lookups", "3", "--customers", "45",
                     "--rate-limit", "500", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["benchmark"] == "turns-unpaced" and result["results_expected"] == 6
    assert result["post"]["turns"] == 6 and result["post"]["http_errors"] == 0
    assert result["results_delivered"] == 6 and result["users_missing_results"] == 0
    assert result["throttled_429"] == 0 and result["partner_center_calls"] > 0
    assert set(result["targets"]) == {"every_post_within_5s", "every_user_got_every_result",
                                      "partner_center_never_throttled"}


def test_bench_recognizer_tiny_run_reports_every_figure(capsys):
    assert cli_main(["recognizer", "--runs", "1", "--max-chars", "1000", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["lengths"] == [100, 1000] and result["understood_chars"] == 2000
    assert {(r["shape"], r["chars"]) for r in result["rows"]} == {(s, n) for s in ("request", "hostile")
                                                                  for n in (100, 1000)}
    assert all(r["uncapped_us_per_char"] > 0 and r["served_ms"] > 0 and r["baseline_us_per_char"] > 0
               for r in result["rows"])
    assert result["served_ms_at_longest"] > 0
