# Helpers shared by scripts/*.sh. Source it, do not run it:
#
#   . "$(dirname "$0")/lib.sh"
#
# It changes to the repository root (ROOT), loads the pinned tool versions
# (scripts/versions.env; an environment variable of the same name wins) and
# defines the functions below. Log lines of functions whose output is
# captured go to stderr.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Pinned versions: the environment overrides versions.env.
while IFS='=' read -r name value; do
  case "$name" in '' | \#*) continue ;; esac
  if [ -z "${!name:-}" ]; then
    value=${value%\"}
    value=${value#\"}
    export "$name=$value"
  fi
done <"$ROOT/scripts/versions.env"

# as_root CMD...: runs CMD as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "$(basename "$0"): need root for: $*" >&2
    return 1
  fi
}

# apt_install PKG...: installs Debian packages, after one apt-get update per script.
_apt_updated=0
apt_install() {
  if [ "$_apt_updated" -eq 0 ]; then
    as_root apt-get update -qq
    _apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# lock_version CRATE: the version of CRATE in Cargo.lock (the first entry).
lock_version() {
  awk -v want="name = \"$1\"" '$0 == want { getline; gsub(/version = |"/, ""); print; exit }' \
    "$ROOT/Cargo.lock"
}

# cargo_target_dir: where cargo puts artifacts (honours CARGO_TARGET_DIR and
# cargo configuration), as an absolute path.
cargo_target_dir() {
  local dir
  dir=$(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p' || true)
  dir=${dir:-${CARGO_TARGET_DIR:-target}}
  case "$dir" in /*) ;; *) dir=$ROOT/$dir ;; esac
  echo "$dir"
}

# tool_version 'VERSION-COMMAND': the second word of the command's output
# (`cbindgen --version` prints `cbindgen 0.29.4`), empty when it fails.
tool_version() {
  # shellcheck disable=SC2086 # the command is words
  $1 2>/dev/null | awk '{ print $2; exit }' || true
}

# ensure_cargo_tool CRATE VERSION 'VERSION-COMMAND' [cargo install options]:
# installs CRATE at exactly VERSION unless VERSION-COMMAND already reports it.
ensure_cargo_tool() {
  local crate=$1 want=$2 command=$3 have
  shift 3
  have=$(tool_version "$command")
  if [ "$have" != "$want" ]; then
    echo "installing $crate $want (found: ${have:-none})" >&2
    cargo install "$crate" --version "$want" "$@" >&2
  fi
}

# nightly_toolchain: prints the name of the pinned nightly toolchain
# (SOTTO_NIGHTLY), installing it with rustup if needed. Where the dated
# toolchain cannot be installed (no access to the rustup dist server), a
# toolchain named `nightly` is used if and only if its rustc is exactly
# SOTTO_NIGHTLY_RUSTC; anything else fails with a message saying what to do.
nightly_toolchain() {
  local candidate version
  if ! rustup run "$SOTTO_NIGHTLY" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$SOTTO_NIGHTLY" --profile minimal >&2 ||
      echo "could not install $SOTTO_NIGHTLY; looking for an identical 'nightly'" >&2
  fi
  for candidate in "$SOTTO_NIGHTLY" nightly; do
    version=$(rustup run "$candidate" rustc --version 2>/dev/null || true)
    if [ "$version" = "$SOTTO_NIGHTLY_RUSTC" ]; then
      echo "$candidate"
      return 0
    fi
  done
  {
    echo "$(basename "$0"): the pinned nightly is $SOTTO_NIGHTLY ($SOTTO_NIGHTLY_RUSTC),"
    echo "  installed: $SOTTO_NIGHTLY: $(rustup run "$SOTTO_NIGHTLY" rustc --version 2>&1 | head -1)"
    echo "             nightly: $(rustup run nightly rustc --version 2>&1 | head -1)"
    echo "  install it (rustup toolchain install $SOTTO_NIGHTLY --profile minimal), or move"
    echo "  the pin in scripts/versions.env deliberately (and re-run the hardening section)."
  } >&2
  return 1
}

# wasm_opt_size IN OUT: the size optimisation of the npm package's .wasm
# (binaryen's wasm-opt from js-tests/node_modules, version pinned there).
# wasm-opt 132 must be told about every feature rustc 1.95 enables by default
# for wasm32-unknown-unknown (bulk memory, nontrapping float-to-int, sign-ext,
# mutable globals, multivalue, reference types, and the overlong call_indirect
# encoding that reference types imply).
wasm_opt_size() {
  "$ROOT/js-tests/node_modules/.bin/wasm-opt" --enable-bulk-memory --enable-bulk-memory-opt \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-multivalue --enable-reference-types --enable-call-indirect-overlong \
    -Oz --strip-debug --strip-producers "$1" -o "$2"
}
