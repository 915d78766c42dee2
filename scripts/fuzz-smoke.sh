#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ briefly on the stable toolchain and prints how many
# inputs each one tried. Exits non-zero if any target finds a crash (the input is kept in
# fuzz/artifacts/<target>/ for a regression test).
#
#   scripts/fuzz-smoke.sh                 # 10 s per target (the test suite's smoke run)
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh    # a long run (docs/security.md, figures)
#   scripts/fuzz-smoke.sh store_open      # only the named targets
#
# Needs `cargo install cargo-fuzz`. The committed seed corpora in fuzz/corpus/<target>/ are
# read, never written: new inputs go to a scratch directory.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-10}"
# Instrumented builds live in fuzz/target, apart from the workspace's (and any shared)
# target directory: different flags, and no stale workspace crates from another checkout.
unset CARGO_TARGET_DIR

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: cargo-fuzz is missing (cargo install cargo-fuzz)" >&2
    exit 1
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

build_log="$(mktemp)"
if ! cargo fuzz build --sanitizer none >"$build_log" 2>&1; then
    cat "$build_log" >&2
    exit 1
fi
rm -f "$build_log"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
status=0
printf '%-22s %12s %8s\n' target inputs result
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target" "corpus/$target"
    log="$scratch/$target.log"
    if cargo fuzz run --sanitizer none "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result=CRASH
        status=1
    fi
    inputs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)"
    printf '%-22s %12s %8s\n' "$target" "${inputs:-?}" "$result"
    if [ "$result" = CRASH ]; then
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    fi
done
exit "$status"
