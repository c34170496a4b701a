#!/usr/bin/env bash
# Prints the widget's release size (each file and the total: raw, gzip -9, and the brotli file the
# build wrote) and fails when the gzip total is over the ceiling (the budget counts gzip).
set -euo pipefail
limit=${1:?usage: widget-size.sh LIMIT_BYTES}
cd "$(dirname "$0")/../dist"
total=0
br_total=0
printf '%-24s %10s %10s %10s\n' file bytes gzip-9 brotli
for f in motp-widget_bg.wasm motp-widget.js motp-embed.js; do
  raw=$(wc -c < "$f")
  gz=$(gzip -9 -n -c "$f" | wc -c)
  br=$(if [ -f "$f.br" ]; then wc -c < "$f.br"; else echo 0; fi)
  total=$((total + gz))
  br_total=$((br_total + br))
  printf '%-24s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
done
printf '%-24s %10s %10d %10d  (gzip ceiling %d; the CSS is inside the wasm)\n' total '' "$total" "$br_total" "$limit"
if [ "$total" -gt "$limit" ]; then
  echo "widget-size: $total bytes gzip is over the $limit-byte ceiling" >&2
  exit 1
fi
