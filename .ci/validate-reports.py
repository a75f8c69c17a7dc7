#!/usr/bin/env python3
"""Validate launchgate's GitLab code-quality and JUnit reports against their published schemas.

Usage: validate-reports.py REPORT... (run by .ci/run on every fixture's reports).
A `*.json` report is a GitLab code-quality report: every issue must pass GitLab's own schema
(schemas/gitlab-codeclimate.json, JSON Schema draft-07) and what GitLab's documentation adds
(check_name, one of its five severities, a relative path, lines.begin >= 1, unique
fingerprints). A `*.xml` report must pass the JUnit schema Jenkins' xUnit plugin publishes
(schemas/junit-10.xsd), and its counts must add up. Exits 1 on any problem.
"""

import json
import pathlib
import sys
import xml.etree.ElementTree as ET

import jsonschema
import xmlschema

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def gitlab(path, problems):
    schema = json.loads((ROOT / "schemas" / "gitlab-codeclimate.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    issues = json.loads(pathlib.Path(path).read_text())
    if not isinstance(issues, list):
        problems.append(f"{path}: the report must be a JSON array of issues")
        return 0
    seen = set()
    for i, issue in enumerate(issues):
        where = f"{path}[{i}]"
        for e in validator.iter_errors(issue):
            problems.append(f"{where}: {e.message}")
        if not isinstance(issue.get("check_name"), str) or not issue["check_name"]:
            problems.append(f"{where}: no check_name")
        if issue.get("severity") not in SEVERITIES:
            problems.append(f"{where}: severity {issue.get('severity')!r} is not one of GitLab's")
        loc = issue.get("location", {})
        p = loc.get("path", "")
        if not p or p.startswith("/") or "://" in p:
            problems.append(f"{where}: location.path {p!r} is not repository-relative")
        if not loc.get("lines", {}).get("begin", 0) >= 1:
            problems.append(f"{where}: location.lines.begin must be at least 1")
        fp = issue.get("fingerprint")
        if fp in seen:
            problems.append(f"{where}: fingerprint {fp} repeats (GitLab would drop the issue)")
        seen.add(fp)
    return len(issues)


def junit(path, problems):
    schema = xmlschema.XMLSchema(str(ROOT / "schemas" / "junit-10.xsd"))
    for e in schema.iter_errors(path):
        problems.append(f"{path}: {e.reason} at {e.path}")
    root = ET.parse(path).getroot()
    cases = root.findall("./testsuite/testcase")
    failures = root.findall("./testsuite/testcase/failure")
    if int(root.get("tests", -1)) != len(cases):
        problems.append(f"{path}: tests={root.get('tests')} but {len(cases)} test cases")
    if int(root.get("failures", -1)) != len(failures):
        problems.append(f"{path}: failures={root.get('failures')} but {len(failures)} failures")
    for suite in root.findall("./testsuite"):
        n = len(suite.findall("./testcase"))
        f = len(suite.findall("./testcase/failure"))
        if int(suite.get("tests")) != n or int(suite.get("failures")) != f:
            problems.append(f"{path}: suite {suite.get('name')} counts do not add up")
    return len(cases)


def main(paths):
    problems = []
    for path in paths:
        if path.endswith(".json"):
            n = gitlab(path, problems)
            kind = "issues"
        else:
            n = junit(path, problems)
            kind = "test cases"
        print(f"{path}: {n} {kind}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"validate-reports: {len(paths)} reports, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
