#!/usr/bin/env python3
"""Stands in for aapt2 on a machine without the Android SDK: reads a module's res/ folder,
checks that every XML file parses and that every resource reference (@string/..., @id/...,
@android:style/...) in the resources and the manifest resolves, and writes the module's R.java
so the Kotlin that uses R.string.x is compiled against what res/ really holds. A reference to a
missing resource, or to a framework resource absent at minSdk, fails here as it would in aapt2.

usage: android_resources.py --package P --res DIR [--res DIR ...] --manifest FILE
                            [--dep-res DIR ...] --framework-r-fields FILE --out DIR
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
VALUE_TYPES = {"string": "string", "plurals": "plurals", "dimen": "dimen", "color": "color",
               "bool": "bool", "integer": "integer", "style": "style", "string-array": "array",
               "integer-array": "array", "array": "array"}
REF = re.compile(r"^@(\+)?(?:(android):)?([a-z-]+)/([A-Za-z0-9_.]+)$")


def java_name(name):
    return name.replace(".", "_")


def collect(res_dirs, problems):
    """Returns ({type: set(names)}, [(file, reference)]) for the given res/ folders."""
    resources = {}
    references = []
    for res in res_dirs:
        for folder in sorted(os.listdir(res)):
            kind = folder.split("-")[0]
            path = os.path.join(res, folder)
            for file in sorted(os.listdir(path)):
                full = os.path.join(path, file)
                if not file.endswith(".xml"):
                    resources.setdefault(kind, set()).add(os.path.splitext(file)[0])
                    continue
                try:
                    root = ET.parse(full).getroot()
                except ET.ParseError as e:
                    problems.append(f"{full}: not well-formed XML ({e})")
                    continue
                if kind == "values":
                    for item in root:
                        rtype = VALUE_TYPES.get(item.tag)
                        if rtype is None:
                            problems.append(f"{full}: unknown value resource <{item.tag}>")
                            continue
                        resources.setdefault(rtype, set()).add(item.get("name"))
                        if item.tag == "style" and item.get("parent"):
                            references.append((full, item.get("parent")))
                        for text in [item.text or ""] + [(c.text or "") for c in item]:
                            if text.strip().startswith("@"):
                                references.append((full, text.strip()))
                else:
                    resources.setdefault(kind, set()).add(os.path.splitext(file)[0])
                    for element in root.iter():
                        for value in element.attrib.values():
                            if value.startswith("@+id/"):
                                resources.setdefault("id", set()).add(value[5:])
                            elif value.startswith("@"):
                                references.append((full, value))
    return resources, references


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", required=True)
    parser.add_argument("--res", action="append", required=True)
    parser.add_argument("--dep-res", action="append", default=[])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--framework-r-fields", required=True,
                        help="lines 'type name' of android.R at minSdk")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    problems = []
    own, references = collect(args.res, problems)
    deps, _ = collect(args.dep_res, problems)
    try:
        manifest = ET.parse(args.manifest).getroot()
        for element in manifest.iter():
            for value in element.attrib.values():
                if value.startswith("@"):
                    references.append((args.manifest, value))
    except ET.ParseError as e:
        problems.append(f"{args.manifest}: not well-formed XML ({e})")

    framework = {}
    with open(args.framework_r_fields) as f:
        for line in f:
            rtype, name = line.split()
            framework.setdefault(rtype, set()).add(name)

    for file, ref in references:
        m = REF.match(ref)
        if not m:
            problems.append(f"{file}: unreadable reference {ref}")
            continue
        plus, android, rtype, name = m.groups()
        if plus:
            continue
        if android:
            if java_name(name) not in framework.get(rtype, set()):
                problems.append(f"{file}: {ref} is not a framework resource at minSdk")
        elif name not in own.get(rtype, set()) and name not in deps.get(rtype, set()):
            problems.append(f"{file}: {ref} does not exist")

    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        sys.exit(1)

    package_dir = os.path.join(args.out, *args.package.split("."))
    os.makedirs(package_dir, exist_ok=True)
    lines = [f"package {args.package};", "",
             "/** Generated by scripts/steps/android_resources.py from res/ (aapt2 stand-in). */",
             "public final class R {", "    private R() {}"]
    next_id = 0x7F000001
    for rtype in sorted(own):
        lines.append(f"    public static final class {rtype} {{")
        lines.append(f"        private {rtype}() {{}}")
        for name in sorted(own[rtype]):
            lines.append(f"        public static final int {java_name(name)} = 0x{next_id:08x};")
            next_id += 1
        lines.append("    }")
    lines.append("}")
    with open(os.path.join(package_dir, "R.java"), "w") as f:
        f.write("\n".join(lines) + "\n")
    count = sum(len(v) for v in own.values())
    print(f"{args.package}.R: {count} resources, {len(references)} references checked")


if __name__ == "__main__":
    main()
