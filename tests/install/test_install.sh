#!/bin/sh
# test_install.sh BUILD_DIR SOURCE_DIR — installs libnn and libbert into a temporary prefix and
# builds the examples against it with pkg-config alone, as an outside research project would;
# then runs the MLP demo and checks that its loss falls.
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
meson configure "$build" >/dev/null
DESTDIR="$tmp/dest" meson install -C "$build" --no-rebuild --quiet
# The install was made for the configured prefix; point pkg-config at where it landed.
configured=$(meson introspect "$build" --buildoptions | sed -n 's/.*"name": "prefix", "value": "\([^"]*\)".*/\1/p')
[ -n "$configured" ] || configured=/usr/local
mv "$tmp/dest$configured" "$prefix"
# Nothing installed names the source or build tree (item 4 of issue 14): an installed program must
# never read from where it was built. Debug information may record them; it is stripped first.
for f in $(find "$prefix" -type f); do
  copy="$tmp/stripped"
  if head -c 4 "$f" | grep -q "ELF"; then strip --strip-debug -o "$copy" "$f"; else cp "$f" "$copy"; fi
  for tree in "$(cd "$src" && pwd -P)" "$(cd "$build" && pwd -P)"; do
    if grep -q -F "$tree" "$copy"; then echo "installed file $f names $tree"; exit 1; fi
  done
done
pcdir=$(dirname "$(find "$prefix" -name nnbert-bert.pc | head -n 1)")
[ -n "$pcdir" ] || { echo "no nnbert-bert.pc installed"; exit 1; }
export PKG_CONFIG_PATH="$pcdir"
pc="pkg-config --define-variable=prefix=$prefix"
# A library built with sanitizers (-Db_sanitize=...) needs programs linked with the same runtime.
sanitize=$(meson introspect "$build" --buildoptions | sed -n 's/.*"name": "b_sanitize", "value": "\([^"]*\)".*/\1/p')
flags=""
[ -z "$sanitize" ] || [ "$sanitize" = none ] || flags="-fsanitize=$sanitize"
c++ -std=c++20 -O1 $flags -o "$tmp/mlp_demo" "$src/examples/mlp_demo.cc" $($pc --cflags --libs nnbert-nn)
c++ -std=c++20 -O1 $flags -o "$tmp/sentence_embeddings" "$src/examples/sentence_embeddings.cc" $($pc --cflags --libs nnbert-bert)
libdir=$(dirname "$(find "$prefix" -name 'libbert.so*' | head -n 1)")
LD_LIBRARY_PATH="$libdir" "$tmp/mlp_demo" > "$tmp/out.txt"
cat "$tmp/out.txt"
first=$(head -n 1 "$tmp/out.txt" | awk '{print $4}')
last=$(tail -n 1 "$tmp/out.txt" | awk '{print $4}')
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 2) }' || { echo "loss did not fall: $first -> $last"; exit 1; }
# A checkpoint directory: the tiny parity model plus a 99-token vocabulary.
mkdir "$tmp/model"
cp "$src/tests/parity/fixtures/pretraining/config.json" "$src/tests/parity/fixtures/pretraining/model.safetensors" "$tmp/model/"
{ printf '[PAD]\n[CLS]\n[SEP]\n[MASK]\n[UNK]\n'; i=5; while [ $i -lt 99 ]; do echo "w$i"; i=$((i + 1)); done; } > "$tmp/model/vocab.txt"
LD_LIBRARY_PATH="$libdir" "$tmp/sentence_embeddings" "$tmp/model" "w5 w6 w7" "w5 w6 w8" > "$tmp/emb.txt"
cat "$tmp/emb.txt"
grep -q "cos(0, 1)" "$tmp/emb.txt" || { echo "sentence_embeddings printed no similarity"; exit 1; }
# The learning path's programs (examples/learn): each is one source file plus the header-only helpers
# beside it, built the same way (two at a time), and two of them run from the installed libraries.
ls "$src"/examples/learn/ch*.cc | xargs -P 2 -I{} sh -c \
  'c++ -std=c++20 -O1 '"$flags"' -o "'"$tmp"'/$(basename {} .cc)" {} $('"$pc"' --cflags --libs nnbert-bert)' || {
  echo "examples/learn did not build against the installed prefix"; exit 1; }
for p in ch01_tensors ch07_pretraining_data; do
  NNBERT_THREADS=1 LD_LIBRARY_PATH="$libdir" "$tmp/$p" > "$tmp/$p.txt" || { cat "$tmp/$p.txt"; echo "$p failed"; exit 1; }
  grep -q "^checks: [0-9]* passed, 0 failed$" "$tmp/$p.txt" || { cat "$tmp/$p.txt"; echo "$p: a check failed"; exit 1; }
done
echo "install test: examples built against the installed prefix via pkg-config and ran"
