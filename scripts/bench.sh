#!/usr/bin/env bash
# The one benchmark command (docs/performance.md):
#
#   bash scripts/bench.sh            # full: criterion defaults, more calls (about 15 min warm)
#   bash scripts/bench.sh --quick    # a few minutes: criterion --warm-up-time 1 --measurement-time 2
#   bash scripts/bench.sh --no-cross # skip the aarch64 library build (its row shows MISSING)
#
# Runs every benchmark and prints ONE table (scripts/bench_table.py, rows in
# benches/targets.toml): figure, value, the baseline measured in the same run, ratio, target,
# pass or OVER. Steps:
#   1. every criterion bench of the workspace ([[bench]] entries): medians from build/bench/criterion
#   2. FFI cost: tests/kotlin-bench/FfiBench.kt on the JVM through the generated Kotlin, and the
#      same calls on the core from Rust (core/examples/kernels.rs `calls`), one library build
#      (bench profile) for both
#   3. library size: release libfrontline_ffi.so stripped, x86_64 and aarch64-linux (Debian's
#      cross gcc; linked with 16 KB max-page-size, LOAD alignment checked), top contributors
#   4. memory: VmHWM of `frontline demo` (bench profile) and of the 10,000-report drain
#   5. instructions per call under callgrind: pack verify, policy evaluation, envelope seal
# Measurements land in build/bench/measurements.txt, logs in build/bench/logs/, the table in
# build/bench/table.md. Exit status 1 if any figure misses its target or is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TARGET_DIR="$CARGO_TARGET_DIR"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
OUT="$ROOT/build/bench"
LOGS="$OUT/logs"
M="$OUT/measurements.txt"

QUICK=0 CROSS=1
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --no-cross) CROSS=0 ;;
        *) echo "usage: scripts/bench.sh [--quick] [--no-cross]" >&2; exit 2 ;;
    esac
done
if ((QUICK)); then
    CRITERION_ARGS=(--warm-up-time 1 --measurement-time 2)
    FFI_N=500 CALLGRIND_N=(5 25)
else
    CRITERION_ARGS=()
    FFI_N=3000 CALLGRIND_N=(10 110)
fi

rm -rf "$OUT"
mkdir -p "$LOGS"
: >"$M"
START=$SECONDS
step() { printf '==> %s  [%ds]\n' "$*" $((SECONDS - START)); }
measure() { echo "$1 $2 $3" >>"$M"; }
# Runs a command with its output in build/bench/logs/<name>.log; on failure shows the tail and
# carries on (the figure then shows as MISSING in the table).
run() {
    local name=$1
    shift
    if ! "$@" >"$LOGS/$name.log" 2>&1; then
        echo "   $name failed (build/bench/logs/$name.log):" >&2
        tail -n 15 "$LOGS/$name.log" >&2
        return 1
    fi
}

# ---------------------------------------------------------------------------------------------
step "1. criterion benchmarks"
# Criterion writes under CRITERION_HOME: this run's results only, nothing shared touched.
export CRITERION_HOME="$OUT/criterion"
# Every [[bench]] of every workspace crate, one `cargo bench --bench` each (the libraries'
# default libtest bench targets would refuse criterion's arguments).
mapfile -t BENCHES < <(python3 - <<'PY'
import pathlib, tomllib
for toml in sorted(pathlib.Path(".").glob("*/Cargo.toml")) + [pathlib.Path("bindings/Cargo.toml")]:
    data = tomllib.loads(toml.read_text())
    pkg = data.get("package", {}).get("name")
    for b in data.get("bench", []):
        if b.get("harness", True) is False:
            print(pkg, b["name"])
PY
)
for entry in "${BENCHES[@]}"; do
    read -r pkg bench <<<"$entry"
    echo "   $pkg --bench $bench"
    run "bench-$bench" cargo bench -p "$pkg" --bench "$bench" -- "${CRITERION_ARGS[@]}" || true
    grep -iE 'ratio|reports/s|VmHWM|peak' "$LOGS/bench-$bench.log" | sed 's/^/   /' || true
    # A bench may print `MEASURE <key> <value> <unit>` lines for the table.
    sed -nE 's/^MEASURE ([^ ]+) ([0-9.eE+-]+) ([A-Za-z]+).*/\1 \2 \3/p' "$LOGS/bench-$bench.log" >>"$M"
    # tests/benches/sync_drain.rs prints reports/s for the drain and its baseline, and the
    # device's VmHWM: µs per report and kB for the table.
    awk '/drain to the loopback collector:/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "reports/s,") printf "drain.device %.3f us\n", 1e6 / $i }
         /^ *baseline, pre-sealed envelopes/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^reports\/s/) printf "drain.baseline %.3f us\n", 1e6 / $i }
         /device peak resident memory \(VmHWM\):/ { printf "mem.drain %d kB\n", $(NF - 1) * 1024 }' \
        "$LOGS/bench-$bench.log" >>"$M"
done

# ---------------------------------------------------------------------------------------------
step "2. FFI cost: JVM through the generated Kotlin vs the same calls from Rust"
# The bench profile (opt-level 3) for the library the JVM loads and for the Rust side alike.
if run build-bench-ffi cargo build --profile bench -p frontline-ffi --lib &&
    run build-kernels cargo build --profile bench -p frontline-core --example kernels &&
    run build-bindgen cargo build -p uniffi-bindgen; then
    FFI_LIB="$OUT/ffi/libfrontline_ffi.so"
    mkdir -p "$OUT/ffi"
    cp "$TARGET_DIR/release/libfrontline_ffi.so" "$FFI_LIB"
    cp "$TARGET_DIR/release/examples/kernels" "$OUT/kernels"
    if run kernels-calls "$OUT/kernels" calls "$FFI_N"; then
        sed -nE 's/^FFI rust ([a-z_]+) ([0-9.]+)/ffi.rust.\1 \2 us/p' "$LOGS/kernels-calls.log" >>"$M"
    fi
    # The same Kotlin compiler and JNA as scripts/test.sh (scripts/tools.sh), installed if missing.
    # shellcheck source=scripts/tools.sh
    source "$ROOT/scripts/tools.sh"
    [[ -f "$JNA_JAR" ]] || run apt-jna apt-get install -y --no-install-recommends libjna-java || true
    [[ -x "$KOTLINC" ]] || run npm-kotlin npm install --prefix "$KOTLIN_PREFIX" --no-audit \
        --no-fund --loglevel=error "kotlin-compiler@$KOTLIN_VERSION" || true
    if [[ ! -x "$KOTLINC" || ! -f "$JNA_JAR" ]]; then
        echo "   kotlinc or jna missing (see build/bench/logs/)" >&2
    elif run bindgen-kotlin "$TARGET_DIR/debug/uniffi-bindgen" generate "$FFI_LIB" -l kotlin -o "$OUT/ffi/kotlin"; then
        mapfile -t generated < <(find "$OUT/ffi/kotlin" -name '*.kt' | sort)
        if run kotlinc-bench "$KOTLINC" -nowarn -classpath "$JNA_JAR" -d "$OUT/ffi/classes" \
            "${generated[@]}" "$ROOT/tests/kotlin/TestSupport.kt" "$ROOT/tests/kotlin-bench/FfiBench.kt"; then
            if run ffi-jvm java -Djna.library.path="$OUT/ffi" \
                -cp "$OUT/ffi/classes:$KOTLIN_HOME/lib/kotlin-stdlib.jar:$JNA_JAR" \
                org.frontline.bench.FfiBenchKt "$FFI_N"; then
                sed -nE 's/^FFI kotlin ([a-z_]+) ([0-9.]+)/ffi.kotlin.\1 \2 us/p' "$LOGS/ffi-jvm.log" >>"$M"
            fi
        fi
    fi
    grep -h '^FFI' "$LOGS/kernels-calls.log" "$LOGS/ffi-jvm.log" 2>/dev/null | sed 's/^/   /' || true
fi

# ---------------------------------------------------------------------------------------------
step "3. library size (release profile, stripped)"
size_of() { stat -c %s "$1"; }
top_contributors() {
    # Symbol sizes of the unstripped bench-profile build grouped by crate: an approximation of
    # what LTO keeps in the release build. Rust symbols are grouped by their first path segment;
    # C symbols (no `::`) by name: ring's, uniffi's exports, the rest is the bundled SQLite.
    nm -S --size-sort -C "$1" 2>/dev/null | gawk '{
        size = strtonum("0x" $2); $1 = $2 = $3 = ""; sub(/^ +/, ""); name = $0
        if (name !~ /::/) {
            if (name ~ /^(ring_core|fe_|x25519|ge_|sc_|ChaCha|aes_|gcm_|sha[0-9]+_block|bn_|LIMBS|ecp_nistz|p256|p384|CRYPTO|OPENSSL)/) crate = "ring (C/asm)"
            else if (name ~ /^(uniffi_|ffi_frontline)/) crate = "uniffi exports"
            else if (name ~ /^(__rust|rust_)/) crate = "std"
            else crate = "SQLite (C) and other C"
        } else if (match(name, /[A-Za-z_][A-Za-z0-9_]*::/)) crate = substr(name, RSTART, RLENGTH - 2)
        total[crate] += size; all += size
    } END { for (c in total) printf "%8.1f KB  %5.1f%%  %s\n", total[c] / 1000, 100 * total[c] / all, c }' |
        sort -rn | head -n 12
}
if run build-release-ffi cargo build --release -p frontline-ffi; then
    mkdir -p "$OUT/lib/x86_64"
    cp "$TARGET_DIR/release/libfrontline_ffi.so" "$OUT/lib/x86_64/"
    strip --strip-all "$OUT/lib/x86_64/libfrontline_ffi.so"
    measure size.x86_64 "$(size_of "$OUT/lib/x86_64/libfrontline_ffi.so")" bytes
    echo "   x86_64:  $(size_of "$OUT/lib/x86_64/libfrontline_ffi.so") bytes"
fi
command -v gawk >/dev/null || run apt-gawk apt-get install -y gawk || true # strtonum
if [[ -f "$OUT/ffi/libfrontline_ffi.so" ]]; then
    echo "   top contributors (symbol sizes by crate, bench-profile build):"
    top_contributors "$OUT/ffi/libfrontline_ffi.so" | tee "$OUT/top-contributors.txt" | sed 's/^/     /'
fi
if ((CROSS)); then
    AARCH=aarch64-unknown-linux-gnu
    if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
        run apt-cross apt-get install -y gcc-aarch64-linux-gnu || true
    fi
    rustup target list --installed | grep -qx "$AARCH" || run rustup-cross rustup target add "$AARCH" || true
    # As an Android arm64 build links (Google Play: 16 KB pages): max-page-size=16384.
    if CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-Wl,-z,max-page-size=16384" \
        run build-aarch64 cargo build --release --target "$AARCH" -p frontline-ffi; then
        mkdir -p "$OUT/lib/aarch64"
        cp "$TARGET_DIR/$AARCH/release/libfrontline_ffi.so" "$OUT/lib/aarch64/"
        aarch64-linux-gnu-strip --strip-all "$OUT/lib/aarch64/libfrontline_ffi.so"
        measure size.aarch64 "$(size_of "$OUT/lib/aarch64/libfrontline_ffi.so")" bytes
        echo "   aarch64: $(size_of "$OUT/lib/aarch64/libfrontline_ffi.so") bytes"
        readelf -lW "$OUT/lib/aarch64/libfrontline_ffi.so" >"$LOGS/readelf-aarch64.log"
        min_align=$(gawk '$1 == "LOAD" { a = strtonum($NF); if (m == "" || a < m) m = a } END { print m + 0 }' "$LOGS/readelf-aarch64.log")
        measure align.aarch64 "$min_align" bytes
        echo "   aarch64 LOAD segment alignment: $min_align ($( ((min_align >= 16384)) && echo "16 KB pages: ok" || echo "NOT 16 KB"))"
    fi
fi

# ---------------------------------------------------------------------------------------------
step "4. memory (VmHWM of the device process)"
# `frontline` in the bench profile (release optimisations; the release profile differs only in
# opt-level z, fat LTO and stripping).
if run build-bench-cli cargo build --profile bench -p frontline-cli --bin frontline; then
    cp "$TARGET_DIR/release/frontline" "$OUT/frontline"
    peak_kb() { sed -nE 's/^\s*Maximum resident set size \(kbytes\): ([0-9]+)/\1/p' "$1"; }
    if run mem-floor /usr/bin/time -v "$OUT/frontline" --version; then
        measure mem.floor "$(peak_kb "$LOGS/mem-floor.log")" kB
    fi
    if run mem-demo /usr/bin/time -v "$OUT/frontline" demo; then
        measure mem.demo "$(peak_kb "$LOGS/mem-demo.log")" kB
        echo "   demo: $(peak_kb "$LOGS/mem-demo.log") kB, floor: $(peak_kb "$LOGS/mem-floor.log") kB"
    fi
fi

# ---------------------------------------------------------------------------------------------
step "5. instructions per call (callgrind)"
if [[ -x "$OUT/kernels" ]]; then
    if ! command -v valgrind >/dev/null; then
        run apt-valgrind apt-get install -y valgrind || true
    fi
    callgrind_total() {
        valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$1.$2.out" \
            "$OUT/kernels" "$1" "$2" >"$LOGS/callgrind-$1-$2.log" 2>&1 || return 1
        sed -nE 's/^(summary|totals): ([0-9]+).*/\2/p' "$OUT/callgrind.$1.$2.out" | head -n 1
    }
    lo=${CALLGRIND_N[0]} hi=${CALLGRIND_N[1]}
    for kernel in verify evaluate seal; do
        if a=$(callgrind_total "$kernel" "$lo") && b=$(callgrind_total "$kernel" "$hi"); then
            per=$(((b - a) / (hi - lo)))
            measure "instr.$kernel" "$per" Ir
            echo "   $kernel: $per instructions per call"
        else
            echo "   callgrind $kernel failed" >&2
        fi
    done
fi

# ---------------------------------------------------------------------------------------------
step "Table"
{
    echo "machine: $(nproc) CPUs, $(lscpu | sed -nE 's/^Model name: +//p' | head -n 1)"
    echo "mode: $( ((QUICK)) && echo quick || echo full), $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
} | tee "$OUT/header.txt"
python3 "$ROOT/scripts/bench_table.py" --criterion "$CRITERION_HOME" --measurements "$M" --out "$OUT/table.md"
