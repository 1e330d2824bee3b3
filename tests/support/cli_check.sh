# cli_check.sh — shared by the command-line tests (source it): a temporary DIR removed on exit,
# check() to compare strings, and the counters the tests end with.
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
FAILS=0
CASES=0

# check NAME EXPECTED ACTUAL — compares two strings.
check() {
  CASES=$((CASES + 1))
  if [[ "$2" != "$3" ]]; then
    echo "FAIL: $1"; echo "  expected: $(printf '%q' "$2")"; echo "  actual:   $(printf '%q' "$3")"
    FAILS=$((FAILS + 1))
  fi
}
