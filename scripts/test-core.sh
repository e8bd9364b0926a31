#!/usr/bin/env bash
# The Rust core: formatting, lints, unit/integration/property/known-answer
# tests, doctests, and the no_std and wasm32 builds.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add thumbv7em-none-eabihf wasm32-unknown-unknown >/dev/null 2>&1 || true

cargo fmt --all -- --check
cargo clippy -p sotto --all-targets -- -D warnings
cargo test -p sotto --release
cargo test -p sotto --release --doc
# no_std: a microcontroller target without an OS, allocator-only.
cargo build -p sotto --no-default-features --target thumbv7em-none-eabihf
cargo build -p sotto --no-default-features --target wasm32-unknown-unknown
cargo doc -p sotto --no-deps
