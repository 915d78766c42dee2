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
KOTLIN_HOME="$FRONTLINE_TOOLS/kotlin-$KOTLIN_VERSION/node_modules/kotlin-compiler"
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
