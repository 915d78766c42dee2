#!/usr/bin/env bash
# Builds libfrontline_ffi.so for the Android ABIs and generates the Kotlin bindings, into the
# library module's build folder, where its Gradle build (android/frontline/build.gradle.kts)
# picks them up. The Gradle tasks :frontline:cargoNdkBuild and :frontline:generateUniffiKotlin
# do the same; this script is for building without Gradle.
#
# NOT RUN ON THIS BUILD MACHINE: it has no Android NDK. Written to cargo-ndk's documented
# interface; run it on a machine with the Android SDK + NDK (see android/README.md):
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#   cargo install cargo-ndk
#   ANDROID_NDK_HOME=/path/to/ndk bash scripts/build-android.sh
# Outputs (build products, never committed):
#   android/frontline/build/rustJniLibs/{arm64-v8a,armeabi-v7a,x86_64}/libfrontline_ffi.so
#   android/frontline/build/generated/uniffi/kotlin/org/frontline/**.kt
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
MODULE="$ROOT/android/frontline/build"
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
cargo ndk "${targets[@]}" --platform "$PLATFORM" -o "$MODULE/rustJniLibs" \
    build --release -p frontline-ffi

# Kotlin from the arm64 library just built (uniffi reads the metadata in the library).
cargo build --release -p uniffi-bindgen
rm -rf "$MODULE/generated/uniffi/kotlin"
"$TARGET_DIR/release/uniffi-bindgen" generate "$MODULE/rustJniLibs/arm64-v8a/libfrontline_ffi.so" \
    -l kotlin -o "$MODULE/generated/uniffi/kotlin"

for abi in "${ABIS[@]}"; do
    ls -l "$MODULE/rustJniLibs/$abi/libfrontline_ffi.so"
done
echo "Kotlin bindings in ${MODULE#"$ROOT"/}/generated/uniffi/kotlin; jniLibs for: ${ABIS[*]}"
