#!/usr/bin/env bash
# Nest 11 + CommonJS check: the packed package in an app shaped exactly like `nest new` on Nest 11.
#
# 1. Builds both builds of the package (scripts/build.mjs, into a staging copy so that stale files
#    in ./dist are never packed) and packs it with `npm pack`; prints the packed size.
# 2. Copies compat/nest11-cjs (the stock `nest new` package.json, tsconfig.json and jest config,
#    plus a small cached greeting service) into a temporary directory and installs it with the
#    tarball and the optional peers.
# 3. Type-checks the app with tsc under the stock tsconfig (nodenext) and the classic one
#    (module commonjs, moduleResolution node10).
# 4. Starts its own valkey-server on a free loopback port (stopped by PID on exit) and runs:
#    the unit spec (`npx jest`: the testing kit, no server), the e2e spec
#    (`npx jest --config ./test/jest-e2e.json`: @nestjs/testing + supertest against the server),
#    the unit spec again under the classic tsconfig (module commonjs, moduleResolution node10),
#    and dual-load.cjs (require and import of every entry point in one process).
#    No --forceExit: jest must exit by itself, and `timeout` turns a hang into a failure.
# Exits 0 only when every step passed. The Nest 12 ESM side is covered by the test suite.
#
# Usage: bash scripts/check-nest11-cjs.sh        (needs node >= 20.19, npm, valkey-server)
#        NEST11_CJS_KEEP=1 keeps the temporary directory for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
started=$(date +%s)
# Prints a step with the seconds elapsed since the start.
step() { echo "== nest11-cjs [$(($(date +%s) - started))s]: $*"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/nest11-cjs.XXXXXX")"
valkey_pid=""
cleanup() {
  if [ -n "$valkey_pid" ]; then
    kill "$valkey_pid" 2>/dev/null || true
    wait "$valkey_pid" 2>/dev/null || true
  fi
  if [ "${NEST11_CJS_KEEP:-}" = 1 ]; then echo "== nest11-cjs: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "node $(node --version); work dir $work"

step "build and pack"
stage="$work/package"
mkdir -p "$stage"
cp package.json README.md "$stage/"
[ -f LICENSE ] && cp LICENSE "$stage/"
node scripts/build.mjs "$stage/dist"
tarball="$(cd "$stage" && npm pack --silent --ignore-scripts --pack-destination "$work")"
tarball="$work/$(basename "$tarball")"
[ -f "$tarball" ] || { echo "FAIL: npm pack produced no tarball" >&2; exit 1; }
echo "== nest11-cjs: packed $(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB"

step "install the Nest 11 app (nest new layout)"
app="$work/app"
mkdir -p "$app"
cp -R compat/nest11-cjs/. "$app/"
# --omit=optional: the compressors' native optional dependencies are not needed here.
install() {
  (cd "$app" && npm install --no-audit --no-fund --prefer-offline --omit=optional \
    --loglevel=error "$tarball")
}
# One retry: a registry hiccup should not fail CI.
install || { echo "== nest11-cjs: npm install failed; retrying once"; sleep 2; install; }
nest_version="$(cd "$app" && node -p 'require("@nestjs/core/package.json").version')"
jest_version="$(cd "$app" && node -p 'require("jest/package.json").version')"
tsjest_version="$(cd "$app" && node -p 'require("ts-jest/package.json").version')"
echo "== nest11-cjs: @nestjs/core $nest_version, jest $jest_version, ts-jest $tsjest_version"
case "$nest_version" in 11.*) ;; *) echo "FAIL: expected Nest 11, got $nest_version" >&2; exit 1 ;; esac

step "start valkey-server"
for attempt in 1 2 3; do
  port="$(node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
  ')"
  valkey-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$work" --logfile "$work/valkey.log" &
  valkey_pid=$!
  for _ in $(seq 1 50); do
    if valkey-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then break; fi
    kill -0 "$valkey_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$valkey_pid" 2>/dev/null &&
    valkey-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    break
  fi
  kill "$valkey_pid" 2>/dev/null || true
  wait "$valkey_pid" 2>/dev/null || true
  valkey_pid=""
  [ "$attempt" = 3 ] && { echo "FAIL: valkey-server did not start" >&2; exit 1; }
done
echo "== nest11-cjs: valkey-server pid $valkey_pid on 127.0.0.1:$port"

status=0
fail() { echo "FAIL: $*" >&2; status=1; }
# `nest build` type-checks with tsc; ts-jest may transpile only (isolatedModules), so the types of
# every import, subpaths included, are checked here under both tsconfigs.
step "type-check: tsc --noEmit, stock tsconfig (nodenext) and classic tsconfig (node10)"
(cd "$app" && npx tsc --noEmit -p tsconfig.json) || fail "tsc (nodenext)"
(cd "$app" && npx tsc --noEmit -p tsconfig.node10.json) || fail "tsc (node10)"
step "unit spec: npx jest (stock nest new config, no server)"
(cd "$app" && timeout 120 npx jest) || fail "unit spec"
step "e2e spec: npx jest --config ./test/jest-e2e.json (valkey-server on port $port)"
(cd "$app" && VALKEY_URL="valkey://127.0.0.1:$port/0" timeout 120 npx jest --config ./test/jest-e2e.json) ||
  fail "e2e spec"
step "unit spec under the classic tsconfig (module commonjs, moduleResolution node10)"
cp "$app/tsconfig.node10.json" "$app/tsconfig.json"
(cd "$app" && timeout 120 npx jest) || fail "unit spec (node10 resolution)"
step "dual load: require() and import() of every entry point in one process"
(cd "$app" && timeout 60 node dual-load.cjs) || fail "dual load"
elapsed=$(($(date +%s) - started))
if [ "$status" -eq 0 ]; then
  echo "== nest11-cjs: PASSED with @nestjs/core $nest_version (CommonJS build, jest) in ${elapsed}s"
else
  echo "== nest11-cjs: FAILED with @nestjs/core $nest_version in ${elapsed}s" >&2
fi
exit "$status"
