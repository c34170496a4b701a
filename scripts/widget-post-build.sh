#!/usr/bin/env bash
# Trunk's post-build hook (Trunk.toml), in Trunk's staging folder before dist/ is written:
# 1. minifies the widget's JavaScript with terser (about 2.5 KB of the gzip budget). wasm-bindgen's
#    glue is an ES module (its exports and `import.meta.url` are kept); the loader a classic script.
#    Trunk's own minifier (minify-js) fails on the glue's `export default`, so it is not used.
# 2. writes `<file>.gz` beside each file (gzip -9, no name or time inside, so builds are
#    reproducible): motp-server sends those to browsers that accept gzip.
set -euo pipefail
dir=${TRUNK_STAGING_DIR:?run by trunk build}
# terser as scripts/bootstrap.sh installed it, also when trunk is run by hand.
PATH="$(cd "$(dirname "$0")/.." && pwd)/tools/node/node_modules/.bin:$PATH"
terser "$dir/motp-widget.js" --module --compress --mangle --output "$dir/motp-widget.js"
terser "$dir/motp-embed.js" --compress --mangle --output "$dir/motp-embed.js"
for f in motp-widget_bg.wasm motp-widget.js motp-embed.js; do
  gzip -9 -n -k -f "$dir/$f"
done
