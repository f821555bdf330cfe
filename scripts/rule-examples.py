#!/usr/bin/env python3
"""Rewrites the "## Examples" section of every rules/CODE.md from the fixtures that test the rule, so the
list and its descriptions never drift from the cases: snapshot cases (fixtures/cases/CODE/*.json),
template cases (fixtures/templates/CODE/*.case.json) and Terraform cases (fixtures/terraform/CODE/*.case.json).
A case named pass_* passes, skip_* is skipped, any other fails (warn_*, info_* included).
It also writes the "- Fix:" line: the applicability of the rule's fixes in the cases' golden reports.

usage: python3 scripts/rule-examples.py   (then review `git diff rules/`)
"""
import glob
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = [
    ("fixtures/cases/{code}", "*.json", "Fixtures in `{dir}/` (a patch on a reference network, with the exact findings expected):"),
    ("fixtures/templates/{code}", "*.case.json",
     "Template fixtures in `{dir}/` (an edit of a base template in `fixtures/templates/base/` or a CDK app's synthesized "
     "templates, checked with `--template`; the base templates themselves pass):"),
    ("fixtures/terraform/{code}", "*.case.json",
     "Terraform fixtures in `{dir}/` (a plan or state written by `fixtures/terraform/generate.py`, checked with `--terraform-plan`):"),
]


def verdict(name):
    if name.startswith("pass_"):
        return "passes"
    if name.startswith("skip_"):
        return "skipped"
    return "fails"


def examples(code):
    blocks = []
    for directory, pattern, heading in KINDS:
        directory = directory.format(code=code)
        files = sorted(glob.glob(os.path.join(ROOT, directory, pattern)))
        if not files:
            continue
        lines = [heading.format(dir=directory)]
        for path in files:
            name = os.path.basename(path)
            with open(path) as f:
                description = json.load(f)["description"]
            lines.append(f"- {verdict(name)}: `{name}`: {description}")
        blocks.append("\n".join(lines))
    return "## Examples\n" + "\n\n".join(blocks) + "\n"


FIX = {
    ("safe",): "- Fix: safe (`check --fix` makes it in a CloudFormation template or a Terraform configuration; AWS CLI commands otherwise)",
    ("safe", "unsafe"): "- Fix: safe or unsafe, by what the template already says (`--unsafe-fixes` applies the unsafe ones)",
    ("unsafe",): "- Fix: unsafe: it changes what you wrote (`check --fix --unsafe-fixes` applies it)",
    ("manual",): "- Fix: manual: a person decides (the remediation says what to change)",
    (): "- Fix: none to apply: the remediation says what to change",
}


def applicability(code):
    """The applicabilities of the rule's findings' fixes in its cases' golden reports."""
    seen = set()
    for directory in ("fixtures/cases", "fixtures/templates", "fixtures/terraform"):
        for snap in glob.glob(os.path.join(ROOT, directory, code, "*.snap")):
            with open(snap) as f:
                report = json.loads(f.read().split("---\n", 2)[-1])
            for finding in report.get("findings") or []:
                fix = finding.get("fix") or {}
                if finding["code"] == code and fix.get("applicability"):
                    seen.add(fix["applicability"])
    if seen - {"manual"}:
        seen.discard("manual")
    return FIX[tuple(sorted(seen))]


def main():
    changed = 0
    for doc in sorted(glob.glob(os.path.join(ROOT, "rules", "*.md"))):
        code = os.path.basename(doc)[:-3]
        with open(doc) as f:
            text = f.read()
        match = re.search(r"^## Examples\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
        if not match:
            continue
        following = "\n" if match.end() < len(text) else ""
        updated = text[:match.start()] + examples(code) + following + text[match.end():]
        fix = applicability(code)
        if re.search(r"^- Fix: .*$", updated, flags=re.M):
            updated = re.sub(r"^- Fix: .*$", lambda _: fix, updated, count=1, flags=re.M)
        else:
            updated = re.sub(r"^(- Source: .*)$", lambda m: m.group(1) + "\n" + fix, updated, count=1, flags=re.M)
        if updated != text:
            with open(doc, "w") as f:
                f.write(updated)
            changed += 1
    print(f"rewrote the Examples of {changed} rule documents")


if __name__ == "__main__":
    main()
