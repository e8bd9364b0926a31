//! Scene: attachments through the hostile relay (PROTOCOL.md §16).
//!
//! Alice sends Bob a photo (~200 KB) and a video (8 MiB). Each file is
//! encrypted in 64 KiB chunks under a fresh file key; the ciphertext goes to
//! the relay's blob store and the descriptor (key, sizes, digest) travels
//! inside an ordinary Sotto session message. The relay then serves Bob the
//! honest blob, and also tries three attacks on the video: two chunks
//! swapped, one chunk with a flipped bit, the file cut short by its last
//! chunk. Bob must accept exactly the honest files and refuse each attack
//! with its typed error; a tampered descriptor message is refused by the
//! session. Returns `Err` if any check fails.

use sotto::attachment::{self, Descriptor, Params};
use sotto::{Account, Error, OsRng, PrekeyBundle, Session, SessionContext};
use std::collections::HashMap;
use std::time::Instant;

type Check = Result<(), Box<dyn std::error::Error>>;

/// A deterministic file of `len` bytes.
fn file(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[2] ^ seed)
        .collect()
}

/// The relay's blob store: what it was given, and what it chooses to serve.
#[derive(Default)]
struct BlobStore {
    blobs: HashMap<u32, Vec<u8>>,
}

fn chunk(d: &Descriptor, index: u64) -> Result<std::ops::Range<usize>, Box<dyn std::error::Error>> {
    let r = d.chunk_range(index)?;
    Ok(usize::try_from(r.start)?..usize::try_from(r.end)?)
}

fn expect(label: &str, got: sotto::Result<Vec<u8>>, want: Result<&[u8], Error>) -> Check {
    match (&got, want) {
        (Ok(plain), Ok(expected)) if plain.as_slice() == expected => {
            println!(
                "  accepted  {label}: {} bytes, identical to what Alice sent",
                plain.len()
            );
            Ok(())
        }
        (Err(e), Err(expected)) if *e == expected => {
            println!("  refused   {label}: {e:?}");
            Ok(())
        }
        _ => Err(format!(
            "{label}: got {:?}, expected {want:?}",
            got.as_ref().map(Vec::len)
        )
        .into()),
    }
}

pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    println!();
    println!("== Scene: attachments through the hostile relay ==");
    let alice = Account::new(&mut OsRng)?;
    let mut bob = Account::new(&mut OsRng)?;
    bob.generate_one_time_prekeys(1, &mut OsRng)?;
    let bundle = PrekeyBundle::from_bytes(&bob.prekey_bundle()?.to_bytes())?;
    let alice_ctx = SessionContext::new(b"alice@example.org/phone", b"bob@example.org/laptop");
    let bob_ctx = SessionContext::new(b"bob@example.org/laptop", b"alice@example.org/phone");
    let mut a = Session::initiate(&alice, &bundle, &alice_ctx, &mut OsRng)?;
    let hello = a.encrypt(b"sending you two files", &mut OsRng)?;
    let (mut b, _) = Session::accept(&mut bob, &hello, &bob_ctx)?;

    let mut store = BlobStore::default();
    let files = [
        ("photo.jpg", "image/jpeg", file(200 * 1000, 0x11)),
        ("video.mp4", "video/mp4", file(8 << 20, 0x22)),
    ];
    let mut received = Vec::new();
    for (id, (name, content_type, plaintext)) in (0u32..).zip(files.iter()) {
        let start = Instant::now();
        let (descriptor, ciphertext) =
            attachment::encrypt(plaintext, Params::default(), content_type, &mut OsRng)?;
        let encrypt_ms = start.elapsed().as_secs_f64() * 1e3;
        println!(
            "Alice encrypts {name}: {} bytes -> {} chunks, {} ciphertext bytes ({encrypt_ms:.1} ms); \
             descriptor {} bytes",
            plaintext.len(),
            descriptor.chunk_count(),
            ciphertext.len(),
            descriptor.to_bytes().len()
        );
        store.blobs.insert(id, ciphertext);
        // The pointer message: blob id, then the descriptor, in a normal
        // session message (the relay sees neither).
        let mut body = id.to_be_bytes().to_vec();
        body.extend_from_slice(&descriptor.to_bytes());
        let message = a.encrypt(&body, &mut OsRng)?;

        // A tampered pointer message never reaches the attachment layer.
        let mut forged = message.clone();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        expect(
            &format!("{name} pointer message with one bit flipped"),
            b.decrypt(&forged),
            Err(Error::DecryptionFailed),
        )?;

        let body = b.decrypt(&message)?;
        let (id_bytes, descriptor_bytes) = body.split_at(4);
        let descriptor = Descriptor::from_bytes(descriptor_bytes)?;
        let blob_id = u32::from_be_bytes(id_bytes.try_into()?);
        received.push((*name, blob_id, descriptor, plaintext));
    }

    println!("Bob fetches the blobs named in the messages:");
    for (name, blob_id, descriptor, plaintext) in &received {
        let blob = store.blobs.get(blob_id).ok_or("blob missing")?;
        let start = Instant::now();
        let got = attachment::decrypt(descriptor, blob);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        expect(
            &format!("{name} as uploaded ({ms:.1} ms)"),
            got,
            Ok(plaintext),
        )?;
        if descriptor.content_type() != content_type_of(name) {
            return Err(format!("{name}: content type {}", descriptor.content_type()).into());
        }
    }

    let (_, blob_id, video, _) = received.get(1).ok_or("no video")?;
    let honest = store.blobs.get(blob_id).ok_or("blob missing")?.clone();
    println!("The relay serves Bob altered copies of video.mp4:");

    // 1. Chunks 3 and 4 swapped (same lengths: both are full chunks).
    let (c3, c4) = (chunk(video, 3)?, chunk(video, 4)?);
    let mut swapped = honest.clone();
    swapped[c3.clone()].copy_from_slice(&honest[c4.clone()]);
    swapped[c4].copy_from_slice(&honest[c3]);
    expect(
        "chunks 3 and 4 swapped",
        attachment::decrypt(video, &swapped),
        Err(Error::DecryptionFailed),
    )?;

    // 2. One bit flipped in chunk 57.
    let mut tampered = honest.clone();
    let c57 = chunk(video, 57)?;
    tampered[c57.start + 1000] ^= 0x04;
    expect(
        "one bit flipped in chunk 57",
        attachment::decrypt(video, &tampered),
        Err(Error::DecryptionFailed),
    )?;

    // 3. Cut short: the last chunk withheld.
    let last = chunk(video, video.chunk_count() - 1)?;
    expect(
        &format!(
            "last chunk withheld ({} of {} bytes served)",
            last.start,
            honest.len()
        ),
        attachment::decrypt(video, &honest[..last.start]),
        Err(Error::Truncated),
    )?;

    // 4. Cut short exactly at a chunk boundary before the end-of-file marker
    // would be seen: also truncation, not a shorter "valid" file.
    let middle = chunk(video, 64)?;
    expect(
        "file cut after chunk 63 (a 4 MiB prefix)",
        attachment::decrypt(video, &honest[..middle.start]),
        Err(Error::Truncated),
    )?;

    // 5. A chunk from the photo spliced into the video (another file key).
    let (_, photo_id, photo, _) = received.first().ok_or("no photo")?;
    let photo_blob = store.blobs.get(photo_id).ok_or("blob missing")?;
    let (p0, v0) = (chunk(photo, 0)?, chunk(video, 0)?);
    let mut spliced = honest.clone();
    spliced[v0].copy_from_slice(&photo_blob[p0]);
    expect(
        "chunk 0 replaced by the photo's chunk 0",
        attachment::decrypt(video, &spliced),
        Err(Error::DecryptionFailed),
    )?;

    // The honest copy still decrypts after all of that.
    let (_, _, _, video_plain) = received.get(1).ok_or("no video")?;
    expect(
        "video.mp4 as uploaded, again",
        attachment::decrypt(video, &honest),
        Ok(video_plain),
    )?;
    println!("attachments: 2 files accepted, 7 forgeries refused with typed errors");
    Ok(())
}

fn content_type_of(name: &str) -> &'static str {
    if name.ends_with(".jpg") {
        "image/jpeg"
    } else {
        "video/mp4"
    }
}
