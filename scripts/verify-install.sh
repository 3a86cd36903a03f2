#!/usr/bin/env bash
# `yarn verify:install` / `npm run verify:install`: the install check (scripts/verify-install.mjs)
# on the repository's toolchain (scripts/bootstrap.sh: Node 22, Yarn 4). Options: --keep,
# --work DIR, --create-app SPEC.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bootstrap.sh
. "$ROOT/scripts/bootstrap.sh"
exec node "$ROOT/scripts/verify-install.mjs" "$@"
