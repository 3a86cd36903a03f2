#!/usr/bin/env bash
# The README's commands: `npm start` and `npm test` land here (also `npm run contracts`).
#   start     set up if needed, build the portal if its sources changed, serve it on :7007
#   test      set up if needed, then every test: type check, lint, unit and integration tests
#             (PostgreSQL: scripts/test-postgres.mjs), end-to-end tests in headless Chromium
#             (scripts/chromium.mjs)
#   contracts the contracts CLI (packages/contracts-cli)
#   node-env  prints the NODE_ENV `start` runs the backend with (before any setup)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# The portal runs as production: Backstage's error handler puts stack traces in error responses
# in development only (MiddlewareFactory.error's default); the guest sign-in is allowed there by
# auth.providers.guest.dangerouslyAllowOutsideDevelopment. `NODE_ENV=development npm start`, or
# `yarn dev`, for stack traces (and readable rather than JSON logs).
portal_node_env() {
  echo "${NODE_ENV:-production}"
}
if [ "${1:-}" = node-env ]; then
  portal_node_env
  exit 0
fi
# shellcheck source=bootstrap.sh
. "$ROOT/scripts/bootstrap.sh"

cmd="${1:-}"
shift || true

# Builds packages/app when its inputs changed since the last build (the backend serves dist/).
build_app() {
  local stamp
  stamp=$({ node -v; cat yarn.lock; find packages/app plugins/contracts plugins/contracts-common \
    \( -name node_modules -o -name dist -o -name dist-types \) -prune -o -type f -print | sort | xargs cat; } | sha1sum | cut -d' ' -f1)
  if [ -f packages/app/dist/.contracts-build ] && [ "$(cat packages/app/dist/.contracts-build)" = "$stamp" ]; then
    return 0
  fi
  echo "[start] building the portal (packages/app)" >&2
  (cd packages/app && NODE_ENV=production yarn backstage-cli package build >&2)
  echo "$stamp" > packages/app/dist/.contracts-build
}

case "$cmd" in
  start)
    build_app
    mkdir -p data/sqlite
    # --config paths are taken relative to the repository root
    args=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --config) args+=(--config "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
        *) args+=("$1"); shift ;;
      esac
    done
    # The backend runs from its TypeScript sources through Backstage's node transform, without
    # the file watcher of `backstage-cli package start` (`yarn dev` keeps the watch mode).
    cd packages/backend
    NODE_ENV="$(portal_node_env)"
    export NODE_ENV
    export ESBK_TSCONFIG_PATH="$ROOT/tsconfig.json"
    exec node --enable-source-maps \
      --require "$(node -p "require.resolve('@backstage/cli-node/config/nodeTransform.cjs')")" \
      src/index.ts ${args[@]+"${args[@]}"}
    ;;
  build-app)
    build_app
    ;;
  test)
    # PostgreSQL for the database tests (Backstage's TestDatabases): the configured server
    # (BACKSTAGE_TEST_DATABASE_POSTGRES<NN>_CONNECTION_STRING, else 127.0.0.1:5432) when one
    # answers, otherwise an embedded PostgreSQL from the npm registry, started here once (while
    # the type check runs) and stopped when this script ends, whatever the outcome.
    test_tmp="$(mktemp -d)"
    pg_pid=""
    stop_test_postgres() {
      if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then
        kill -TERM "$pg_pid" 2>/dev/null || true
        wait "$pg_pid" 2>/dev/null || true
      fi
      pg_pid=""
    }
    trap 'stop_test_postgres; rm -rf "$test_tmp"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    node scripts/test-postgres.mjs "$test_tmp/postgres.env" &
    pg_pid=$!

    echo "[test] type check" >&2
    yarn tsc
    echo "[test] lint" >&2
    yarn backstage-cli repo lint

    while [ ! -f "$test_tmp/postgres.env" ] && kill -0 "$pg_pid" 2>/dev/null; do sleep 0.2; done
    if [ ! -f "$test_tmp/postgres.env" ]; then
      echo "[test] no PostgreSQL for the database tests (see the lines above)" >&2
      exit 1
    fi
    # shellcheck disable=SC1091
    . "$test_tmp/postgres.env"
    echo "[test] PostgreSQL for the database tests: $CONTRACTS_TEST_POSTGRES" >&2
    echo "[test] unit and integration tests" >&2
    CI=true yarn backstage-cli repo test --maxWorkers=2 "$@"
    stop_test_postgres

    echo "[test] end-to-end tests (headless Chromium)" >&2
    browser="$(node scripts/chromium.mjs)"
    echo "[test] browser for the end-to-end tests: $browser" >&2
    build_app
    CI=true yarn jest --config test/jest.config.js --runInBand --forceExit
    ;;
  contracts)
    exec node packages/contracts-cli/bin/contracts "$@"
    ;;
  *)
    echo "usage: scripts/run.sh start|test|contracts|node-env [args]" >&2
    exit 2
    ;;
esac
