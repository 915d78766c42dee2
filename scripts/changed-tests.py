"""Test executables of the workspace crates touched by a change (scripts/test.sh --quick).

Why it exists: `cargo test -p <crate>` would resolve features for that crate alone and build
the core a second time with other features (ADR 0070). `--quick` instead lists the test
executables of the one workspace build (`cargo test <selection> --no-run
--message-format=json` on stdin) and keeps those of the crates that own a changed file.

    python3 scripts/changed-tests.py ROOT CHANGED_FILES_LIST < cargo-json

Prints `<package>\t<package dir>\t<executable>` per test executable. A change to the
workspace's Cargo.toml, Cargo.lock or .cargo/ selects every crate; files outside every crate
(docs, scripts, content) select none.
"""

import json
import os
import sys

WHOLE_WORKSPACE = ("Cargo.toml", "Cargo.lock", ".cargo/", "clippy.toml", "rust-toolchain")
# Inside a crate's folder but not Rust: the JVM and Python binding tests (the full run has them).
NOT_RUST = ("tests/kotlin", "tests/python")


def main() -> int:
    root, changed_list = sys.argv[1], sys.argv[2]
    with open(changed_list, encoding="utf-8") as f:
        changed = [line.strip() for line in f if line.strip()]

    executables = []  # (package, package dir relative to root, executable)
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if message.get("reason") != "compiler-artifact" or not message.get("executable"):
            continue
        if not message.get("profile", {}).get("test"):
            continue
        package_dir = os.path.relpath(os.path.dirname(message["manifest_path"]), root)
        package = message["package_id"]
        # `path+file:///…/core#frontline-core@0.1.0` or `path+file:///…/core#0.1.0`.
        fragment = package.rsplit("#", 1)[-1]
        name = fragment.split("@", 1)[0] if "@" in fragment else os.path.basename(package_dir)
        executables.append((name, package_dir, message["executable"]))

    dirs = sorted({d for _, d, _ in executables}, key=len, reverse=True)
    selected = set()
    for path in changed:
        if path.startswith(NOT_RUST):
            continue
        if path.startswith(WHOLE_WORKSPACE):
            selected.update(dirs)
            continue
        for d in dirs:  # the longest folder first: bindings/uniffi-bindgen before bindings
            if path == d or path.startswith(d.rstrip("/") + "/"):
                selected.add(d)
                break

    for name, d, exe in sorted(set(executables)):
        if d in selected:
            print(f"{name}\t{os.path.join(root, d)}\t{exe}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
