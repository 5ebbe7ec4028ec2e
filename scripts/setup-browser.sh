#!/usr/bin/env bash
# Everything the browser end-to-end test needs: Debian's chromium (never `playwright install`, which downloads
# a browser build), the npm tools (Agents Playground), and Python playwright (a dev dependency in pyproject.toml,
# installed with the venv). PARTNERBOT_SKIP_BROWSER=1 skips the browser parts (the test then skips, saying so);
# under CI=true the flag is ignored, because CI must run the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-node.sh

if [[ "${PARTNERBOT_SKIP_BROWSER:-}" == "1" && "${CI:-}" == "true" ]]; then
    echo "setup-browser: CI=true: ignoring PARTNERBOT_SKIP_BROWSER=1 (CI runs the browser test)"
elif [[ "${PARTNERBOT_SKIP_BROWSER:-}" == "1" ]]; then
    echo "setup-browser: PARTNERBOT_SKIP_BROWSER=1: not installing chromium (the browser test will skip)"
    exit 0
fi

chromium_bin="${PARTNERBOT_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium_bin" ]]; then
    echo "setup-browser: installing Debian chromium"
    bash scripts/apt-install.sh chromium
fi
# Debian's /usr/bin/chromium wrapper is a shell script; ask the binary itself for its version.
"$chromium_bin" --headless --no-sandbox --disable-gpu --version 2>/dev/null | head -1 \
    || { echo "setup-browser: $chromium_bin does not run" >&2; exit 1; }

py="${PYTHON:-.venv/bin/python}"
if ! "$py" -c "import playwright" 2>/dev/null; then
    echo "setup-browser: Python playwright missing in $py; run 'make install' (it is a dev dependency)" >&2
    exit 1
fi
