#!/usr/bin/env bash
# Installs launchgate for the composite action (action.yml), in seconds when it can:
#
#   released ref (a tag such as v0.1.0 or v0, or the commit SHA a release was built from):
#     download the release archive for this runner, check its SHA-256 against the release's
#     SHA256SUMS, unpack the binary. A checksum mismatch is fatal: never run an unverified
#     binary, never fall back to something else after one.
#   unreleased ref (a branch, or a commit no release was built from), or no archive for this
#   runner: `cargo install --locked` from the action's own source.
#
# Environment (all set by action.yml; the test sets them to a local stand-in release):
#   ACTION_PATH    the action's checkout (its Cargo.toml names the version)
#   ACTION_REF     the ref the workflow used (`uses: launchgate/launchgate@REF`)
#   INSTALL_DIR    where bin/launchgate goes (cached by the action between runs)
#   RELEASE_BASE   release downloads, default https://github.com/launchgate/launchgate/releases/download
#                  (any URL curl reads, file:// included)
#   CARGO_INSTALL_ARGS  extra `cargo install` arguments (the test passes --debug)
# Prints the install mode on stdout as `mode=cached|release|source` (for $GITHUB_OUTPUT).
set -euo pipefail

: "${ACTION_PATH:?ACTION_PATH is required}"
: "${INSTALL_DIR:?INSTALL_DIR is required}"
ACTION_REF="${ACTION_REF:-}"
RELEASE_BASE="${RELEASE_BASE:-https://github.com/launchgate/launchgate/releases/download}"

log() { printf 'launchgate install: %s\n' "$*" >&2; }

version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)
if [ -z "$version" ]; then
  log "no version in $ACTION_PATH/Cargo.toml"
  exit 1
fi
tag="v$version"

case "$(uname -s)" in
  Linux) os=unknown-linux-musl ;;
  Darwin) os=apple-darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT) os=pc-windows-msvc ;;
  *) os="" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) arch="" ;;
esac
target=""
if [ -n "$os" ] && [ -n "$arch" ]; then target="$arch-$os"; fi
if [ "$os" = pc-windows-msvc ]; then ext=.zip; exe=.exe; else ext=.tar.gz; exe=""; fi
bin="$INSTALL_DIR/bin/launchgate$exe"

# A binary restored from the cache for this version and an immutable ref (a tag or a commit;
# a branch moves, so its build is redone, incrementally, from the cargo cache).
immutable=false
if [[ "$ACTION_REF" =~ ^v[0-9]+(\.[0-9]+){0,2}$ || "$ACTION_REF" =~ ^[0-9a-f]{40}$ ]]; then
  immutable=true
fi
if $immutable && [ -x "$bin" ] &&
  [ "$("$bin" --version 2>/dev/null || true)" = "launchgate $version" ]; then
  log "launchgate $version restored from the cache"
  echo "mode=cached"
  exit 0
fi

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"; }

# Is ACTION_REF a release? A v-tag names one; a commit SHA is one when the release's COMMIT
# file says it was built from that commit. Anything else builds from source.
released=false
if [[ "$ACTION_REF" =~ ^v[0-9]+(\.[0-9]+){0,2}$ ]]; then
  released=true
elif [[ "$ACTION_REF" =~ ^[0-9a-f]{40}$ ]]; then
  if fetch "$RELEASE_BASE/$tag/COMMIT" "$work/COMMIT" 2>/dev/null &&
    [ "$(tr -d '[:space:]' < "$work/COMMIT")" = "$ACTION_REF" ]; then
    released=true
  fi
fi

if $released && [ -n "$target" ]; then
  name="launchgate-$tag-$target"
  if fetch "$RELEASE_BASE/$tag/$name$ext" "$work/$name$ext" 2>/dev/null &&
    fetch "$RELEASE_BASE/$tag/SHA256SUMS" "$work/SHA256SUMS" 2>/dev/null; then
    expected=$(awk -v f="$name$ext" '$2 == f || $2 == "*" f { print $1 }' "$work/SHA256SUMS")
    actual=$(sha256 "$work/$name$ext")
    if [ -z "$expected" ]; then
      log "SHA256SUMS of $tag has no line for $name$ext: refusing to install it"
      exit 1
    fi
    if [ "$expected" != "$actual" ]; then
      log "checksum mismatch for $name$ext: expected $expected, got $actual: refusing to install it"
      exit 1
    fi
    if [ "$ext" = .zip ] && command -v unzip >/dev/null 2>&1; then
      unzip -q "$work/$name$ext" -d "$work"
    elif [ "$ext" = .zip ]; then
      powershell -NoProfile -Command "Expand-Archive -Path '$work/$name$ext' -DestinationPath '$work'"
    else
      tar -xzf "$work/$name$ext" -C "$work"
    fi
    mkdir -p "$INSTALL_DIR/bin"
    cp "$work/$name/launchgate$exe" "$bin"
    chmod +x "$bin"
    log "launchgate $version ($target) from the $tag release, SHA-256 verified"
    echo "mode=release"
    exit 0
  fi
  log "no $tag release archive for $target: building from source instead"
elif $released; then
  log "no release build for $(uname -s) $(uname -m): building from source instead"
else
  log "${ACTION_REF:-this ref} is not a release: building launchgate $version from source"
fi

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo is not installed: add a Rust toolchain step, or pin the action to a release"
  exit 1
fi
# shellcheck disable=SC2086 # CARGO_INSTALL_ARGS is a list of flags
cargo install --locked --quiet ${CARGO_INSTALL_ARGS:-} --path "$ACTION_PATH" --root "$INSTALL_DIR"
log "launchgate $version built from source"
echo "mode=source"
