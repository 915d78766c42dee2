#!/usr/bin/env bash
# The one test command (README, .ci/run):  bash scripts/test.sh
# The inner loop:                          bash scripts/test.sh --quick
#
# On a fresh Debian machine, as root, with the Rust toolchain, Python 3.11, Java 17 and Node 20,
# it installs what it needs (once per machine; later runs only check), in one background job
# started first, while cargo compiles. Downloaded tools go to the user's tool cache
# ($FRONTLINE_TOOLS, default ~/.cache/frontline; scripts/tools.sh, ADR 0074):
#   apt   libjna-java junit4 libhamcrest-java        -> /usr/share/java/{jna,junit4,hamcrest*}.jar
#   npm   kotlin-compiler@$KOTLIN_VERSION            -> $FRONTLINE_TOOLS/kotlin-<version>
#   pip   tests/python/requirements.txt              -> $FRONTLINE_TOOLS/venv-<requirements hash>
#   cargo cargo-fuzz                                 -> $FRONTLINE_TOOLS/cargo-fuzz-<version>
#   every `scripts/steps/<name>.sh install`
# and, also in the background, builds the fuzz targets (.cache/fuzz-target, build output).
#
# In the foreground: cargo fmt --check, then the one build of the workspace with one selection
# of packages and features (scripts/cargo-selection.sh, ADR 0070: libraries, binaries, every
# test, example and bench target), which also runs clippy's lints with -D warnings (clippy-driver
# as the workspace crates' compiler, ADR 0076), then scripts/bindings.sh (Kotlin + Swift +
# Python into build/bindings/; compiles nothing more). Then it starts the services among the
# step scripts (`start`; `stop` on exit) and runs, up to $TEST_JOBS at a time (default 3):
#   the Rust tests (cargo test), the Kotlin tests (kotlinc, then JUnit 4 on the JVM), the Python
#   tests (pytest), the fuzz smoke (every cargo-fuzz target, 10 s each, two at a time), and
#   every `scripts/steps/<name>.sh run`.
# Step scripts (contract in the team brief, docs/performance.md): `install`, `run` (writes
# `<Label> <passed> <failed>` to build/logs/<name>.result), and for a service `start` (prints
# `export NAME=value` lines, evaluated before the Rust tests) and `stop`. A script is a service
# when it has a `start)` branch. A step that fails fails the run.
#
# --quick: cargo fmt --check, the same build (with clippy's lints), and the tests of the workspace
# crates changed since `main` (committed or not; doc tests excepted). No installs, no bindings.
#
# Each step prints its start time; logs go to build/logs/*.log and the failed step's log is
# printed. The summary gives each label's counts and each step's time; the last line is the
# total: `N passed, N failed`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/cargo-selection.sh
source "$ROOT/scripts/cargo-selection.sh"

MODE=full
case "${1:-}" in
    "") ;;
    --quick) MODE=quick ;;
    *)
        echo "usage: bash scripts/test.sh [--quick]" >&2
        exit 2
        ;;
esac

# shellcheck source=scripts/tools.sh
source "$ROOT/scripts/tools.sh"
APT_PACKAGES=(libjna-java junit4 libhamcrest-java)
BUILD="$ROOT/build"
LOGS="$BUILD/logs"
BINDINGS="$BUILD/bindings"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
REQUIREMENTS="$ROOT/tests/python/requirements.txt"
# One venv per set of requirements, shared by the checkouts that want the same set.
VENV="$FRONTLINE_TOOLS/venv-$(sha256sum "$REQUIREMENTS" | cut -c1-12)"
TEST_JOBS="${TEST_JOBS:-3}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export DEBIAN_FRONTEND=noninteractive

rm -rf "$LOGS"
mkdir -p "$LOGS"
START=$SECONDS
STEP_FAILED=0  # failed steps that are not tests (fmt, clippy, a build): one failure each
FAILED_STEPS=()
TIMES=()       # "<seconds> <step>" per finished step, for the summary

shopt -s nullglob
STEP_SCRIPTS=("$ROOT"/scripts/steps/*.sh)
shopt -u nullglob

step() { printf '\n==> %s  [%s, +%ds]\n' "$*" "$(date -u +%H:%M:%S)" $((SECONDS - START)); }

show_log() {
    echo "---- $1 (last 200 lines; full log in ${1#"$ROOT"/}) ----"
    tail -n 200 "$1"
    echo "----"
}

# `<Label> <passed> <failed>` lines from build/logs/*.result, the built-in labels first.
results() {
    local f
    for f in rust-tests kotlin-tests python-tests; do
        [[ -f "$LOGS/$f.result" ]] && cat "$LOGS/$f.result"
    done
    for f in "$LOGS"/*.result; do
        case "$(basename "$f" .result)" in rust-tests | kotlin-tests | python-tests) ;; *) cat "$f" ;; esac
    done
}

summary() {
    local passed=0 failed=$STEP_FAILED label p f rest t
    echo
    echo "Summary ($((SECONDS - START)) s, $MODE):"
    while read -r label p f rest; do
        [[ "$p" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ ]] || continue
        if [[ "$label" == Rust ]]; then
            printf '  %-8s %d passed, %d failed, %d ignored\n' "$label:" "$p" "$f" \
                "$(cat "$LOGS/rust-tests.ignored" 2>/dev/null || echo 0)"
        else
            printf '  %-8s %d passed, %d failed\n' "$label:" "$p" "$f"
        fi
        passed=$((passed + p))
        failed=$((failed + f))
    done < <(results 2>/dev/null || true)
    if [[ "$MODE" == full ]] && ! results 2>/dev/null | grep -q '^Swift '; then
        echo "  Swift:   generated only (no scripts/steps/swift.sh)"
    fi
    [[ -f "$LOGS/fuzz-smoke.total" ]] && echo "  Fuzz:    $(cat "$LOGS/fuzz-smoke.total") (not counted as tests)"
    for t in "${FAILED_STEPS[@]}"; do echo "  Failed step: $t (counted as 1 failure)"; done
    if ((${#TIMES[@]})); then
        echo "  Step times (s):"
        printf '%s\n' "${TIMES[@]}" | awk '{t=$1; $1=""; printf "    %5d %s\n", t, substr($0, 2)}'
    fi
    echo "$passed passed, $failed failed"
}

# ---------------------------------------------------------------------------------------------
# Background jobs. `set -m` gives each its own process group, so a failure can stop a job and
# everything it started (cargo, java, a fuzzer) by that group, and nothing else.
set -m
declare -A JOB_PID JOB_T0 JOB_TITLE
SERVICES_STARTED=()

start_job() {
    local name=$1 title=$2
    shift 2
    step "$title (background; log build/logs/$name.log)"
    JOB_T0[$name]=$(date +%s)
    (
        status=0
        "$@" || status=$?
        date +%s >"$LOGS/$name.end"
        exit "$status"
    ) </dev/null >"$LOGS/$name.log" 2>&1 &
    JOB_PID[$name]=$!
    JOB_TITLE[$name]=$title
}

# Seconds a finished background job ran.
job_seconds() { echo $(($(cat "$LOGS/$1.end" 2>/dev/null || date +%s) - JOB_T0[$1])); }

stop_jobs() {
    local name
    for name in "${!JOB_PID[@]}"; do
        kill -- "-${JOB_PID[$name]}" 2>/dev/null || true
    done
    for name in "${!JOB_PID[@]}"; do
        wait "${JOB_PID[$name]}" 2>/dev/null || true
    done
    JOB_PID=()
}

stop_services() {
    local script
    for script in "${SERVICES_STARTED[@]}"; do
        bash "$script" stop >>"$LOGS/$(basename "$script" .sh)-stop.log" 2>&1 ||
            echo "warning: $(basename "$script") stop failed (build/logs/$(basename "$script" .sh)-stop.log)" >&2
    done
    SERVICES_STARTED=()
}

cleanup() {
    stop_jobs
    stop_services
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops the run: prints the log of the failed step, stops the other jobs and the services,
# prints the counts so far. A step that wrote no counts with failures is one failure.
fail() {
    local name=$1 log=${2:-} f counted=0
    echo "FAILED: $name" >&2
    [[ -n "$log" && -f "$log" ]] && show_log "$log"
    stop_jobs
    stop_services
    for f in "$LOGS"/*.result; do
        [[ -f "$f" ]] && awk '$3 > 0 {found=1} END {exit !found}' "$f" && counted=1
    done
    if ((counted == 0)); then
        STEP_FAILED=$((STEP_FAILED + 1))
        FAILED_STEPS+=("$name")
    fi
    summary
    exit 1
}

# Waits for a background job; on failure prints its log and stops the run.
wait_job() {
    local name=$1 status=0
    wait "${JOB_PID[$name]}" || status=$?
    unset "JOB_PID[$name]"
    TIMES+=("$(job_seconds "$name") ${JOB_TITLE[$name]}")
    if ((status != 0)); then
        fail "${JOB_TITLE[$name]}" "$LOGS/$name.log"
    fi
    printf -- '--- %s: done in %ds  [%s]\n' "${JOB_TITLE[$name]}" "$(job_seconds "$name")" "$(date -u +%H:%M:%S)"
}

# Runs a foreground step with its output in build/logs/<name>.log; on failure prints the log
# and stops.
quiet() {
    local name=$1 t0=$SECONDS
    shift
    if ! "$@" >"$LOGS/$name.log" 2>&1; then
        TIMES+=("$((SECONDS - t0)) $name")
        fail "$name" "$LOGS/$name.log"
    fi
    TIMES+=("$((SECONDS - t0)) $name")
}

# ---------------------------------------------------------------------------------------------
# Installs (the background job). Each part logs to build/logs/install-<part>.log.

install_apt() {
    local missing=() pkg jar
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        echo "installing with apt: ${missing[*]}"
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
    fi
    for jar in "$JNA_JAR" "$JUNIT_JAR" "$(hamcrest_jar)"; do
        [[ -n "$jar" && -f "$jar" ]] || { echo "missing jar ${jar:-hamcrest} after apt install" >&2; return 1; }
    done
    echo "jna, junit4, hamcrest ready"
}

install_kotlin() {
    if [[ ! -x "$KOTLINC" ]]; then
        echo "installing kotlin-compiler@$KOTLIN_VERSION with npm"
        npm install --prefix "$KOTLIN_PREFIX" --no-audit --no-fund --loglevel=error \
            "kotlin-compiler@$KOTLIN_VERSION"
    fi
    [[ -x "$KOTLINC" ]] || { echo "kotlinc-jvm not found at $KOTLINC" >&2; return 1; }
    echo "kotlinc $KOTLIN_VERSION ready"
}

install_python() {
    if [[ ! -f "$VENV/.complete" ]]; then
        echo "installing Python test requirements into $VENV"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS"
        touch "$VENV/.complete"
    fi
    echo "python venv ready"
}

# apt's package lists: refreshed first when older than a day (a new machine's are), so that
# neither this job nor a step's `install` asks for packages the lists do not know.
refresh_apt_lists() {
    if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]]; then
        echo "apt lists older than a day: apt-get update"
        apt-get -o DPkg::Lock::Timeout=600 update
    fi
}

install_all() {
    local pids=() names=() i status=0 t0=$SECONDS script
    refresh_apt_lists >"$LOGS/install-apt-update.log" 2>&1 || {
        show_log "$LOGS/install-apt-update.log"
        return 1
    }
    run_part() {
        local name=$1
        shift
        "$@" >"$LOGS/install-$name.log" 2>&1 &
        pids+=($!)
        names+=("$name")
    }
    run_part apt install_apt
    run_part kotlin tool_lock kotlin install_kotlin
    run_part python tool_lock venv install_python
    run_part cargo-fuzz bash "$ROOT/scripts/fuzz-smoke.sh" --install
    for script in "${STEP_SCRIPTS[@]}"; do
        run_part "$(basename "$script" .sh)" bash "$script" install
    done
    for i in "${!pids[@]}"; do
        if wait "${pids[$i]}"; then
            echo "install ${names[$i]}: ok (+$((SECONDS - t0)) s)"
        else
            echo "install ${names[$i]}: FAILED (build/logs/install-${names[$i]}.log)"
            show_log "$LOGS/install-${names[$i]}.log"
            status=1
        fi
    done
    return "$status"
}

# ---------------------------------------------------------------------------------------------
# The test jobs (run in the background after the build). Each writes build/logs/<name>.result.

rust_tests() {
    local status=0 p f i passed=0 failed=0 ignored=0
    cargo test "${CARGO_SELECTION[@]}" --no-fail-fast >"$LOGS/rust-tests.out" 2>&1 || status=$?
    while read -r p f i; do
        passed=$((passed + p))
        failed=$((failed + f))
        ignored=$((ignored + i))
    done < <(sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/p' "$LOGS/rust-tests.out")
    if ((status != 0 && failed == 0)); then failed=1; fi
    echo "Rust $passed $failed" >"$LOGS/rust-tests.result"
    echo "$ignored" >"$LOGS/rust-tests.ignored"
    if ((status != 0 || failed != 0)); then
        grep -E '^(test .* FAILED|---- .* stdout ----|error(\[|:))' "$LOGS/rust-tests.out" | head -n 40 || true
        tail -n 200 "$LOGS/rust-tests.out"
        return 1
    fi
    echo "Rust: $passed passed, $failed failed, $ignored ignored (full output: build/logs/rust-tests.out)"
    ((passed > 0)) || { echo "cargo test ran no tests"; return 1; }
}

kotlin_tests() {
    local kotlin_tests bindings_classes out="$BUILD/kotlin/tests" hash cp status=0 passed failed hamcrest
    hamcrest=$(hamcrest_jar)
    kotlin_tests=("$ROOT"/tests/kotlin/*.kt)
    [[ -f "${kotlin_tests[0]}" ]] || { echo "no Kotlin tests in tests/kotlin/"; return 1; }
    # The generated Kotlin, compiled once for this job and the Android step (scripts/tools.sh).
    echo "compiling the generated Kotlin unless unchanged [$(date -u +%H:%M:%S)]"
    bindings_classes=$(kotlin_bindings_classes)
    # Recompile the tests only when they, the generated code, the runner or the compiler changed.
    hash=$( (echo "$KOTLIN_VERSION"; cat "$bindings_classes/../.inputs.sha256"; sha256sum "${kotlin_tests[@]}" "$ROOT/scripts/junit/RunAllTests.java") |
        sha256sum | cut -d' ' -f1)
    if [[ "$(cat "$out/.inputs.sha256" 2>/dev/null || true)" == "$hash" && -d "$out/classes" && -d "$out/runner" ]]; then
        echo "Kotlin tests unchanged since the last compile: reusing build/kotlin/tests"
    else
        rm -rf "$out"
        mkdir -p "$out/classes" "$out/runner"
        echo "compiling ${#kotlin_tests[@]} test files [$(date -u +%H:%M:%S)]"
        printf '%s\n' -nowarn -classpath "$bindings_classes:$JNA_JAR:$JUNIT_JAR:$hamcrest" -d "$out/classes" \
            "${kotlin_tests[@]}" >"$BUILD/kotlin/tests.kotlinc-args"
        kotlinc_batch "kotlin-tests=$BUILD/kotlin/tests.kotlinc-args"
        javac -d "$out/runner" -cp "$JUNIT_JAR" "$ROOT/scripts/junit/RunAllTests.java"
        echo "$hash" >"$out/.inputs.sha256"
    fi
    cp="$out/runner:$out/classes:$bindings_classes:$KOTLIN_STDLIB:$JNA_JAR:$JUNIT_JAR:$hamcrest"
    echo "running the JUnit tests [$(date -u +%H:%M:%S)]"
    # SyncTest starts the reference collector through the CLI binary of the build step.
    java -Djna.library.path="$BINDINGS" -Dfrontline.bin="$TARGET_DIR/debug/frontline" -cp "$cp" \
        RunAllTests "$out/classes" || status=$?
    read -r passed failed < <(sed -nE 's/^RESULT passed=([0-9]+) failed=([0-9]+).*/\1 \2/p' "$LOGS/kotlin-tests.log" | tail -n 1) || true
    passed=${passed:-0}
    failed=${failed:-0}
    if ((status != 0 && failed == 0)); then failed=1; fi
    echo "Kotlin $passed $failed" >"$LOGS/kotlin-tests.result"
    ((status == 0 && failed == 0)) || return 1
    ((passed > 0)) || { echo "Kotlin: no tests ran"; return 1; }
}

python_tests() {
    local status=0 passed failed
    PYTHONPATH="$BINDINGS${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest "$ROOT/tests/python" \
        -p no:cacheprovider -q -rfE --junitxml="$LOGS/pytest.xml" || status=$?
    read -r passed failed < <("$VENV/bin/python" - "$LOGS/pytest.xml" <<'PY' || echo "0 0"
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0)
    sys.exit(0)
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
tests = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
# A skipped test counts as failed: the project has no skipped tests.
print(tests - bad - skipped, bad + skipped)
PY
)
    if ((status != 0 && failed == 0)); then failed=1; fi
    echo "Python $passed $failed" >"$LOGS/python-tests.result"
    if ((status == 5)); then
        echo "pytest collected no tests"
        return 1
    fi
    ((status == 0 && failed == 0))
}

# The fuzz smoke: waits for the background build of the targets, then runs them.
fuzz_smoke() {
    local status=0
    wait_for_job_in_subshell fuzz-build || {
        echo "the fuzz targets did not build:"
        tail -n 100 "$LOGS/fuzz-build.log"
        return 1
    }
    bash "$ROOT/scripts/fuzz-smoke.sh" || status=$?
    return "$status"
}

# A job cannot `wait` for a sibling: it waits for the file the sibling's wrapper writes.
wait_for_job_in_subshell() {
    local name=$1
    while [[ ! -f "$LOGS/$name.status" ]]; do sleep 1; done
    [[ "$(cat "$LOGS/$name.status")" == 0 ]]
}

# Runs a command and records its exit status in build/logs/<name>.status (for such waiters).
with_status() {
    local name=$1 status=0
    shift
    "$@" || status=$?
    echo "$status" >"$LOGS/$name.status"
    return "$status"
}

# One `scripts/steps/<name>.sh run`: its counts must be in build/logs/<name>.result.
run_step() {
    local script=$1 name status=0 line passed failed
    name=$(basename "$script" .sh)
    bash "$script" run || status=$?
    line=$(cat "$LOGS/$name.result" 2>/dev/null || true)
    if [[ ! "$line" =~ ^[A-Za-z][A-Za-z0-9_-]*\ [0-9]+\ [0-9]+$ ]]; then
        echo "step $name wrote no '<Label> <passed> <failed>' line to build/logs/$name.result (got: '$line')"
        rm -f "$LOGS/$name.result"
        return 1
    fi
    echo "$line"
    read -r _ passed failed <<<"$line"
    if ((status != 0 && failed == 0)); then
        echo "${line% * *} $passed 1" >"$LOGS/$name.result"
    fi
    if ((status != 0 || failed != 0)); then
        if [[ -f "$LOGS/$name.log" ]]; then
            echo "---- build/logs/$name.log (the step's own log, last 100 lines) ----"
            tail -n 100 "$LOGS/$name.log"
        fi
        return 1
    fi
    ((passed > 0)) || { echo "step $name ran no tests"; return 1; }
}

is_service() { grep -Eq '(^|[[:space:]|(])start[[:space:]]*[|)]' "$1"; }
has_run() { grep -Eq '(^|[[:space:]|(])run[[:space:]]*[|)]' "$1"; }

# ---------------------------------------------------------------------------------------------
# Runs the queued test jobs, at most $TEST_JOBS at once, in queue order; returns when all are
# done, stopping the run at the first failure.
POOL=()
pool_wait_one() {
    local done_pid name
    wait -n -p done_pid "${POOL[@]}" || true
    for name in "${!JOB_PID[@]}"; do
        if [[ "${JOB_PID[$name]}" == "$done_pid" ]]; then
            # Reap it through wait_job (exit status, time, log on failure).
            wait_job "$name"
        fi
    done
    local p rest=()
    for p in "${POOL[@]}"; do [[ "$p" == "$done_pid" ]] || rest+=("$p"); done
    POOL=("${rest[@]}")
}

run_pool() {
    local entry name title
    for entry in "$@"; do
        IFS='|' read -r name title <<<"$entry"
        while ((${#POOL[@]} >= TEST_JOBS)); do pool_wait_one; done
        start_job "$name" "$title" "pool_fn_$name"
        POOL+=("${JOB_PID[$name]}")
    done
    while ((${#POOL[@]})); do pool_wait_one; done
}

# ---------------------------------------------------------------------------------------------
step "Toolchain"
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        quiet "rustup-$component" rustup component add "$component"
    fi
done
echo "$(cargo --version), rustfmt and clippy ready; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# The build's lints come from the clippy wrapper (ADR 0076): prove it lints before trusting a
# green build, on a one-line file clippy must refuse under -D warnings and one it must accept.
clippy_self_test() {
    local d status=0
    d=$(mktemp -d)
    printf 'pub fn empty(v: &[u8]) -> bool {\n    v.len() == 0\n}\n' >"$d/refused.rs"
    printf 'pub fn empty(v: &[u8]) -> bool {\n    v.is_empty()\n}\n' >"$d/accepted.rs"
    if (cd "$d" && "$RUSTC_WORKSPACE_WRAPPER" rustc --edition 2021 --crate-type lib --emit=metadata -o refused.rmeta refused.rs); then
        echo "the clippy wrapper accepted v.len() == 0 under -D warnings: the build would not lint"
        status=1
    fi
    (cd "$d" && "$RUSTC_WORKSPACE_WRAPPER" rustc --edition 2021 --crate-type lib --emit=metadata -o accepted.rmeta accepted.rs) ||
        { echo "the clippy wrapper refused clean code"; status=1; }
    rm -rf "$d"
    return "$status"
}
quiet clippy-self-test clippy_self_test

if [[ "$MODE" == full ]]; then
    start_job install "Installs: apt, kotlinc, Python venv, cargo-fuzz, ${#STEP_SCRIPTS[@]} step script(s)" install_all
    # Niced: the workspace build is the critical path; the fuzz build fills the cores it leaves.
    start_job fuzz-build "Fuzz targets build (scripts/fuzz-smoke.sh --build)" \
        with_status fuzz-build nice -n 10 bash "$ROOT/scripts/fuzz-smoke.sh" --build
fi

step "cargo fmt --all -- --check; no merge conflict markers"
quiet fmt cargo fmt --all -- --check
# A merge left half-done reads fine to cargo when the markers sit in docs or scripts.
conflict_markers() {
    if git -C "$ROOT" grep -nE '^(<<<<<<<|>>>>>>>)( |$)' -- . ':!*.lock'; then
        echo "merge conflict markers in the files above"
        return 1
    fi
    return 0
}
quiet conflict-markers conflict_markers

# Clippy runs inside the build: cargo-selection.sh makes clippy-driver the workspace crates'
# compiler, with -D warnings (ADR 0076), so a lint fails this step as `cargo clippy` would.
step "cargo build ${CARGO_SELECTION[*]} ${CARGO_BUILD_TARGETS[*]} (with clippy's lints, -D warnings)"
quiet build cargo build "${CARGO_SELECTION[@]}" "${CARGO_BUILD_TARGETS[@]}"

# ---------------------------------------------------------------------------------------------
if [[ "$MODE" == quick ]]; then
    step "Tests of the crates changed since main"
    t0=$SECONDS
    base=$(git merge-base main HEAD 2>/dev/null || git rev-parse HEAD)
    { git diff --name-only "$base"; git ls-files --others --exclude-standard; } | sort -u >"$LOGS/changed-files.txt"
    # Test executables of the build above (no new build, no other feature resolution), each run
    # from its package's folder as `cargo test` would.
    cargo test "${CARGO_SELECTION[@]}" --no-run --message-format=json 2>"$LOGS/quick-no-run.log" |
        python3 "$ROOT/scripts/changed-tests.py" "$ROOT" "$LOGS/changed-files.txt" >"$LOGS/quick-tests.txt" ||
        fail "listing the test executables" "$LOGS/quick-no-run.log"
    crates=$(cut -f1 "$LOGS/quick-tests.txt" | sort -u | tr '\n' ' ')
    echo "changed crates: ${crates:-none}"
    passed=0 failed=0 ignored=0 status=0
    while IFS=$'\t' read -r package dir exe; do
        echo "  $package: ${exe#"$TARGET_DIR"/}"
        (cd "$dir" && CARGO_MANIFEST_DIR="$dir" "$exe") </dev/null >>"$LOGS/rust-tests.out" 2>&1 || status=1
    done <"$LOGS/quick-tests.txt"
    while read -r p f i; do
        passed=$((passed + p)) failed=$((failed + f)) ignored=$((ignored + i))
    done < <(sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/p' "$LOGS/rust-tests.out" 2>/dev/null)
    ((status == 0 || failed > 0)) || failed=1
    echo "Rust $passed $failed" >"$LOGS/rust-tests.result"
    echo "$ignored" >"$LOGS/rust-tests.ignored"
    TIMES+=("$((SECONDS - t0)) tests of changed crates")
    ((status == 0)) || fail "tests of changed crates" "$LOGS/rust-tests.out"
    summary
    exit 0
fi

# ---------------------------------------------------------------------------------------------
step "Bindings (scripts/bindings.sh: Kotlin, Swift, Python; nothing to compile)"
quiet bindings bash "$ROOT/scripts/bindings.sh"
tail -n 1 "$LOGS/bindings.log"
for f in Frontline.swift FrontlineCore.swift; do
    [[ -s "$BINDINGS/$f" ]] || fail "Swift bindings missing: build/bindings/$f"
    grep -q 'public' "$BINDINGS/$f" || fail "Swift bindings empty: build/bindings/$f"
done
echo "generated: $(cd "$BINDINGS" && ls -- *.swift *.h *.modulemap | tr '\n' ' ')"

wait_job install
cat "$LOGS/install.log"

for script in "${STEP_SCRIPTS[@]}"; do
    is_service "$script" || continue
    name=$(basename "$script" .sh)
    step "Service $name (scripts/steps/$name.sh start)"
    SERVICES_STARTED+=("$script")
    quiet "$name-start" bash "$script" start
    while read -r line; do
        if [[ "$line" =~ ^export\ [A-Za-z_][A-Za-z0-9_]*= ]]; then
            eval "$line"
            echo "${line%%=*}=..."
        fi
    done <"$LOGS/$name-start.log"
done

# Test jobs, longest first. Each `pool_fn_<name>` is what the job runs.
pool_fn_rust-tests() { rust_tests; }
pool_fn_kotlin-tests() { kotlin_tests; }
pool_fn_fuzz-smoke() { fuzz_smoke && sed -n 's/^total: //p' "$LOGS/fuzz-smoke.log" >"$LOGS/fuzz-smoke.total"; }
pool_fn_python-tests() { python_tests; }
queue=("rust-tests|Rust tests (cargo test)" "kotlin-tests|Kotlin tests (kotlinc, JUnit 4 on the JVM)"
    "fuzz-smoke|Fuzz smoke (scripts/fuzz-smoke.sh: every target, ${FUZZ_SECONDS:-10} s, two at a time)")
for script in "${STEP_SCRIPTS[@]}"; do
    has_run "$script" || continue
    name=$(basename "$script" .sh)
    eval "pool_fn_step-$name() { run_step '$script'; }"
    queue+=("step-$name|Step $name (scripts/steps/$name.sh run)")
done
queue+=("python-tests|Python tests (pytest)")
run_pool "${queue[@]}"
wait_job fuzz-build

grep -E '^(PASS|FAIL) ' "$LOGS/kotlin-tests.log" || true
tail -n 1 "$LOGS/python-tests.log"
sed -n '/^target /,$p' "$LOGS/fuzz-smoke.log"

stop_services
summary
