#!/usr/bin/env bash
# Prints the widget's size as motp-server sends it (each file and the total: raw, gzip, brotli) and
# fails when the gzip total is over the ceiling (the budget counts gzip, what browsers without
# brotli get). The module and the wasm: the `.gz` (zopfli) and `.br` files the build wrote, which
# motp-server sends as they are, each checked to hold exactly its file. The loader: as motp-server
# compresses it on the way out (its origin filled in): gzip level 6 and brotli quality 4, tower-http's
# defaults, the origin mark standing in for the origin. `gzip -9` of each is printed to compare.
set -euo pipefail
limit=${1:?usage: widget-size.sh LIMIT_BYTES}
cd "$(dirname "$0")/../dist"
total=0
br_total=0
gz9_total=0
printf '%-24s %10s %10s %10s %10s\n' file bytes gzip brotli gzip-9
for f in motp-widget_bg.wasm motp-widget.js motp-embed.js; do
  raw=$(wc -c < "$f")
  if [ "$f" = motp-embed.js ]; then
    gz=$(gzip -6 -n -c "$f" | wc -c)
    br=$(brotli -q 4 -c "$f" | wc -c)
  else
    gzip -d -c "$f.gz" | cmp -s - "$f" || { echo "widget-size: $f.gz does not hold $f" >&2; exit 1; }
    brotli -d -c "$f.br" | cmp -s - "$f" || { echo "widget-size: $f.br does not hold $f" >&2; exit 1; }
    gz=$(wc -c < "$f.gz")
    br=$(wc -c < "$f.br")
  fi
  gz9=$(gzip -9 -n -c "$f" | wc -c)
  total=$((total + gz))
  br_total=$((br_total + br))
  gz9_total=$((gz9_total + gz9))
  printf '%-24s %10d %10d %10d %10d\n' "$f" "$raw" "$gz" "$br" "$gz9"
done
printf '%-24s %10s %10d %10d %10d  (gzip ceiling %d; the CSS is inside the wasm)\n' total '' "$total" "$br_total" "$gz9_total" "$limit"
if [ "$total" -gt "$limit" ]; then
  echo "widget-size: $total bytes gzip is over the $limit-byte ceiling" >&2
  exit 1
fi
