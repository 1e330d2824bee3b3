#!/bin/bash
# inspect-screenshot.sh — the page `inspect` writes, opened in headless Chromium (Debian package
# `chromium`): a PNG screenshot, and a check that the page's script ran (the large view of the
# chosen head is in the DOM after load).
# Usage: scripts/inspect-screenshot.sh MODEL_DIR TEXT OUT.png [layer=L&head=H]
#   The optional fourth argument opens the page at that head, as a click on its thumbnail would.
#   INSPECT=path/to/inspect overrides the binary (default: build/apps/inspect of this checkout);
#   WINDOW=1400,1800 sets the window size; INSPECT_ARGS="--gradcheck --top-k 8" adds options to
#   inspect. The page is kept next to the PNG (OUT.html).
set -euo pipefail
if [[ $# -lt 3 || $# -gt 4 ]]; then
  echo "usage: $0 MODEL_DIR TEXT OUT.png [layer=L&head=H]" >&2
  exit 2
fi
MODEL=$1
TEXT=$2
PNG=$3
HASH=${4:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INSPECT=${INSPECT:-$ROOT/build/apps/inspect}
WINDOW=${WINDOW:-1400,1800}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[[ -x $INSPECT ]] || { echo "error: $INSPECT not found (build it: ninja -C build apps/inspect)" >&2; exit 1; }
[[ -n $CHROMIUM ]] || { echo "error: chromium not found (Debian: apt-get install -y chromium)" >&2; exit 1; }

PAGE="${PNG%.png}.html"
# shellcheck disable=SC2086  # INSPECT_ARGS is a list of options
"$INSPECT" --model "$MODEL" --text "$TEXT" --out "$PAGE" ${INSPECT_ARGS:-} >/dev/null
URL="file://$(cd "$(dirname "$PAGE")" && pwd)/$(basename "$PAGE")${HASH:+#$HASH}"
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$PROFILE")
"$CHROMIUM" "${FLAGS[@]}" --screenshot="$PNG" --window-size="$WINDOW" "$URL" >/dev/null 2>&1
[[ -s $PNG ]] || { echo "error: chromium wrote no screenshot" >&2; exit 1; }
# The script draws the chosen head large; its title is in the DOM only if the script ran.
TITLE=$("$CHROMIUM" "${FLAGS[@]}" --dump-dom "$URL" 2>/dev/null | grep -o '<h3 id="big-title">Layer [0-9][^<]*</h3>' || true)
[[ -n $TITLE ]] || { echo "error: the page's script did not draw the large view" >&2; exit 1; }
echo "screenshot: $PNG (page: $PAGE)"
echo "large view: $(sed -E 's/<[^>]+>//g' <<<"$TITLE")"
