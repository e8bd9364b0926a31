//! Attachments (PROTOCOL.md §16) through the public API: the known-answer
//! vectors of tests/vectors/sotto-v1-attachments.json replayed through every
//! way of decrypting, negative tests (each attack a typed error), and
//! property tests of streaming and random access.

use proptest::prelude::*;
use serde_json::Value;
use sotto::Error;
use sotto::Padding;
use sotto::attachment::{
    self, DecryptingReader, Decryptor, Descriptor, EncryptingWriter, Encryptor, FileKey, Params,
};
use std::io::{Read, Write};

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/sotto-v1-attachments.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn plaintext_of(case: &Value) -> Vec<u8> {
    match case["plaintext"].as_str() {
        Some(hex) => unhex(hex),
        None => (0..case["plaintext_size"].as_u64().unwrap())
            .map(|j| (j % 251) as u8)
            .collect(),
    }
}

fn padding_of(byte: u64) -> Padding {
    if byte == 1 {
        Padding::Padme
    } else {
        Padding::None
    }
}

/// Decrypts with the no-alloc streaming API, chunk by chunk.
fn stream_decrypt(descriptor: &Descriptor, ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let mut decryptor = Decryptor::new(descriptor);
    let mut buffer = vec![0u8; descriptor.params().buffer_len()];
    let mut rest = ciphertext;
    let mut out = Vec::new();
    while let Some(len) = decryptor.next_chunk_len() {
        let take = len.min(rest.len());
        buffer[..take].copy_from_slice(&rest[..take]);
        rest = &rest[take..];
        let data = decryptor.decrypt_chunk(&mut buffer[..take])?;
        out.extend_from_slice(&buffer[..data]);
    }
    if !rest.is_empty() {
        return Err(Error::TrailingBytes);
    }
    decryptor.finish()?;
    Ok(out)
}

/// Decrypts with the `std::io::Read` adapter.
fn reader_decrypt(descriptor: &Descriptor, ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    DecryptingReader::new(ciphertext, descriptor)
        .read_to_end(&mut out)
        .map_err(|e| *e.get_ref().unwrap().downcast_ref::<Error>().unwrap())?;
    Ok(out)
}

#[test]
fn vectors_replay_through_every_api() {
    let v = vectors();
    let cases = v["cases"].as_array().unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for required in ["empty_file", "one_exact_chunk", "partial_last_chunk"] {
        assert!(names.contains(&required), "{required}");
    }
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let key: [u8; 32] = unhex(case["random"]["file_key"].as_str().unwrap())
            .try_into()
            .unwrap();
        let params = Params::new(
            case["chunk_size"].as_u64().unwrap() as u32,
            padding_of(case["padding"].as_u64().unwrap()),
        )
        .unwrap();
        let plaintext = plaintext_of(case);
        let ciphertext = unhex(case["ciphertext"].as_str().unwrap());
        let descriptor_bytes = unhex(case["descriptor"].as_str().unwrap());
        let content_type = case["content_type"].as_str().unwrap();

        // Encryption reproduces the ciphertext and the descriptor.
        let (descriptor, encrypted) = attachment::encrypt_with_key(
            FileKey::from_bytes(key),
            &plaintext,
            params,
            content_type,
        )
        .unwrap();
        assert_eq!(encrypted, ciphertext, "{name}");
        assert_eq!(descriptor.to_bytes(), descriptor_bytes, "{name}");
        assert_eq!(hex(descriptor.digest()), case["digest"].as_str().unwrap());
        assert_eq!(
            descriptor.chunk_count(),
            case["chunk_count"].as_u64().unwrap()
        );
        assert_eq!(descriptor.ciphertext_size(), ciphertext.len() as u64);

        // The EncryptingWriter, fed in odd pieces, gives the same bytes.
        let mut writer = EncryptingWriter::from_encryptor(
            Vec::new(),
            Encryptor::with_key(FileKey::from_bytes(key), params),
        );
        for piece in plaintext.chunks(777) {
            writer.write_all(piece).unwrap();
        }
        let (written, writer_descriptor) = writer.finish(content_type).unwrap();
        assert_eq!(written, ciphertext, "{name}: writer");
        assert_eq!(writer_descriptor, descriptor);

        // Every way of decrypting gives the plaintext back.
        let decoded = Descriptor::from_bytes(&descriptor_bytes).unwrap();
        assert_eq!(decoded, descriptor);
        assert_eq!(decoded.content_type(), content_type);
        assert_eq!(
            attachment::decrypt(&decoded, &ciphertext).unwrap(),
            plaintext
        );
        assert_eq!(stream_decrypt(&decoded, &ciphertext).unwrap(), plaintext);
        assert_eq!(reader_decrypt(&decoded, &ciphertext).unwrap(), plaintext);
        let all = decoded.ciphertext_range(0..plaintext.len() as u64).unwrap();
        let fetched = &ciphertext[all.start as usize..all.end as usize];
        assert_eq!(
            attachment::decrypt_range(&decoded, 0..plaintext.len() as u64, fetched).unwrap(),
            plaintext
        );
        for index in 0..decoded.chunk_count() {
            let range = decoded.chunk_range(index).unwrap();
            let mut chunk = ciphertext[range.start as usize..range.end as usize].to_vec();
            let data = attachment::decrypt_chunk(&decoded, index, &mut chunk).unwrap();
            let start = (index * u64::from(params.chunk_size())) as usize;
            if data > 0 {
                assert_eq!(&chunk[..data], &plaintext[start..start + data]);
            } else {
                assert!(start >= plaintext.len(), "only padding chunks hold no data");
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn invalid_descriptor_vectors_are_typed_errors() {
    let v = vectors();
    for bad in v["invalid_descriptors"].as_array().unwrap() {
        let expected = bad["error"].as_str().unwrap();
        let got = Descriptor::from_bytes(&unhex(bad["descriptor"].as_str().unwrap())).unwrap_err();
        assert_eq!(got.name(), expected, "{}", bad["description"]);
    }
}

// ---------------------------------------------------------------------------
// Negative tests: every attack of PROTOCOL.md §16.5 is a typed error, through
// the one-shot, streaming and io APIs alike.

const CS: usize = 1024;

fn small() -> Params {
    Params::new(CS as u32, Padding::None).unwrap()
}

fn file(len: usize, key: u8) -> (Vec<u8>, Descriptor, Vec<u8>) {
    let plaintext: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
    let (descriptor, ciphertext) =
        attachment::encrypt_with_key(FileKey::from_bytes([key; 32]), &plaintext, small(), "")
            .unwrap();
    (plaintext, descriptor, ciphertext)
}

fn chunks(ciphertext: &[u8]) -> Vec<Vec<u8>> {
    ciphertext.chunks(CS + 16).map(<[u8]>::to_vec).collect()
}

fn all_apis(descriptor: &Descriptor, ciphertext: &[u8]) -> Error {
    let one_shot = attachment::decrypt(descriptor, ciphertext).unwrap_err();
    assert_eq!(stream_decrypt(descriptor, ciphertext), Err(one_shot));
    assert_eq!(reader_decrypt(descriptor, ciphertext), Err(one_shot));
    one_shot
}

#[test]
fn attacks_on_the_stream_are_typed_errors() {
    let (_, descriptor, ciphertext) = file(2500, 1); // chunks of 1040, 1040, 468 bytes
    let c = chunks(&ciphertext);
    let (_, _, other) = file(2500, 2);
    let o = chunks(&other);

    // A chunk cut short: the bytes shift into it.
    let mut cut = ciphertext.clone();
    cut.remove(100);
    assert_eq!(all_apis(&descriptor, &cut), Error::DecryptionFailed);
    // The file cut short, inside the last chunk or at a chunk boundary.
    assert_eq!(
        all_apis(&descriptor, &ciphertext[..ciphertext.len() - 1]),
        Error::Truncated
    );
    assert_eq!(all_apis(&descriptor, &ciphertext[..2080]), Error::Truncated);
    assert_eq!(all_apis(&descriptor, &[]), Error::Truncated);
    // Reordered, duplicated, dropped.
    assert_eq!(
        all_apis(
            &descriptor,
            &[c[1].clone(), c[0].clone(), c[2].clone()].concat()
        ),
        Error::DecryptionFailed
    );
    assert_eq!(
        all_apis(
            &descriptor,
            &[c[0].clone(), c[0].clone(), c[2].clone()].concat()
        ),
        Error::DecryptionFailed
    );
    assert_eq!(
        all_apis(&descriptor, &[c[1].clone(), c[2].clone()].concat()),
        Error::DecryptionFailed
    );
    assert_eq!(
        all_apis(&descriptor, &[c[0].clone(), c[2].clone()].concat()),
        Error::Truncated
    );
    // Swapped with the same chunk of another file.
    assert_eq!(
        all_apis(
            &descriptor,
            &[c[0].clone(), o[1].clone(), c[2].clone()].concat()
        ),
        Error::DecryptionFailed
    );
    // Extra data appended, or a whole extra chunk.
    assert_eq!(
        all_apis(&descriptor, &[ciphertext.as_slice(), &[0]].concat()),
        Error::TrailingBytes
    );
    assert_eq!(
        all_apis(&descriptor, &[ciphertext.as_slice(), &c[0]].concat()),
        Error::TrailingBytes
    );
    // Every single bit flip.
    for i in (0..ciphertext.len()).step_by(97) {
        let mut flipped = ciphertext.clone();
        flipped[i] ^= 0x10;
        assert_eq!(
            all_apis(&descriptor, &flipped),
            Error::DecryptionFailed,
            "byte {i}"
        );
    }
}

#[test]
fn moving_the_last_chunk_flag_is_detected() {
    // The same key encrypts a 2-chunk file, whose chunk 1 is flagged last,
    // and a 3-chunk file: the two chunk 1s differ only by the flag.
    let (_, long, long_ct) = file(2500, 3);
    let (_, short, short_ct) = file(2048, 3);
    let l = chunks(&long_ct);
    let s = chunks(&short_ct);
    assert_eq!(l[1].len(), s[1].len());
    // A last-flagged chunk moved into the middle.
    assert_eq!(
        all_apis(&long, &[l[0].clone(), s[1].clone(), l[2].clone()].concat()),
        Error::DecryptionFailed
    );
    // A file ended early on a chunk that is not flagged last.
    assert_eq!(
        all_apis(&short, &[l[0].clone(), l[1].clone()].concat()),
        Error::DecryptionFailed
    );
    // Random access checks the flag too.
    let mut chunk = s[1].clone();
    assert_eq!(
        attachment::decrypt_chunk(&long, 1, &mut chunk),
        Err(Error::DecryptionFailed)
    );
}

#[test]
fn a_wrong_digest_is_a_digest_mismatch_and_another_blob_fails_at_chunk_0() {
    let (_, descriptor, ciphertext) = file(2500, 4);
    let mut bytes = descriptor.to_bytes();
    bytes[34] ^= 1; // the digest
    let lying = Descriptor::from_bytes(&bytes).unwrap();
    assert_eq!(all_apis(&lying, &ciphertext), Error::DigestMismatch);
    // Random access does not (cannot) check the digest: PROTOCOL.md §16.6.
    let range = lying.ciphertext_range(0..2500).unwrap();
    assert!(
        attachment::decrypt_range(
            &lying,
            0..2500,
            &ciphertext[range.start as usize..range.end as usize]
        )
        .is_ok()
    );
    // A server that serves another blob is caught at the first chunk.
    let (_, _, other) = file(2500, 5);
    let mut decryptor = Decryptor::new(&descriptor);
    let mut first = other[..CS + 16].to_vec();
    assert_eq!(
        decryptor.decrypt_chunk(&mut first),
        Err(Error::DecryptionFailed)
    );
    // A changed chunk size changes the key.
    let mut bytes = descriptor.to_bytes();
    bytes[74..78].copy_from_slice(&2048u32.to_be_bytes());
    let resized = Descriptor::from_bytes(&bytes).unwrap();
    let mut first = ciphertext[..2048 + 16].to_vec();
    assert_eq!(
        Decryptor::new(&resized).decrypt_chunk(&mut first),
        Err(Error::DecryptionFailed)
    );
}

#[test]
fn a_failed_chunk_changes_nothing_and_can_be_retried() {
    let (plaintext, descriptor, ciphertext) = file(2500, 6);
    let c = chunks(&ciphertext);
    let mut decryptor = Decryptor::new(&descriptor);
    let mut chunk = c[0].clone();
    assert_eq!(decryptor.decrypt_chunk(&mut chunk), Ok(CS));
    let before = format!("{decryptor:?}");
    let mut forged = c[1].clone();
    forged[5] ^= 1;
    let copy = forged.clone();
    assert_eq!(
        decryptor.decrypt_chunk(&mut forged),
        Err(Error::DecryptionFailed)
    );
    assert_eq!(forged, copy, "the chunk is unchanged");
    assert_eq!(
        decryptor.decrypt_chunk(&mut c[0].clone()),
        Err(Error::DecryptionFailed)
    );
    assert_eq!(
        decryptor.decrypt_chunk(&mut c[2].clone()),
        Err(Error::Truncated)
    );
    assert_eq!(
        decryptor.decrypt_chunk(&mut c[1][..100].to_vec()),
        Err(Error::Truncated)
    );
    assert_eq!(
        decryptor.decrypt_chunk(&mut [c[1].as_slice(), &[0]].concat()),
        Err(Error::TrailingBytes)
    );
    assert_eq!(format!("{decryptor:?}"), before);
    assert_eq!(decryptor.finish(), Err(Error::Truncated));
    let mut good = c[1].clone();
    assert_eq!(decryptor.decrypt_chunk(&mut good), Ok(CS));
    assert_eq!(&good[..CS], &plaintext[CS..2 * CS]);
    let mut last = c[2].clone();
    assert_eq!(decryptor.decrypt_chunk(&mut last), Ok(2500 - 2 * CS));
    assert_eq!(decryptor.next_chunk_len(), None);
    assert_eq!(
        decryptor.decrypt_chunk(&mut c[0].clone()),
        Err(Error::TrailingBytes)
    );
    assert_eq!(decryptor.finish(), Ok(()));
}

#[test]
fn nonzero_padding_from_a_malicious_sender_is_invalid_padding() {
    // A sender who holds the key can seal non-zero "padding": the receiver
    // refuses it. Built with the hazmat primitives, from §16.1 directly.
    use sotto::primitives::{aead, kdf};
    let key = [7u8; 32];
    let mut info = b"Sotto v1 attachment chunks".to_vec();
    info.extend_from_slice(&1024u32.to_be_bytes());
    let mut chunk_key = [0u8; 32];
    kdf::hkdf_sha256(&[0; 32], &key, &info, &mut chunk_key).unwrap();
    let mut body = vec![0u8; 32]; // padme(5) = 32
    body[..5].copy_from_slice(b"hello");
    body[20] = 1;
    let mut nonce = [0u8; 12];
    nonce[11] = 1;
    let tag = aead::seal_in_place(&chunk_key, &nonce, &[], &mut body).unwrap();
    let ciphertext = [body.as_slice(), &tag].concat();
    let digest = kdf::sha256(&[ciphertext.as_slice()]);
    let mut bytes = vec![1, 7];
    bytes.extend_from_slice(&key);
    bytes.extend_from_slice(&digest);
    bytes.extend_from_slice(&5u64.to_be_bytes());
    bytes.extend_from_slice(&1024u32.to_be_bytes());
    bytes.extend_from_slice(&[1, 0]);
    let descriptor = Descriptor::from_bytes(&bytes).unwrap();
    assert_eq!(all_apis(&descriptor, &ciphertext), Error::InvalidPadding);
    let mut chunk = ciphertext.clone();
    assert_eq!(
        attachment::decrypt_chunk(&descriptor, 0, &mut chunk),
        Err(Error::InvalidPadding)
    );
    assert_eq!(chunk, ciphertext, "unchanged on error");
    // With zero padding the same layout decrypts.
    body.fill(0);
    body[..5].copy_from_slice(b"hello");
    let tag = aead::seal_in_place(&chunk_key, &nonce, &[], &mut body).unwrap();
    let ciphertext = [body.as_slice(), &tag].concat();
    bytes[34..66].copy_from_slice(&kdf::sha256(&[ciphertext.as_slice()]));
    let descriptor = Descriptor::from_bytes(&bytes).unwrap();
    assert_eq!(
        attachment::decrypt(&descriptor, &ciphertext).unwrap(),
        b"hello"
    );
}

#[test]
fn encryptor_misuse_is_an_argument_error() {
    let params = small();
    let mut encryptor = Encryptor::with_key(FileKey::from_bytes([1; 32]), params);
    let mut short = vec![0u8; params.buffer_len() - 1];
    assert_eq!(
        encryptor.encrypt_chunk(&mut short),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        encryptor.padding_chunk(&mut vec![0u8; params.buffer_len()]),
        Err(Error::InvalidArgument)
    );
    assert_eq!(encryptor.descriptor(""), Err(Error::InvalidArgument));
    let mut buffer = vec![0u8; params.buffer_len()];
    assert_eq!(encryptor.encrypt_chunk(&mut buffer), Ok(CS + 16));
    // The full chunk should have been held back and passed to finish.
    assert_eq!(
        encryptor.finish(&mut buffer, 0),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        encryptor.finish(&mut buffer, CS + 1),
        Err(Error::InvalidArgument)
    );
    assert_eq!(encryptor.finish(&mut buffer, 3), Ok(3 + 16));
    assert_eq!(
        encryptor.encrypt_chunk(&mut buffer),
        Err(Error::InvalidArgument)
    );
    assert_eq!(encryptor.padding_chunk(&mut buffer), Ok(None));
    assert_eq!(
        encryptor.descriptor("bad\ntype"),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        encryptor.descriptor(&"x".repeat(256)),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        encryptor.descriptor("").unwrap().plaintext_size(),
        CS as u64 + 3
    );
    assert_eq!(
        attachment::encrypt(b"x", params, "caf\u{e9}", &mut sotto::OsRng).unwrap_err(),
        Error::InvalidArgument
    );
}

#[test]
fn descriptor_debug_redacts_the_key_and_sizes_are_as_documented() {
    let (descriptor, _) = attachment::encrypt_with_key(
        FileKey::from_bytes([0xab; 32]),
        b"x",
        Params::default(),
        "image/jpeg",
    )
    .unwrap();
    let shown = format!("{descriptor:?}");
    assert!(!shown.contains("abababab") && shown.contains("redacted"));
    assert_eq!(descriptor.to_bytes().len(), 90);
    assert_eq!(Params::default().chunk_size(), 65_536);
    assert_eq!(Params::default().padding(), Padding::Padme);
}

#[test]
fn range_arguments_are_checked() {
    let (_, descriptor, ciphertext) = file(2500, 8);
    assert_eq!(
        descriptor.ciphertext_range(0..2501),
        Err(Error::InvalidArgument)
    );
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = 10..5;
    assert_eq!(
        descriptor.ciphertext_range(backwards),
        Err(Error::InvalidArgument)
    );
    assert_eq!(descriptor.ciphertext_range(7..7), Ok(0..0));
    assert_eq!(
        attachment::decrypt_range(&descriptor, 7..7, &[]),
        Ok(Vec::new())
    );
    assert_eq!(descriptor.chunk_range(3), Err(Error::InvalidArgument));
    let range = descriptor.ciphertext_range(1000..1100).unwrap();
    let fetched = &ciphertext[range.start as usize..range.end as usize];
    assert_eq!(
        attachment::decrypt_range(&descriptor, 1000..1100, &fetched[1..]),
        Err(Error::Truncated)
    );
    assert_eq!(
        attachment::decrypt_range(&descriptor, 1000..1100, &[fetched, &[0]].concat()),
        Err(Error::TrailingBytes)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any range decrypts to the same bytes as a full decryption, reading
    /// only the chunks under it.
    #[test]
    fn any_range_decrypts_like_the_full_file(
        len in 0usize..6000,
        padme in any::<bool>(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        seed in any::<u8>(),
    ) {
        let params = Params::new(1024, if padme { Padding::Padme } else { Padding::None }).unwrap();
        let plaintext: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed | 1)).collect();
        let (descriptor, ciphertext) =
            attachment::encrypt_with_key(FileKey::from_bytes([seed; 32]), &plaintext, params, "").unwrap();
        let full = attachment::decrypt(&descriptor, &ciphertext).unwrap();
        prop_assert_eq!(&full, &plaintext);
        let (x, y) = (a.index(len + 1), b.index(len + 1));
        let range = x.min(y) as u64..x.max(y) as u64;
        let fetch = descriptor.ciphertext_range(range.clone()).unwrap();
        let part = attachment::decrypt_range(&descriptor, range.clone(), &ciphertext[fetch.start as usize..fetch.end as usize]).unwrap();
        prop_assert_eq!(&part[..], &full[range.start as usize..range.end as usize]);
        // The fetched bytes are whole chunks, no more than needed.
        if !range.is_empty() {
            prop_assert_eq!(fetch.start % 1040, 0);
            prop_assert!(fetch.end - fetch.start <= ((range.end - range.start) / 1024 + 2) * 1040);
        }
    }

    /// Any way of splitting the writes gives the same ciphertext as the
    /// one-shot encryption, and the reader gives the plaintext back.
    #[test]
    fn writes_in_any_pieces_give_the_same_file(
        len in 0usize..5000,
        pieces in prop::collection::vec(1usize..1500, 1..20),
        padme in any::<bool>(),
    ) {
        let params = Params::new(1024, if padme { Padding::Padme } else { Padding::None }).unwrap();
        let plaintext: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
        let (descriptor, ciphertext) =
            attachment::encrypt_with_key(FileKey::from_bytes([9; 32]), &plaintext, params, "a/b").unwrap();
        let mut writer = EncryptingWriter::from_encryptor(Vec::new(), Encryptor::with_key(FileKey::from_bytes([9; 32]), params));
        let mut rest = plaintext.as_slice();
        for piece in pieces.iter().cycle() {
            if rest.is_empty() { break; }
            let n = (*piece).min(rest.len());
            writer.write_all(&rest[..n]).unwrap();
            rest = &rest[n..];
        }
        let (written, written_descriptor) = writer.finish("a/b").unwrap();
        prop_assert_eq!(&written, &ciphertext);
        prop_assert_eq!(&written_descriptor, &descriptor);
        let mut back = Vec::new();
        let mut reader = DecryptingReader::new(written.as_slice(), &descriptor);
        let mut small = [0u8; 333];
        loop {
            let n = reader.read(&mut small).unwrap();
            if n == 0 { break; }
            back.extend_from_slice(&small[..n]);
        }
        prop_assert_eq!(back, plaintext);
    }
}

#[test]
fn memory_stays_flat_while_streaming_a_large_file() {
    // 64 MiB through the io adapters, with a sink and a generated source:
    // nothing grows with the file (the buffers are one chunk each).
    struct Source(u64);
    impl Read for Source {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = (out.len() as u64).min(self.0) as usize;
            out[..n].fill(0x5a);
            self.0 -= n as u64;
            Ok(n)
        }
    }
    struct Hashing(Vec<u8>, u64);
    impl Write for Hashing {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.1 += data.len() as u64;
            // Keep only the last chunk, as a bounded sink would.
            self.0.clear();
            self.0
                .extend_from_slice(&data[data.len().saturating_sub(64)..]);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let size = 64u64 << 20;
    let mut writer =
        EncryptingWriter::new(Hashing(Vec::new(), 0), Params::default(), &mut sotto::OsRng)
            .unwrap();
    std::io::copy(&mut Source(size), &mut writer).unwrap();
    let (sink, descriptor) = writer.finish("video/mp4").unwrap();
    assert_eq!(sink.1, descriptor.ciphertext_size());
    assert_eq!(descriptor.plaintext_size(), size);
    assert!(sink.0.capacity() < 1 << 20);
}
