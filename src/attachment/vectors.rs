//! The attachment known-answer vector generator
//! (`tests/vectors/sotto-v1-attachments.json`, PROTOCOL.md §16.7).
//!
//! Deterministic: each file key is drawn from a seeded ChaCha20 generator and
//! recorded as `random.file_key` (the only draw of an attachment
//! encryption). `regenerated_attachment_vectors_match_the_committed_file`
//! fails when the output changes; rewrite the file deliberately with
//! `SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib attachment::vectors`.

extern crate std;

use super::{FileKey, Params, encrypt_with_key};
use crate::padding::Padding;
use crate::vectors::recording::hex;
use alloc::vec;
use alloc::vec::Vec;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

const SEED: u64 = 0x5077_0016;

/// The largest plaintext written out in hex; longer ones are `j mod 251`.
const MAX_HEX_PLAINTEXT: usize = 4096;

/// The plaintext of every case: byte `j` is `j mod 251`.
pub(crate) fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|j| (j % 251) as u8).collect()
}

/// (name, plaintext size, chunk size, padding, content type)
const CASES: &[(&str, usize, u32, Padding, &str)] = &[
    ("empty_file", 0, 1024, Padding::None, ""),
    ("empty_file_padme", 0, 1024, Padding::Padme, "text/plain"),
    ("one_exact_chunk", 1024, 1024, Padding::None, "image/png"),
    ("partial_last_chunk", 2500, 1024, Padding::None, "audio/ogg"),
    (
        "padme_partial_last_chunk",
        1500,
        1024,
        Padding::Padme,
        "image/jpeg",
    ),
    (
        "padme_adds_a_chunk",
        32_769,
        1024,
        Padding::Padme,
        "video/mp4",
    ),
];

fn case(
    rng: &mut ChaCha20Rng,
    (name, len, chunk_size, padding, content_type): (&str, usize, u32, Padding, &str),
) -> Value {
    let file_key = FileKey::generate(rng).unwrap();
    let key_bytes = *file_key.expose();
    let params = Params::new(chunk_size, padding).unwrap();
    let plaintext = pattern(len);
    let chunk_key = file_key.chunk_key(chunk_size);
    let (descriptor, ciphertext) =
        encrypt_with_key(file_key, &plaintext, params, content_type).unwrap();
    json!({
        "name": name,
        "random": { "file_key": hex(&key_bytes) },
        "chunk_size": chunk_size,
        "padding": padding.to_byte(),
        "content_type": content_type,
        "plaintext_size": len,
        "plaintext": if len <= MAX_HEX_PLAINTEXT { json!(hex(&plaintext)) } else { Value::Null },
        "chunk_key": hex(chunk_key.expose()),
        "padded_size": descriptor.layout.padded_size,
        "chunk_count": descriptor.chunk_count(),
        "ciphertext": hex(&ciphertext),
        "digest": hex(descriptor.digest()),
        "descriptor": hex(&descriptor.to_bytes()),
    })
}

fn invalid_descriptors(valid: &[u8]) -> Value {
    let mutate = |at: usize, bytes: &[u8]| {
        let mut out = valid.to_vec();
        out.splice(at..at + bytes.len(), bytes.iter().copied());
        out
    };
    let mut trailing = valid.to_vec();
    trailing.push(0);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty input", Vec::new(), "TRUNCATED"),
        ("version 2", mutate(0, &[2]), "UNSUPPORTED_VERSION"),
        (
            "kind of a sealed session",
            mutate(1, &[5]),
            "WRONG_OBJECT_TYPE",
        ),
        ("cut inside the digest", valid[..50].to_vec(), "TRUNCATED"),
        (
            "cut inside the content type",
            valid[..valid.len() - 1].to_vec(),
            "TRUNCATED",
        ),
        (
            "plaintext size 2^36 + 1",
            mutate(66, &(1u64 << 36 | 1).to_be_bytes()),
            "TOO_LARGE",
        ),
        (
            "chunk size 1023",
            mutate(74, &1023u32.to_be_bytes()),
            "MALFORMED",
        ),
        (
            "chunk size 2^20 + 1",
            mutate(74, &((1u32 << 20) + 1).to_be_bytes()),
            "MALFORMED",
        ),
        ("padding byte 2", mutate(78, &[2]), "MALFORMED"),
        ("content type byte 0x7f", mutate(80, &[0x7f]), "MALFORMED"),
        ("content type byte 0x0a", mutate(80, &[0x0a]), "MALFORMED"),
        ("a byte after the content type", trailing, "TRAILING_BYTES"),
    ];
    cases
        .into_iter()
        .map(|(description, bytes, error)| {
            json!({ "description": description, "descriptor": hex(&bytes), "error": error })
        })
        .collect()
}

pub(crate) fn generate() -> Value {
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let cases: Vec<Value> = CASES.iter().map(|c| case(&mut rng, *c)).collect();
    let valid = cases
        .iter()
        .find(|c| c["name"] == "one_exact_chunk")
        .and_then(|c| c["descriptor"].as_str())
        .map(|h| {
            (0..h.len() / 2)
                .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
                .collect::<Vec<u8>>()
        })
        .unwrap();
    json!({
        "description": "Sotto v1 attachment vectors (PROTOCOL.md §16). Plaintext byte j is j mod 251.",
        "generator": "SOTTO_WRITE_VECTORS=1 cargo test -p sotto --lib attachment::vectors",
        "cases": cases,
        "invalid_descriptors": invalid_descriptors(&valid),
    })
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sotto-v1-attachments.json")
}

#[test]
fn regenerated_attachment_vectors_match_the_committed_file() {
    let generated = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("SOTTO_WRITE_VECTORS").is_some() {
        std::fs::write(path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path()).expect(
        "tests/vectors/sotto-v1-attachments.json is missing; write it with SOTTO_WRITE_VECTORS=1",
    );
    assert!(
        committed == generated,
        "attachment vectors changed; if deliberate, rewrite with SOTTO_WRITE_VECTORS=1"
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generate(), generate());
}
