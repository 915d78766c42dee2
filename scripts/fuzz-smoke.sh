#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ briefly on the stable toolchain and prints how many
# inputs each one tried. Exits non-zero if any target finds a crash (the input is kept in
# fuzz/artifacts/<target>/ for a regression test).
#
#   scripts/fuzz-smoke.sh                       # 10 s per target, two at a time (the suite's smoke)
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh      # a long run (docs/security.md, figures)
#   FUZZ_BUILD=release FUZZ_SECONDS=600 ...     # the same on optimised targets (more inputs/s)
#   FUZZ_JOBS=1 scripts/fuzz-smoke.sh           # one target at a time
#   scripts/fuzz-smoke.sh store_open            # only the named targets
#   scripts/fuzz-smoke.sh --install             # only make sure cargo-fuzz is there
#   scripts/fuzz-smoke.sh --build               # only build the targets (scripts/test.sh does
#                                               # this in the background while cargo test builds)
#
# cargo-fuzz: the one on PATH if any, else $FRONTLINE_TOOLS/cargo-fuzz-<version>/bin (the user's
# tool cache, scripts/tools.sh), installed there once per machine with `cargo install --locked`.
# The instrumented targets are
# built once per change into .cache/fuzz-target (apart from the workspace's target dir: other
# flags), by default in cargo-fuzz's `--dev` mode with the light profile of fuzz/Cargo.toml
# (ADR 0071). The committed seed corpora in fuzz/corpus/<target>/ are read, never written: new
# inputs go to a scratch directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/tools.sh
source "$ROOT/scripts/tools.sh"
CARGO_FUZZ_VERSION=0.13.2
CARGO_FUZZ_ROOT="$FRONTLINE_TOOLS/cargo-fuzz-$CARGO_FUZZ_VERSION"
FUZZ_TARGET_DIR="$ROOT/.cache/fuzz-target"
export PATH="$CARGO_FUZZ_ROOT/bin:$PATH"
seconds="${FUZZ_SECONDS:-10}"
jobs="${FUZZ_JOBS:-2}"
build_mode="${FUZZ_BUILD:-dev}"
# The instrumented builds do not use the workspace's (or any shared) target directory.
# Its own target dir and flags: not the workspace build's, nor its clippy wrapper (ADR 0076).
unset CARGO_TARGET_DIR RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS

case "$build_mode" in
    dev) build_flag=--dev profile_dir=debug ;;
    release) build_flag=--release profile_dir=release ;;
    *)
        echo "fuzz-smoke: FUZZ_BUILD must be dev or release, not '$build_mode'" >&2
        exit 2
        ;;
esac

# Installs cargo-fuzz into the tool cache unless some cargo-fuzz is on PATH. A lock keeps two
# callers (test.sh's install job, its fuzz build job, another checkout) from installing at once.
ensure_cargo_fuzz() {
    install_cargo_fuzz() {
        if ! cargo fuzz --version >/dev/null 2>&1; then
            echo "fuzz-smoke: installing cargo-fuzz $CARGO_FUZZ_VERSION into $CARGO_FUZZ_ROOT"
            cargo install --quiet --locked --root "$CARGO_FUZZ_ROOT" --version "$CARGO_FUZZ_VERSION" cargo-fuzz
        fi
    }
    tool_lock cargo-fuzz install_cargo_fuzz
    cargo fuzz --version >/dev/null
}

build_targets() {
    (cd "$ROOT/fuzz" && cargo fuzz build "$build_flag" --sanitizer none --target-dir "$FUZZ_TARGET_DIR")
}

case "${1:-}" in
    --install)
        ensure_cargo_fuzz
        exit 0
        ;;
    --build)
        ensure_cargo_fuzz
        build_targets
        exit 0
        ;;
esac

ensure_cargo_fuzz
cd "$ROOT/fuzz"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
if [ "${#targets[@]}" -eq 0 ]; then
    echo "fuzz-smoke: no fuzz targets found (cargo fuzz list)" >&2
    exit 1
fi

build_log="$(mktemp)"
if ! build_targets >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    exit 1
fi
rm -f "$build_log"
bin_dir="$FUZZ_TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/$profile_dir"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# One target, as `cargo fuzz run` would run it, without a cargo call per target (two
# concurrent ones would wait on each other's build-directory lock).
run_target() {
    local target=$1
    mkdir -p "$scratch/$target" "corpus/$target" "artifacts/$target"
    if "$bin_dir/$target" -artifact_prefix="artifacts/$target/" "$scratch/$target" "corpus/$target" \
        -max_total_time="$seconds" -print_final_stats=1 >"$scratch/$target.log" 2>&1; then
        echo ok >"$scratch/$target.result"
    else
        echo CRASH >"$scratch/$target.result"
    fi
}

running=0
for target in "${targets[@]}"; do
    if [ ! -x "$bin_dir/$target" ]; then
        echo "fuzz-smoke: no fuzz target named '$target' (built: $(ls "$bin_dir" | tr '\n' ' '))" >&2
        exit 2
    fi
    if ((running >= jobs)); then
        wait -n
        running=$((running - 1))
    fi
    run_target "$target" &
    running=$((running + 1))
done
wait

status=0
total=0
crashes=0
printf '%-22s %12s %8s\n' target inputs result
for target in "${targets[@]}"; do
    log="$scratch/$target.log"
    result="$(cat "$scratch/$target.result" 2>/dev/null || echo CRASH)"
    inputs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)"
    printf '%-22s %12s %8s\n' "$target" "${inputs:-?}" "$result"
    total=$((total + ${inputs:-0}))
    if [ "$result" != ok ]; then
        status=1
        crashes=$((crashes + 1))
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    fi
done
printf 'total: %d targets, %d inputs, %d crashed (%s s each, %s at a time, %s build)\n' \
    "${#targets[@]}" "$total" "$crashes" "$seconds" "$jobs" "$build_mode"
exit "$status"
