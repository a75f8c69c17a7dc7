#!/usr/bin/env bash
# The real-world corpus benchmark (issue 15): lay out the repositories of corpus/repos.toml at
# their pinned commits from local clones, run `launchgate check --format json` on each, and
# score the findings against corpus/expected/<owner>+<name>.toml. Prints Markdown tables
# (verdict per repository, per-rule true/false/noise/unjudged) for docs/real-world.md.
#
#   scripts/corpus.sh [--launchgate BIN] [--mirror-dir DIR] [--corpus-dir DIR] [--only NAME]...
#                     [--mode pr|operator|cutover] [--dump FILE] [--unjudged]
#
# --mirror-dir holds one local git clone per repository (<owner>+<name>/repo as the search
# tool's fetch leaves it, <owner>+<name>, or <name>); the network is never used. Without
# --launchgate the debug binary of this checkout is built and used.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
args=("$@")
if [[ " $* " != *" --launchgate "* ]]; then
  cargo build --quiet --bin launchgate
  args+=(--launchgate "$PWD/target/debug/launchgate")
fi
exec python3 scripts/corpus.py "${args[@]}"
