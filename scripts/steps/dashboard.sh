#!/usr/bin/env bash
# The IT dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core.
#
#   bash scripts/steps/dashboard.sh install   # apt: chromium; npm: playwright-core into .cache/
#   bash scripts/steps/dashboard.sh run       # needs target/debug/{frontline,seed_fleet}
#
# `run` generates organisation keys, starts `frontline collector serve` on loopback (SQLite,
# an admin password from a file), seeds a fixed fleet over HTTP (tests/src/bin/seed_fleet.rs),
# then scripts/steps/dashboard/test.cjs signs in, checks the figures that fleet must produce,
# exports the CSV and checks that requests without the session are refused. Writes
# build/logs/dashboard.result (`Browser <passed> <failed>`), the log to build/logs/dashboard.log
# and a screenshot to build/logs/dashboard.png.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/tools.sh
source "$ROOT/scripts/tools.sh"
NODE_DIR="$FRONTLINE_TOOLS/dashboard-node"
LOGS="$ROOT/build/logs"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

case "${1:-}" in
install)
    if ! command -v chromium >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium >/dev/null ||
            { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null &&
              apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium >/dev/null; }
    fi
    command -v node >/dev/null || {
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends nodejs npm >/dev/null
    }
    install_playwright() {
        mkdir -p "$NODE_DIR"
        if ! cmp -s "$ROOT/scripts/steps/dashboard/package.json" "$NODE_DIR/package.json" ||
            [[ ! -d "$NODE_DIR/node_modules/playwright-core" ]]; then
            cp "$ROOT/scripts/steps/dashboard/package.json" "$NODE_DIR/package.json"
            (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
        fi
    }
    tool_lock dashboard-node install_playwright
    echo "dashboard: $(chromium --version 2>/dev/null | head -1), playwright-core $(node -p "require('$NODE_DIR/node_modules/playwright-core/package.json').version")"
    ;;
run)
    mkdir -p "$LOGS"
    RESULT="$LOGS/dashboard.result"
    LOG="$LOGS/dashboard.log"
    echo "Browser 0 1" >"$RESULT"
    FRONTLINE="$TARGET_DIR/debug/frontline"
    SEED="$TARGET_DIR/debug/seed_fleet"
    for bin in "$FRONTLINE" "$SEED"; do
        [[ -x "$bin" ]] || { echo "missing $bin: build the workspace first" | tee "$LOG" >&2; exit 1; }
    done
    [[ -d "$NODE_DIR/node_modules/playwright-core" ]] || { echo "run '$0 install' first" | tee "$LOG" >&2; exit 1; }
    WORK="$(mktemp -d /tmp/frontline-dashboard.XXXXXX)"
    COLLECTOR_PID=""
    cleanup() {
        [[ -n "$COLLECTOR_PID" ]] && kill "$COLLECTOR_PID" 2>/dev/null && wait "$COLLECTOR_PID" 2>/dev/null
        rm -rf "$WORK"
    }
    trap cleanup EXIT
    {
        "$FRONTLINE" keys generate --out "$WORK/keys" >/dev/null
        PASSWORD="dashboard-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        printf '%s\n' "$PASSWORD" >"$WORK/admin-password"
        TOKEN="enrol-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        "$FRONTLINE" collector serve --listen 127.0.0.1:0 --db "$WORK/collector.db" \
            --org-key "$WORK/keys/org-report.jwk" --enrolment-token "$TOKEN" \
            --admin-password-file "$WORK/admin-password" >"$WORK/serve.out" 2>&1 &
        COLLECTOR_PID=$!
        URL=""
        for _ in $(seq 100); do
            URL="$(sed -nE 's/.*listening on (http[^ ]+).*/\1/p' "$WORK/serve.out" | head -1)"
            [[ -n "$URL" ]] && break
            sleep 0.1
        done
        [[ -n "$URL" ]] || { echo "the collector did not start:"; cat "$WORK/serve.out"; exit 1; }
        echo "collector at $URL"
        "$SEED" "$URL" "$WORK/keys/org-report.pub.jwk" "$TOKEN"
        DASHBOARD_URL="$URL" DASHBOARD_PASSWORD="$PASSWORD" DOWNLOADS="$WORK/downloads" \
            RESULT_FILE="$RESULT" SCREENSHOT="$LOGS/dashboard.png" USER_DATA_DIR="$WORK/chromium" \
            NODE_PATH="$NODE_DIR/node_modules" node "$ROOT/scripts/steps/dashboard/test.cjs"
    } >"$LOG" 2>&1 || {
        status=$?
        tail -n 30 "$LOG" >&2
        exit "$status"
    }
    tail -n 3 "$LOG"
    cat "$RESULT"
    ;;
*)
    echo "usage: $0 install|run" >&2
    exit 2
    ;;
esac
