# Where the test command keeps the tools it downloads, and their names (ADR 0074). Sourced by
# scripts/test.sh, scripts/fuzz-smoke.sh, scripts/bench.sh and scripts/steps/*.sh.
#
# Downloaded tools (kotlinc, cargo-fuzz, the Python venv, the Swift root, the android-all jars,
# playwright-core) live in the user's cache, like ~/.cargo, ~/.m2 or ~/.gradle: a second clone,
# a worktree or a CI runner with a kept home pays for them once, not once per checkout. Build
# output (target/, build/, .cache/fuzz-target, .cache/swift-build) stays in the checkout.
# FRONTLINE_TOOLS moves the cache (e.g. FRONTLINE_TOOLS="$PWD/.cache/tools" keeps it in the
# checkout; an empty directory measures a first run on a new machine).

export FRONTLINE_TOOLS="${FRONTLINE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/frontline}"
mkdir -p "$FRONTLINE_TOOLS"

KOTLIN_VERSION=2.3.21
KOTLIN_PREFIX="$FRONTLINE_TOOLS/kotlin-$KOTLIN_VERSION" # npm install --prefix
KOTLIN_HOME="$KOTLIN_PREFIX/node_modules/kotlin-compiler"
KOTLINC="$KOTLIN_HOME/bin/kotlinc-jvm"
KOTLIN_STDLIB="$KOTLIN_HOME/lib/kotlin-stdlib.jar"
JNA_JAR=/usr/share/java/jna.jar
JUNIT_JAR=/usr/share/java/junit4.jar

# tool_lock NAME COMMAND...: runs COMMAND holding $FRONTLINE_TOOLS/NAME.lock, so two checkouts
# installing (or using a tool that cannot be shared while it runs) wait for each other.
tool_lock() {
    local name=$1
    shift
    (
        flock 9
        "$@"
    ) 9>"$FRONTLINE_TOOLS/$name.lock"
}

# The first hamcrest jar Debian's packages installed (the name changed between releases).
hamcrest_jar() {
    ls /usr/share/java/hamcrest-core.jar /usr/share/java/hamcrest.jar /usr/share/java/hamcrest-all.jar \
        2>/dev/null | head -n 1 || true
}

# kotlinc_batch NAME=ARGFILE...: Kotlin compilations, one per kotlinc argument file, in order,
# in one JVM (scripts/kotlin/KotlincBatch.java, ADR 0075). Prints `kotlinc-batch: NAME ok` or
# `... FAILED` (then stops, exit 1); the compiler's messages go to stderr.
kotlinc_batch() {
    local root out tmp
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    out="$root/build/kotlinc-batch/$KOTLIN_VERSION"
    if [[ ! -f "$out/KotlincBatch.class" || "$root/scripts/kotlin/KotlincBatch.java" -nt "$out/KotlincBatch.class" ]]; then
        tmp=$(mktemp -d "$root/build/kotlinc-batch.XXXXXX")
        javac -nowarn -d "$tmp" -cp "$KOTLIN_HOME/lib/kotlin-compiler.jar" "$root/scripts/kotlin/KotlincBatch.java"
        mkdir -p "$(dirname "$out")"
        rm -rf "$out"
        mv "$tmp" "$out"
    fi
    java -Xmx1g -cp "$KOTLIN_HOME/lib/kotlin-compiler.jar:$out" KotlincBatch "$@"
}

# kotlin_bindings_classes: compiles the generated Kotlin in build/bindings once per change into
# build/kotlin/bindings/classes and prints that directory. The Kotlin binding tests and the
# Android step both compile against it (8,000 generated lines: a minute of CPU each time), and
# run at the same time: the second waits on the lock and reuses the first one's classes.
kotlin_bindings_classes() {
    local root out hash generated
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    out="$root/build/kotlin/bindings"
    mkdir -p "$out"
    mapfile -t generated < <(find "$root/build/bindings" -name '*.kt' | sort)
    ((${#generated[@]})) || { echo "no generated Kotlin in build/bindings (run scripts/bindings.sh)" >&2; return 1; }
    hash=$( (echo "$KOTLIN_VERSION"; sha256sum "${generated[@]}") | sha256sum | cut -d' ' -f1)
    (
        flock 9
        if [[ "$(cat "$out/.inputs.sha256" 2>/dev/null || true)" != "$hash" || ! -d "$out/classes" ]]; then
            rm -rf "$out/classes" "$out/.inputs.sha256"
            mkdir -p "$out/classes"
            printf '%s\n' -nowarn -module-name frontline-bindings -classpath "$JNA_JAR" -d "$out/classes" \
                "${generated[@]}" >"$out/kotlinc-args"
            kotlinc_batch "bindings=$out/kotlinc-args" >&2 || exit 1
            echo "$hash" >"$out/.inputs.sha256"
        fi
    ) 9>"$out.lock" || return 1
    echo "$out/classes"
}
