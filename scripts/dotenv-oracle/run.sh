#!/usr/bin/env bash
# Regenerates tests/data/dotenv/: the snippets of four dotenv projects' test suites and what
# the reference parsers make of each. Needs git clones of the projects under $1 (named
# owner+repo), node + npm, python3, bash. Installs the pinned oracles into a temp directory.
set -euo pipefail
src=${1:?usage: run.sh DIR_WITH_CLONES}
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../.." && pwd)/tests/data/dotenv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
(cd "$work" && npm init -y >/dev/null && npm install --silent dotenv@17.4.2 dotenv-expand@12.0.3)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q python-dotenv==1.2.4
python3 "$here/extract.py" "$src" "$out/cases.json"
NODE_PATH="$work/node_modules" node "$here/oracle-node.js" "$out/cases.json" > "$out/node.json"
env -i "$work/venv/bin/python" "$here/oracle-python.py" "$out/cases.json" > "$out/python.json"
python3 "$here/oracle-shell.py" "$out/cases.json" > "$out/shell.json"
echo "wrote $out"
