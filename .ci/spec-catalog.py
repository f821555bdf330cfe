#!/usr/bin/env python3
"""CI only: the rule catalog of the binary (`mwaa-preflight rules`) must match the contract's RULES.md
beside the checkout (code, name, severity). A contract code the registry lacks must be listed, with its
issue, in .ci/pending-codes.txt; a listed code that is implemented must leave the list. Exits 1 on any
drift, naming it."""
import os
import re
import subprocess
import sys

PENDING_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pending-codes.txt")
pending = set()
for line in open(PENDING_FILE, encoding="utf-8"):
    if not line.startswith("#"):
        pending.update(line.split())

spec_path, binary = sys.argv[1], sys.argv[2]
spec = {}
for line in open(spec_path, encoding="utf-8"):
    cells = [c.strip() for c in line.split("|")]
    if len(cells) > 4 and re.fullmatch(r"[A-Z]+[0-9]{3}", cells[1]):
        spec[cells[1]] = (cells[2], cells[3])
listed = {}
for line in subprocess.run([binary, "rules"], check=True, capture_output=True, text=True).stdout.splitlines():
    code, name, severity = line.split()[:3]
    listed[code] = (name, severity)
drift = []
for code in sorted(set(spec) | set(listed)):
    if code in pending and code in listed:
        drift.append(f"{code} is implemented: take it off .ci/pending-codes.txt")
    elif code in pending:
        continue
    elif code not in listed:
        drift.append(f"{code} is in RULES.md but not in the registry (nor in .ci/pending-codes.txt)")
    elif code not in spec:
        drift.append(f"{code} is in the registry but not in RULES.md")
    else:
        (spec_name, spec_severity), (name, severity) = spec[code], listed[code]
        if spec_name != name:
            drift.append(f"{code}: RULES.md names it {spec_name}, the registry {name}")
        # "by service" and "error / warning" rules: the registry holds the highest severity.
        if severity not in spec_severity and not spec_severity.startswith("by service"):
            drift.append(f"{code}: RULES.md severity {spec_severity!r}, the registry {severity}")
if drift:
    print("rule catalog drift against " + spec_path + ":\n  " + "\n  ".join(drift), file=sys.stderr)
    sys.exit(1)
print(f"rule catalog matches {spec_path}: {len(spec) - len(pending & set(spec))} rules, {len(pending & set(spec))} pending (.ci/pending-codes.txt)")
