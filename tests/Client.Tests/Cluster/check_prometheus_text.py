#!/usr/bin/python3
"""Reads Prometheus text (0.0.4) on stdin with the official client's parser (Debian's python3-prometheus-client) and
prints its metric families as JSON; exits 1 with the reasons where the text is not strictly well formed.

The parser is lenient (a sample without a TYPE becomes an "untyped" family, a repeated family is not an error), so the
strict rules are checked here: every sample belongs to a family with HELP and TYPE, each family once, counters named
*_total, a UNIT only for a declared family whose name ends with it, and every sample line parsed."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
problems = []
declared, units, sample_lines = {}, {}, 0
for line in text.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ", 3)
        if name in declared:
            problems.append(f"TYPE {name} twice")
        declared[name] = kind
        if kind == "counter" and not name.endswith("_total"):
            problems.append(f"counter {name} does not end in _total")
    elif line.startswith("# UNIT "):
        _, _, name, unit = line.split(" ", 3)
        units[name] = unit
    elif line and not line.startswith("#"):
        sample_lines += 1

families = list(text_string_to_metric_families(text))
samples = sum(len(f.samples) for f in families)
if samples != sample_lines:
    problems.append(f"{sample_lines} sample lines but {samples} parsed samples")
seen = set()
for family in families:
    if family.type in ("untyped", "unknown"):
        problems.append(f"samples without a TYPE: {[s.name for s in family.samples]}")
    if not family.documentation:
        problems.append(f"{family.name}: no HELP")
    if family.name in seen:
        problems.append(f"family {family.name} twice")
    seen.add(family.name)
for name, unit in units.items():
    if name not in declared:
        problems.append(f"UNIT for undeclared {name}")
    elif not (name.endswith("_" + unit) or name.endswith("_" + unit + "_total")):
        problems.append(f"UNIT {unit} is not the suffix of {name}")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)


def number(value):
    # As .NET's JSON reads named floating-point literals.
    return value if math.isfinite(value) else "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"


json.dump([{"name": f.name, "type": f.type, "help": f.documentation, "unit": units.get(next(
    (n for n in declared if n in (f.name, f.name + "_total")), ""), ""),
            "samples": [{"name": s.name, "labels": s.labels, "value": number(s.value)} for s in f.samples]}
           for f in families], sys.stdout)
