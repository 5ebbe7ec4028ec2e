#!/usr/bin/env bash
# apt-get install the named Debian packages (as root, or through sudo when it works without a password).
set -euo pipefail
if [[ $# -eq 0 ]]; then exit 0; fi
if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "apt-install: need root to install: $* (run: sudo apt-get install -y $*)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
