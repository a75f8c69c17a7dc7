#!/usr/bin/env python3
"""The declared `rust-version` must be at least every locked dependency's `rust-version`.

Usage: cargo metadata --format-version 1 --locked | check-msrv.py
Only one toolchain can be installed here, so the minimum is derived rather than built:
the dependencies declare theirs (this script), and our own code's use of the standard
library is checked by clippy's `incompatible_msrv` lint, which reads the same field
(`cargo clippy` in .ci/run). Exits 1 when a dependency needs a newer Rust than declared.
"""

import json
import sys


def version(text):
    """`1.85` and `1.85.0` are the same Rust: compare as (major, minor, patch)."""
    parts = [int(part) for part in text.split(".")]
    return tuple((parts + [0, 0, 0])[:3])


def main():
    meta = json.load(sys.stdin)
    ours = next(p for p in meta["packages"] if p["name"] == "launchgate")
    declared = ours.get("rust_version")
    if not declared:
        print("Cargo.toml declares no rust-version", file=sys.stderr)
        return 1
    needs = sorted(
        ((version(p["rust_version"]), p["name"], p["version"])
         for p in meta["packages"]
         if p.get("rust_version") and p["name"] != "launchgate"),
        reverse=True,
    )
    newest = needs[0] if needs else ((0,), "", "")
    too_new = [n for n in needs if n[0] > version(declared)]
    for v, name, ver in too_new:
        print(f"{name} {ver} needs Rust {'.'.join(map(str, v[:2]))}, above rust-version = {declared}",
              file=sys.stderr)
    print(f"rust-version = {declared}; the highest a locked dependency needs: "
          f"{'.'.join(map(str, newest[0][:2]))} ({newest[1]} {newest[2]}); {len(needs)} dependencies declare one")
    return 1 if too_new else 0


if __name__ == "__main__":
    sys.exit(main())
