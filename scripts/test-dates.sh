#!/usr/bin/env bash
# The suite's date-sensitive folders under fixed dates (issue 12): the 1st and 7th of a month (no invoice issued
# yet for last month), 29 February, and New Year's Eve one minute before midnight UTC. Each date runs with
# PARTNERBOT_TEST_NOW set, which pins the one process clock (partner_center/clock.py) the bot, the sandbox and its
# seed read; tests/conftest.py re-pins it at the start of every test, subprocesses pin it on import.
#
# The full suite runs once at the real date (make test); these runs take the folders whose answers depend on the
# date — sandbox (seed, invoices, refund windows), contract (client against the sandbox), approvals (expiry),
# audit (periods), e2e (what users see), cards (dates rendered) — so that CI stays under 20 minutes.
# The group-chat concurrency trials (date-independent) run 5 instead of 50 times here.
# Override with PARTNERBOT_TEST_DATES="d1 d2" and PARTNERBOT_TEST_DATE_PATHS="tests/x tests/y".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DATES=${PARTNERBOT_TEST_DATES:-"2026-12-01T00:00Z 2026-12-07T12:00Z 2028-02-29T12:00Z 2026-12-31T23:59Z"}
PATHS=${PARTNERBOT_TEST_DATE_PATHS:-"tests/sandbox tests/contract tests/approvals tests/audit tests/e2e tests/cards"}
for when in $DATES; do
    echo "== suite at $when: $PATHS"
    started=$(date +%s)
    # shellcheck disable=SC2086
    PARTNERBOT_TEST_NOW="$when" PARTNERBOT_GROUP_TRIALS=${PARTNERBOT_GROUP_TRIALS:-5} "$PY" -m pytest -q -p no:cacheprovider $PATHS
    echo "== $when: $(( $(date +%s) - started )) s"
done
