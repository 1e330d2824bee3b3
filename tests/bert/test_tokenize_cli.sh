#!/bin/bash
# test_tokenize_cli.sh — the `tokenize` command line as users meet it: output format, stdin,
# --tokens/--max-len, training, and bad input (missing or malformed vocab, unreadable files,
# empty corpus, invalid UTF-8) with the messages asserted.
# Usage: test_tokenize_cli.sh TOKENIZE_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
source "$(dirname "$0")/../support/cli_check.sh"  # DIR, check, FAILS, CASES
# run CMD... — runs the binary; sets OUT, ERR, RC.
run() {
  "$BIN" "$@" >"$DIR/out" 2>"$DIR/err" <"${STDIN:-/dev/null}"
  RC=$?
  OUT=$(cat "$DIR/out")
  ERR=$(cat "$DIR/err")
}

printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n,\n!\nun\n##aff\n##able\n' >"$DIR/vocab.txt"
printf 'Hello, world!\n\nunaffable xyz\r\n[MASK] hello' >"$DIR/in.txt"

# Encoding: one output line per input line, [CLS] … [SEP]; \r is whitespace; no final \n needed.
run encode --vocab "$DIR/vocab.txt" "$DIR/in.txt"
check "encode rc" 0 "$RC"
check "encode ids" $'2 5 7 6 8 3\n2 3\n2 9 10 11 1 3\n2 4 5 3' "$OUT"
check "encode quiet" "" "$ERR"
run encode --vocab "$DIR/vocab.txt" --tokens "$DIR/in.txt"
check "tokens" $'[CLS] hello , world ! [SEP]\n[CLS] [SEP]\n[CLS] un ##aff ##able [UNK] [SEP]\n[CLS] [MASK] hello [SEP]' "$OUT"
run encode --vocab "$DIR/vocab.txt" --max-len 3 "$DIR/in.txt"
check "max-len" $'2 5 3\n2 3\n2 9 3\n2 4 3' "$OUT"
STDIN="$DIR/in.txt" run encode --vocab "$DIR/vocab.txt" --threads 1
check "stdin" $'2 5 7 6 8 3\n2 3\n2 9 10 11 1 3\n2 4 5 3' "$OUT"
run encode --vocab "$DIR/vocab.txt" "$DIR/in.txt" "$DIR/in.txt"
check "two files" 8 "$(wc -l <"$DIR/out")"
printf 'HELLO\n' >"$DIR/upper.txt"
run encode --vocab "$DIR/vocab.txt" --cased "$DIR/upper.txt"
check "cased" "2 1 3" "$OUT"

# Invalid UTF-8: a warning naming file:line, and the line still gets its output.
printf 'hello\nhel\xfflo world\n\xc3\n' >"$DIR/bad.txt"
run encode --vocab "$DIR/vocab.txt" "$DIR/bad.txt"
check "invalid utf8 rc" 0 "$RC"
check "invalid utf8 output" $'2 5 3\n2 5 6 3\n2 3' "$OUT"
check "invalid utf8 warning" "warning: $DIR/bad.txt:2: invalid UTF-8 replaced by U+FFFD
warning: $DIR/bad.txt:3: invalid UTF-8 replaced by U+FFFD" "$ERR"

# Bad input: one-line errors naming the problem, non-zero exit.
run encode --vocab "$DIR/missing.txt" "$DIR/in.txt"
check "missing vocab rc" 1 "$RC"
check "missing vocab" "error: cannot read '$DIR/missing.txt': No such file or directory" "$ERR"
printf '[PAD]\n[UNK]\n\n[CLS]\n' >"$DIR/blank.txt"
run encode --vocab "$DIR/blank.txt" "$DIR/in.txt"
check "malformed vocab rc" 1 "$RC"
check "malformed vocab" "error: $DIR/blank.txt:3: empty token (blank line)" "$ERR"
printf 'hello\n[CLS]\n[SEP]\n' >"$DIR/nounk.txt"
run encode --vocab "$DIR/nounk.txt" "$DIR/in.txt"
check "vocab without [UNK]" "error: $DIR/nounk.txt: malformed vocabulary: no [UNK] token" "$ERR"
: >"$DIR/empty_vocab.txt"
run encode --vocab "$DIR/empty_vocab.txt" "$DIR/in.txt"
check "empty vocab" "error: $DIR/empty_vocab.txt: empty vocabulary file" "$ERR"
run encode --vocab "$DIR/vocab.txt" "$DIR/nope.txt"
check "unreadable input rc" 1 "$RC"
check "unreadable input" "error: cannot read '$DIR/nope.txt': No such file or directory" "$ERR"
run encode --vocab "$DIR/vocab.txt" "$DIR"
check "directory input rc" 1 "$RC"
check "directory input" "error: cannot read '$DIR': Is a directory" "$ERR"

# Training: a vocabulary that encode then uses; errors for empty and unreadable corpora.
printf 'ab ab ab cd\n' >"$DIR/corpus.txt"
run train --vocab-size 12 --min-frequency 1 --out "$DIR/trained.txt" "$DIR/corpus.txt"
check "train rc" 0 "$RC"
check "trained vocab" "[PAD] [UNK] [CLS] [SEP] [MASK] a b c d ##b ##d ab" "$(tr '\n' ' ' <"$DIR/trained.txt" | sed 's/ $//')"
printf 'ab cd\n' >"$DIR/ab.txt"
run encode --vocab "$DIR/trained.txt" --tokens "$DIR/ab.txt"
check "encode with trained vocab" "[CLS] ab c ##d [SEP]" "$OUT"
printf '\n \n' >"$DIR/blank_corpus.txt"
run train --vocab-size 100 --out "$DIR/x.txt" "$DIR/blank_corpus.txt"
check "empty corpus rc" 1 "$RC"
check "empty corpus" "error: vocabulary training: empty corpus (no words in '$DIR/blank_corpus.txt')" "$(tail -1 <<<"$ERR")"
run train --vocab-size 100 --out "$DIR/x.txt" "$DIR/nope.txt"
check "unreadable corpus" "error: corpus: cannot read '$DIR/nope.txt': No such file or directory" "$(tail -1 <<<"$ERR")"
# A directory of corpus files is read as pretrain reads it: every file in it. "alpha" occurs once
# in each file, and a pair must occur twice to be merged: the whole word is learnt only from both.
mkdir -p "$DIR/corpus_dir"
printf 'alpha beta\n' >"$DIR/corpus_dir/a.txt"
printf 'alpha gamma\n' >"$DIR/corpus_dir/b.txt"
run train --vocab-size 40 --out "$DIR/dir_vocab.txt" "$DIR/corpus_dir"
check "directory corpus rc" 0 "$RC"
check "directory corpus reads both files" "1" "$(grep -cx alpha "$DIR/dir_vocab.txt")"

# Usage errors print the usage; --help prints it on stdout.
run
check "no command rc" 2 "$RC"
check "no command" "error: missing command (encode or train)" "$(head -1 <<<"$ERR")"
check "usage shown" "usage: tokenize encode --vocab FILE [--cased] [--max-len N] [--tokens] [--threads N] [FILE...]" "$(sed -n 2p <<<"$ERR")"
run encode "$DIR/in.txt"
check "no vocab" "error: encode needs --vocab FILE" "$(head -1 <<<"$ERR")"
run encode --vocab "$DIR/vocab.txt" --max-len 1
check "max-len too small" "error: --max-len must be an integer in [2, 1099511627776], got '1'" "$(head -1 <<<"$ERR")"
run train --out "$DIR/x.txt" "$DIR/corpus.txt"
check "train without size" "error: train needs --vocab-size N" "$(head -1 <<<"$ERR")"
run frobnicate
check "unknown command" "error: unknown command 'frobnicate'" "$(head -1 <<<"$ERR")"
run --help
check "help rc" 0 "$RC"
check "help" "usage: tokenize encode --vocab FILE [--cased] [--max-len N] [--tokens] [--threads N] [FILE...]" "$(head -1 <<<"$OUT")"

echo "$((CASES - FAILS)) of $CASES checks passed"
[[ $FAILS -eq 0 ]]
