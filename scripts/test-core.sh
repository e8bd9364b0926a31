#!/usr/bin/env bash
# The Rust core: formatting, lints, unit/integration/property/known-answer
# tests, doctests, and the no_std and wasm32 builds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rustup target add thumbv7em-none-eabihf wasm32-unknown-unknown >/dev/null 2>&1 || true

cargo fmt --all -- --check
cargo clippy -p sotto --all-targets -- -D warnings
# Unit, integration (conversations, properties, Wycheproof, vectors, corpus
# replay, secrets, misuse) and doctests, including the README's Rust block.
cargo test -p sotto --release
# no_std: a microcontroller target without an OS, allocator-only.
cargo build -p sotto --no-default-features --target thumbv7em-none-eabihf
cargo build -p sotto --no-default-features --target wasm32-unknown-unknown
RUSTDOCFLAGS="-D warnings" cargo doc -p sotto --no-deps
# The main job must keep running.
cargo run -p sotto --release --example secret_chat
# The attachments demo (PROTOCOL.md §16): 64 MiB streamed, seek, peak memory.
cargo run -p sotto --release --example attachment -- 64
