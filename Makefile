# The README's two commands: `make run` and `make test`. Everything the build
# installs or caches lives outside the clone (see CARGO_TARGET_DIR, TOOLS_DIR).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export CARGO_TARGET_DIR ?= $(HOME)/.cache/servicedesk-target
export TOOLS_DIR ?= $(HOME)/.cache/servicedesk-tools
export PATH := $(HOME)/.cargo/bin:$(TOOLS_DIR)/node_modules/.bin:$(PATH)
export LEPTOS_SITE_ROOT := $(CARGO_TARGET_DIR)/site
# Incremental artefacts of every feature combination pile up to tens of GB on
# a shared target directory; full builds of our crates are quick enough.
export CARGO_INCREMENTAL ?= 0
LDAP_PORT ?= 3389
TEST_LDAP_PORT ?= 3390
TEST_LDAP_DIR ?= $(CARGO_TARGET_DIR)/ldap-test
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
WASM := --target wasm32-unknown-unknown

.PHONY: run test tools build fmt clippy unit db-test e2e ldap-test-start ldap-test-stop pg bench

tools:
	scripts/install-tools.sh all

## make run: install what is missing, start the demo directory, serve on http://127.0.0.1:3000
run: tools
	scripts/ldap.sh start --port $(LDAP_PORT)
	SD_DEMO_DATA=true SD_LDAP_URL=ldap://127.0.0.1:$(LDAP_PORT) cargo leptos serve --split

build:
	cargo leptos build --split

## make test: formatting, clippy for both targets, unit, database (SQLite and
## PostgreSQL), directory (real slapd), API and end-to-end tests in Chromium.
test: tools fmt clippy ldap-test-start pg
	trap 'scripts/ldap.sh stop --dir $(TEST_LDAP_DIR)' EXIT; \
	  SD_TEST_LDAP_URL=ldap://127.0.0.1:$(TEST_LDAP_PORT) SD_TEST_PG_URL=$(TEST_PG_URL) \
	  SD_TEST_SMTP_PYTHON=$(TOOLS_DIR)/py/bin/python3 \
	  cargo test --workspace --features app/ssr --no-fail-fast; \
	  $(MAKE) --no-print-directory e2e

fmt:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets --features app/ssr -- -D warnings
	cargo clippy -p app --lib --features hydrate $(WASM) -- -D warnings

ldap-test-start:
	scripts/ldap.sh start --dir $(TEST_LDAP_DIR) --port $(TEST_LDAP_PORT)

ldap-test-stop:
	scripts/ldap.sh stop --dir $(TEST_LDAP_DIR)

## PostgreSQL runs as a machine service here; start it if it is down.
pg:
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start

e2e: build
	scripts/e2e.sh

## make bench: speed targets measured in release builds; results go to bench/README.md.
## The HTTP part seeds 1,000,000 requests (BENCH_REQUESTS) into fresh SQLite and
## PostgreSQL databases and drives the release server with wrk from loopback.
BENCH_REQUESTS ?= 1000000
bench:
	scripts/install-tools.sh bench
	cargo bench -p server --bench kb_search
	cargo bench -p server --bench reports
	cargo leptos build --release --split
	python3 scripts/bench-http.py --requests $(BENCH_REQUESTS)
