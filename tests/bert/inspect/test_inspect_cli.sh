#!/bin/bash
# test_inspect_cli.sh — `inspect` as users meet it, on tiny models that `pretrain` (a masked LM
# and a causal LM, 2 steps each) and `finetune` (a sequence classifier, 1 step) make first: the
# JSON and the page's data block are the same numbers, and the page and the text summary show
# those numbers (parameter totals, final predictions, head roles); causal and classifier
# checkpoints; every bad input is one error line with the message asserted.
# Usage: test_inspect_cli.sh INSPECT_BINARY PRETRAIN_BINARY FINETUNE_BINARY
set -u
INSPECT=$(readlink -f "$1")  # absolute: one case runs in another directory
PRETRAIN=$2
FINETUNE=$3
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES

# inspect ARGS... — sets RC, OUT (stdout) and ERR (stderr).
inspect() {
  "$INSPECT" --threads 1 "$@" >"$DIR/out" 2>"$DIR/err"
  RC=$?
  OUT=$(cat "$DIR/out")
  ERR=$(cat "$DIR/err")
}
# py EXPR — prints a Python expression; `j` is the JSON in $DIR/json, `page` the text of
# $DIR/page.html, `data` its data block parsed, `text` the text summary in $DIR/text; grouped(n)
# writes 1,234 and esc(s) escapes as the page does.
py() {
  "$PY" -c "import json, re
j = json.load(open('$DIR/json'))
page = open('$DIR/page.html', encoding='utf-8').read()
m = re.search(r'<script type=\"application/json\" id=\"inspection-data\">(.*?)</script>', page, re.S)
data = json.loads(m.group(1)) if m else None
text = open('$DIR/text', encoding='utf-8').read() if __import__('os').path.exists('$DIR/text') else ''
def grouped(n): return '{:,}'.format(n)
def esc(s): return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace(chr(34), '&quot;').replace(chr(39), '&#39;')
print($1)"
}

# ---- tiny models ----
tiny_corpus "$DIR/corpus.txt"
TINY=(--corpus "$DIR/corpus.txt" --model-config tiny --layers 2 --hidden 32 --heads 2 --vocab-size 60 --batch-size 4
      --steps 2 --eval-every 0 --threads 1)
"$PRETRAIN" "${TINY[@]}" --objective mlm --seq-len 32 --out "$DIR/mlm" >"$DIR/log" 2>&1 ||
  { echo "FAIL: pretrain mlm"; cat "$DIR/log"; exit 1; }
"$PRETRAIN" "${TINY[@]}" --objective clm --seq-len 16 --out "$DIR/clm" >"$DIR/log" 2>&1 ||
  { echo "FAIL: pretrain clm"; cat "$DIR/log"; exit 1; }
printf 'sentence\tlabel\nthe cat sat\tyes\nthe dog ate\tno\na bird sang\tyes\nthe mat\tno\n' >"$DIR/train.tsv"
"$FINETUNE" --model "$DIR/mlm" --train "$DIR/train.tsv" --steps 1 --batch-size 4 --threads 1 --out "$DIR/cls" \
  >"$DIR/log" 2>&1 || { echo "FAIL: finetune"; cat "$DIR/log"; exit 1; }

# ---- masked LM: JSON, page, text ----
TEXT="the [MASK] sat on the mat , and the dog ate the [MASK] ."
inspect --model "$DIR/mlm" --text "$TEXT" --out "$DIR/page.html" --format json --top-k 3 --gradcheck
check "mlm json rc" 0 "$RC"
check "mlm json: no stderr" "" "$ERR"
cp "$DIR/out" "$DIR/json"
check "page data block is the JSON" "True" "$(py "data == j")"
check "json architecture" "BertForMaskedLM" "$(py "j['architecture']")"
check "json tokens frame the text" "['[CLS]', '[SEP]']" "$(py "[j['tokens'][0]['token'], j['tokens'][-1]['token']]")"
check "json: a lens row per [MASK]" "True" \
  "$(py "[p['position'] for p in j['lens']['positions']] == [t['position'] for t in j['tokens'] if t['token'] == '[MASK]']")"
check "json: lens layers = L + 1, top-k 3" "[[3, 3, 3], [3, 3, 3]]" "$(py "[[len(l) for l in p['layers']] for p in j['lens']['positions']]")"
check "json: attention L x A x T x T" "True" \
  "$(py "len(j['attention']) == 2 and all(len(l) == 2 and all(len(h) == len(j['tokens']) and all(len(r) == len(j['tokens']) for r in h) for h in l) for l in j['attention'])")"
check "json: attention rows sum to 1" "True" "$(py "all(abs(sum(r) - 1) < 1e-5 for l in j['attention'] for h in l for r in h)")"
check "json: parameters equal the closed form" "True" \
  "$(py "j['parameters']['counted_total'] == j['parameters']['closed_form_total'] and all(r['counted'] == r['closed_form'] for r in j['parameters']['rows'])")"
check "json: gradient check agrees" "True" \
  "$(py "0 < len(j['gradcheck']['entries']) and j['gradcheck']['agrees'] and j['gradcheck']['max_rel_error'] < 2e-2")"
check "page shows the parameter total" "True" \
  "$(py "'<td class=\"n\">%s</td>' % grouped(j['parameters']['counted_total']) in page")"
check "page shows each final top-1 prediction" "True" \
  "$(py "all(re.search(r'\(prediction\)</td><td class=\"c\"[^>]*>' + re.escape(esc(p['layers'][-1][0]['token'])) + '<span>%.3f</span>' % p['layers'][-1][0]['prob'], page) for p in j['lens']['positions'])")"
check "page: one thumbnail per head, roles as in the JSON" "True" \
  "$(py "re.findall(r'data-layer=\"(\d+)\" data-head=\"(\d+)\" title=\"layer \d+, head \d+: ([^\"]+)\"', page) == [(str(h['layer']), str(h['head']), h['role']) for h in j['heads']]")"
check "page: gradient check table" "$(py "len(j['gradcheck']['entries'])")" "$(py "page.count('</td></tr>', page.index('id=\"gradcheck\"'))")"
check "page: self-contained" "True" \
  "$(py "'https://' not in page and ' src=' not in page and '<link' not in page and page.count('http://') == page.count('http://www.w3.org/2000/svg')")"

inspect --model "$DIR/mlm" --text "$TEXT" --out "$DIR/page.html" --top-k 3 --gradcheck
check "mlm text rc" 0 "$RC"
printf '%s\n' "$OUT" >"$DIR/text"
check "text: the same page again (deterministic)" "True" "$(py "data == j")"
check "text: model line" "model: $DIR/mlm (BertForMaskedLM: 2 layers, 2 heads, hidden 32, intermediate 128, vocab 60)" \
  "$(head -1 <<<"$OUT")"
check "text: tokens line" "$(py "'tokens (%d): ' % len(j['tokens']) + ' '.join('%d:%s(%d)' % (t['position'], t['token'], t['id']) for t in j['tokens'][:3])")" \
  "$(grep '^tokens' <<<"$OUT" | cut -d' ' -f1-5)"
check "text: final top-k per [MASK] as in the JSON" \
  "$(py "'\n'.join('[MASK] at position %d:' % p['position'] + ''.join(' %s %.3f' % (c['token'], c['prob']) for c in p['layers'][-1]) for p in j['lens']['positions'])")" \
  "$(grep '^\[MASK\] at position' <<<"$OUT")"
check "text: parameter totals" \
  "$(py "'parameters: %s counted, %s by the closed form (equal)' % (grouped(j['parameters']['counted_total']), grouped(j['parameters']['closed_form_total']))")" \
  "$(grep '^parameters:' <<<"$OUT")"
check "text: head roles as in the JSON" "$(py "'\n'.join('layer %d head %d: %s' % (h['layer'], h['head'], h['role']) for h in j['heads'])")" \
  "$(grep '^  layer ' <<<"$OUT" | sed -E 's/^  //; s/: ([^ ]+) .*/: \1/')"
check "text: gradient check line" "gradient check: backprop agrees with central differences" \
  "$(grep '^gradient check:' <<<"$OUT" | cut -d';' -f1)"
check "text: page line" "page: $DIR/page.html" "$(tail -1 <<<"$OUT")"

# ---- causal LM: [SEP] then the text; the lens predicts the next token ----
inspect --model "$DIR/clm" --text "the cat sat on the" --out "$DIR/page.html" --format json
check "clm rc" 0 "$RC"
cp "$DIR/out" "$DIR/json"
check "clm: [SEP] first" "[SEP]" "$(py "j['tokens'][0]['token']")"
check "clm: lens at the last position" "next token [$(py "len(j['tokens']) - 1")]" \
  "$(py "j['lens']['target'] + ' ' + str([p['position'] for p in j['lens']['positions']])")"
check "clm: no attention to the future" "True" \
  "$(py "all(r[i + 1:] == [0] * (len(r) - i - 1) for l in j['attention'] for h in l for i, r in enumerate(h))")"
check "clm page data block" "True" "$(py "data == j")"

# ---- classifier: attention, norms and parameters, no lens ----
inspect --model "$DIR/cls" --text "the cat sat" --out "$DIR/page.html"
check "classifier rc" 0 "$RC"
check "classifier: no predictions" "predictions: none (the model has no language-model head)" "$(grep '^predictions' <<<"$OUT")"
check "classifier: parameters" "equal" "$(grep '^parameters:' <<<"$OUT" | sed -E 's/.*\((.*)\)$/\1/')"

# ---- --out - writes no page ----
rm -f "$DIR/none.html"
(cd "$DIR" && "$INSPECT" --model mlm --text "the cat" --out - >/dev/null 2>&1)
check "--out - rc" 0 "$?"
check "--out -: no inspect.html" "no" "$([[ -e $DIR/inspect.html ]] && echo yes || echo no)"

# ---- bad input: one error line each ----
inspect --model "$DIR/nope" --text "x"
check "no model dir rc" 1 "$RC"
check "no model dir message" "error: $DIR/nope: no such model directory" "$ERR"
inspect --model "$DIR/mlm" --text ""
check "empty text rc" 1 "$RC"
check "empty text message" "error: inspect: --text is empty" "$ERR"
inspect --model "$DIR/mlm" --text "   "
check "blank text rc" 1 "$RC"
check "blank text message" "error: inspect: --text is empty" "$ERR"
# 16 positions: [SEP] + the text's pieces. "the" is n pieces in this vocabulary; 20 of them do not fit.
inspect --model "$DIR/clm" --text "the" --out - --format json
cp "$DIR/out" "$DIR/json"
N=$(py "1 + 20 * (len(j['tokens']) - 1)")
inspect --model "$DIR/clm" --text "$(printf 'the %.0s' {1..20})"
check "too long rc" 1 "$RC"
check "too long message" "error: inspect: the text is $N tokens (with the special tokens), but the model takes at most 16" "$ERR"
inspect --model "$DIR/mlm" --text "the cat" --out "$DIR/no/such/dir/page.html"
check "unwritable page rc" 1 "$RC"
check "unwritable page message" "error: $DIR/no/such/dir/page.html: cannot write the page" "$ERR"
inspect --text "the cat"
check "missing --model rc" 2 "$RC"
check "missing --model message" "error: --model is required" "$(head -1 <<<"$ERR")"
inspect --model "$DIR/mlm" --text "the cat" --format xml
check "bad --format rc" 2 "$RC"
check "bad --format message" "error: --format must be text or json" "$(head -1 <<<"$ERR")"
inspect --model "$DIR/mlm" --text "the cat" --top-k 0
check "bad --top-k rc" 2 "$RC"
check "bad --top-k message" "error: --top-k must be an integer in [1, 1000], got '0'" "$(head -1 <<<"$ERR")"

echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
