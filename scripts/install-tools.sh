#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, run and test the service desk.
# Everything lands outside the clone (cargo bin dir, $TOOLS_DIR) and is skipped when present.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/servicedesk-tools}"
CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132.0.0
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$here/Cargo.lock")"
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"
what="${1:-all}"

need_root() { if [ "$(id -u)" -ne 0 ]; then echo "sudo"; fi; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  echo "slapd slapd/no_configuration boolean true" | $(need_root) debconf-set-selections
  $(need_root) apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $(need_root) apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

cargo_leptos_ok() {
  python3 - "$CARGO_LEPTOS_VERSION" <<'PY'
import json, os, sys
try:
    installed = json.load(open(os.path.expanduser("~/.cargo/.crates2.json")))["installs"]
except (OSError, ValueError, KeyError):
    sys.exit(1)
ok = any(k.startswith("cargo-leptos " + sys.argv[1] + " ") and "no_downloads" in v.get("features", [])
         for k, v in installed.items())
sys.exit(0 if ok else 1)
PY
}

rust_tools() {
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  # Built with `no_downloads`: cargo-leptos then only uses the wasm-bindgen and
  # wasm-opt found on PATH (installed below from crates.io and npm).
  if ! cargo_leptos_ok; then
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --force
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

python_tools() {
  # Real server processes for the tests: SMTP (aiosmtpd) for mail, and an
  # S3-compatible object store (moto's server) for files in a bucket.
  if [ ! -x "$TOOLS_DIR/py/bin/python3" ]; then
    python3 -m venv "$TOOLS_DIR/py"
  fi
  if ! "$TOOLS_DIR/py/bin/python3" -c "import aiosmtpd" 2>/dev/null; then
    "$TOOLS_DIR/py/bin/pip" install --quiet "aiosmtpd==1.4.6"
  fi
  if ! "$TOOLS_DIR/py/bin/python3" -c "import moto.server, flask" 2>/dev/null; then
    "$TOOLS_DIR/py/bin/pip" install --quiet "moto[server]==5.2.5"
  fi
}

node_tools() {
  mkdir -p "$TOOLS_DIR"
  if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
  fi
  if [ ! -d "$here/end2end/node_modules/@playwright/test" ] || [ ! -d "$here/end2end/node_modules/@axe-core/playwright" ]; then
    (cd "$here/end2end" && npm ci --no-audit --no-fund)
  fi
}

case "$what" in
  apt) apt_install slapd ldap-utils chromium ;;
  rust) rust_tools ;;
  node) node_tools ;;
  python) python_tools ;;
  bench) apt_install wrk ;;
  all) apt_install slapd ldap-utils chromium; rust_tools; node_tools; python_tools ;;
esac
