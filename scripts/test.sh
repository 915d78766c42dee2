#!/usr/bin/env bash
# The one test command (README, .ci/run):  bash scripts/test.sh
#
# On a fresh Debian machine, as root, with the Rust toolchain, Python 3.11, Java 17 and Node 20,
# it installs what it needs (once; later runs only check):
#   apt   libjna-java junit4 libhamcrest-java        -> /usr/share/java/{jna,junit4,hamcrest*}.jar
#   npm   kotlin-compiler@$KOTLIN_VERSION            -> .cache/kotlin/node_modules/kotlin-compiler
#   pip   tests/python/requirements.txt              -> .cache/venv
# then runs, stopping at the first failure:
#   cargo fmt --check, cargo clippy -D warnings, cargo test --workspace,
#   scripts/fuzz-smoke.sh (each cargo-fuzz target briefly; installs cargo-fuzz once),
#   scripts/bindings.sh (Kotlin + Swift + Python into build/bindings/),
#   every tests/kotlin/*.kt on the JVM with JUnit 4, pytest tests/python,
#   the Swift package ios/ built and its XCTests run in a Debian root with Swift 6
#   (scripts/steps/swift.sh: installs the root into .cache/swift-root once).
# Long outputs go to build/logs/*.log and are printed only when their step fails. The last
# line is the total: `N passed, N failed`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

KOTLIN_VERSION=2.3.21
APT_PACKAGES=(libjna-java junit4 libhamcrest-java)
CACHE="$ROOT/.cache"
BUILD="$ROOT/build"
LOGS="$BUILD/logs"
BINDINGS="$BUILD/bindings"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export DEBIAN_FRONTEND=noninteractive

rm -rf "$LOGS"
mkdir -p "$LOGS" "$CACHE"
START=$SECONDS
RUST_PASSED=0 RUST_FAILED=0 RUST_IGNORED=0
KOTLIN_PASSED=0 KOTLIN_FAILED=0
PYTHON_PASSED=0 PYTHON_FAILED=0
BROWSER_PASSED=0 BROWSER_FAILED=0
SWIFT_PASSED=0 SWIFT_FAILED=0
STEP_FAILED=0 # a failed step that is not a test (fmt, clippy, a build) counts as one failure

step() { printf '\n==> %s  [%ds]\n' "$*" $((SECONDS - START)); }

show_log() {
    echo "---- $1 (last 200 lines; full log in ${1#"$ROOT"/}) ----"
    tail -n 200 "$1"
    echo "----"
}

summary() {
    local passed=$((RUST_PASSED + KOTLIN_PASSED + PYTHON_PASSED + BROWSER_PASSED + SWIFT_PASSED))
    local failed=$((RUST_FAILED + KOTLIN_FAILED + PYTHON_FAILED + BROWSER_FAILED + SWIFT_FAILED + STEP_FAILED))
    echo
    echo "Summary ($((SECONDS - START)) s):"
    printf '  Rust:   %d passed, %d failed, %d ignored\n' "$RUST_PASSED" "$RUST_FAILED" "$RUST_IGNORED"
    printf '  Kotlin: %d passed, %d failed\n' "$KOTLIN_PASSED" "$KOTLIN_FAILED"
    printf '  Python: %d passed, %d failed\n' "$PYTHON_PASSED" "$PYTHON_FAILED"
    printf '  Browser: %d passed, %d failed\n' "$BROWSER_PASSED" "$BROWSER_FAILED"
    printf '  Swift:  %d passed, %d failed\n' "$SWIFT_PASSED" "$SWIFT_FAILED"
    ((STEP_FAILED == 0)) || echo "  Failed step: $FAILED_STEP (counted as 1 failure)"
    echo "$passed passed, $failed failed"
}

# Stops the run: prints the log of the failed step and the counts so far.
fail() {
    echo "FAILED: $1" >&2
    [[ -n "${2:-}" && -f "$2" ]] && show_log "$2"
    if ((RUST_FAILED + KOTLIN_FAILED + PYTHON_FAILED + SWIFT_FAILED == 0)); then
        STEP_FAILED=1
        FAILED_STEP=$1
    fi
    summary
    exit 1
}

# Runs a command with its output in build/logs/<name>.log; on failure prints the log and stops.
quiet() {
    local name=$1
    shift
    if ! "$@" >"$LOGS/$name.log" 2>&1; then
        fail "$name" "$LOGS/$name.log"
    fi
}

# ---------------------------------------------------------------------------------------------
step "Tools"

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "installing with apt: ${missing[*]}"
    quiet apt-update apt-get update
    quiet apt-install apt-get install -y --no-install-recommends "${missing[@]}"
fi
JNA_JAR=/usr/share/java/jna.jar
JUNIT_JAR=/usr/share/java/junit4.jar
HAMCREST_JAR=$(ls /usr/share/java/hamcrest-core.jar /usr/share/java/hamcrest.jar /usr/share/java/hamcrest-all.jar 2>/dev/null | head -n 1 || true)
for jar in "$JNA_JAR" "$JUNIT_JAR" "$HAMCREST_JAR"; do
    [[ -n "$jar" && -f "$jar" ]] || fail "missing jar ${jar:-hamcrest} after apt install"
done

KOTLIN_HOME="$CACHE/kotlin/node_modules/kotlin-compiler"
KOTLINC="$KOTLIN_HOME/bin/kotlinc-jvm"
have_kotlin=$(node -p "try { require('$KOTLIN_HOME/package.json').version } catch (e) { '' }" 2>/dev/null || true)
if [[ "$have_kotlin" != "$KOTLIN_VERSION" || ! -x "$KOTLINC" ]]; then
    echo "installing kotlin-compiler@$KOTLIN_VERSION with npm"
    quiet npm-install npm install --prefix "$CACHE/kotlin" --no-audit --no-fund --loglevel=error \
        "kotlin-compiler@$KOTLIN_VERSION"
fi
[[ -x "$KOTLINC" ]] || fail "kotlinc-jvm not found at ${KOTLINC#"$ROOT"/}"
KOTLIN_STDLIB="$KOTLIN_HOME/lib/kotlin-stdlib.jar"

VENV="$CACHE/venv"
REQUIREMENTS="$ROOT/tests/python/requirements.txt"
if [[ ! -x "$VENV/bin/python" ]]; then
    quiet venv python3 -m venv "$VENV"
fi
req_stamp="$VENV/.requirements.sha256"
req_hash=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [[ "$(cat "$req_stamp" 2>/dev/null || true)" != "$req_hash" ]]; then
    echo "installing Python test requirements into .cache/venv"
    quiet pip-install "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS"
    echo "$req_hash" >"$req_stamp"
fi

for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        quiet "rustup-$component" rustup component add "$component"
    fi
done
echo "jna, junit4, kotlinc $KOTLIN_VERSION, python venv, rustfmt and clippy ready"

# ---------------------------------------------------------------------------------------------
step "cargo fmt --all -- --check"
quiet fmt cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
quiet clippy cargo clippy --workspace --all-targets -- -D warnings
# The test-hooks export exists only in the library the binding tests load: lint it too.
quiet clippy-test-hooks cargo clippy -p frontline-ffi --all-targets --features test-hooks -- -D warnings

# The collector's tests run on SQLite and PostgreSQL (scripts/steps/postgres.sh).
step "PostgreSQL for the collector tests (scripts/steps/postgres.sh)"
quiet postgres-install bash "$ROOT/scripts/steps/postgres.sh" install
pg_env=$(bash "$ROOT/scripts/steps/postgres.sh" start 2>"$LOGS/postgres-start.log") || fail "postgres start" "$LOGS/postgres-start.log"
eval "$pg_env"
trap 'bash "$ROOT/scripts/steps/postgres.sh" stop' EXIT
echo "PostgreSQL on ${FRONTLINE_TEST_POSTGRES_URL%%/frontline_test}"

step "cargo test --workspace"
rust_status=0
cargo test --workspace --no-fail-fast >"$LOGS/rust-tests.log" 2>&1 || rust_status=$?
while read -r p f i; do
    RUST_PASSED=$((RUST_PASSED + p))
    RUST_FAILED=$((RUST_FAILED + f))
    RUST_IGNORED=$((RUST_IGNORED + i))
done < <(sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/p' "$LOGS/rust-tests.log")
echo "Rust: $RUST_PASSED passed, $RUST_FAILED failed, $RUST_IGNORED ignored"
if ((rust_status != 0 || RUST_FAILED != 0)); then
    grep -E '^(test .* FAILED|---- .* stdout ----|error(\[|:))' "$LOGS/rust-tests.log" | head -n 40 || true
    ((RUST_FAILED > 0)) || RUST_FAILED=1
    fail "cargo test" "$LOGS/rust-tests.log"
fi
((RUST_PASSED > 0)) || fail "cargo test ran no tests" "$LOGS/rust-tests.log"

# ---------------------------------------------------------------------------------------------
step "Fuzz smoke (scripts/fuzz-smoke.sh: every cargo-fuzz target, ${FUZZ_SECONDS:-10} s each)"
if ! cargo fuzz --version >/dev/null 2>&1; then
    quiet cargo-fuzz-install cargo install cargo-fuzz --locked
fi
quiet fuzz-smoke bash "$ROOT/scripts/fuzz-smoke.sh"
cat "$LOGS/fuzz-smoke.log"

# ---------------------------------------------------------------------------------------------
step "Bindings (scripts/bindings.sh)"
quiet bindings bash "$ROOT/scripts/bindings.sh"
tail -n 1 "$LOGS/bindings.log"

# ---------------------------------------------------------------------------------------------
step "Kotlin tests (JUnit 4 on the JVM)"
shopt -s nullglob
kotlin_tests=("$ROOT"/tests/kotlin/*.kt)
shopt -u nullglob
((${#kotlin_tests[@]})) || fail "no Kotlin tests in tests/kotlin/"
mapfile -t generated_kt < <(find "$BINDINGS" -name '*.kt' | sort)
KT_OUT="$BUILD/kotlin"
# Recompile only when a source (generated or test) or the compiler changed.
kt_hash=$( (echo "$KOTLIN_VERSION"; sha256sum "${generated_kt[@]}" "${kotlin_tests[@]}") | sha256sum | cut -d' ' -f1)
if [[ "$(cat "$KT_OUT/.inputs.sha256" 2>/dev/null || true)" == "$kt_hash" && -d "$KT_OUT/classes" ]]; then
    echo "Kotlin sources unchanged since the last compile: reusing build/kotlin/classes"
else
    rm -rf "$KT_OUT"
    mkdir -p "$KT_OUT/classes"
    echo "compiling ${#generated_kt[@]} generated + ${#kotlin_tests[@]} test files"
    quiet kotlinc "$KOTLINC" -nowarn -classpath "$JNA_JAR:$JUNIT_JAR:$HAMCREST_JAR" \
        -d "$KT_OUT/classes" "${generated_kt[@]}" "${kotlin_tests[@]}"
    echo "$kt_hash" >"$KT_OUT/.inputs.sha256"
fi
rm -rf "$KT_OUT/runner"
mkdir -p "$KT_OUT/runner"
quiet javac-runner javac -d "$KT_OUT/runner" -cp "$JUNIT_JAR" "$ROOT/scripts/junit/RunAllTests.java"
KT_CP="$KT_OUT/runner:$KT_OUT/classes:$KOTLIN_STDLIB:$JNA_JAR:$JUNIT_JAR:$HAMCREST_JAR"
kotlin_status=0
# SyncTest starts the reference collector through the CLI binary.
quiet build-cli cargo build -p frontline-cli
java -Djna.library.path="$BINDINGS" -Dfrontline.bin="$TARGET_DIR/debug/frontline" -cp "$KT_CP" RunAllTests "$KT_OUT/classes" \
    >"$LOGS/kotlin-tests.log" 2>&1 || kotlin_status=$?
grep -E '^(PASS|FAIL|RESULT) ' "$LOGS/kotlin-tests.log" | grep -v '^RESULT' || true
read -r KOTLIN_PASSED KOTLIN_FAILED < <(sed -nE 's/^RESULT passed=([0-9]+) failed=([0-9]+).*/\1 \2/p' "$LOGS/kotlin-tests.log" | tail -n 1) || true
KOTLIN_PASSED=${KOTLIN_PASSED:-0}
KOTLIN_FAILED=${KOTLIN_FAILED:-0}
if ((kotlin_status != 0 || KOTLIN_FAILED != 0)); then
    ((KOTLIN_FAILED > 0)) || KOTLIN_FAILED=1
    fail "Kotlin tests" "$LOGS/kotlin-tests.log"
fi
((KOTLIN_PASSED > 0)) || fail "Kotlin: no tests ran" "$LOGS/kotlin-tests.log"

# ---------------------------------------------------------------------------------------------
step "Python tests (pytest)"
python_status=0
PYTHONPATH="$BINDINGS${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest "$ROOT/tests/python" \
    -p no:cacheprovider -q -rfE --junitxml="$LOGS/pytest.xml" >"$LOGS/python-tests.log" 2>&1 || python_status=$?
read -r PYTHON_PASSED PYTHON_FAILED < <("$VENV/bin/python" - "$LOGS/pytest.xml" <<'PY' || echo "0 0"
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
tail -n 1 "$LOGS/python-tests.log"
if ((python_status == 5)); then
    fail "pytest collected no tests" "$LOGS/python-tests.log"
fi
if ((python_status != 0 || PYTHON_FAILED != 0)); then
    ((PYTHON_FAILED > 0)) || PYTHON_FAILED=1
    fail "Python tests" "$LOGS/python-tests.log"
fi

# ---------------------------------------------------------------------------------------------
step "Collector dashboard in Chromium (scripts/steps/dashboard.sh)"
quiet dashboard-install bash "$ROOT/scripts/steps/dashboard.sh" install
quiet build-seed cargo build -p frontline-cli -p frontline-e2e --bins
dashboard_status=0
bash "$ROOT/scripts/steps/dashboard.sh" run || dashboard_status=$?
read -r _ BROWSER_PASSED BROWSER_FAILED <"$LOGS/dashboard.result" || true
BROWSER_PASSED=${BROWSER_PASSED:-0}
BROWSER_FAILED=${BROWSER_FAILED:-0}
if ((dashboard_status != 0 || BROWSER_FAILED != 0)); then
    ((BROWSER_FAILED > 0)) || BROWSER_FAILED=1
    fail "dashboard browser test" "$LOGS/dashboard.log"
fi

# ---------------------------------------------------------------------------------------------
step "Swift tests (XCTest on Linux in a Debian root: scripts/steps/swift.sh)"
quiet swift-install bash "$ROOT/scripts/steps/swift.sh" install
swift_status=0
bash "$ROOT/scripts/steps/swift.sh" run || swift_status=$?
read -r _ SWIFT_PASSED SWIFT_FAILED <"$LOGS/swift.result" || true
SWIFT_PASSED=${SWIFT_PASSED:-0}
SWIFT_FAILED=${SWIFT_FAILED:-1}
((swift_status == 0 && SWIFT_FAILED == 0)) || fail "Swift tests" "$LOGS/swift.log"

summary
