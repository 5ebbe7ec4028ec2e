# Every target creates .venv on a fresh machine, installs the project, and runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-dates lint sandbox serve install clean playground setup-browser setup-node

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/partnerbot demo

sandbox: $(STAMP)
	$(BIN)/partnerbot sandbox

serve: $(STAMP)
	$(BIN)/partnerbot serve

lint: $(STAMP)
	$(BIN)/ruff check .

# npm tools (Teams schema, Agents Playground), Debian chromium; PARTNERBOT_SKIP_BROWSER=1 skips the browser locally.
setup-node:
	bash scripts/setup-node.sh

setup-browser: $(STAMP)
	PYTHON=$(BIN)/python bash scripts/setup-browser.sh

# Sandbox + bot (anonymous) + Microsoft 365 Agents Playground; open the printed URL in a browser.
playground: $(STAMP) setup-node
	$(BIN)/python scripts/playground.py

test: $(STAMP) setup-browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The date-sensitive folders under fixed dates (1st/7th of a month, 29 Feb, 31 Dec 23:59 UTC); see the script.
# One date by hand: PARTNERBOT_TEST_NOW=2026-12-07 .venv/bin/python -m pytest -q tests/sandbox
test-dates: $(STAMP)
	PYTHON=$(BIN)/python bash scripts/test-dates.sh

clean:
	rm -rf $(VENV) .pytest_cache
