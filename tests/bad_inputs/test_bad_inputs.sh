#!/bin/bash
# test_bad_inputs.sh — the bad-input table of issue 14 (docs/BAD_INPUTS.md): hostile files and
# option values given to every app, each answered with one clear line and a non-zero exit, never a
# crash (signal), a hang (timeout) or a silent NaN. A few inputs are accepted with one warning line
# naming the file (binary files next to text, non-UTF-8 text) or simply work (one 100 MB line).
#
# What every refusal must show: the exit code of the case (2 for bad usage — apps/cli.h — 1 for a
# bad file); exactly one line on stderr starting "error: ", naming the culprit (the file or option
# given with the case); with exit 1 that line is the last on stderr (progress lines the app printed
# before it found the problem may come first); with exit 2 it is the first, and the rest of stderr is
# exactly the app's usage (what --help prints). No "nan" in the output but in an error line.
#
# The table in docs/BAD_INPUTS.md is this test's output: each case's input, command, exit code and
# the line printed (the temporary directory shown as $T, the machine's memory as <memory>). The test
# fails when the doc's table differs from what the apps print now; `--write-doc` rewrites it.
# Usage: test_bad_inputs.sh APPS_DIR SOURCE_DIR [--write-doc]
set -u
APPS=$1
SRC=$2
WRITE_DOC=${3:-}
DOC=$SRC/docs/BAD_INPUTS.md
LIAR="$(dirname "$0")/lie_safetensors.py"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
LIMIT=${BAD_INPUTS_TIMEOUT:-120}  # seconds per case (ASan builds are slower)
source "$(dirname "$0")/../support/cli_check.sh"  # DIR, check, FAILS, CASES
chmod 755 "$DIR"                                  # readable by the unprivileged user below
T=$DIR
ROWS=()
N=0

# ---- fixtures: a tiny masked LM and a classifier fine-tuned from it ----
tiny_corpus "$T/corpus.txt"
TINY=(--model-config tiny --layers 1 --hidden 32 --seq-len 32 --batch-size 4 --eval-every 0 --threads 1)
"$APPS/pretrain" --corpus "$T/corpus.txt" "${TINY[@]}" --vocab-size 60 --steps 2 --out "$T/mlm" >"$T/log" 2>&1 ||
  { echo "FAIL: fixture pretrain"; cat "$T/log"; exit 1; }
printf 'text\tlabel\nthe cat sat\tpos\nthe dog ate\tneg\na bird sang\tpos\nlinkers join\tneg\n' >"$T/train.tsv"
"$APPS/finetune" --model "$T/mlm" --train "$T/train.tsv" --steps 1 --max-length 16 --batch-size 2 --threads 1 \
  --out "$T/cls" >"$T/log" 2>&1 || { echo "FAIL: fixture finetune"; cat "$T/log"; exit 1; }
PROMPT=(--prompt "the [MASK] sat on the mat")

# model NAME — a copy of the masked LM's checkpoint files in $T/NAME (to be damaged by the case).
model() {
  mkdir -p "$T/$1"
  cp "$T/mlm/config.json" "$T/mlm/vocab.txt" "$T/mlm/model.safetensors" "$T/mlm/tokenizer_config.json" "$T/$1/"
}
# classifier NAME — a copy of the fine-tuned classifier's checkpoint files in $T/NAME.
classifier() {
  mkdir -p "$T/$1"
  cp "$T/cls/config.json" "$T/cls/vocab.txt" "$T/cls/model.safetensors" "$T/cls/tokenizer_config.json" "$T/$1/"
}
# lie NAME MODE — a model copy whose model.safetensors has the one problem MODE (lie_safetensors.py).
lie() { model "$1" && "$PY" "$LIAR" "$T/mlm/model.safetensors" "$T/$1/model.safetensors" "$2"; }
# config NAME PYTHON — a model copy whose config.json is edited by PYTHON (acting on the dict c).
config() {
  model "$1"
  "$PY" -c "import json; p='$T/$1/config.json'; c=json.load(open(p)); $2; json.dump(c, open(p, 'w'))"
}
# vocab_without NAME TOKEN [COPY] — a model copy (COPY: model or classifier) whose vocab.txt has TOKEN
# renamed (ids stay the same).
vocab_without() { "${3:-model}" "$1" && sed -i "s/^\\$2\$/[unused-$1]/" "$T/$1/vocab.txt"; }
# random_bytes N FILE — N random bytes (always the same ones) in FILE.
random_bytes() { "$PY" -c "import random, sys; open(sys.argv[2], 'wb').write(random.Random(14).randbytes(int(sys.argv[1])))" "$1" "$2"; }
# run_as_user CMD... — CMD as an unprivileged user when we are root (so permissions apply).
run_as_user() {
  if [[ $(id -u) == 0 ]]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}

# shown TEXT — TEXT as the table shows it: $T for the temporary directory, <memory> for this
# machine's memory, markdown's | escaped.
shown() {
  sed -E -e "s|$T|\$T|g" -e 's/this machine has [0-9.]+ [KMGTPE]?i?B/this machine has <memory>/' \
    -e 's/\|/\\|/g' <<<"$1"
}

# attempt WRAPPER APP ARGS... — runs the app (stdin empty) under a timeout; sets RC, OUT, ERR, CMD.
attempt() {
  local wrapper=$1 app=$2
  shift 2
  CMD=$app
  local a
  for a in "$@"; do  # shell words, single-quoted where needed
    if [[ $a =~ ^[A-Za-z0-9_./:=+,@%-]+$ ]]; then CMD+=" $a"; else CMD+=" '${a//\'/\'\\\'\'}'"; fi
  done
  $wrapper timeout -k 5 "$LIMIT" "$APPS/$app" "$@" </dev/null >"$T/out" 2>"$T/err"
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}

# verdict NAME — fails the case on a timeout, a signal, or "nan" in the output (an error line may
# name a NaN it found: that one is not silent).
verdict() {
  check "$1: no hang (timeout ${LIMIT}s)" "" "$([[ $RC == 124 || $RC == 137 ]] && echo "timed out")"
  check "$1: no crash" "" "$([[ $RC -gt 128 && $RC != 137 ]] && echo "signal $((RC - 128))")"
  check "$1: no NaN" "" "$(grep -v '^error: ' <<<"$OUT
$ERR" | grep -Eiow '[-+]?nan' | head -1)"
}

# row INPUT EXIT LINE — one table row for the case just run.
row() {
  N=$((N + 1))
  ROWS+=("| $N | $1 | \`$(shown "$CMD")\` | $2 | \`$(shown "$3")\` |")
}

# bad EXIT CULPRIT INPUT [WRAPPER] -- APP ARGS... — a refusal: exit EXIT, one error line naming
# CULPRIT (the usage after it for exit 2).
bad() {
  local rc=$1 culprit=$2 input=$3 wrapper=""
  shift 3
  [[ $1 != -- ]] && { wrapper=$1; shift; }
  shift
  attempt "$wrapper" "$@"
  local name="bad input $((N + 1)) ($input)" errors line
  verdict "$name"
  check "$name: exit code" "$rc" "$RC"
  errors=$(grep -c '^error: ' <<<"$ERR")
  check "$name: one error line" 1 "$errors"
  line=$(grep -m1 '^error: ' <<<"$ERR")
  check "$name: the error names $culprit" 1 "$(grep -cF -- "$culprit" <<<"$line")"
  if [[ $rc == 2 ]]; then
    check "$name: the error line comes first" "$line" "$(head -1 <<<"$ERR")"
    check "$name: then the usage" "$("$APPS/$1" --help)" "$(tail -n +2 <<<"$ERR")"
  else
    check "$name: the error line comes last" "$line" "$(tail -1 <<<"$ERR")"
  fi
  row "$input" "$RC" "$line"
}

# warns CULPRIT INPUT -- APP ARGS... — accepted with exactly one warning line naming CULPRIT.
warns() {
  local culprit=$1 input=$2 line
  shift 3
  attempt "" "$@"
  local name="bad input $((N + 1)) ($input)"
  verdict "$name"
  check "$name: exit code" 0 "$RC"
  check "$name: no error" 0 "$(grep -c '^error: ' <<<"$ERR")"
  check "$name: one warning line" 1 "$(grep -c '^warning: ' <<<"$ERR")"
  line=$(grep -m1 '^warning: ' <<<"$ERR")
  check "$name: the warning names $culprit" 1 "$(grep -cF -- "$culprit" <<<"$line")"
  row "$input" "$RC" "$line"
}

# ---- safetensors: truncated, garbage, lying headers (generate loads the model) ----
for mode in truncated short garbage huge_header header_past_end not_json json_array offsets_outside overlap \
  dtype_size unknown_dtype duplicate wrong_shape missing_tensor bad_shape nan_weights; do
  lie "st_$mode" "$mode"
done
M=model.safetensors
bad 1 "$T/st_truncated/$M" "model.safetensors cut in half" -- generate --model "$T/st_truncated" "${PROMPT[@]}"
bad 1 "$T/st_short/$M" "model.safetensors of 5 bytes" -- generate --model "$T/st_short" "${PROMPT[@]}"
bad 1 "$T/st_garbage/$M" "model.safetensors of 4 KB random bytes" -- generate --model "$T/st_garbage" "${PROMPT[@]}"
bad 1 "$T/st_huge_header/$M" "header length 2^40 (over the 100 MB bound)" -- generate --model "$T/st_huge_header" "${PROMPT[@]}"
bad 1 "$T/st_header_past_end/$M" "header length past the end of the file" -- generate --model "$T/st_header_past_end" "${PROMPT[@]}"
bad 1 "$T/st_not_json/$M" "header is not JSON" -- generate --model "$T/st_not_json" "${PROMPT[@]}"
bad 1 "$T/st_json_array/$M" "header is a JSON array" -- generate --model "$T/st_json_array" "${PROMPT[@]}"
bad 1 "$T/st_offsets_outside/$M" "data offsets past the end of the file" -- generate --model "$T/st_offsets_outside" "${PROMPT[@]}"
bad 1 "$T/st_overlap/$M" "two tensors' data overlap" -- generate --model "$T/st_overlap" "${PROMPT[@]}"
bad 1 "$T/st_dtype_size/$M" "dtype F16 on F32 data (size ≠ shape × dtype)" -- generate --model "$T/st_dtype_size" "${PROMPT[@]}"
bad 1 "$T/st_unknown_dtype/$M" "unknown dtype Q4" -- generate --model "$T/st_unknown_dtype" "${PROMPT[@]}"
bad 1 "$T/st_duplicate/$M" "a tensor name twice in the header" -- generate --model "$T/st_duplicate" "${PROMPT[@]}"
bad 1 "$T/st_wrong_shape/$M" "a tensor's shape transposed (not the config's)" -- generate --model "$T/st_wrong_shape" "${PROMPT[@]}"
bad 1 "$T/st_missing_tensor/$M" "a required tensor absent" -- generate --model "$T/st_missing_tensor" "${PROMPT[@]}"
bad 1 "$T/st_bad_shape/$M" "a negative dimension in a shape" -- generate --model "$T/st_bad_shape" "${PROMPT[@]}"
bad 1 "$T/st_nan_weights/$M" "a NaN among the weights" -- generate --model "$T/st_nan_weights" "${PROMPT[@]}"
model st_absent && rm "$T/st_absent/$M"
bad 1 "$T/st_absent" "model.safetensors missing" -- generate --model "$T/st_absent" "${PROMPT[@]}"

# ---- config.json: broken and inconsistent ----
model cfg_broken && head -c 40 "$T/mlm/config.json" >"$T/cfg_broken/config.json"
bad 1 "$T/cfg_broken/config.json" "config.json cut short (invalid JSON)" -- generate --model "$T/cfg_broken" "${PROMPT[@]}"
model cfg_absent && rm "$T/cfg_absent/config.json"
bad 1 "$T/cfg_absent" "config.json missing" -- generate --model "$T/cfg_absent" "${PROMPT[@]}"
config cfg_type "c['hidden_size'] = 'thirty-two'"
bad 1 "$T/cfg_type/config.json" "hidden_size is a string" -- generate --model "$T/cfg_type" "${PROMPT[@]}"
config cfg_heads "c['num_attention_heads'] = 3"
bad 1 "$T/cfg_heads/config.json" "hidden_size 32 with 3 attention heads" -- generate --model "$T/cfg_heads" "${PROMPT[@]}"
config cfg_hidden "c['hidden_size'] = 64; c['intermediate_size'] = 256"
bad 1 "$T/cfg_hidden/$M" "config says hidden 64, the weights are 32 wide" -- generate --model "$T/cfg_hidden" "${PROMPT[@]}"
config cfg_layers "c['num_hidden_layers'] = 3"
bad 1 "$T/cfg_layers/$M" "config says 3 layers, the weights hold 1" -- generate --model "$T/cfg_layers" "${PROMPT[@]}"
config cfg_arch "c['architectures'] = ['GPT2LMHeadModel']"
bad 1 "GPT2LMHeadModel" "an architecture nnbert does not have" -- generate --model "$T/cfg_arch" "${PROMPT[@]}"
config cfg_act "c['hidden_act'] = 'relu'"
bad 1 "$T/cfg_act/config.json" "hidden_act relu" -- generate --model "$T/cfg_act" "${PROMPT[@]}"
config cfg_zero "c['num_hidden_layers'] = 0"
bad 1 "$T/cfg_zero/config.json" "num_hidden_layers 0" -- generate --model "$T/cfg_zero" "${PROMPT[@]}"
config cfg_huge "c['hidden_size'] = 65536; c['num_attention_heads'] = 1024; c['intermediate_size'] = 262144; c['num_hidden_layers'] = 96"
bad 1 "$T/cfg_huge" "config of a 5e12-parameter model (weights 18 TiB)" -- generate --model "$T/cfg_huge" "${PROMPT[@]}"
config cfg_small_vocab "c['vocab_size'] = 40"
bad 1 "$T/cfg_small_vocab" "vocab_size 40 in config.json, vocab.txt has 60 tokens" -- generate --model "$T/cfg_small_vocab" "${PROMPT[@]}"
model cfg_big_vocab && for i in $(seq 1 40); do echo "extra$i" >>"$T/cfg_big_vocab/vocab.txt"; done
bad 1 "$T/cfg_big_vocab/vocab.txt" "vocab.txt of 100 tokens for a model of 60" -- generate --model "$T/cfg_big_vocab" --prompt "extra7 [MASK]"

# ---- vocab.txt and tokenizer_config.json ----
vocab_without voc_mask "[MASK]"
bad 1 "$T/voc_mask/vocab.txt" "vocab.txt without [MASK] (fill-mask)" -- generate --model "$T/voc_mask" "${PROMPT[@]}"
bad 1 "$T/voc_mask/vocab.txt" "vocab.txt without [MASK] (Gibbs generation)" -- generate --model "$T/voc_mask" --mode gibbs --prompt "the cat" --length 3
bad 1 "$T/voc_mask/vocab.txt" "vocab.txt without [MASK] (pretraining with it)" -- pretrain --corpus "$T/corpus.txt" "${TINY[@]}" --vocab "$T/voc_mask/vocab.txt" --steps 1 --out "$T/run_voc_mask"
vocab_without voc_unk "[UNK]"
bad 1 "$T/voc_unk/vocab.txt" "vocab.txt without [UNK]" -- generate --model "$T/voc_unk" "${PROMPT[@]}"
vocab_without voc_cls "[CLS]"
bad 1 "$T/voc_cls/vocab.txt" "vocab.txt without [CLS]" -- tokenize encode --vocab "$T/voc_cls/vocab.txt" "$T/corpus.txt"
vocab_without voc_sep "[SEP]" classifier
bad 1 "$T/voc_sep/vocab.txt" "vocab.txt without [SEP]" -- classify --model "$T/voc_sep" "$T/corpus.txt"
: >"$T/empty_vocab.txt"
bad 1 "$T/empty_vocab.txt" "empty vocab.txt" -- tokenize encode --vocab "$T/empty_vocab.txt" "$T/corpus.txt"
printf '[PAD]\n[UNK]\n\n[CLS]\n' >"$T/blank_vocab.txt"
bad 1 "$T/blank_vocab.txt" "vocab.txt with a blank line" -- tokenize encode --vocab "$T/blank_vocab.txt" "$T/corpus.txt"
random_bytes 3000 "$T/binary_vocab.txt"
bad 1 "$T/binary_vocab.txt" "vocab.txt of random bytes" -- pretrain --corpus "$T/corpus.txt" "${TINY[@]}" --vocab "$T/binary_vocab.txt" --steps 1 --out "$T/run_binary_vocab"
model tok_broken && echo '{"do_lower_case": tru' >"$T/tok_broken/tokenizer_config.json"
bad 1 "$T/tok_broken/tokenizer_config.json" "tokenizer_config.json cut short" -- generate --model "$T/tok_broken" "${PROMPT[@]}"
classifier tok_type && echo '{"do_lower_case": "yes"}' >"$T/tok_type/tokenizer_config.json"
bad 1 "$T/tok_type/tokenizer_config.json" "do_lower_case is a string" -- classify --model "$T/tok_type" "$T/corpus.txt"

# ---- output paths ----
mkdir -p "$T/readonly" && chmod 555 "$T/readonly"
bad 1 "$T/readonly/run" "--out in a read-only directory" run_as_user -- pretrain --corpus "$T/corpus.txt" "${TINY[@]}" --steps 1 --out "$T/readonly/run"
echo "not a directory" >"$T/a_file"
bad 1 "$T/a_file" "--out is a file" -- pretrain --corpus "$T/corpus.txt" "${TINY[@]}" --steps 1 --out "$T/a_file"
bad 1 "$T/a_file" "--out under a file" -- finetune --model "$T/mlm" --train "$T/train.tsv" --steps 1 --out "$T/a_file/run"
bad 1 "$T/no/such/dir/vocab.txt" "--out in a missing directory" -- tokenize train --vocab-size 60 --out "$T/no/such/dir/vocab.txt" "$T/corpus.txt"
bad 1 "$T/readonly/vocab.txt" "--out in a read-only directory" run_as_user -- tokenize train --vocab-size 60 --out "$T/readonly/vocab.txt" "$T/corpus.txt"
bad 1 "$T/no/such/dir/page.html" "--out in a missing directory" -- inspect --model "$T/mlm" --text "the cat" --out "$T/no/such/dir/page.html"

# ---- corpora ----
random_bytes 200000 "$T/noise.bin"
bad 1 "$T/noise.bin" "corpus of 200 KB random bytes" -- pretrain --corpus "$T/noise.bin" "${TINY[@]}" --steps 1 --out "$T/run_noise"
bad 1 "$T/noise.bin" "corpus of random bytes (vocabulary training)" -- tokenize train --vocab-size 60 --out "$T/noise_vocab.txt" "$T/noise.bin"
mkdir -p "$T/mixed" && cp "$T/corpus.txt" "$T/mixed/text.txt" && cp "$T/noise.bin" "$T/mixed/noise.bin"
warns "$T/mixed/noise.bin" "directory of a text file and a binary file" -- pretrain --corpus "$T/mixed" "${TINY[@]}" --steps 1 --out "$T/run_mixed"
iconv -f UTF-8 -t LATIN1 <<<"Le café où naît l'été. Déjà vu, à côté." >"$T/latin1.txt"
cat "$T/corpus.txt" >>"$T/latin1.txt"
warns "$T/latin1.txt:1" "Latin-1 text (not UTF-8)" -- pretrain --corpus "$T/latin1.txt" "${TINY[@]}" --steps 1 --out "$T/run_latin1"
printf '\n\n   \n\t\n\n' >"$T/blank.txt"
bad 1 "$T/blank.txt" "corpus with no sentences (blank lines)" -- pretrain --corpus "$T/blank.txt" "${TINY[@]}" --steps 1 --out "$T/run_blank"
: >"$T/empty.txt"
bad 1 "$T/empty.txt" "empty corpus file" -- pretrain --corpus "$T/empty.txt" "${TINY[@]}" --steps 1 --out "$T/run_empty"
mkdir -p "$T/empty_dir"
bad 1 "$T/empty_dir" "empty corpus directory" -- pretrain --corpus "$T/empty_dir" "${TINY[@]}" --steps 1 --out "$T/run_empty_dir"
bad 1 "$T/nowhere.txt" "corpus file missing" -- pretrain --corpus "$T/nowhere.txt" "${TINY[@]}" --steps 1 --out "$T/run_nowhere"
bad 1 "$T/noise.bin" "random bytes to evaluate" -- evaluate --model "$T/mlm" "$T/noise.bin"
# One line of 100 MB (words without punctuation: one sentence, no newline): read, tokenized and
# trained on within the time limit.
"$PY" -c "
words = [w.strip('.,;') for w in open('$T/corpus.txt').read().lower().split()]
line = ' '.join(words[i % len(words)] for i in range(20_000_000))[:100_000_000]
open('$T/long_line.txt', 'w').write(line)"
attempt "" pretrain --corpus "$T/long_line.txt" "${TINY[@]}" --vocab "$T/mlm/vocab.txt" --steps 1 --out "$T/run_long"
verdict "one 100 MB line"
check "one 100 MB line: exit code" 0 "$RC"
check "one 100 MB line: no error or warning" "" "$(grep -E '^(error|warning): ' <<<"$ERR")"
PEAK=$(grep -o 'peak memory [0-9]* MB' <<<"$ERR$OUT" | grep -o '[0-9]*')
check "one 100 MB line: peak memory under 2 GB" 1 "$([[ -n $PEAK && $PEAK -lt 2048 ]] && echo 1)"
echo "one 100 MB line: peak memory ${PEAK:-?} MB"
row "one line of 100 MB of words" "$RC" "$(grep -m1 '^corpus: ' <<<"$ERR")"

# ---- a model too large for the machine: refused before allocating ----
bad 1 "hidden size 65536" "--hidden 65536 --layers 96 (a 5e12-parameter model)" -- pretrain --corpus "$T/corpus.txt" --vocab "$T/mlm/vocab.txt" --hidden 65536 --layers 96 --steps 1 --out "$T/run_huge"
bad 1 "$T/cfg_huge" "fine-tuning the 5e12-parameter config" -- finetune --model "$T/cfg_huge" --train "$T/train.tsv" --steps 1 --out "$T/run_huge_ft"

# ---- absurd option values (exit 2: the usage follows) ----
bad 2 "--batch-size" "--batch-size 0" -- pretrain --batch-size 0
bad 2 "--batch-size" "--batch-size -4" -- finetune --model "$T/mlm" --train "$T/train.tsv" --batch-size -4
bad 2 "--seq-len" "--seq-len 100000" -- pretrain --seq-len 100000
bad 2 "--lr" "--lr nan" -- pretrain --lr nan
bad 2 "--lr" "--lr inf" -- finetune --model "$T/mlm" --train "$T/train.tsv" --lr inf
bad 2 "--frobnicate" "an unknown option" -- pretrain --frobnicate 3
bad 2 "--threads" "--threads 0" -- classify --model "$T/cls" --threads 0
bad 2 "--steps" "--steps 1.5" -- pretrain --steps 1.5
bad 2 "--objective" "--objective foo" -- pretrain --objective foo
bad 2 "--precision" "--precision fp8" -- evaluate --model "$T/mlm" --precision fp8 "$T/corpus.txt"
bad 2 "int8 is for inference only" "--precision int8 for training" -- pretrain --precision int8 --steps 1
bad 2 "int8 is for inference only" "--precision int8 for fine-tuning" -- finetune --model "$T/mlm" --train "$T/train.tsv" --precision int8 --steps 1
bad 2 "--model-config" "--model-config huge (no such size)" -- pretrain --model-config huge
bad 2 "--top-k" "--top-k 0" -- generate --model "$T/mlm" "${PROMPT[@]}" --top-k 0
bad 2 "--max-length" "--max-length 600, the model has 512 positions" -- finetune --model "$T/mlm" --train "$T/train.tsv" --max-length 600 --steps 1 --out "$T/run_long_ft"
bad 2 "--seq" "--seq 4096, the model has 512 positions" -- evaluate --model "$T/mlm" --seq 4096 "$T/corpus.txt"
bad 2 "--batch-size" "--batch-size 0" -- classify --model "$T/cls" --batch-size 0 "$T/corpus.txt"
bad 2 "--top-k" "--top-k -1" -- inspect --model "$T/mlm" --text "the cat" --top-k -1
bad 2 "frobnicate" "an unknown subcommand" -- tokenize frobnicate
bad 2 "--prompt" "no --prompt" -- generate --model "$T/mlm"
bad 1 "$T/nowhere/vocab.txt" "--vocab names no file" -- tokenize encode --vocab "$T/nowhere/vocab.txt" "$T/corpus.txt"

# ---- fine-tuning and classification inputs ----
printf 'text\tlabel\nthe cat sat\tpos\nthe dog\tneg\textra\n' >"$T/ragged.tsv"
bad 1 "$T/ragged.tsv:3" "TSV row with 3 columns (header has 2)" -- finetune --model "$T/mlm" --train "$T/ragged.tsv" --steps 1 --out "$T/run_ragged"
printf 'text\tcategory\nthe cat sat\tpos\n' >"$T/nolabel.tsv"
bad 1 "$T/nolabel.tsv" "TSV without a label column" -- finetune --model "$T/mlm" --train "$T/nolabel.tsv" --steps 1 --out "$T/run_nolabel"
printf '{"text": "the cat", "label": "pos"}\n{"text": "the dog", "label": \n' >"$T/bad.jsonl"
bad 1 "$T/bad.jsonl:2" "JSON lines with a broken line" -- finetune --model "$T/mlm" --train "$T/bad.jsonl" --steps 1 --out "$T/run_jsonl"
printf 'the\tO\ncat\n\n' >"$T/broken.conll"
bad 1 "$T/broken.conll:2" "CoNLL line without a tag" -- finetune --model "$T/mlm" --train "$T/broken.conll" --steps 1 --out "$T/run_conll"
printf 'text\tlabel\nthe cat sat\tmaybe\n' >"$T/unseen.tsv"
bad 1 "$T/unseen.tsv" "eval label never seen in training" -- finetune --model "$T/mlm" --train "$T/train.tsv" --eval "$T/unseen.tsv" --steps 1 --out "$T/run_unseen"
: >"$T/empty.tsv"
bad 1 "$T/empty.tsv" "empty training file" -- finetune --model "$T/mlm" --train "$T/empty.tsv" --steps 1 --out "$T/run_empty_tsv"
bad 1 "$T/mlm" "classify with a masked-LM checkpoint" -- classify --model "$T/mlm" "$T/corpus.txt"
bad 1 "$T/missing.txt" "classify a missing file" -- classify --model "$T/cls" "$T/missing.txt"
bad 1 "$T/nothing" "--model names no directory" -- finetune --model "$T/nothing" --train "$T/train.tsv" --steps 1

# ---- resuming: damaged trainer state and checkpoint directories ----
"$APPS/pretrain" --corpus "$T/corpus.txt" "${TINY[@]}" --vocab "$T/mlm/vocab.txt" --steps 2 --save-every 1 --keep 1 \
  --out "$T/run" >"$T/log" 2>&1 || { echo "FAIL: fixture run"; cat "$T/log"; }
# damaged NAME — a copy of that run directory in $T/NAME.
damaged() { cp -r "$T/run" "$T/$1"; }
damaged res_json && echo '{"step": 2, "train_con' >"$T/res_json/checkpoint-2/trainer_state.json"
bad 1 "$T/res_json/checkpoint-2/trainer_state.json" "trainer_state.json cut short" -- pretrain --resume "$T/res_json" --steps 3
damaged res_step && sed -i 's/"step": 2,/"step": "two",/' "$T/res_step/checkpoint-2/trainer_state.json"
bad 1 "$T/res_step/checkpoint-2/trainer_state.json" "trainer_state.json step is a string" -- pretrain --resume "$T/res_step" --steps 3
damaged res_neg && sed -i 's/"step": 2,/"step": -5,/' "$T/res_neg/checkpoint-2/trainer_state.json"
bad 1 "$T/res_neg/checkpoint-2/trainer_state.json" "trainer_state.json step -5" -- pretrain --resume "$T/res_neg" --steps 3
damaged res_weights && rm "$T/res_weights/checkpoint-2/model.safetensors"
bad 1 "$T/res_weights/checkpoint-2" "checkpoint without model.safetensors" -- pretrain --resume "$T/res_weights" --steps 3
damaged res_opt && rm "$T/res_opt/checkpoint-2/optimizer.safetensors"
bad 1 "$T/res_opt/checkpoint-2/optimizer.safetensors" "checkpoint without optimizer.safetensors" -- pretrain --resume "$T/res_opt" --steps 3
damaged res_vocab && rm "$T/res_vocab/checkpoint-2/vocab.txt"
bad 1 "$T/res_vocab/checkpoint-2" "checkpoint without vocab.txt" -- pretrain --resume "$T/res_vocab" --steps 3
damaged res_moments && "$PY" "$LIAR" "$T/run/checkpoint-2/optimizer.safetensors" "$T/res_moments/checkpoint-2/optimizer.safetensors" truncated
bad 1 "$T/res_moments/checkpoint-2/optimizer.safetensors" "optimizer.safetensors cut in half" -- pretrain --resume "$T/res_moments" --steps 3
damaged res_empty && rm -r "$T/res_empty"/checkpoint-*
bad 1 "$T/res_empty" "run directory without checkpoints" -- pretrain --resume "$T/res_empty" --steps 3

# ---- the table ----
TABLE=$(printf '%s\n' "| # | input | command | exit | the line it prints (error; warning; for the long line, the corpus summary) |" "|---|---|---|---|---|" "${ROWS[@]}")
BEGIN='<!-- cases: generated by tests/bad_inputs/test_bad_inputs.sh -->'
END='<!-- end of cases -->'
if [[ $WRITE_DOC == --write-doc ]]; then
  echo "$TABLE" >"$T/table.md"
  "$PY" -c "
import sys
doc, begin, end, table = sys.argv[1:5]
text = open(doc).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, 'w').write(head + begin + '\\n' + open(table).read() + end + tail)" "$DOC" "$BEGIN" "$END" "$T/table.md"
  echo "wrote the table of $N cases into $DOC"
fi
DOC_TABLE=$(sed -n "\\|^$BEGIN\$|,\\|^$END\$|p" "$DOC" | sed '1d;$d')
check "docs/BAD_INPUTS.md holds this table (rerun with --write-doc after a deliberate change)" "$TABLE" "$DOC_TABLE"
[[ $DOC_TABLE != "$TABLE" ]] && diff <(echo "$DOC_TABLE") <(echo "$TABLE") | head -20

echo "$N bad inputs, $CASES checks, $FAILS failed"
[[ $FAILS == 0 ]]
