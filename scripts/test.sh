#!/usr/bin/env bash
# test.sh — the whole set-up (scripts/setup.sh), then every test. Exits non-zero on any failure.
#   scripts/test.sh              the release build (build/): every suite
#   scripts/test.sh --sanitize   also an AddressSanitizer + UndefinedBehaviorSanitizer build
#                                (build-asan/): every suite but the slow end-to-end ones (suite e2e)
# Further arguments go to `meson test`.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=0
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=1
  shift
fi
scripts/setup.sh
meson test -C build --print-errorlogs --num-processes 2 "$@"
if ((sanitize)); then
  if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan -Db_sanitize=address,undefined -Ddebug=true
  fi
  ninja -C build-asan
  # Any sanitizer report fails its test: UBSan only prints unless told to halt.
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
  meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3 --no-suite e2e "$@"
fi
