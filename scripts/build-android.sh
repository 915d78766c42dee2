#!/usr/bin/env bash
# Builds libfrontline_ffi.so for the Android ABIs into the library module's jniLibs and
# generates the Kotlin bindings into its sources.
#
# NOT RUN ON THIS BUILD MACHINE: it has no Android NDK. Written to cargo-ndk's documented
# interface; run it on a machine with the Android SDK + NDK (see android/README.md):
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#   cargo install cargo-ndk
#   ANDROID_NDK_HOME=/path/to/ndk bash scripts/build-android.sh
# Outputs (build products, never committed):
#   android/frontline/src/main/jniLibs/{arm64-v8a,armeabi-v7a,x86_64}/libfrontline_ffi.so
#   android/frontline/src/main/kotlin/org/frontline/**.kt
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
MODULE="$ROOT/android/frontline/src/main"
ABIS=(${ABIS:-arm64-v8a armeabi-v7a x86_64})
PLATFORM="${ANDROID_PLATFORM:-26}" # minSdk

command -v cargo-ndk >/dev/null || { echo "cargo-ndk missing: cargo install cargo-ndk" >&2; exit 1; }
[[ -n "${ANDROID_NDK_HOME:-}" && -d "$ANDROID_NDK_HOME" ]] ||
    { echo "set ANDROID_NDK_HOME to the NDK directory" >&2; exit 1; }

# Google Play requires 16 KB page alignment. NDK r28+ links that way by default; older NDKs
# need the flag. source.properties: "Pkg.Revision = 27.2.12479018".
ndk_major=$(sed -nE 's/^Pkg\.Revision *= *([0-9]+).*/\1/p' "$ANDROID_NDK_HOME/source.properties" 2>/dev/null || echo 0)
if ((ndk_major < 28)); then
    export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"
fi

targets=()
for abi in "${ABIS[@]}"; do targets+=(-t "$abi"); done
cargo ndk "${targets[@]}" --platform "$PLATFORM" -o "$MODULE/jniLibs" \
    build --release -p frontline-ffi

# Kotlin from the host build of the same sources (uniffi reads the metadata in the library).
cargo build --release -p frontline-ffi -p uniffi-bindgen
case "$(uname -s)" in Darwin) host_lib=libfrontline_ffi.dylib ;; *) host_lib=libfrontline_ffi.so ;; esac
rm -rf "$MODULE/kotlin/org/frontline/frontline_ffi.kt" "$MODULE/kotlin/org/frontline/core"
"$TARGET_DIR/release/uniffi-bindgen" generate "$TARGET_DIR/release/$host_lib" \
    -l kotlin -o "$MODULE/kotlin"

for abi in "${ABIS[@]}"; do
    ls -l "$MODULE/jniLibs/$abi/libfrontline_ffi.so"
done
echo "Kotlin bindings in ${MODULE#"$ROOT"/}/kotlin; jniLibs for: ${ABIS[*]}"
