#!/bin/bash
# test_wait_policy.sh — every app starts OpenMP with passive waiting unless the environment says
# otherwise (apps/omp_wait_policy.cc), read back from the runtime itself (OMP_DISPLAY_ENV makes
# libgomp print the settings it took at start-up).
# Usage: test_wait_policy.sh APPS_DIR
set -u
APPS=$1
source "$(dirname "$0")/../support/cli_check.sh"  # DIR, check, FAILS, CASES

# policy APP [VAR=VALUE…] — the OMP_WAIT_POLICY libgomp reports for `APP --help`.
policy() {
  local app=$1
  shift
  env "$@" OMP_DISPLAY_ENV=true "$APPS/$app" --help 2>&1 | sed -n "s/^ *OMP_WAIT_POLICY = '\(.*\)'/\1/p" | head -1
}

for app in pretrain finetune generate evaluate classify tokenize inspect; do
  check "$app: passive by default" "PASSIVE" "$(policy "$app")"
done
check "the user's OMP_WAIT_POLICY wins" "ACTIVE" "$(policy pretrain OMP_WAIT_POLICY=active)"

echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
