#!/usr/bin/env bash
# Builds FrontlineFFI.xcframework (static libraries for iOS devices and simulators) and the
# Swift bindings for the Swift package in ios/.
#
# NOT RUN ON THIS BUILD MACHINE: it has no Xcode or Swift toolchain. Written to the documented
# tools (rustup targets, lipo, xcodebuild -create-xcframework); run it on a Mac:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#   bash scripts/build-ios.sh
# Outputs (build products, never committed):
#   ios/FrontlineFFI.xcframework
#   ios/Sources/FrontlineKit/Generated/{Frontline,FrontlineCore}.swift
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/build/ios"
XCFRAMEWORK="$ROOT/ios/FrontlineFFI.xcframework"
SWIFT_OUT="$ROOT/ios/Sources/FrontlineKit/Generated"

[[ "$(uname -s)" == Darwin ]] || { echo "build-ios.sh needs macOS with Xcode" >&2; exit 1; }
command -v xcodebuild >/dev/null || { echo "xcodebuild missing: install Xcode" >&2; exit 1; }

export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-15.0}"
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    cargo build --release -p frontline-ffi --target "$target"
done

# Swift sources, C headers and module maps from the host build (same sources, same metadata).
cargo build --release -p frontline-ffi -p uniffi-bindgen
rm -rf "$OUT"
mkdir -p "$OUT/headers" "$OUT/sim" "$SWIFT_OUT"
"$TARGET_DIR/release/uniffi-bindgen" generate "$TARGET_DIR/release/libfrontline_ffi.dylib" \
    -l swift -o "$OUT/swift"
cp "$OUT"/swift/*.h "$OUT/headers/"
# One module map for both FFI modules (FrontlineFFI and FrontlineCoreFFI) in the headers dir.
cat "$OUT"/swift/*.modulemap >"$OUT/headers/module.modulemap"
cp "$OUT"/swift/*.swift "$SWIFT_OUT/"

# The two simulator architectures go into one fat library.
lipo -create \
    "$TARGET_DIR/aarch64-apple-ios-sim/release/libfrontline_ffi.a" \
    "$TARGET_DIR/x86_64-apple-ios/release/libfrontline_ffi.a" \
    -output "$OUT/sim/libfrontline_ffi.a"

rm -rf "$XCFRAMEWORK"
xcodebuild -create-xcframework \
    -library "$TARGET_DIR/aarch64-apple-ios/release/libfrontline_ffi.a" -headers "$OUT/headers" \
    -library "$OUT/sim/libfrontline_ffi.a" -headers "$OUT/headers" \
    -output "$XCFRAMEWORK"
echo "built ${XCFRAMEWORK#"$ROOT"/} and ${SWIFT_OUT#"$ROOT"/}"
# Size per slice, for docs/ios.md (static libraries: the app grows by less after linking).
for slice in "$XCFRAMEWORK"/*/; do
    if [[ -f "$slice/libfrontline_ffi.a" ]]; then
        echo "slice $(basename "$slice"): $(du -h "$slice/libfrontline_ffi.a" | cut -f1)"
    fi
done
