#!/usr/bin/env bash
# Install the project's npm tools (Teams manifest schema, Microsoft 365 Agents Playground) from the committed
# package-lock.json with `npm ci`. Re-runs only when the lock file changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.partnerbot-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x node_modules/.bin/agentsplayground ]]; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "setup-node: npm not found; installing Debian's nodejs and npm" >&2
    bash scripts/apt-install.sh nodejs npm
fi
echo "setup-node: npm ci (Teams manifest schema, Agents Playground)"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
