#!/bin/bash
# test_wait_policy.sh — every app starts OpenMP with a short spin before sleeping (GOMP_SPINCOUNT
# 10000) unless the environment says otherwise (apps/omp_wait_policy.cc), read back from the
# runtime itself (OMP_DISPLAY_ENV=verbose makes libgomp print the settings it took at start-up).
# Usage: test_wait_policy.sh APPS_DIR
set -u
APPS=$1
source "$(dirname "$0")/../support/cli_check.sh"  # DIR, check, FAILS, CASES

# setting VAR APP [VAR=VALUE…] — the value of VAR (OMP_WAIT_POLICY, GOMP_SPINCOUNT) libgomp reports
# for `APP --help` in the process that runs it (the last report: when the app sets its default it
# starts again, and the first start reports libgomp's own).
setting() {
  local var=$1 app=$2
  shift 2
  env "$@" OMP_DISPLAY_ENV=verbose "$APPS/$app" --help 2>&1 | sed -n "s/^ *$var = '\(.*\)'/\1/p" | tail -1
}

for app in pretrain finetune generate evaluate classify tokenize inspect; do
  check "$app: a 10000-iteration spin by default" "10000" "$(setting GOMP_SPINCOUNT "$app")"
done
# The test can fail: libgomp's own default is another count.
check "libgomp's own default differs" "300000" "$(setting GOMP_SPINCOUNT pretrain GOMP_SPINCOUNT=300000)"
check "the user's GOMP_SPINCOUNT wins" "2000" "$(setting GOMP_SPINCOUNT pretrain GOMP_SPINCOUNT=2000)"
check "the user's OMP_WAIT_POLICY wins" "ACTIVE" "$(setting OMP_WAIT_POLICY pretrain OMP_WAIT_POLICY=active)"
check "… and then no spin count is imposed" "" "$(setting GOMP_SPINCOUNT pretrain OMP_WAIT_POLICY=active | grep -x 10000)"

echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
