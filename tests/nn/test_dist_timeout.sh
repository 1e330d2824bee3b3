#!/bin/bash
# test_dist_timeout.sh — a rank that never reaches a collective: the others must stop with an error
# naming the collective and the timeout (NNBERT_DIST_TIMEOUT), and the job must end, never hang.
# Usage: test_dist_timeout.sh MPIRUN_SH TEST_DIST_BINARY
set -u
MPIRUN=$1
TEST_DIST=$2
source "$(dirname "$0")/../support/cli_check.sh"  # DIR, check, FAILS, CASES

start=$(date +%s)
NNBERT_DIST_TIMEOUT=2 timeout 50 "$MPIRUN" 2 "$TEST_DIST" "[.hang]" >"$DIR/log" 2>&1
RC=$?
elapsed=$(( $(date +%s) - start ))
check "job failed (not 0, not killed by the 50 s guard)" "yes" "$([ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && echo yes || echo "no (rc $RC)")"
check "rank 0 names the collective and the timeout" "1" \
  "$(grep -c 'error: rank 0: barrier of 0 elements did not complete within 2.000000 s' "$DIR/log")"
check "ended well before the sleeping rank would (60 s)" "yes" "$([ "$elapsed" -lt 40 ] && echo yes || echo "no (${elapsed}s)")"
echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
