# The two commands README promises: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/tools/node/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR ?= never
export CHROMEDRIVER ?= /usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT ?= 120

# The widget's size ceiling, in bytes: wasm + js + loader as motp-server sends them gzip-compressed
# (scripts/widget-size.sh says how each is counted), issue 13's 80,000. README "Size" says where
# the bytes go.
WIDGET_GZIP_LIMIT ?= 80000

.PHONY: demo test bootstrap widget widget-size lint test-native test-postgres test-schema test-lms-examples test-wasm test-e2e bench bench-gateway screens clean

## make demo: the product on its embedded defaults (sandbox HRD, SQLite under ./data), on 127.0.0.1:8080.
demo: bootstrap widget
	cargo build --release -p motp-server
	./target/release/motp-server --sandbox --listen 127.0.0.1:8080 --widget-dir dist

## make test: formatting, lints, native tests, the LMS examples, widget tests in headless Chromium, end-to-end tests.
test: bootstrap lint test-native test-postgres test-schema test-lms-examples widget widget-size test-wasm test-e2e
	@echo "make test: all suites passed"

bootstrap:
	@bash scripts/bootstrap.sh

# The release widget is built with the standard library rebuilt for wasm32 (rust-src, added by the
# bootstrap) and `panic = "immediate-abort"`: a panic (a bug) traps at once, as `panic = "abort"`
# did, only without formatting a message for the console first. That takes core's formatting and
# panic paths out of the wasm: 9.4 KB of gzip, the largest single cut (README "Size"). Both are
# unstable options of this pinned toolchain, hence RUSTC_BOOTSTRAP for this one build only; a plain
# `trunk build --release` still makes a working widget, 9 KB larger. Tests keep ordinary panics.
# Two more flags of the same kind: no source locations for panics that can no longer print them
# (`-Zlocation-detail=none`), and `{:?}` compiled to nothing (`-Zfmt-debug=none`; the widget shows
# no Debug output, its tests do and are built without it): 0.7 KB gzip.
widget:
	RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
		CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
		trunk build --release

widget-size: widget
	@bash scripts/widget-size.sh $(WIDGET_GZIP_LIMIT)

lint:
	bash scripts/check-layers.sh
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p motp-widget --target wasm32-unknown-unknown --all-targets -- -D warnings

test-native:
	@echo "== native tests (protocol, sandbox, server, widget state machine) =="
	cargo test --workspace --exclude motp-e2e

test-postgres:
	@echo "== gateway, crash, multi-instance and attack-suite tests again on PostgreSQL (throwaway server on 127.0.0.1) =="
	MOTP_TEST_POSTGRES_URL=$$(bash scripts/test-postgres.sh start) \
		cargo test -p motp-server --test gateway --test crash --test instances --test modes --test security

test-schema:
	@echo "== Schemathesis on /openapi.json of a throwaway motp-server --sandbox (four checks, every operation) =="
	cargo build -p motp-server
	bash scripts/test-schema.sh

test-lms-examples:
	@echo "== LMS examples (examples/lms/: Python and PHP) against a throwaway motp-server --sandbox =="
	cargo build -p motp-server
	bash scripts/test-lms-examples.sh

test-wasm:
	@echo "== widget tests in headless Chromium (wasm-bindgen-test) =="
	cargo test -p motp-widget --target wasm32-unknown-unknown

test-e2e: widget
	@echo "== end-to-end tests (demo page in headless Chromium -> motp-server -> sandbox) =="
	MOTP_WIDGET_DIST=$(CURDIR)/dist cargo test -p motp-e2e -- --test-threads=1

## make bench: speed, memory and size figures into docs/benchmarks.md (never part of make test).
## The gateway is measured beside nginx and a PHP-FPM page, and on PostgreSQL (one and two instances).
BENCH_TARGET = $${CARGO_TARGET_DIR:-target}
BENCH_POSTGRES = MOTP_BENCH_POSTGRES_URL=$$(bash scripts/bench-postgres.sh) \
	MOTP_BENCH_POSTGRES_NOTE="(Debian's, scripts/test-postgres.sh: fsync off)"
bench: bootstrap widget
	bash scripts/bootstrap.sh --bench
	cargo build --release -p motp-server -p motp-e2e
	cargo bench -p hrd-sandbox | tee target/totp-bench.txt
	$(BENCH_POSTGRES) $(BENCH_TARGET)/release/motp-bench

## make bench-gateway: the gateway's part of make bench alone (no widget, Chromium or Lighthouse).
bench-gateway:
	bash scripts/bootstrap.sh --bench
	cargo build --release -p motp-server -p motp-e2e
	$(BENCH_POSTGRES) $(BENCH_TARGET)/release/motp-bench gateway

## make screens: PNGs of every widget screen (Korean, 320 and 1024 px) and of the console (1280 and
## 360 px) into docs/screens/.
screens: bootstrap widget
	MOTP_WIDGET_DIST=$(CURDIR)/dist cargo test -p motp-e2e --test screens -- --ignored --test-threads=1

clean:
	cargo clean
	rm -rf dist data
