#!/usr/bin/env bash
# The Android step of the test command (scripts/test.sh), on a machine without the Android SDK:
#
#   bash scripts/steps/android.sh install   # android-all jars from Maven Central into $FRONTLINE_TOOLS/m2
#   bash scripts/steps/android.sh run       # compile checks + JVM tests of the adapters
#
# `run` assumes scripts/bindings.sh has generated build/bindings/ (Kotlin + the host library)
# and the workspace is built (target/debug/frontline, which the sync tests start as collector).
# It:
#   1. checks android/*/src/main/res and the manifests and writes each module's R.java
#      (scripts/steps/android_resources.py, standing in for aapt2);
#   2. compiles every Kotlin file of android/frontline and android/sample (except the one
#      AndroidX file, KeyedAppStatesPublisher.kt), with the generated Kotlin's classes on the
#      classpath (compiled once for this step and the Kotlin binding tests), against the
#      framework classes of the compile SDK (org.robolectric:android-all, API 36), so a wrong
#      framework call (name, type, signature) fails (java.* comes from the JDK: Java 17's API,
#      and Java 8's in the level checks below);
#   3. compiles the same files again against the minSdk framework (API 26), except the ApiNN
#      files, which are compiled against API NN; then checks in the bytecode that every use of
#      an ApiNN object sits behind `Build.VERSION.SDK_INT >= NN` (android_api_guard.py). A
#      framework call above minSdk outside ApiNN, or an unguarded ApiNN use, fails;
#   4. runs the JUnit tests in android/*/src/test/kotlin (with tests/kotlin/TestSupport.kt, which
#      the Kotlin binding tests share) on the JVM against the real host library, with fakes only
#      for the framework reads.
# All compiles of the step run in one JVM (kotlinc_batch, ADR 0075) and are cached by input hash
# in build/android/. Counts: build/logs/android.result
# (`Android <passed> <failed>`); the long output: build/logs/android.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

MIN_SDK=26
COMPILE_SDK=36
# API level -> org.robolectric:android-all version (the framework of that Android release).
declare -A ANDROID_ALL=(
    [26]=8.0.0_r4-robolectric-r1
    [28]=9-robolectric-4913185-2
    [29]=10-robolectric-5803371
    [30]=11-robolectric-6757853
    [36]=16-robolectric-13921718
)
# shellcheck source=scripts/tools.sh
source "$ROOT/scripts/tools.sh"
M2="$FRONTLINE_TOOLS/m2"
BUILD="$ROOT/build"
LOGS="$BUILD/logs"
OUT="$BUILD/android"
BINDINGS="$BUILD/bindings"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
LIB_SRC=android/frontline/src/main/kotlin
SAMPLE_SRC=android/sample/src/main/kotlin
ANDROIDX_ONLY=(android/frontline/src/main/kotlin/org/frontline/android/KeyedAppStatesPublisher.kt)

android_all_jar() {
    local v=${ANDROID_ALL[$1]}
    echo "$M2/org/robolectric/android-all/$v/android-all-$v.jar"
}

install() {
    if ! command -v mvn >/dev/null; then
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends maven >/dev/null
    fi
    local level
    for level in $(printf '%s\n' "${!ANDROID_ALL[@]}" | sort -n); do
        if [[ ! -s "$(android_all_jar "$level")" ]]; then
            echo "fetching org.robolectric:android-all:${ANDROID_ALL[$level]} (API $level)"
            mvn -B -q dependency:get -Dmaven.repo.local="$M2" -Dtransitive=false \
                -Dartifact="org.robolectric:android-all:${ANDROID_ALL[$level]}"
        fi
        [[ -s "$(android_all_jar "$level")" ]] || { echo "android-all for API $level missing" >&2; exit 1; }
    done
    echo "android-all for API levels: $(printf '%s\n' "${!ANDROID_ALL[@]}" | sort -n | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------------------------
PASSED=0
FAILED=0
result() { echo "Android $PASSED $FAILED" >"$LOGS/android.result"; }

# Ends the step as failed: the compile or check that failed counts as one failure.
fail() {
    echo "FAILED: $1" >&2
    [[ -f "${2:-}" ]] && tail -n 60 "$2" >&2
    FAILED=$((FAILED + 1))
    result
    exit 1
}


# Writes the JVM tests' kotlinc argument file; prints its kotlinc_batch pass (`tests=<file>`).
test_pass() {
    rm -rf "$test_classes"
    mkdir -p "$test_classes" "$OUT/kotlinc-args"
    echo "compiling ${#tests[@]} Android JVM test files" >&2
    printf '%s\n' -nowarn -classpath "$cp:$(android_all_jar "$COMPILE_SDK")" -d "$test_classes" "${tests[@]}" \
        >"$OUT/kotlinc-args/tests"
    echo "tests=$OUT/kotlinc-args/tests"
}

run() {
    mkdir -p "$LOGS" "$OUT"
    local log="$LOGS/android.log"
    : >"$log"
    for level in "${!ANDROID_ALL[@]}"; do
        [[ -s "$(android_all_jar "$level")" ]] || fail "android-all for API $level not installed (run: $0 install)"
    done
    [[ -x "$KOTLINC" ]] || fail "kotlinc-jvm not installed (scripts/test.sh installs it)"
    [[ -s "$BINDINGS/libfrontline_ffi.so" ]] || fail "build/bindings missing (run scripts/bindings.sh)"

    mapfile -t generated < <(find "$BINDINGS/org" -name '*.kt' | sort)
    mapfile -t lib_all < <(find "$LIB_SRC" -name '*.kt' | sort)
    mapfile -t sample_all < <(find "$SAMPLE_SRC" -name '*.kt' | sort)
    local lib=() f
    for f in "${lib_all[@]}"; do
        [[ " ${ANDROIDX_ONLY[*]} " == *" $f "* ]] || lib+=("$f")
    done
    local sources=("${lib[@]}" "${sample_all[@]}")
    local api_files=() min_files=()
    for f in "${sources[@]}"; do
        if [[ "$(basename "$f")" =~ ^Api[0-9]+\.kt$ ]]; then api_files+=("$f"); else min_files+=("$f"); fi
    done
    mapfile -t tests < <(find android/frontline/src/test/kotlin android/sample/src/test/kotlin -name '*.kt' 2>/dev/null | sort)
    # What every Kotlin test shares (configuration, a phone's facts, an in-memory AES key): one copy.
    tests+=(tests/kotlin/TestSupport.kt)
    mapfile -t res_files < <(find android -path '*/src/main/res/*' -type f -o -name AndroidManifest.xml | sort)

    # The generated Kotlin, compiled once for this step and the Kotlin binding tests.
    local bindings_classes
    bindings_classes=$(kotlin_bindings_classes 2>>"$log") || fail "compiling the generated Kotlin" "$log"
    local hash
    hash=$( (echo "$KOTLIN_VERSION ${ANDROID_ALL[*]}"; cat "$bindings_classes/../.inputs.sha256"
        sha256sum "$0" scripts/steps/android_*.py "${sources[@]}" "${res_files[@]}") | sha256sum | cut -d' ' -f1)
    local main_classes="$OUT/classes" test_classes="$OUT/test-classes"
    local hamcrest
    hamcrest=$(hamcrest_jar)
    local cp="$main_classes:$OUT/r-classes:$bindings_classes:$KOTLIN_STDLIB:$JNA_JAR:$JUNIT_JAR:$hamcrest"
    # The JVM tests compile when they or the main classes changed: in the main classes' batch
    # when both did.
    local test_hash tests_changed=0
    test_hash=$( (echo "$hash"; sha256sum "${tests[@]}") | sha256sum | cut -d' ' -f1)
    [[ "$(cat "$OUT/.tests.sha256" 2>/dev/null || true)" == "$test_hash" && -d "$test_classes" ]] || tests_changed=1
    if [[ "$(cat "$OUT/.main.sha256" 2>/dev/null || true)" == "$hash" && -d "$main_classes" ]]; then
        echo "Android sources unchanged since the last compile: reusing build/android/classes"
        cat "$OUT/compile-summary.txt"
        if ((tests_changed)); then
            kotlinc_batch "$(test_pass)" >"$OUT/passes.txt" 2>>"$log" ||
                fail "compiling android/*/src/test/kotlin" "$log"
        fi
    else
        rm -rf "$OUT"
        mkdir -p "$main_classes" "$OUT/r-src" "$OUT/r-classes"
        compile_main
        echo "$hash" >"$OUT/.main.sha256"
    fi
    echo "$test_hash" >"$OUT/.tests.sha256"
    rm -rf "$OUT/runner"
    mkdir -p "$OUT/runner"
    javac -d "$OUT/runner" -cp "$JUNIT_JAR" scripts/junit/RunAllTests.java >>"$log" 2>&1 || fail "javac RunAllTests" "$log"
    local status=0
    # android-all goes last: framework classes the adapters name (exceptions) load from it; the
    # JDK's own java.* classes come first. At run time it is API 30's, whose class files Java 17
    # reads (API 36's need Java 21); the API 36 constants were inlined at compile time.
    java -Djna.library.path="$BINDINGS" -Dfrontline.bin="$TARGET_DIR/debug/frontline" \
        -cp "$OUT/runner:$test_classes:$cp:$(android_all_jar 30)" RunAllTests "$test_classes" >"$OUT/tests.log" 2>&1 || status=$?
    cat "$OUT/tests.log" >>"$log"
    grep -E '^(PASS|FAIL) ' "$OUT/tests.log" || true
    read -r PASSED FAILED < <(sed -nE 's/^RESULT passed=([0-9]+) failed=([0-9]+).*/\1 \2/p' "$OUT/tests.log" | tail -n 1) || true
    PASSED=${PASSED:-0}
    FAILED=${FAILED:-0}
    if ((status != 0 || FAILED != 0 || PASSED == 0)); then
        ((FAILED > 0)) || FAILED=1
        result
        echo "FAILED: Android JVM tests" >&2
        tail -n 80 "$OUT/tests.log" >&2
        exit 1
    fi
    result
    echo "Android: $PASSED JVM tests passed"
}

compile_main() {
    local log="$LOGS/android.log"
    local summary="$OUT/compile-summary.txt"
    local jar_min jar_sdk
    jar_min=$(android_all_jar "$MIN_SDK")
    jar_sdk=$(android_all_jar "$COMPILE_SDK")

    # 1. Resources and R classes (the sample sees the library's resources, as after a merge).
    javap -cp "$jar_min" 'android.R$style' 'android.R$drawable' 'android.R$attr' 'android.R$string' \
        'android.R$dimen' 'android.R$color' 'android.R$id' 'android.R$layout' 2>>"$log" |
        sed -nE 's/^public final class android\.R\$([a-z]+).*/\1/p; s/^  public static final int ([A-Za-z0-9_]+);/\1/p' |
        awk '/^[a-z]+$/ { type = $1; next } { print type, $1 }' >"$OUT/framework-r.txt"
    python3 scripts/steps/android_resources.py --package org.frontline.android \
        --res android/frontline/src/main/res --manifest android/frontline/src/main/AndroidManifest.xml \
        --framework-r-fields "$OUT/framework-r.txt" --out "$OUT/r-src" >>"$log" 2>&1 ||
        fail "android/frontline resources" "$log"
    python3 scripts/steps/android_resources.py --package org.frontline.sample \
        --res android/sample/src/main/res --dep-res android/frontline/src/main/res \
        --manifest android/sample/src/main/AndroidManifest.xml \
        --framework-r-fields "$OUT/framework-r.txt" --out "$OUT/r-src" >>"$log" 2>&1 ||
        fail "android/sample resources" "$log"
    javac --release 8 -nowarn -d "$OUT/r-classes" $(find "$OUT/r-src" -name R.java) >>"$log" 2>&1 ||
        fail "javac R.java" "$log"
    grep -E '\.R: ' "$log" | sed 's/^/Android resources: /'

    # 2. Everything against the compile SDK. android-all holds no java.* classes (a JVM brings
    # its own), so java.* comes from the JDK: Java 17's API here, Java 8's in the level checks.
    # 3. Then each file against the lowest API level it runs on. All passes run in one JVM, in
    # this order (kotlinc_batch, ADR 0075): each pass is one kotlinc argument file.
    local base_cp="$OUT/r-classes:$bindings_classes:$KOTLIN_STDLIB:$JNA_JAR"
    local scratch="$OUT/level-check" args="$OUT/kotlinc-args"
    rm -rf "$scratch" "$args"
    mkdir -p "$scratch" "$args"
    echo "compiling ${#lib[@]} library + ${#sample_all[@]} sample Kotlin files against API $COMPILE_SDK (the ${#generated[@]} generated files compiled once, on the classpath)"
    printf '%s\n' -nowarn -jvm-target 17 -module-name frontline -classpath "$jar_sdk:$base_cp" -d "$OUT/classes" \
        "${sources[@]}" >"$args/compile-sdk"
    local passes=("compile-sdk=$args/compile-sdk")
    # Java 8's class library stands in for what Android 8 (API 26) offers of java.*.
    # The same module name and friend path: `internal` ApiNN objects stay visible.
    local java8=(-nowarn -jvm-target 1.8 -Xjdk-release=1.8 -module-name frontline -Xfriend-paths="$OUT/classes")
    printf '%s\n' "${java8[@]}" -classpath "$jar_min:$OUT/classes:$base_cp" -d "$scratch/min" "${min_files[@]}" >"$args/min-sdk"
    passes+=("min-sdk=$args/min-sdk")
    declare -A per_level=() pass_file=()
    local file level pass
    for file in "${api_files[@]}"; do
        level=$(basename "$file" .kt)
        level=${level#Api}
        [[ -n "${ANDROID_ALL[$level]:-}" ]] || fail "$file: no android-all for API $level in scripts/steps/android.sh"
        pass="api$level-$(basename "$(dirname "$file")")"
        printf '%s\n' "${java8[@]}" -classpath "$(android_all_jar "$level"):$OUT/classes:$base_cp" -d "$scratch/$pass" \
            "$file" >"$args/$pass"
        passes+=("$pass=$args/$pass")
        pass_file[$pass]="$file against android-all API $level"
        per_level[$level]=$((${per_level[$level]:-0} + 1))
    done
    ((tests_changed)) && passes+=("$(test_pass)")
    if ! kotlinc_batch "${passes[@]}" >"$OUT/passes.txt" 2>>"$log"; then
        pass=$(sed -n 's/^kotlinc-batch: \(.*\) FAILED$/\1/p' "$OUT/passes.txt")
        case "$pass" in
        compile-sdk) fail "compile against android-all API $COMPILE_SDK" "$log" ;;
        tests) fail "compiling android/*/src/test/kotlin" "$log" ;;
        min-sdk) fail "compile against android-all API $MIN_SDK (minSdk): a framework call above minSdk outside an ApiNN object?" "$log" ;;
        "") fail "kotlinc-batch did not run (see build/logs/android.log)" "$log" ;;
        *) fail "compile ${pass_file[$pass]}" "$log" ;;
        esac
    fi
    rm -rf "$scratch"
    mapfile -t own_classes < <(find "$OUT/classes/org/frontline/android" "$OUT/classes/org/frontline/sample" -name '*.class' | sort)
    python3 scripts/steps/android_api_guard.py "${own_classes[@]}" >>"$log" 2>&1 || fail "API level check" "$log"

    {
        echo "Android: ${#sources[@]} Kotlin files (android/frontline ${#lib[@]}, android/sample ${#sample_all[@]}) compiled against API $COMPILE_SDK (compileSdk), with the ${#generated[@]} generated files (build/kotlin/bindings) on the classpath"
        local levels="${#min_files[@]} against API $MIN_SDK (minSdk)"
        for level in $(printf '%s\n' "${!per_level[@]}" | sort -n); do
            levels+=", ${per_level[$level]} against API $level"
        done
        echo "Android: each file also against the lowest level it runs on: $levels"
        grep -E '^API level check: ' "$log" | sed 's/^/Android: /'
        echo "Android: not compiled here (AndroidX, Gradle only): ${ANDROIDX_ONLY[*]}"
    } >"$summary"
    cat "$summary"
}

case "${1:-}" in
    install) tool_lock m2 install ;;
    run) run ;;
    *)
        echo "usage: $0 install|run" >&2
        exit 2
        ;;
esac
