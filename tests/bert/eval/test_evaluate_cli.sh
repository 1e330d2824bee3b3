#!/bin/bash
# test_evaluate_cli.sh — the `evaluate` command line as users meet it: JSON for a causal and a
# masked-LM checkpoint (each trained for two steps by `pretrain`), the figures' relations, and bad
# input (no model, not a model directory, missing or empty file, options that do not apply) with
# the messages asserted.
# Usage: test_evaluate_cli.sh EVALUATE_BINARY PRETRAIN_BINARY
set -u
EVAL=$1
PRETRAIN=$2
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES
# run CMD... — runs evaluate; sets OUT, ERR, RC.
run() {
  "$EVAL" "$@" >"$DIR/out" 2>"$DIR/err"
  RC=$?
  OUT=$(cat "$DIR/out")
  ERR=$(cat "$DIR/err")
}
# json EXPR — evaluates a Python expression over the JSON in $DIR/out (bound to j).
json() { "$PY" -c "import json,math,sys; j=json.load(open('$DIR/out')); print($1)"; }

for i in 1 2 3 4 5 6; do
  printf 'The cat sat on the mat, and the dog ate the bone.\nA bird sang in the tree.\n\n' >>"$DIR/train.txt"
  printf 'Compilers translate source code; linkers join object files.\n\n' >>"$DIR/train.txt"
done
printf 'The dog sat on the bone.\n\nA cat sang in the tree, and the bird ate.\n' >"$DIR/held.txt"
COMMON=(--corpus "$DIR/train.txt" --vocab-size 60 --model-config tiny --layers 1 --hidden 32 --seq-len 16
        --batch-size 2 --steps 2 --eval-every 0 --threads 1)
"$PRETRAIN" "${COMMON[@]}" --objective clm --eval-file "$DIR/held.txt" --out "$DIR/clm" >"$DIR/log" 2>&1 ||
  { echo "FAIL: pretrain clm"; cat "$DIR/log"; exit 1; }
"$PRETRAIN" "${COMMON[@]}" --objective mlm --cased --whole-word-masking --static-masking --out "$DIR/mlm" >"$DIR/log" 2>&1 ||
  { echo "FAIL: pretrain mlm"; cat "$DIR/log"; exit 1; }
check "cased run saves do_lower_case false" "False" \
  "$("$PY" -c "import json; print(json.load(open('$DIR/mlm/tokenizer_config.json'))['do_lower_case'])")"
check "masking switches recorded" "True False" "$("$PY" -c "import json
o = json.load(open('$DIR/mlm/checkpoint-2/trainer_state.json'))['train_config']['data_options']
print(o['whole_word_masking'], o['dynamic_masking'])")"
check "clm model positions = seq-len" "16" \
  "$("$PY" -c "import json; print(json.load(open('$DIR/clm/config.json'))['max_position_embeddings'])")"

# Causal: per-file and total figures, related as documented; progress only on stderr.
run --model "$DIR/clm" --threads 1 "$DIR/held.txt" "$DIR/held.txt"
check "clm rc" 0 "$RC"
check "clm architecture" "BertLMHeadModel" "$(json 'j["architecture"]')"
check "clm chars" "68 136" "$(json 'j["files"][0]["chars"], j["total"]["chars"]')"
check "clm loss = nats/tokens" "True" "$(json 'abs(j["total"]["loss"] - j["total"]["nats"] / j["total"]["tokens"]) < 1e-9')"
check "clm bits = nats/chars/ln2" "True" \
  "$(json 'abs(j["total"]["bits_per_char"] - j["total"]["nats"] / j["total"]["chars"] / math.log(2)) < 1e-9')"
check "clm files agree" "True" "$(json 'j["files"][0]["nats"] == j["files"][1]["nats"]')"
check "clm window" "16 15" "$(json 'j["scoring"]["window"], j["scoring"]["stride"]')"
check "clm stderr is progress" "" "$(grep -v 'tokens/s' <<<"$ERR")"
# The run's last held-out evaluation (metrics.jsonl) is evaluate's figure for the same model.
check "pretrain eval bits/char = evaluate's" "True" "$("$PY" -c "import json
last = [json.loads(l) for l in open('$DIR/clm/metrics.jsonl')][-1]
ev = json.load(open('$DIR/out'))['files'][0]
print(abs(last['eval_bits_per_char'] - ev['bits_per_char']) < 1e-5 * ev['bits_per_char'])")"
run --model "$DIR/clm" --seq 8 --stride 2 --batch 3 "$DIR/held.txt"
check "clm stride rc" 0 "$RC"
check "clm stride" "8 2" "$(json 'j["scoring"]["window"], j["scoring"]["stride"]')"

# Masked LM: pseudo-perplexity and accuracy; --max-tokens limits the tokens scored.
run --model "$DIR/mlm" --max-tokens 5 "$DIR/held.txt"
check "mlm rc" 0 "$RC"
check "mlm tokens" "5" "$(json 'j["total"]["tokens"]')"
check "mlm ppl = exp(-pll/tokens)" "True" \
  "$(json 'abs(j["total"]["pseudo_perplexity"] - math.exp(-j["total"]["pseudo_log_likelihood"] / 5)) < 1e-6 * j["total"]["pseudo_perplexity"]')"
check "mlm accuracy in [0,1]" "True" "$(json '0 <= j["total"]["mlm_accuracy"] <= 1')"

# Bad input: one-line errors, non-zero exit, nothing on stdout.
run --model "$DIR/clm" "$DIR/missing.txt"
check "missing file rc" 1 "$RC"
check "missing file message" "error: $DIR/missing.txt: no such file" "$ERR"
check "missing file stdout" "" "$OUT"
: >"$DIR/empty.txt"
run --model "$DIR/clm" "$DIR/empty.txt"
check "empty file rc" 1 "$RC"
check "empty file message" "error: $DIR/empty.txt: the file is empty" "$ERR"
run --model "$DIR/nowhere" "$DIR/held.txt"
check "no model dir rc" 1 "$RC"
check "no model dir message" "error: $DIR/nowhere: not a directory (give a checkpoint directory)" "$ERR"
mkdir "$DIR/notamodel"
run --model "$DIR/notamodel" "$DIR/held.txt"
check "not a model rc" 1 "$RC"
check "not a model names the dir" "1" "$(grep -c "notamodel" <<<"$ERR")"
run --model "$DIR/clm"
check "no files rc" 2 "$RC"
check "no files message" "error: give at least one text FILE to evaluate" "$(head -1 <<<"$ERR")"
run "$DIR/held.txt"
check "no model rc" 2 "$RC"
run --model "$DIR/clm" --max-tokens 5 "$DIR/held.txt"
check "max-tokens on clm rc" 1 "$RC"
check "max-tokens on clm message" "1" "$(grep -c -- "--max-tokens limits masked-LM scoring" <<<"$ERR")"
run --model "$DIR/clm" --seq 17 "$DIR/held.txt"
check "seq too long rc (a usage error)" 2 "$RC"
check "seq too long message" "error: --seq 17 exceeds the model's 16 positions" "$(head -1 <<<"$ERR")"
run --model "$DIR/mlm" --stride 3 "$DIR/held.txt"
check "stride on mlm rc" 1 "$RC"
run --model "$DIR/clm" --batch 0 "$DIR/held.txt"
check "batch 0 rc" 2 "$RC"

echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
