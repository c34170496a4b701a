#!/usr/bin/env bash
# Trunk's post-build hook (Trunk.toml): minifies the widget's JavaScript in Trunk's staging folder
# with terser. wasm-bindgen's glue is an ES module (its exports and `import.meta.url` are kept);
# the loader is a classic script. Saves about 2.5 KB of the widget's gzip budget.
# Trunk's own minifier (minify-js) fails on the glue's `export default`, so it is not used.
set -euo pipefail
dir=${TRUNK_STAGING_DIR:?run by trunk build}
# terser as scripts/bootstrap.sh installed it, also when trunk is run by hand.
PATH="$(cd "$(dirname "$0")/.." && pwd)/tools/node/node_modules/.bin:$PATH"
terser "$dir/motp-widget.js" --module --compress --mangle --output "$dir/motp-widget.js"
terser "$dir/motp-embed.js" --compress --mangle --output "$dir/motp-embed.js"
