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

# tiny_corpus FILE — appends the tests' tiny corpus (six copies of four sentences in two documents)
# to FILE: small enough for a 60-token vocabulary, long enough for a few steps of training.
tiny_corpus() {
  for _ in 1 2 3 4 5 6; do
    printf 'The cat sat on the mat, and the dog ate the bone.\nA bird sang in the tree.\n\n' >>"$1"
    printf 'Compilers translate source code; linkers join object files.\nLoaders map programs.\n\n' >>"$1"
  done
}
