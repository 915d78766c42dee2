#!/usr/bin/env bash
# Builds the host library (`frontline-ffi`, debug, with the `test-hooks` feature the binding
# tests need) and generates the Kotlin, Swift and Python bindings into build/bindings/.
# It builds with the test command's one selection (scripts/cargo-selection.sh, ADR 0070), so
# after scripts/test.sh's build step it compiles nothing; run alone, it builds that selection.
#
#   bash scripts/bindings.sh            # -> build/bindings/{org/frontline/**.kt,*.swift,*.py,lib*.so}
#   OUT=some/dir bash scripts/bindings.sh
#
# Two uniffi namespaces come out of the one library: `frontline_core` (records, enums and the
# KeyStore trait; Kotlin package org.frontline.core, Swift module FrontlineCore) and
# `frontline_ffi` (Companion, FrontlineError, LogSink; Kotlin package org.frontline, Swift
# module Frontline). The library is copied next to the generated Python modules, where they
# load it from, and JNA finds it there too (-Djna.library.path). Generated code is build
# output: never commit it. Release libraries for Android/iOS: scripts/build-android.sh and
# scripts/build-ios.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="${OUT:-$ROOT/build/bindings}"

case "$(uname -s)" in
    Darwin) LIB_NAME=libfrontline_ffi.dylib ;;
    *) LIB_NAME=libfrontline_ffi.so ;;
esac

# The library and the bindgen binary come out of the test command's one build: the same
# packages, features and dev-dependency resolution as `cargo test` (a `-p frontline-ffi` build
# resolves other features and compiles the core and its dependencies a second time).
# shellcheck source=scripts/cargo-selection.sh
source "$ROOT/scripts/cargo-selection.sh"
cargo build --quiet "${CARGO_SELECTION[@]}" "${CARGO_BUILD_TARGETS[@]}"

LIB="$TARGET_DIR/debug/$LIB_NAME"
if [[ ! -f "$LIB" ]]; then
    echo "bindings.sh: $LIB was not built" >&2
    exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT"
"$TARGET_DIR/debug/uniffi-bindgen" generate "$LIB" -l kotlin -l swift -l python -o "$OUT"
cp "$LIB" "$OUT/"

for f in "$OUT/org/frontline/frontline_ffi.kt" "$OUT/org/frontline/core/frontline_core.kt" \
    "$OUT/Frontline.swift" "$OUT/FrontlineCore.swift" \
    "$OUT/frontline_ffi.py" "$OUT/frontline_core.py"; do
    if [[ ! -s "$f" ]]; then
        echo "bindings.sh: expected generated file missing: ${f#"$ROOT"/}" >&2
        exit 1
    fi
done
echo "bindings generated in ${OUT#"$ROOT"/}"
