#!/bin/bash
# test_finetune_cli.sh — `finetune` and `classify` as users meet them, on a tiny model that
# `pretrain` makes first (a masked LM, 2 steps): a binary TSV task and its run directory (label map,
# positive class, best/, metrics), exact resume, JSON lines, CoNLL token classification, multi-label
# and regression runs, classify's JSON and text output on stdin and files, and every kind of bad
# input as one error line with the message asserted.
#
# How resume is checked. The learning-rate schedule is fixed by the run's total step count, so a
# run stopped with --steps N and resumed with --steps M is not the run of M steps (its warmup and
# decay were computed for N), and stopping with SIGINT lands on no predictable step. Instead one
# uninterrupted run of 9 steps (3 epochs of 3 batches) keeps every checkpoint (--keep 3); a copy of
# its directory has checkpoint-6, checkpoint-9 and the final model.safetensors removed, as if the
# run had stopped after saving checkpoint-3 (best/ stays, as it would: the resumed run evaluates at
# the same steps and rewrites it where the uninterrupted run did; metrics.jsonl records past step 3
# are dropped by the resume itself). `finetune --resume COPY`, with no other option (the total step
# count and every setting come from the checkpoint), must then give the same loss, learning rate,
# gradient norm and held-out metrics at every step, and the same step-9 weights and optimizer
# moments, final and best weights, byte for byte. Both runs use --threads 1 (bit-identity holds
# for the same thread count). A checkpoint in the middle of an epoch is only written on Ctrl-C;
# seeking to every position of a stream, mid-epoch included, is test_task_feed.cc's.
# Usage: test_finetune_cli.sh FINETUNE_BINARY CLASSIFY_BINARY PRETRAIN_BINARY
set -u
FINETUNE=$1
CLASSIFY=$2
PRETRAIN=$3
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES

# finetune ARGS... / classify ARGS... — set RC, OUT (stdout) and ERR (stderr).
finetune() {
  "$FINETUNE" --threads 1 "$@" >"$DIR/out" 2>"$DIR/err"
  RC=$?
  OUT=$(cat "$DIR/out")
  ERR=$(cat "$DIR/err")
}
classify() {
  "$CLASSIFY" --threads 1 "$@" >"$DIR/out" 2>"$DIR/err"
  RC=$?
  OUT=$(cat "$DIR/out")
  ERR=$(cat "$DIR/err")
}
# py EXPR — prints a Python expression; `cfg(run)` reads run/config.json, `metrics(run)` its records,
# `out` is classify's stdout as lines.
py() {
  "$PY" -c "import json
def cfg(run): return json.load(open('$DIR/' + run + '/config.json'))
def metrics(run): return [json.loads(l) for l in open('$DIR/' + run + '/metrics.jsonl')]
out = open('$DIR/out').read().splitlines()
print($1)"
}
# errors — the error lines of stderr (every failure below must give exactly one).
errors() { grep '^error: ' <<<"$ERR"; }

# ---- a tiny pretrained masked LM ----
tiny_corpus "$DIR/corpus.txt"
"$PRETRAIN" --corpus "$DIR/corpus.txt" --objective mlm --model-config tiny --layers 1 --hidden 32 --vocab-size 60 \
  --seq-len 32 --batch-size 4 --steps 2 --eval-every 0 --threads 1 --out "$DIR/pre" >"$DIR/log" 2>&1 ||
  { echo "FAIL: pretrain"; cat "$DIR/log"; exit 1; }

# ---- a binary TSV task: 8 'positive', 4 'negative' ----
{
  printf 'sentence\tlabel\n'
  for i in 1 2 3 4; do
    printf 'the cat sat on the mat\tpositive\nthe dog ate the bone\tpositive\na bird sang in the tree\tnegative\n'
  done
} >"$DIR/train.tsv"
printf 'sentence\tlabel\nthe cat ate the bone\tpositive\na bird sat in the tree\tnegative\nthe dog sang\tpositive\n' \
  >"$DIR/dev.tsv"
BIN=(--model "$DIR/pre" --train "$DIR/train.tsv" --eval "$DIR/dev.tsv" --batch-size 4 --lr 1e-3 --log-every 1)
finetune "${BIN[@]}" --epochs 3 --keep 3 --out "$DIR/bin"
check "binary rc" 0 "$RC"
check "binary: no error" "" "$(errors)"
check "binary architecture" "['BertForSequenceClassification']" "$(py "cfg('bin')['architectures']")"
# The rarer label is the positive class, id 1, though it sorts first.
check "binary id2label" "{'0': 'positive', '1': 'negative'}" "$(py "cfg('bin')['id2label']")"
check "binary label2id" "{'negative': 1, 'positive': 0}" "$(py "dict(sorted(cfg('bin')['label2id'].items()))")"
check "binary problem type" "single_label_classification" "$(py "cfg('bin')['problem_type']")"
check "binary labels line" "labels (2): positive, negative — positive class (f1): negative" "$(grep '^labels' <<<"$ERR")"
check "binary data line" "data: 12 training examples, 3 held out; 0 cut to 128 tokens" "$(grep '^data:' <<<"$ERR")"
check "binary steps" "model saved in $DIR/bin (9 steps)" "$(grep '^model saved' <<<"$OUT")"
check "binary best model kept" "config.json model.safetensors tokenizer_config.json vocab.txt" "$(cd "$DIR/bin/best" && echo *)"
check "binary checkpoints kept" "checkpoint-3 checkpoint-6 checkpoint-9" "$(cd "$DIR/bin" && echo checkpoint-*)"
check "binary metrics: every step" "$(seq 1 9 | tr '\n' ' ')" "$(py "' '.join(str(m['step']) for m in metrics('bin')) + ' '")"
check "binary metrics: evaluated each epoch" "[3, 6, 9]" "$(py "[m['step'] for m in metrics('bin') if 'eval_f1' in m]")"
check "binary metrics: eval fields" "['eval_accuracy', 'eval_f1', 'eval_loss', 'eval_macro_f1', 'eval_mcc']" \
  "$(py "sorted(k for k in metrics('bin')[-1] if k.startswith('eval_'))")"
check "binary best line names the best eval" "True" "$(py "'best f1 %.4f at step' % max(m['eval_f1'] for m in metrics('bin') if 'eval_f1' in m) in open('$DIR/out').read()")"
# --positive-label chooses the other class.
finetune "${BIN[@]}" --steps 1 --positive-label positive --out "$DIR/pos"
check "--positive-label rc" 0 "$RC"
check "--positive-label id2label" "{'0': 'negative', '1': 'positive'}" "$(py "cfg('pos')['id2label']")"

# ---- exact resume (method in the header) ----
cp -r "$DIR/bin" "$DIR/resumed"
rm -rf "$DIR/resumed/checkpoint-6" "$DIR/resumed/checkpoint-9" "$DIR/resumed/model.safetensors"
finetune --resume "$DIR/resumed"
check "resume rc" 0 "$RC"
check "resume: from checkpoint-3" "resuming $DIR/resumed from $DIR/resumed/checkpoint-3" "$(grep '^resuming' <<<"$ERR")"
check "resume: same steps" "model saved in $DIR/resumed (9 steps)" "$(grep '^model saved' <<<"$OUT")"
# Every record but the clock's fields (time, speed, memory).
records() { py "[{k: v for k, v in m.items() if k not in ('elapsed_s', 'tokens_per_s', 'peak_memory_mb')} for m in metrics('$1')]"; }
check "resume: the uninterrupted run's records" "$(records bin)" "$(records resumed)"
# The last checkpoint holds the step-9 weights and optimizer (the final model is the best one).
for f in checkpoint-9/model.safetensors checkpoint-9/optimizer.safetensors model.safetensors; do
  check "resume: same $f" "0" "$(cmp -s "$DIR/bin/$f" "$DIR/resumed/$f"; echo $?)"
done
check "resume: same best weights" "0" "$(cmp -s "$DIR/bin/best/model.safetensors" "$DIR/resumed/best/model.safetensors"; echo $?)"
# Resuming keeps the recorded settings; --epochs, like --steps, extends the run.
finetune --resume "$DIR/resumed" --eval-every 1
check "resume --eval-every rc" 2 "$RC"
check "resume --eval-every message" "error: --eval-every: a resumed run keeps the settings it started with" "$(head -1 <<<"$ERR")"
finetune --resume "$DIR/resumed" --epochs 4
check "resume --epochs rc" 0 "$RC"
check "resume --epochs: one more epoch" "model saved in $DIR/resumed (12 steps)" "$(grep '^model saved' <<<"$OUT")"

# ---- JSON lines, pairs ----
{
  for i in 1 2 3; do
    printf '{"text": "the cat sat", "text_pair": "on the mat", "label": 1}\n'
    printf '{"text": "a bird sang", "text_pair": null, "label": 0, "source": "x"}\n\n'
  done
} >"$DIR/train.jsonl"
finetune --model "$DIR/pre" --train "$DIR/train.jsonl" --eval "$DIR/train.jsonl" --batch-size 2 --epochs 1 --out "$DIR/json"
check "jsonl rc" 0 "$RC"
check "jsonl data line" "data: 6 training examples, 6 held out; 0 cut to 128 tokens" "$(grep '^data:' <<<"$ERR")"
check "jsonl id2label (numbers, tie: sorted order)" "{'0': '0', '1': '1'}" "$(py "cfg('json')['id2label']")"

# ---- classify: JSON and text, stdin and files, order kept, blank lines skipped ----
printf 'the cat sat\n\na bird sang\tin the tree\n   \nthe dog\n' >"$DIR/in1.txt"
printf 'the mat\n' >"$DIR/in2.txt"
classify --model "$DIR/bin" --batch-size 2 "$DIR/in1.txt" - "$DIR/in2.txt" <<<"a cat"$'\n\n'"the bone"
check "classify json rc" 0 "$RC"
check "classify json: no stderr" "" "$ERR"
check "classify json: texts in input order" "['the cat sat', 'a bird sang', 'the dog', 'a cat', 'the bone', 'the mat']" \
  "$(py "[json.loads(l)['text'] for l in out]")"
check "classify json: the pair" "[None, 'in the tree', None, None, None, None]" "$(py "[json.loads(l).get('text_pair') for l in out]")"
check "classify json: label is the most probable" "True" "$(py "all(max(j['probabilities'], key=j['probabilities'].get) == j['label'] and j['probability'] == j['probabilities'][j['label']] for j in map(json.loads, out))")"
check "classify json: probabilities sum to 1" "True" "$(py "all(abs(sum(json.loads(l)['probabilities'].values()) - 1) < 1e-6 for l in out)")"
check "classify json: classes" "[('negative', 'positive')]" "$(py "sorted(set(tuple(sorted(json.loads(l)['probabilities'])) for l in out))")"
JSON_LABELS=$(py "' '.join(json.loads(l)['label'] for l in out)")
cp "$DIR/out" "$DIR/batched.jsonl"
# Padding does not change a prediction: each text alone (--batch-size 1) gives what it got batched.
classify --model "$DIR/bin" --batch-size 1 "$DIR/in1.txt" - "$DIR/in2.txt" <<<"a cat"$'\n\n'"the bone"
check "classify alone = batched" "True" "$(py "len(out) == 6 and all(a['label'] == b['label'] and
  all(abs(a['probabilities'][k] - b['probabilities'][k]) < 1e-5 for k in a['probabilities'])
  for a, b in zip(map(json.loads, out), map(json.loads, open('$DIR/batched.jsonl'))))")"
classify --model "$DIR/bin" --format text "$DIR/in1.txt" - "$DIR/in2.txt" <<<"a cat"$'\n\n'"the bone"
check "classify text rc" 0 "$RC"
check "classify text: texts in order" "the cat sat|a bird sang	in the tree|the dog|a cat|the bone|the mat" \
  "$(cut -f3- "$DIR/out" | paste -sd'|')"
check "classify text: labels as json's" "$JSON_LABELS" "$(cut -f1 "$DIR/out" | paste -sd' ')"
check "classify text: probabilities" "True" "$(py "all(len(l.split('\t')[1]) == 6 and 0.5 <= float(l.split('\t')[1]) <= 1 for l in out)")"

# ---- CoNLL token classification, end to end ----
{
  printf -- '-DOCSTART- O\n\n'
  for i in 1 2 3; do printf 'the O\ncat B-ANI\nsat O\non O\nthe O\nmat B-OBJ\n\na O\nbird B-ANI\nsang O\n\n'; done
} >"$DIR/train.conll"
printf 'the O\ndog B-ANI\nate O\nthe O\nbone B-OBJ\n' >"$DIR/dev.conll"
finetune --model "$DIR/pre" --train "$DIR/train.conll" --eval "$DIR/dev.conll" --batch-size 2 --epochs 2 --lr 1e-3 --out "$DIR/tok"
check "conll rc" 0 "$RC"
check "conll architecture" "['BertForTokenClassification']" "$(py "cfg('tok')['architectures']")"
check "conll id2label" "{'0': 'B-ANI', '1': 'B-OBJ', '2': 'O'}" "$(py "cfg('tok')['id2label']")"
check "conll data line" "data: 6 training examples, 1 held out; 0 cut to 128 tokens" "$(grep '^data:' <<<"$ERR")"
check "conll metrics" "True" "$(py "'eval_macro_f1' in metrics('tok')[-1] and 'eval_accuracy' in metrics('tok')[-1]")"
check "conll best kept" "True" "$([[ -f $DIR/tok/best/model.safetensors ]] && echo True)"
printf 'the cat sat\n\nthe dog ate the bone\n' >"$DIR/words.txt"
classify --model "$DIR/tok" "$DIR/words.txt"
check "classify words rc" 0 "$RC"
check "classify words: the words" "[['the', 'cat', 'sat'], ['the', 'dog', 'ate', 'the', 'bone']]" "$(py "[json.loads(l)['words'] for l in out]")"
check "classify words: a tag per word" "True" \
  "$(py "all(len(j['labels']) == len(j['words']) and set(j['labels']) <= {'B-ANI', 'B-OBJ', 'O'} for j in map(json.loads, out))")"
# Words past --max-length have no label ("" in JSON, "-" in text): 7 leaves room for 5 pieces, and
# the run's vocabulary of 60 makes "the dog ate the bone" the | d ##og | at ##e | the | b ##o ##n ##e.
classify --model "$DIR/tok" --max-length 7 "$DIR/words.txt"
check "classify cut words" "['', '']" "$(py "json.loads(out[1])['labels'][3:]")"
check "classify kept words" "True" "$(py "all(l != '' for l in json.loads(out[1])['labels'][:3])")"
classify --model "$DIR/tok" --max-length 7 --format text "$DIR/words.txt"
check "classify words text" "True" \
  "$(py "[w.split('/')[0] for w in out[1].split(' ')] == ['the', 'dog', 'ate', 'the', 'bone'] and out[1].endswith(' the/- bone/-')")"

# ---- multi-label and regression ----
{
  printf 'text\tlabel\n'
  for i in 1 2; do printf 'the cat sat on the mat\tanimal,object\nthe dog ate\tanimal\nthe mat\tobject\na bird sang\tanimal, sound\n'; done
} >"$DIR/multi.tsv"
finetune --model "$DIR/pre" --train "$DIR/multi.tsv" --eval "$DIR/multi.tsv" --problem-type multi --batch-size 4 --epochs 2 --out "$DIR/multi"
check "multi rc" 0 "$RC"
check "multi config" "multi_label_classification {'0': 'animal', '1': 'object', '2': 'sound'}" \
  "$(py "cfg('multi')['problem_type'] + ' ' + str(cfg('multi')['id2label'])")"
check "multi metrics" "['eval_accuracy', 'eval_exact_match', 'eval_f1', 'eval_loss']" \
  "$(py "sorted(k for k in metrics('multi')[-1] if k.startswith('eval_'))")"
classify --model "$DIR/multi" <<<"the cat"
check "classify multi" "True" \
  "$(py "(lambda j: sorted(j['probabilities']) == ['animal', 'object', 'sound'] and j['labels'] == [n for n in ['animal', 'object', 'sound'] if j['probabilities'][n] > 0.5])(json.loads(out[0]))")"
{
  printf 'text\tlabel\n'
  for i in 1 2; do printf 'the cat sat on the mat\t1.5\nthe dog ate\t-2\nthe mat\t0.25\na bird sang\t3\n'; done
} >"$DIR/reg.tsv"
finetune --model "$DIR/pre" --train "$DIR/reg.tsv" --eval "$DIR/reg.tsv" --problem-type regression --batch-size 4 --epochs 2 --out "$DIR/reg"
check "regression rc" 0 "$RC"
check "regression config" "regression {'0': 'LABEL_0'}" "$(py "cfg('reg')['problem_type'] + ' ' + str(cfg('reg')['id2label'])")"
check "regression metrics" "['eval_mse', 'eval_pearson', 'eval_spearman']" \
  "$(py "sorted(k for k in metrics('reg')[-1] if k.startswith('eval_'))")"
classify --model "$DIR/reg" <<<"the cat"
check "classify regression" "True" "$(py "sorted(json.loads(out[0])) == ['text', 'value'] and isinstance(json.loads(out[0])['value'], float)")"

# ---- bad input: one error line, naming file, line and column where there is one ----
NEW=(--model "$DIR/pre" --steps 1 --out "$DIR/bad")
printf 'sentence\tlabel\nthe cat\tpositive\nthe dog\n' >"$DIR/ragged.tsv"
finetune "${NEW[@]}" --train "$DIR/ragged.tsv"
check "ragged rc" 1 "$RC"
check "ragged message" \
  "error: $DIR/ragged.tsv:3:8: row has 1 field, the header (line 1) has 2 (tab-separated; columns 'sentence', 'label')" "$ERR"
printf 'sentence\tgold\nthe cat\tpositive\n' >"$DIR/nolabel.tsv"
finetune "${NEW[@]}" --train "$DIR/nolabel.tsv"
check "missing column rc" 1 "$RC"
check "missing column message" \
  "error: $DIR/nolabel.tsv:1: no label column: the header has no 'label' column (name the column to use); its columns are 'sentence', 'gold'" "$ERR"
: >"$DIR/empty.tsv"
finetune "${NEW[@]}" --train "$DIR/empty.tsv"
check "empty file rc" 1 "$RC"
check "empty file message" \
  "error: $DIR/empty.tsv:1: empty file (expected a header row naming the columns, then one example per row)" "$ERR"
printf 'sentence\tlabel\nthe cat sat\tpositive\na dog\tneutral\n' >"$DIR/dev_unknown.tsv"
finetune "${NEW[@]}" --train "$DIR/train.tsv" --eval "$DIR/dev_unknown.tsv"
check "unknown eval label rc" 1 "$RC"
check "unknown eval label message" \
  "error: $DIR/dev_unknown.tsv:3:7: label 'neutral' is not one of the 2 labels of the training data ('positive', 'negative')" "$(errors)"
printf 'the O\ncat B-ANI\n\nthe O\ndog B-BIRD\n' >"$DIR/dev_unknown.conll"
finetune "${NEW[@]}" --train "$DIR/train.conll" --eval "$DIR/dev_unknown.conll"
check "unknown eval tag rc" 1 "$RC"
check "unknown eval tag message" \
  "error: $DIR/dev_unknown.conll:5: label 'B-BIRD' is not one of the 3 labels of the training data ('B-ANI', 'B-OBJ', 'O')" "$(errors)"
finetune "${NEW[@]}" --train "$DIR/train.tsv" --positive-label maybe
check "--positive-label rc" 2 "$RC"
check "--positive-label message" "error: --positive-label 'maybe' is not a label of the training file ('negative', 'positive')" \
  "$(head -1 <<<"$ERR")"
check "--positive-label usage" "1" "$(grep -c '^usage: finetune' <<<"$ERR")"
printf 'sentence\tlabel\nthe cat\tpositive\nthe dog\tpositive\n' >"$DIR/one_label.tsv"
finetune "${NEW[@]}" --train "$DIR/one_label.tsv"
check "one label rc" 1 "$RC"
check "one label message" \
  "error: $DIR/one_label.tsv: every example has the label 'positive'; classification needs at least two labels" "$ERR"
finetune "${NEW[@]}" --train "$DIR/train.tsv" --eval "$DIR/dev.tsv" --metric recall
check "unknown --metric rc" 2 "$RC"
check "unknown --metric message" \
  "error: --metric recall: this task's evaluation reports loss, accuracy, macro_f1, f1, mcc" "$(errors)"
check "unknown --metric: nothing trained" "" "$(ls "$DIR/bad" 2>/dev/null)"
finetune "${NEW[@]}" --train "$DIR/train.tsv" --metric mcc
check "--metric without --eval rc" 2 "$RC"
check "--metric without --eval message" \
  "error: --metric: give the held-out file with --eval (the best model is chosen on it)" "$(errors)"
printf 'the O\ncat O\n' >"$DIR/one_tag.conll"
finetune "${NEW[@]}" --train "$DIR/one_tag.conll"
check "one tag rc" 1 "$RC"
check "one tag message" "error: $DIR/one_tag.conll: every word has the tag 'O'; classification needs at least two tags" "$ERR"
finetune --model "$DIR/nothing" --train "$DIR/train.tsv" --out "$DIR/bad"
check "--model missing rc" 1 "$RC"
check "--model missing message" "error: $DIR/nothing: no such model directory" "$ERR"
finetune --model "$DIR/train.tsv" --train "$DIR/train.tsv" --out "$DIR/bad"
check "--model a file rc" 1 "$RC"
check "--model a file message" "error: $DIR/train.tsv: no such model directory" "$ERR"
mkdir "$DIR/not_a_model"
finetune --model "$DIR/not_a_model" --train "$DIR/train.tsv" --out "$DIR/bad"
check "--model not a model rc" 1 "$RC"
check "--model not a model message" "error: $DIR/not_a_model: not a model directory (config.json is missing)" "$ERR"
finetune --resume "$DIR/nothing"
check "--resume of nothing rc" 1 "$RC"
check "--resume of nothing message" \
  "error: $DIR/nothing: no checkpoint to resume from (no checkpoint-N with trainer_state.json)" "$ERR"
classify --model "$DIR/pre" <<<"the cat"
check "classify MLM model rc" 1 "$RC"
check "classify MLM model message" \
  "error: $DIR/pre: the model is a BertForMaskedLM; classify needs a fine-tuned BertForSequenceClassification or BertForTokenClassification" "$ERR"
classify --model "$DIR/pre" </dev/null
check "classify MLM model, no input rc" 1 "$RC"
classify --model "$DIR/nothing" <<<"the cat"
check "classify no model rc" 1 "$RC"
check "classify no model message" "error: $DIR/nothing: no such model directory" "$ERR"
classify --model "$DIR/bin" "$DIR/missing.txt"
check "classify missing file rc" 1 "$RC"
check "classify missing file message" "error: $DIR/missing.txt: cannot read the file" "$ERR"
# A bad line in a later batch names its line in the whole input.
printf 'a\nb\n\nc\nd\te\tf\n' >"$DIR/two_tabs.txt"
classify --model "$DIR/bin" --batch-size 2 "$DIR/two_tabs.txt"
check "classify bad line rc" 1 "$RC"
check "classify bad line: the batches before it" "2" "$(wc -l <"$DIR/out")"
check "classify bad line message" \
  "error: $DIR/two_tabs.txt:5:4: a second tab: an input line is a text, or a text and its pair separated by one tab" "$ERR"
printf 'a\nb\nc\n\xff\n' >"$DIR/bad_utf8.txt"
classify --model "$DIR/bin" --batch-size 2 "$DIR/bad_utf8.txt"
check "classify invalid UTF-8 message" \
  "error: $DIR/bad_utf8.txt:4:1: invalid UTF-8 (byte 0xff); the file must be UTF-8 text" "$ERR"

echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
