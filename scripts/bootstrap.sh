#!/usr/bin/env bash
# Installs everything `make demo` and `make test` need on a fresh machine of the project's kind
# (Debian 12, rustup's Rust 1.95, Node 20, root). Idempotent: each step is skipped when its tool is
# already there at the right version, so a second run takes seconds.
# Recipes and their traps: ../shared/spec/toolchain.md.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
# Minifies the widget's JavaScript after Trunk's build (scripts/minify-js.sh): pure JavaScript, no
# install scripts.
TERSER_VERSION=5.51.4
# The schema fuzzer of `make test` (scripts/test-schema.sh), from PyPI into a project-local venv.
SCHEMATHESIS_VERSION=4.32.5
# The accessibility check of the end-to-end tests (the console's pages): axe-core's one script,
# injected into the page by WebDriver. Pure JavaScript, no install scripts.
AXE_CORE_VERSION=4.14.1
# make bench only (`bootstrap.sh --bench`): Lighthouse, on the demo page (about 180 MB, so make test
# never installs it).
LIGHTHOUSE_VERSION=13.5.0
# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock (the crate is pinned with `=`).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "bootstrap: no wasm-bindgen in Cargo.lock" >&2; exit 1; }

log() { printf '[bootstrap] %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PWD/tools/node/node_modules/.bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi
# The standard library's source: `make widget` rebuilds it for wasm32 without panic messages
# (see the Makefile's `widget`).
if ! rustup component list --installed | grep -qx rust-src; then
  log "adding the rust-src component"
  rustup component add rust-src
fi

if ! dpkg -s chromium chromium-driver fonts-noto-cjk postgresql brotli zopfli php-cli python3-jwt python3-cryptography >/dev/null 2>&1; then
  log "installing Debian chromium + chromium-driver + fonts-noto-cjk + postgresql + brotli + zopfli + php-cli + python3-jwt + python3-cryptography"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Fonts with Hangul, so screenshots and layout checks see Korean text as trainees do.
  # PostgreSQL: the tests run the gateway on it too (scripts/test-postgres.sh starts a throwaway one).
  # brotli, zopfli: the widget's files are served precompressed (scripts/widget-post-build.sh).
  # php-cli, python3-jwt, python3-cryptography: the LMS examples run against the server
  # (scripts/test-lms-examples.sh).
  apt-get install -y -qq chromium chromium-driver fonts-noto-cjk postgresql brotli zopfli \
    php-cli python3-jwt python3-cryptography >/dev/null
fi

if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "$BINARYEN_VERSION" ]; then
  log "installing wasm-opt (binaryen@$BINARYEN_VERSION from npm) into tools/node"
  npm install --silent --no-audit --no-fund --prefix tools/node "binaryen@$BINARYEN_VERSION"
fi

if [ "$(terser --version 2>/dev/null | awk '{print $2}')" != "$TERSER_VERSION" ]; then
  log "installing terser@$TERSER_VERSION from npm into tools/node"
  npm install --silent --no-audit --no-fund --prefix tools/node "terser@$TERSER_VERSION"
fi

if [ "$(node -p 'require("./tools/axe/node_modules/axe-core/package.json").version' 2>/dev/null)" != "$AXE_CORE_VERSION" ]; then
  log "installing axe-core@$AXE_CORE_VERSION from npm into tools/axe"
  npm install --silent --no-audit --no-fund --prefix tools/axe "axe-core@$AXE_CORE_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  # Not --locked: its lockfile pins a webpki-roots the registry snapshot here lacks.
  cargo install --quiet --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  log "installing trunk $TRUNK_VERSION (about 15 minutes on 2 cores)"
  cargo install --quiet --locked --force trunk --version "$TRUNK_VERSION"
fi

if [ "$(tools/venv/bin/schemathesis --version 2>/dev/null | awk '{print $3}')" != "$SCHEMATHESIS_VERSION" ]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into tools/venv"
  python3 -m venv tools/venv
  tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# make bench only: the baselines the gateway is measured beside (bench/peers/), Debian's nginx and
# php-fpm with the extensions the PHP peer uses.
if [ "${1:-}" = "--bench" ] && ! dpkg -s nginx php-fpm php-sqlite3 php-curl >/dev/null 2>&1; then
  log "installing Debian nginx + php-fpm + php-sqlite3 + php-curl (make bench only)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx php-fpm php-sqlite3 php-curl >/dev/null
  # The bench starts its own nginx and php-fpm on loopback; the packages' services are not used.
  systemctl disable --now nginx 'php*-fpm' >/dev/null 2>&1 || true
fi

if [ "${1:-}" = "--bench" ] &&
  [ "$(tools/lighthouse/node_modules/.bin/lighthouse --version 2>/dev/null)" != "$LIGHTHOUSE_VERSION" ]; then
  log "installing lighthouse@$LIGHTHOUSE_VERSION from npm into tools/lighthouse (make bench only)"
  npm install --silent --no-audit --no-fund --prefix tools/lighthouse "lighthouse@$LIGHTHOUSE_VERSION"
fi

log "ready: $(wasm-bindgen --version), $(trunk --version), $(wasm-opt --version | head -1), $(terser --version), $(chromedriver --version | cut -d' ' -f1-2), $(tools/venv/bin/schemathesis --version)"
