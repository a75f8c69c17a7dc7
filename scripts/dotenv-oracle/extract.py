#!/usr/bin/env python3
"""Extract env-file snippets from the test suites of four dotenv projects.

Usage: extract.py SRC_DIR OUT_JSON
SRC_DIR holds clones named owner+repo (motdotla+dotenv, motdotla+dotenv-expand,
theskumar+python-dotenv, allan2+dotenvy, dotenv-linter+dotenv-linter).
A snippet is a string literal of a test that looks like env-file text, a line of a fixture
env file, or a whole fixture file. Only the text is kept (no expected values: those come
from running the reference parsers, see run.sh).
"""
import ast, json, re, subprocess, sys
from pathlib import Path

KEYLINE = re.compile(r"""^[ \t]*(export[ \t]+)?['"]?[A-Za-z_\[][A-Za-z0-9_.\-]*['"]?[ \t]*[=:]""", re.M)

def looks_like_env(s):
    return "=" in s and KEYLINE.search(s) is not None and len(s) < 4000

def js_unescape(body, q):
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            d = body[i + 1]
            if d in simple: out.append(simple[d]); i += 2; continue
            if d == "u" and re.match(r"[0-9a-fA-F]{4}", body[i+2:i+6]):
                out.append(chr(int(body[i+2:i+6], 16))); i += 6; continue
            if d == "\n": i += 2; continue
            out.append(d); i += 2; continue
        out.append(c); i += 1
    return "".join(out)

def js_strings(text):
    # Comments first, so an apostrophe in a comment does not open a literal.
    pat = re.compile(r"//[^\n]*|/\*.*?\*/|'((?:\\.|[^'\\\n])*)'|\"((?:\\.|[^\"\\\n])*)\"|`((?:\\.|[^`\\])*)`", re.S)
    for m in pat.finditer(text):
        for q, g in (("'", 1), ('"', 2), ("`", 3)):
            body = m.group(g)
            if body is not None and not (q == "`" and "${" in body):
                yield js_unescape(body, q)

def expand_parsed_objects(text):
    # dotenv-expand's tests give already-parsed objects: `parsed: { KEY: 'value', ... }`.
    # Each becomes a file of unquoted KEY=value lines when every value can be written so.
    for m in re.finditer(r"parsed:\s*\{([^{}]*)\}", text):
        lines = []
        ok = True
        for km in re.finditer(r"([A-Za-z_][A-Za-z0-9_.]*)\s*:\s*'((?:\\.|[^'\\])*)'", m.group(1)):
            v = js_unescape(km.group(2), "'")
            if re.search(r"[\s#'\"`\\]", v):
                ok = False
            lines.append(f"{km.group(1)}={v}")
        if ok and lines:
            yield "\n".join(lines) + "\n"

def rust_strings(text):
    pat = re.compile(r'//[^\n]*|r(#*)"(.*?)"\1|b?"((?:\\.|[^"\\])*)"|\'(?:\\.|[^\\\'])\'', re.S)
    for m in pat.finditer(text):
        if m.group(2) is not None:
            yield m.group(2)
        elif m.group(3) is not None:
            body = m.group(3)
            body = re.sub(r"\\\n\s*", "", body)
            yield js_unescape(body, '"')

def py_strings(text):
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value

def fixture_snippets(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    yield text
    for line in text.splitlines(keepends=True):
        yield line

def main():
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    plan = [
        ("motdotla/dotenv", "tests/*.js", js_strings),
        ("motdotla/dotenv", "tests/.env*", fixture_snippets),
        ("motdotla/dotenv-expand", "tests/*.js", js_strings),
        ("motdotla/dotenv-expand", "tests/*.js", expand_parsed_objects),
        ("motdotla/dotenv-expand", "tests/.env*", fixture_snippets),
        ("theskumar/python-dotenv", "tests/*.py", py_strings),
        ("allan2/dotenvy", "dotenvy/src/*.rs", rust_strings),
        ("allan2/dotenvy", "dotenvy/tests/*.rs", rust_strings),
        ("dotenv-linter/dotenv-linter", "dotenv-*/src/**/*.rs", rust_strings),
        ("dotenv-linter/dotenv-linter", "dotenv-*/tests/**/*.rs", rust_strings),
        ("dotenv-linter/dotenv-linter", "dotenv-cli/tests/**/*.golden", fixture_snippets),
    ]
    seen, cases = set(), []
    for project, glob, reader in plan:
        root = src / project.replace("/", "+")
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        for path in sorted(root.glob(glob)):
            if not path.is_file():
                continue
            if reader is fixture_snippets:
                found = reader(path)
            else:
                found = reader(path.read_text(encoding="utf-8", errors="replace"))
            for s in found:
                if not looks_like_env(s) or s in seen:
                    continue
                seen.add(s)
                cases.append({"id": len(cases), "project": project, "commit": commit,
                              "file": str(path.relative_to(root)), "text": s})
    out.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} snippets", file=sys.stderr)

if __name__ == "__main__":
    main()
