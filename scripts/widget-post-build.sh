#!/usr/bin/env bash
# Trunk's post-build hook (Trunk.toml), in Trunk's staging folder before dist/ is written:
# 1. minifies the widget's JavaScript with terser (about 2.5 KB of the gzip budget). wasm-bindgen's
#    glue is an ES module (its exports and `import.meta.url` are kept); the loader a classic script.
#    Trunk's own minifier (minify-js) fails on the glue's `export default`, so it is not used.
# 2. writes the build's content hash into the loader, which asks for the module and the wasm with
#    it (`?v=`): motp-server lets browsers cache those for good. The loader keeps `__MOTP_ORIGIN__`,
#    which motp-server replaces by its own origin as it serves the file (so it serves the loader
#    itself, never the `.gz`/`.br` of it written below).
# 3. writes `<file>.gz` (gzip -9, no name or time inside, so builds are reproducible) and
#    `<file>.br` (brotli -q 11, about 16 % smaller) beside each file: motp-server sends the one the
#    browser accepts (browsers offer brotli over HTTPS).
set -euo pipefail
dir=${TRUNK_STAGING_DIR:?run by trunk build}
# terser as scripts/bootstrap.sh installed it, also when trunk is run by hand.
PATH="$(cd "$(dirname "$0")/.." && pwd)/tools/node/node_modules/.bin:$PATH"
terser "$dir/motp-widget.js" --module --compress --mangle --output "$dir/motp-widget.js"
build=$(cat "$dir/motp-widget.js" "$dir/motp-widget_bg.wasm" | sha256sum | cut -c1-16)
sed -i "s/__MOTP_BUILD__/$build/" "$dir/motp-embed.js"
grep -q "?v=$build" "$dir/motp-embed.js" || { echo "widget-post-build: no build mark in the loader" >&2; exit 1; }
terser "$dir/motp-embed.js" --compress --mangle --output "$dir/motp-embed.js"
grep -q "__MOTP_ORIGIN__" "$dir/motp-embed.js" || { echo "widget-post-build: no origin placeholder in the loader" >&2; exit 1; }
for f in motp-widget_bg.wasm motp-widget.js motp-embed.js; do
  gzip -9 -n -k -f "$dir/$f"
  brotli -q 11 -f -o "$dir/$f.br" "$dir/$f"
done
