#!/usr/bin/env python3
"""The SDK_INT rule lint would apply, on compiled classes: framework calls above minSdk live
in objects named ApiNN (compiled against API NN by android.sh), and every use of ApiNN must
come after a `Build.VERSION.SDK_INT >= M` comparison with M >= NN in the same method (the
nearest comparison before it, in bytecode order). Reads `javap -c -p` of the given classes.

usage: android_api_guard.py CLASS_FILE...      (exit 1 and one line per unguarded use)
"""
import re
import subprocess
import sys

API_CLASS = re.compile(r"org/frontline/[a-z]+/Api(\d+)\b")
SDK_INT = "android/os/Build$VERSION.SDK_INT"
PUSH = re.compile(r"\b(?:bipush|sipush)\s+(\d+)|\biconst_(\d)\b")
CLASS = re.compile(r"\b(?:class|interface) (\S+)")
METHOD = re.compile(r"^  \S.*\(.*\).*;$|^  static \{\};$")


def main(files):
    out = subprocess.run(["javap", "-c", "-p", *files], check=True, capture_output=True, text=True).stdout
    problems = []
    uses = 0
    current_class = method = None
    guard = None  # level of the nearest SDK_INT comparison seen in this method
    pending_sdk = False
    for line in out.splitlines():
        header = CLASS.search(line) if line.rstrip().endswith("{") and not line.startswith(" ") else None
        if header:
            current_class = header.group(1)
            continue
        if METHOD.match(line):
            method, guard, pending_sdk = line.strip(), None, False
            continue
        if SDK_INT in line and "getstatic" in line:
            pending_sdk = True
            continue
        if pending_sdk:
            m = PUSH.search(line)
            if m:
                guard = int(m.group(1) or m.group(2))
            pending_sdk = False
        m = API_CLASS.search(line)
        if m and ("invoke" in line or "getstatic" in line or "getfield" in line):
            # The ApiNN objects themselves are compiled against API NN: no guard needed inside.
            if current_class and API_CLASS.search(current_class.replace(".", "/")):
                continue
            uses += 1
            level = int(m.group(1))
            if guard is None or guard < level:
                problems.append(f"{current_class} {method}: "
                                f"uses Api{level} without a Build.VERSION.SDK_INT >= {level} check")
    for p in problems:
        print("API level check: " + p, file=sys.stderr)
    print(f"API level check: {uses} uses of ApiNN objects, {len(problems)} without an SDK_INT check")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
