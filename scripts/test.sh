#!/usr/bin/env bash
# test.sh — the whole set-up (scripts/setup.sh), then every test. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
meson test -C build --print-errorlogs --num-processes 2 "$@"
