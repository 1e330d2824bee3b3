#!/bin/bash
# test_learn_examples.sh EXAMPLES_BIN_DIR EXAMPLES_SOURCE_DIR — runs every program of the learning
# path (examples/learn, docs/learn) and checks what it prints, not only its exit status:
#  - every "check NAME: VALUE < BOUND: ok" line is read back and VALUE < BOUND compared here;
#  - each program makes exactly the checks listed below (a check that disappears is noticed) and
#    its tally line agrees;
#  - each program writes the figures listed below, as complete SVG documents;
#  - every ch*.cc in the source directory is listed here (a new chapter cannot be skipped);
#  - every relative link in docs/learn/*.md points to a file that exists, and every figure the
#    chapters show is one a program here writes.
# The programs that need a trained model train a tiny one themselves (about 2 s); here the first
# that needs one trains it and the others reuse it (NNBERT_LEARN_TINY_CACHE).
set -u
bin=$1
src=$2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
export NNBERT_THREADS=1  # the programs' tensors are tiny; one thread is also what they use by default
export NNBERT_LEARN_TINY_CACHE="$DIR/tiny"
FAILS=0

# name  checks  figures
read -r -d '' TABLE <<'EOF'
ch01_tensors          4  broadcasting.svg
ch02_autodiff         4  autodiff_graph.svg
ch03_softmax_ce       6  softmax_ce_row.svg softmax_ce_curve.svg
ch04_attention       12  attention_scale.svg attention_heads.svg
ch05_layernorm       12  residual_depth.svg
ch06_encoder         10  gelu.svg encoder_shapes.svg
ch07_pretraining_data 10 masking.svg packing.svg
ch08_optimisation     8  lr_schedule.svg loss_curves.svg
ch09_causal_kv        5  kv_cache_cost.svg
ch10_finetune         3  finetune_accuracy.svg
EOF

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

for source in "$src"/ch*.cc; do
  name=$(basename "$source" .cc)
  grep -q "^$name " <<<"$TABLE" || fail "$name: examples/learn/$name.cc is not in this test's table"
done

while read -r name checks figures; do
  out="$DIR/$name.out"
  figdir="$DIR/$name-figures"
  start=$(date +%s%N)
  "$bin/$name" "$figdir" >"$out" 2>"$DIR/$name.err"
  status=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  printf '%-22s exit %d, %6d ms\n' "$name" "$status" "$ms"
  [ "$status" -eq 0 ] || { fail "$name exited with $status"; cat "$out" "$DIR/$name.err"; continue; }
  # Every check line: the status is ok and VALUE < BOUND holds when we compare it ourselves.
  bad=$(awk '/^check / {
      n = split($0, part, ": ");
      status = part[n]; cmp = part[n - 1];
      split(cmp, vb, " < ");
      number = "^-?[0-9.]+(e[-+]?[0-9]+)?$";  # nan, inf or garbage never pass
      if (status != "ok" || vb[1] !~ number || vb[2] !~ number || !(vb[1] + 0 < vb[2] + 0)) print "  " $0
    }' "$out")
  [ -z "$bad" ] || { fail "$name: checks that do not hold:"; echo "$bad"; }
  made=$(grep -c '^check ' "$out")
  [ "$made" -eq "$checks" ] || fail "$name: $made checks made, $checks expected"
  grep -q "^checks: $checks passed, 0 failed$" "$out" || fail "$name: tally line is not 'checks: $checks passed, 0 failed'"
  for f in $figures; do
    svg="$figdir/$f"
    if [ ! -s "$svg" ]; then
      fail "$name: figure $f not written"
    elif ! head -c 5 "$svg" | grep -q '<svg' || ! tail -n 1 "$svg" | grep -q '</svg>'; then
      fail "$name: figure $f is not a complete SVG document"
    fi
    grep -q "^figure: $svg$" "$out" || fail "$name: does not say it wrote $f"
  done
done <<<"$TABLE"

# The chapters: relative links resolve, and their figures are made by the programs above.
docs="$src/../../docs/learn"
all_figures=$(awk '{ for (i = 3; i <= NF; ++i) print $i }' <<<"$TABLE")
links=0
for md in "$docs"/*.md; do
  while read -r target; do
    [ -n "$target" ] || continue
    links=$((links + 1))
    path=${target%%#*}
    [ -e "$docs/$path" ] || fail "$(basename "$md"): link to $target, which does not exist"
    case $path in
      figures/*.svg) grep -qx "${path#figures/}" <<<"$all_figures" || fail "$(basename "$md"): figure $path is made by no program" ;;
    esac
  done < <(grep -o '](\([^)]*\))' "$md" | sed 's/^](\(.*\))$/\1/' | grep -v '^[a-z]*://' | grep -v '^#')
done
[ "$links" -gt 50 ] || fail "only $links relative links found in docs/learn (expected the chapters' many)"
echo "docs/learn: $links relative links checked"

if [ "$FAILS" -ne 0 ]; then
  echo "$FAILS failure(s)"
  exit 1
fi
echo "every learning-path program ran and every check held"
