#!/usr/bin/env python3
"""What `set -a; . FILE` gives in bash, for every snippet.

Each snippet is sourced in a throwaway directory by `bash --norc --noprofile` started with an
empty environment and PATH pointing nowhere, so `$(..)` and backticks can run no program
(only builtins), under a 5-second timeout. Usage: oracle-shell.py CASES_JSON > OUT_JSON"""
import json, subprocess, sys, tempfile
from pathlib import Path

BASELINE = {"PATH", "PWD", "SHLVL", "_", "OLDPWD", "__lg_status"}
SCRIPT = ('set -a; . ./snippet.env >/dev/null 2>&1; __lg_status=$?; set +a; '
          'printf "%s\\0" "$__lg_status"; '
          'for k in $(compgen -e); do printf "%s\\0%s\\0" "$k" "${!k}"; done')

cases = json.load(open(sys.argv[1], encoding="utf-8"))
out = {}
for c in cases:
    with tempfile.TemporaryDirectory() as d:
        Path(d, "snippet.env").write_text(c["text"], encoding="utf-8")
        try:
            p = subprocess.run(
                ["timeout", "5", "env", "-i", "PATH=/nonexistent-launchgate-oracle",
                 "/bin/bash", "--norc", "--noprofile", "-c", SCRIPT],
                cwd=d, capture_output=True, stdin=subprocess.DEVNULL)
            parts = p.stdout.decode("utf-8", "replace").split("\0")
            status = parts[0] if parts else ""
            pairs = parts[1:-1]
            vars_ = {pairs[i]: pairs[i + 1] for i in range(0, len(pairs) - 1, 2)
                     if pairs[i] not in BASELINE}
            out[c["id"]] = {"status": status, "vars": vars_}
        except Exception as e:  # noqa: BLE001 - recorded, not fatal
            out[c["id"]] = {"status": "error", "vars": {}, "error": str(e)}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
