#!/usr/bin/env bash
# Swift step of the test command (TEAM.md step-script contract).
#   bash scripts/steps/swift.sh install   Debian trixie root with swiftlang in $FRONTLINE_TOOLS/swift-root
#   bash scripts/steps/swift.sh run       FrontlineKit + its XCTests on Linux, inside that root
# Swift does not install on this Debian (bookworm); trixie's swiftlang does, in a debootstrap root
# we chroot into (/work/shared/design/TOOLCHAIN.md "Swift on this machine", docs/ios.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/tools.sh
source "$ROOT/scripts/tools.sh"
# The root is a downloaded tool (about 3 GB), shared by the checkouts of this machine; the
# SwiftPM build of each checkout stays in its own .cache/swift-build.
SWIFT_ROOT="$FRONTLINE_TOOLS/swift-root"
export DEBIAN_FRONTEND=noninteractive

# The Debian mirror apt already uses (deb822 sources first, then the one-line format).
debian_mirror() {
    local uri
    uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)
    if [[ -z "$uri" ]]; then
        uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$2 ~ /debian\/?$/ {print $2}' | head -n 1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

install() {
    if [[ -x "$SWIFT_ROOT/usr/bin/swiftc" ]]; then
        echo "swift: reusing $SWIFT_ROOT"
    else
        make_root
    fi
    # OpenSSL headers for the tests' stand-in key store (AES-256-GCM), from the root's own apt.
    if [[ ! -f "$SWIFT_ROOT/usr/include/openssl/evp.h" ]]; then
        trap unmount_all EXIT INT TERM
        mount_at "$SWIFT_ROOT/proc" -t proc proc
        chroot "$SWIFT_ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
            apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends libssl-dev
        unmount_all
        trap - EXIT INT TERM
    fi
}

make_root() {
    command -v debootstrap >/dev/null ||
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends debootstrap
    rm -rf "$SWIFT_ROOT"
    mkdir -p "$(dirname "$SWIFT_ROOT")"
    debootstrap --variant=minbase --include=swiftlang,libstdc++-14-dev,libc6-dev \
        trixie "$SWIFT_ROOT" "$(debian_mirror)"
    [[ -x "$SWIFT_ROOT/usr/bin/swiftc" ]] || {
        echo "swift: debootstrap finished but usr/bin/swiftc is missing" >&2
        exit 1
    }
}

# Mounts made by `run`, undone in reverse order on exit (also on failure or Ctrl-C).
MOUNTS=()
unmount_all() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
    done
    MOUNTS=()
}

# Kills what this step left running inside the root (a hung test, the collector it started):
# processes whose root directory is ours. XCTest on Linux does not stop on SIGTERM.
stop_root_processes() {
    local proc pid
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        [[ "$(readlink "$proc/root" 2>/dev/null)" == "$SWIFT_ROOT" ]] && kill -KILL "$pid" 2>/dev/null
    done
    return 0
}

# mount_at TARGET ARGS...: mounts (after undoing a mount a killed run left behind).
mount_at() {
    local target=$1
    shift
    mkdir -p "$target"
    if mountpoint -q "$target"; then umount -l "$target"; fi
    mount "$@" "$target"
    MOUNTS+=("$target")
}

# Copies a file only when its content changed, so SwiftPM's incremental build stays warm.
copy_if_changed() {
    cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

# Every Apple-only Swift file (its code behind an Apple framework's `canImport`, or the app
# target) must be listed in docs/ios.md and be under 150 lines: it is not compiled here.
check_apple_only_files() {
    local f rel bad=0
    while IFS= read -r f; do
        rel=${f#"$ROOT"/}
        grep -qF "\`$rel\`" "$ROOT/docs/ios.md" || {
            echo "swift: $rel is not compiled here but not listed in docs/ios.md" >&2
            bad=1
        }
        (($(wc -l <"$f") < 150)) || {
            echo "swift: $rel is not compiled here and has 150 lines or more" >&2
            bad=1
        }
    done < <({
        grep -rlE '^#if canImport\((Security|LocalAuthentication|BackgroundTasks|os|SwiftUI|UIKit)\)' "$ROOT/ios/Sources"
        find "$ROOT/ios/Sample" -name '*.swift'
    } | sort -u)
    return "$bad"
}

run() {
    local target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
    local bindings="$ROOT/build/bindings" logs="$ROOT/build/logs"
    local generated="$ROOT/ios/Sources/FrontlineKit/Generated"
    local frontline="$target_dir/debug/frontline"
    local log="$logs/swift.log" result="$logs/swift.result"
    mkdir -p "$logs" "$generated" "$ROOT/.cache/swift-build"
    echo "Swift 0 1" >"$result" # replaced below when the tests ran
    [[ -x "$SWIFT_ROOT/usr/bin/swiftc" ]] || {
        echo "swift: no toolchain in $SWIFT_ROOT: run scripts/steps/swift.sh install" >&2
        exit 1
    }
    local f
    for f in Frontline.swift FrontlineCore.swift FrontlineFFI.h FrontlineCoreFFI.h libfrontline_ffi.so; do
        [[ -s "$bindings/$f" ]] || {
            echo "swift: build/bindings/$f missing: run scripts/bindings.sh" >&2
            exit 1
        }
    done
    [[ -x "$frontline" ]] || {
        echo "swift: ${frontline} missing: cargo build -p frontline-cli" >&2
        exit 1
    }
    check_apple_only_files || exit 1
    # The generated Swift is build output (gitignored); the package compiles it in place.
    copy_if_changed "$bindings/Frontline.swift" "$generated/Frontline.swift"
    copy_if_changed "$bindings/FrontlineCore.swift" "$generated/FrontlineCore.swift"

    trap 'stop_root_processes; unmount_all' EXIT INT TERM
    mount_at "$SWIFT_ROOT/proc" -t proc proc
    mount_at "$SWIFT_ROOT/dev" --bind /dev
    # The checkout (with build/bindings and .cache/swift-build) at the same path inside the root,
    # so paths in compiler messages are the real ones; the target dir too when it lives elsewhere.
    mount_at "$SWIFT_ROOT$ROOT" --bind "$ROOT"
    case "$target_dir/" in
    "$ROOT"/*) ;;
    *) mount_at "$SWIFT_ROOT$target_dir" --bind "$target_dir" ;;
    esac

    local status=0
    # Extra arguments go to `swift test` (e.g. `run --filter SyncTests` while iterating). A hung
    # test cannot hold the test command for ever: the whole step has ${SWIFT_TIMEOUT:-900} s.
    # shellcheck disable=SC2016 # expanded by the inner bash
    chroot "$SWIFT_ROOT" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 \
        LD_LIBRARY_PATH="$bindings" FRONTLINE_BIN="$frontline" \
        timeout --kill-after=10 "${SWIFT_TIMEOUT:-900}" /bin/bash -c '
            root=$1
            shift
            cd "$root/ios" && swift build --build-tests --scratch-path "$root/.cache/swift-build" &&
                swift test --skip-build --scratch-path "$root/.cache/swift-build" "$@"' swift "$ROOT" "$@" \
        >"$log" 2>&1 || status=$?
    stop_root_processes
    unmount_all
    trap - EXIT INT TERM

    # One line per test case: "Test Case 'SyncTests.testX' passed (0.1 seconds)" (or failed).
    local passed failures
    passed=$(grep -cE "^Test Case '.*' passed" "$log" || true)
    failures=$(grep -cE "^Test Case '.*' failed" "$log" || true)
    if ((status != 0 && failures == 0)); then
        failures=1 # the build failed, or XCTest crashed or hung before the end
    fi
    echo "Swift $passed $failures" >"$result"
    grep -E "^Test Case .* (passed|failed)|error:" "$log" | sed -E 's/^Test Case .*\.([A-Za-z0-9_]+)\]?. (passed|failed).*/\2 \1/' | head -n 60 || true
    echo "Swift: $passed passed, $failures failed"
    if ((status != 0 || failures != 0 || passed == 0)); then
        echo "---- build/logs/swift.log (last 80 lines) ----" >&2
        tail -n 80 "$log" >&2
        exit 1
    fi
}

# One checkout at a time installs into or runs in the shared root (its /proc and /dev mounts).
case "${1:-}" in
install) tool_lock swift-root install ;;
run)
    shift
    tool_lock swift-root run "$@"
    ;;
*)
    echo "usage: $0 install|run" >&2
    exit 2
    ;;
esac
