#!/usr/bin/env bash
# Nest 11 + CommonJS compatibility check (issue #7, "Done when").
#
# 1. Builds this package (`npm run build`'s `tsc -p tsconfig.build.json`, into a staging copy so
#    that stale files in ./dist are never packed) and packs it with `npm pack`.
# 2. Installs the tarball with @nestjs/common@^11, @nestjs/core@^11, reflect-metadata, rxjs and
#    the optional peers (terminus 11, throttler 6, prom-client, keyv 5, express-session) into a
#    temporary CommonJS project (package.json without "type": "module").
# 3. Compiles compat/nest11-cjs/main.ts there with this repo's tsc, twice: module NodeNext, and
#    module commonjs + moduleResolution node10 (the classic Nest tsconfig). Both emit
#    `require("nestjs-valkey-cache")`, which Node >= 20.19 serves through require(esm).
# 4. Starts its own valkey-server on a free loopback port (stopped by PID on exit) and runs both
#    builds: boot a Nest 11 application context with CacheModule.forRoot, inject the cache with
#    @InjectCache(), set/get round trip, close the app; the first run also checks that every
#    subpath export resolves exactly when its file was built, and loads.
# Exits 0 only when every check passed. The Nest 12 ESM side is covered by the test suite.
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
# `npm run build` (tsc -p tsconfig.build.json), but into a staging copy of the package, so that
# files left in ./dist by an older build can never be packed.
stage="$work/package"
mkdir -p "$stage"
cp package.json README.md "$stage/"
[ -f LICENSE ] && cp LICENSE "$stage/"
node_modules/.bin/tsc -p tsconfig.build.json --outDir "$stage/dist"
tarball="$(cd "$stage" && npm pack --silent --ignore-scripts --pack-destination "$work")"
tarball="$work/$(basename "$tarball")"
[ -f "$tarball" ] || { echo "FAIL: npm pack produced no tarball" >&2; exit 1; }

step "install Nest 11 fixture"
app="$work/app"
mkdir -p "$app"
cat >"$app/package.json" <<'JSON'
{ "name": "nest11-cjs-fixture", "version": "0.0.0", "private": true, "license": "UNLICENSED" }
JSON
# The optional peers at versions a Nest 11 app would use, so that every built subpath export
# really loads. --omit=optional: the compressors' native optional dependencies are not needed.
install() {
  (cd "$app" && npm install --no-audit --no-fund --prefer-offline --no-save --omit=optional \
    --loglevel=error \
    "@nestjs/common@^11" "@nestjs/core@^11" reflect-metadata rxjs \
    "@nestjs/terminus@^11" "@nestjs/throttler@^6" "prom-client@^15" "keyv@^5" "express-session@^1" \
    "$tarball")
}
# One retry: a registry hiccup should not fail CI.
install || { echo "== nest11-cjs: npm install failed; retrying once"; sleep 2; install; }
nest_version="$(cd "$app" && node -p 'require("@nestjs/core/package.json").version')"
common_version="$(cd "$app" && node -p 'require("@nestjs/common/package.json").version')"
echo "== nest11-cjs: @nestjs/core $nest_version, @nestjs/common $common_version"
(cd "$app" && node -e '
  const peers = ["@nestjs/terminus", "@nestjs/throttler", "prom-client", "keyv", "express-session"];
  const version = (p) => require("./node_modules/" + p + "/package.json").version;
  console.log("== nest11-cjs: optional peers " + peers.map((p) => p + " " + version(p)).join(", "));
')
case "$nest_version" in 11.*) ;; *) echo "FAIL: expected Nest 11, got $nest_version" >&2; exit 1 ;; esac

step "compile the fixture (CommonJS)"
cp compat/nest11-cjs/main.ts compat/nest11-cjs/tsconfig.json "$app/"
# Types of node come from this repo; everything else resolves from the fixture's node_modules.
# Twice: module/moduleResolution NodeNext, and the classic Nest tsconfig (module commonjs,
# moduleResolution node10).
tsc="$repo/node_modules/.bin/tsc"
# The two compiles run side by side; each must succeed.
(cd "$app" && "$tsc" -p tsconfig.json --typeRoots "$repo/node_modules/@types") &
tsc_nodenext=$!
(cd "$app" && "$tsc" -p tsconfig.json --typeRoots "$repo/node_modules/@types" \
  --module commonjs --moduleResolution node10 --outDir out-node10) &
tsc_node10=$!
compiled=0
wait "$tsc_nodenext" || compiled=$?
wait "$tsc_node10" || compiled=$?
[ "$compiled" -eq 0 ] || { echo "FAIL: the fixture does not compile" >&2; exit 1; }
for out in out out-node10; do
  grep -q 'require("nestjs-valkey-cache")' "$app/$out/main.js" ||
    { echo "FAIL: the compiled fixture ($out) does not require() the package" >&2; exit 1; }
done

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
# Bounded: an app whose connections keep the process alive after app.close() fails here.
step "run the Nest $nest_version CommonJS app (NodeNext build)"
(cd "$app" && VALKEY_PORT="$port" timeout 60 node out/main.js) || status=$?
step "run the Nest $nest_version CommonJS app (commonjs/node10 build)"
(cd "$app" && VALKEY_PORT="$port" SKIP_SUBPATHS=1 timeout 60 node out-node10/main.js) || status=$?
elapsed=$(($(date +%s) - started))
if [ "$status" -eq 0 ]; then
  echo "== nest11-cjs: PASSED with @nestjs/core $nest_version (CommonJS, require(esm)) in ${elapsed}s"
else
  echo "== nest11-cjs: FAILED with @nestjs/core $nest_version (exit $status) in ${elapsed}s" >&2
fi
exit "$status"
