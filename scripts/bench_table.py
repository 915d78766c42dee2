#!/usr/bin/env python3
"""The table of scripts/bench.sh: every figure against its baseline and its target.

Reads three kinds of measurement, all from the same run:

* criterion:  every ``build/bench/criterion/**/new/benchmark.json`` (CRITERION_HOME) (its ``full_id``, e.g.
  ``open/companion_open_existing_store``) with the median of the ``estimates.json`` beside it,
  in µs;
* measure:    the lines ``<key> <value> <unit>`` that bench.sh's other steps append to
  ``build/bench/measurements.txt`` (FFI µs per call, library bytes, peak memory kB,
  instructions per call);
* ref:        the recorded instruction counts in ``benches/instructions.txt`` (``<kernel> <Ir>``).

``benches/targets.toml`` lists the rows: each ``[[figure]]`` names its ``subject`` and,
optionally, its ``baseline`` as ``criterion:<full_id>``, ``measure:<key>`` or ``ref:<key>``,
with the target as ``max_ratio`` / ``min_ratio`` (subject / baseline) and/or ``max`` (the
subject's value in ``unit``: us, MB or Ir). A row passes when every target it sets is met; a
row whose measurement is missing is MISSING, never pass. Stdlib only (Python 3.11+).

    python3 scripts/bench_table.py --out build/bench/table.md
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_criterion(base: pathlib.Path) -> dict[str, float]:
    """full_id -> median in µs, from criterion's JSON output under `base`."""
    out: dict[str, float] = {}
    if not base.is_dir():
        return out
    for meta in base.glob("**/new/benchmark.json"):
        try:
            full_id = json.loads(meta.read_text())["full_id"]
            est = json.loads((meta.parent / "estimates.json").read_text())
        except (OSError, KeyError, ValueError):
            continue
        out[full_id] = est["median"]["point_estimate"] / 1000.0  # ns -> µs
    return out


def load_pairs(path: pathlib.Path) -> dict[str, tuple[float, str]]:
    """`key value [unit]` lines -> key -> (value, unit); the last line of a key wins."""
    out: dict[str, tuple[float, str]] = {}
    if not path.is_file():
        return out
    for line in path.read_text().splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2:
            continue
        try:
            out[parts[0]] = (float(parts[1]), parts[2] if len(parts) > 2 else "")
        except ValueError:
            continue
    return out


def normalise(value: float, unit: str) -> tuple[float, str]:
    """Bytes and kB become MB (10^6 bytes); µs, Ir stay."""
    if unit == "bytes":
        return value / 1e6, "MB"
    if unit == "kB":
        return value * 1024 / 1e6, "MB"
    return value, unit


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "us":
        if value >= 1000:
            return f"{value / 1000:.2f} ms"
        return f"{value:.3g} µs" if value < 10 else f"{value:.1f} µs"
    if unit == "MB":
        return f"{value:.2f} MB"
    if unit == "Ir":
        return f"{value:,.0f} Ir"
    return f"{value:g} {unit}".strip()


def target_text(fig: dict) -> str:
    parts = []
    if "min_ratio" in fig and "max_ratio" in fig:
        parts.append(f"{fig['min_ratio']:g}–{fig['max_ratio']:g}x")
    elif "max_ratio" in fig:
        parts.append(f"≤ {fig['max_ratio']:g}x")
    elif "min_ratio" in fig:
        parts.append(f"≥ {fig['min_ratio']:g}x")
    if "max" in fig:
        parts.append(f"< {fmt(float(fig['max']), fig.get('unit', ''))}")
    return " and ".join(parts) or "—"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--criterion", default=str(ROOT / "build" / "bench" / "criterion"),
                    help="criterion's output directory (CRITERION_HOME)")
    ap.add_argument("--targets", default=str(ROOT / "benches" / "targets.toml"))
    ap.add_argument("--measurements", default=str(ROOT / "build" / "bench" / "measurements.txt"))
    ap.add_argument("--refs", default=str(ROOT / "benches" / "instructions.txt"))
    ap.add_argument("--out", help="also write the table here (Markdown)")
    args = ap.parse_args()

    sources = {
        "criterion": {k: (v, "us") for k, v in load_criterion(pathlib.Path(args.criterion)).items()},
        "measure": load_pairs(pathlib.Path(args.measurements)),
        "ref": load_pairs(pathlib.Path(args.refs)),
    }
    figures = tomllib.loads(pathlib.Path(args.targets).read_text())["figure"]

    def lookup(ref: str | None) -> tuple[float, str] | None:
        if not ref:
            return None
        kind, _, key = ref.partition(":")
        got = sources.get(kind, {}).get(key)
        if got is None:
            return None
        value, unit = got
        if kind == "ref" and not unit:
            unit = "Ir"
        return normalise(value, unit)

    header = ["figure", "value", "baseline (same run)", "ratio", "target", "result"]
    rows = []
    failed = 0
    for fig in figures:
        subject = lookup(fig["subject"])
        baseline = lookup(fig.get("baseline"))
        unit = subject[1] if subject else fig.get("unit", "")
        value = subject[0] if subject else None
        base_value = baseline[0] if baseline else None
        ratio = value / base_value if value is not None and base_value else None
        result = "pass"
        if value is None or (fig.get("baseline") and base_value is None):
            result = "MISSING"
        else:
            if "max_ratio" in fig and (ratio is None or ratio > fig["max_ratio"]):
                result = "OVER"
            if "min_ratio" in fig and (ratio is None or ratio < fig["min_ratio"]):
                result = "UNDER" if result == "pass" else result
            if "max" in fig and value >= float(fig["max"]):
                result = "OVER"
        if result != "pass":
            failed += 1
        base_label = fmt(base_value, baseline[1] if baseline else unit)
        if fig.get("baseline_label") and base_value is not None:
            base_label += f" ({fig['baseline_label']})"
        rows.append(
            [
                fig["name"],
                fmt(value, unit),
                base_label if fig.get("baseline") else "—",
                f"{ratio:.2f}x" if ratio is not None else "—",
                target_text(fig),
                result,
            ]
        )

    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"\n{len(rows) - failed} of {len(rows)} figures meet their targets")

    if args.out:
        md = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        md += ["| " + " | ".join(r) + " |" for r in rows]
        pathlib.Path(args.out).write_text("\n".join(md) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
