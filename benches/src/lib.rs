//! Fixtures shared by the benchmarks (native) and the WebAssembly build of
//! Sotto's primitive layer used by the JavaScript benchmarks (wasm32).
//!
//! Natively this crate sets up the two peers the benchmarks compare: Sotto
//! and vodozemac (Olm), with the same 100-byte messages, through each
//! library's public API only. Account creation is excluded from every
//! handshake measurement, for both libraries.
//!
//! On `wasm32` it exports Sotto's primitive layer (`sotto::primitives`) to
//! JavaScript, because the `sotto` npm package deliberately does not: the
//! JavaScript benchmarks compare those exports with libsodium, noble and
//! `node:crypto`. It is built with the same `wasm-release` profile as the
//! npm package.

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

#[cfg(target_arch = "wasm32")]
mod wasm;
