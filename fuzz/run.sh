#!/bin/sh
# run.sh — runs one libFuzzer target of a -Dfuzz=true build for a given time, the way
# docs/FUZZING.md's figures were taken (fuzz/README.md):
#   fuzz/run.sh BUILD_DIR TARGET SECONDS [extra libFuzzer flags]
# The growing corpus goes to BUILD_DIR/fuzz/work/TARGET (seeded from fuzz/corpus/TARGET, never
# committed), crashes to BUILD_DIR/fuzz/artifacts/TARGET/, the log to BUILD_DIR/fuzz/logs/TARGET.log.
set -eu
build=$1; target=$2; seconds=$3; shift 3
src=$(cd "$(dirname "$0")" && pwd)
work=$build/fuzz/work/$target; artifacts=$build/fuzz/artifacts/$target; logs=$build/fuzz/logs
mkdir -p "$work" "$artifacts" "$logs"
dict=
[ -f "$src/dict/$target.dict" ] && dict=-dict=$src/dict/$target.dict
# UBSan reports must stop the run (libFuzzer then saves the input); leaks are checked by LSan.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export OMP_NUM_THREADS=1
exec nice -n 19 "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" $dict "$@" "$work" "$src/corpus/$target" \
  > "$logs/$target.log" 2>&1
