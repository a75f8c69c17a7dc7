#!/usr/bin/env python3
"""The real-world corpus: lay out pinned repositories, run launchgate on each, score the findings
against the judged expectations in corpus/expected/<repo>.toml. Called by scripts/corpus.sh.

A judgement is keyed by rule + file + line (+ subject when given); `line` may be omitted to judge
every finding of that rule in that file at once (a generated file, a changelog), and `file` may
end in `*` to judge a whole folder (each such class judgement says why). The first matching
judgement wins, so specific lines go before broad ones.

This script never modifies a scanned repository's tracked files and never prints finding
messages beyond what launchgate printed (which is scrubbed of secrets).
"""
import argparse
import collections
import fnmatch
import json
import os
import subprocess
import sys
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VALUES = ("true", "false", "noise")


def load_manifest(path):
    with open(path, "rb") as f:
        return tomllib.load(f)["repo"]


def slug(repo):
    return repo["name"].replace("/", "+")


def git(*args, cwd=None, check=True, capture=True):
    return subprocess.run(
        ["git", *args], cwd=cwd, check=check, text=True,
        stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE,
    )


def find_source(mirror_dir, repo):
    """A local git directory holding the repository: a fetch mirror (<slug>/repo) or a clone."""
    for cand in (os.path.join(mirror_dir, slug(repo), "repo"), os.path.join(mirror_dir, slug(repo)),
                 os.path.join(mirror_dir, repo["name"].split("/")[1])):
        if os.path.isdir(cand):
            return cand
    return None


def layout(repo, mirror_dir, dest):
    """A work tree of the repository at its pinned commit. Blobs absent from a snapshot (the
    largest files may be) are left out with sparse checkout, so the tree is otherwise exact."""
    target = os.path.join(dest, slug(repo))
    commit = repo["commit"]
    if os.path.isdir(os.path.join(target, ".git")):
        head = git("rev-parse", "HEAD", cwd=target, check=False).stdout.strip()
        if head == commit:
            return target, "kept"
    src = find_source(mirror_dir, repo)
    if src is None:
        return None, f"no local clone of {repo['name']} under {mirror_dir}"
    if os.path.exists(target):
        subprocess.run(["rm", "-rf", target], check=True)
    git("clone", "-q", "--shared", "--no-checkout", src, target)
    listing = git("ls-tree", "-r", "-z", commit, cwd=target).stdout.split("\0")
    blobs = [(e.split("\t", 1)[0].split()[2], e.split("\t", 1)[1]) for e in listing
             if e and e.split()[1] == "blob"]
    check = subprocess.run(["git", "cat-file", "--batch-check"], cwd=target, text=True,
                           input="\n".join(b for b, _ in blobs) + "\n", stdout=subprocess.PIPE,
                           check=True).stdout.splitlines()
    missing = [p for (b, p), line in zip(blobs, check) if line.endswith("missing")]
    if missing:
        git("sparse-checkout", "set", "--no-cone", "/*", *["!/" + p for p in missing], cwd=target)
    git("-c", "advice.detachedHead=false", "checkout", "-q", "--detach", commit, cwd=target)
    return target, f"laid out ({len(missing)} absent blobs left out)" if missing else "laid out"


def load_expected(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = []
    for j in data.get("finding", []):
        if j.get("judgement") not in VALUES:
            raise SystemExit(f"{path}: judgement must be one of {VALUES}: {j}")
        out.append(j)
    return out


def match(j, f):
    loc = f["location"]
    if j["rule"] != f["rule"]:
        return False
    pattern = j["file"]
    if pattern.endswith("*") or "*" in pattern:
        if not fnmatch.fnmatchcase(loc["file"], pattern):
            return False
    elif pattern != loc["file"]:
        return False
    if "line" in j and j["line"] != loc["line"]:
        return False
    if "subject" in j and j["subject"] != f.get("subject"):
        return False
    return True


def judge(findings, expected):
    for f in findings:
        f["judgement"] = "unjudged"
        f["sampled"] = False
        for j in expected:
            if match(j, f):
                f["judgement"] = j["judgement"]
                f["why"] = j.get("why", "")
                f["sampled"] = "line" in j
                break


def run_one(lg, target, mode):
    args = [lg, "check", "--no-cache", "--format", "json", target]
    if mode:
        args[2:2] = ["--mode", mode]
    t0 = time.monotonic()
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - t0
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"{target}: launchgate printed no JSON report: {proc.stderr[:500]}")
    human = subprocess.run([a for a in args if a not in ("--format", "json")], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    return report, elapsed, human.stdout.count("\n")


def pct(a, b):
    return f"{100 * a / b:.0f} %" if b else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--launchgate", required=True)
    ap.add_argument("--mirror-dir", default="/work/.mirror")
    ap.add_argument("--corpus-dir", default=os.environ.get("CORPUS_DIR", "/work/corpus"))
    ap.add_argument("--manifest", default=os.path.join(ROOT, "corpus", "repos.toml"))
    ap.add_argument("--expected", default=os.path.join(ROOT, "corpus", "expected"))
    ap.add_argument("--only", action="append", help="a repository name (repeatable)")
    ap.add_argument("--mode", help="passed to launchgate check --mode")
    ap.add_argument("--dump", help="write every finding with its judgement here (JSON lines)")
    ap.add_argument("--unjudged", action="store_true", help="list unjudged findings")
    args = ap.parse_args()

    repos = load_manifest(args.manifest)
    if args.only:
        repos = [r for r in repos if r["name"] in args.only or slug(r) in args.only]
    os.makedirs(args.corpus_dir, exist_ok=True)
    per_rule = collections.defaultdict(collections.Counter)
    rows, dump, unjudged = [], [], []
    for repo in repos:
        target, how = layout(repo, args.mirror_dir, args.corpus_dir)
        if target is None:
            print(f"skipped: {how}", file=sys.stderr)
            continue
        report, elapsed, human_lines = run_one(args.launchgate, target, args.mode)
        findings = report["findings"]
        judge(findings, load_expected(os.path.join(args.expected, slug(repo) + ".toml")))
        errs = [f for f in findings if f["severity"] == "error"]
        for f in findings:
            per_rule[(f["rule"], f["severity"])][f["judgement"]] += 1
            if f["sampled"]:
                per_rule[(f["rule"], f["severity"])]["sampled"] += 1
            dump.append({"repo": repo["name"], **{k: f.get(k) for k in (
                "rule", "severity", "subject", "message", "judgement", "why")}, **f["location"]})
            if f["judgement"] == "unjudged":
                unjudged.append((repo["name"], f))
        true_errs = sum(1 for f in errs if f["judgement"] == "true")
        rows.append((repo["name"], report["verdict"], len(errs), true_errs,
                     len(findings) - len(errs), human_lines, elapsed))

    print("| repository | verdict | errors | errors judged true | warnings | human report lines | time |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, verdict, e, te, w, hl, t in rows:
        print(f"| {name} | {verdict} | {e} | {te} | {w} | {hl} | {t:.2f} s |")
    print()
    print("| rule | severity | findings | true | false | noise | unjudged | precision (judged) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    tot = {s: collections.Counter() for s in ("error", "warning")}
    for (rule, sev), c in sorted(per_rule.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        n = sum(c[v] for v in (*VALUES, "unjudged"))
        judged = sum(c[v] for v in VALUES)
        tot[sev].update(c)
        print(f"| {rule} | {sev} | {n} | {c['true']} | {c['false']} | {c['noise']} | {c['unjudged']} "
              f"| {pct(c['true'], judged)} |")
    print()
    for sev in ("error", "warning"):
        c = tot[sev]
        judged = sum(c[v] for v in VALUES)
        n = judged + c["unjudged"]
        print(f"- {sev}s: {n} findings, {judged} judged: {c['true']} true, {c['false']} false, "
              f"{c['noise']} noise; precision {pct(c['true'], judged)}")
    go = sum(1 for r in rows if r[1] == "GO")
    print(f"- verdicts: {go} GO, {len(rows) - go} NO-GO of {len(rows)} repositories")
    if args.dump:
        with open(args.dump, "w") as f:
            for d in dump:
                f.write(json.dumps(d) + "\n")
    if args.unjudged:
        print("\nunjudged:", file=sys.stderr)
        for name, f in unjudged:
            loc = f["location"]
            print(f"  {name} {f['severity']} {f['rule']} {loc['file']}:{loc['line']} {f['message'][:140]}",
                  file=sys.stderr)


if __name__ == "__main__":
    main()
