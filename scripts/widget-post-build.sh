#!/usr/bin/env bash
# Trunk's post-build hook (Trunk.toml), in Trunk's staging folder before dist/ is written:
# 0. one more round of wasm-opt (below), and renames the wasm's imports and exports to short names
#    (scripts/minify-wasm-names.py);
# 1. minifies the widget's JavaScript with terser (about 2.5 KB of the gzip budget). wasm-bindgen's
#    glue is an ES module (its exports and `import.meta.url` are kept); the loader a classic script.
#    Trunk's own minifier (minify-js) fails on the glue's `export default`, so it is not used.
# 2. writes the build's content hash into the loader, which asks for the module and the wasm with
#    it (`?v=`): motp-server lets browsers cache those for good. The loader keeps `__MOTP_ORIGIN__`,
#    which motp-server replaces by its own origin as it serves the file (so it serves the loader
#    itself, never the `.gz`/`.br` of it written below).
# 3. writes `<file>.gz` and `<file>.br` (brotli -q 11, about 16 % smaller) beside each file:
#    motp-server sends the one the browser accepts (browsers offer brotli over HTTPS only). The
#    `.gz` is zopfli's: gzip that every browser reads, 5 % smaller than `gzip -9` (4.4 KB on the
#    wasm), with no name or time inside, so builds are reproducible. Its loader's are never sent
#    (motp-server fills the origin in and compresses it as it sends it).
set -euo pipefail
dir=${TRUNK_STAGING_DIR:?run by trunk build}
root="$(cd "$(dirname "$0")/.." && pwd)"
# terser and wasm-opt as scripts/bootstrap.sh installed them, also when trunk is run by hand.
PATH="$root/tools/node/node_modules/.bin:$PATH"
# 0. Trunk's `wasm-opt -Oz` once more, after flattening the control flow and rebuilding it with the
#    relooper (`--flatten --rereloop`): 0.7 KB gzip, measured (also tried: `--converge`, `--gufa`,
#    `-Os`: at most 0.2 KB; `-O4`: larger). Then short names for the wasm's imports and exports, in
#    the wasm and the glue (about 5 KB gzip: see scripts/minify-wasm-names.py), and no
#    `producers`/`target_features` sections, which no browser reads; with the wasm features
#    index.html gives wasm-opt.
features=$(sed -n 's/.*data-wasm-opt-params="\([^"]*\)".*/\1/p' "$root/index.html")
[ -n "$features" ] || { echo "widget-post-build: no data-wasm-opt-params in index.html" >&2; exit 1; }
# shellcheck disable=SC2086 # one flag per word
wasm-opt $features --flatten --rereloop -Oz --minify-imports-and-exports-and-modules --strip-producers --strip-target-features \
  "$dir/motp-widget_bg.wasm" \
  -o "$dir/motp-widget_bg.wasm" > "$dir/wasm-names.json"
python3 "$root/scripts/minify-wasm-names.py" "$dir/wasm-names.json" "$dir/motp-widget.js"
rm "$dir/wasm-names.json"
terser "$dir/motp-widget.js" --module --compress --mangle --output "$dir/motp-widget.js"
build=$(cat "$dir/motp-widget.js" "$dir/motp-widget_bg.wasm" | sha256sum | cut -c1-16)
sed -i "s/__MOTP_BUILD__/$build/" "$dir/motp-embed.js"
grep -q "?v=$build" "$dir/motp-embed.js" || { echo "widget-post-build: no build mark in the loader" >&2; exit 1; }
terser "$dir/motp-embed.js" --compress --mangle --output "$dir/motp-embed.js"
grep -q "__MOTP_ORIGIN__" "$dir/motp-embed.js" || { echo "widget-post-build: no origin placeholder in the loader" >&2; exit 1; }
for f in motp-widget_bg.wasm motp-widget.js motp-embed.js; do
  zopfli --i15 -c "$dir/$f" > "$dir/$f.gz"
  brotli -q 11 -f -o "$dir/$f.br" "$dir/$f"
done
