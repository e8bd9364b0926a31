//! Attachments demo: streams a 1 GiB "video" through encryption and
//! decryption in constant memory, then seeks to "minute 40" and decrypts
//! only the chunks under it.
//!
//! ```sh
//! cargo run --release --example attachment            # 1 GiB
//! cargo run --release --example attachment -- 64      # 64 MiB
//! ```
//!
//! Prints the throughput and the process's peak resident memory (Linux), which
//! stays at a few MiB whatever the size: neither side holds more than one
//! 64 KiB chunk. The ciphertext goes to a temporary file, as it would go to a
//! blob store.

use sotto::attachment::{self, DecryptingReader, Descriptor, EncryptingWriter, Params};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::time::Instant;

/// A deterministic "video" of `len` bytes, generated on the fly.
struct Video {
    position: u64,
    len: u64,
}

impl Read for Video {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = (out.len() as u64).min(self.len - self.position) as usize;
        for (i, byte) in out[..n].iter_mut().enumerate() {
            *byte = byte_at(self.position + i as u64);
        }
        self.position += n as u64;
        Ok(n)
    }
}

fn byte_at(position: u64) -> u8 {
    (position.wrapping_mul(0x9e37_79b9) >> 13) as u8
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = std::env::args().nth(1).map_or(Ok(1024), |a| a.parse())?;
    let len = mib << 20;
    let path = std::env::temp_dir().join(format!("sotto-attachment-demo-{}", std::process::id()));
    println!("peak memory before: {} KiB", peak_rss_kib().unwrap_or(0));

    // Sender: encrypt while "uploading" (here: writing a file).
    let started = Instant::now();
    let file = BufWriter::new(std::fs::File::create(&path)?);
    let mut writer = EncryptingWriter::new(file, Params::default(), &mut sotto::OsRng)?;
    std::io::copy(&mut Video { position: 0, len }, &mut writer)?;
    let (file, descriptor) = writer.finish("video/mp4")?;
    drop(file.into_inner()?);
    let seconds = started.elapsed().as_secs_f64();
    let sent = descriptor.to_bytes();
    println!(
        "encrypted {mib} MiB in {seconds:.2} s ({:.0} MB/s): {} chunks, ciphertext {} bytes, descriptor {} bytes",
        len as f64 / seconds / 1e6,
        descriptor.chunk_count(),
        descriptor.ciphertext_size(),
        sent.len()
    );

    // Receiver: the descriptor arrived in a Sotto message; stream the file.
    let descriptor = Descriptor::from_bytes(&sent)?;
    let started = Instant::now();
    let file = BufReader::new(std::fs::File::open(&path)?);
    let mut reader = DecryptingReader::new(file, &descriptor);
    let mut buffer = vec![0u8; 1 << 16];
    let mut position = 0u64;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break; // only now are the end of the file and the digest checked
        }
        assert!(
            buffer[..n]
                .iter()
                .enumerate()
                .all(|(i, b)| *b == byte_at(position + i as u64))
        );
        position += n as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "decrypted and verified {} MiB in {seconds:.2} s ({:.0} MB/s)",
        position >> 20,
        len as f64 / seconds / 1e6
    );

    // A player seeks to "minute 40" of a 60-minute video: fetch and
    // authenticate only the chunks under 1 MiB of it.
    let start = len / 60 * 40;
    let wanted = start..(start + (1 << 20)).min(len);
    let fetch = descriptor.ciphertext_range(wanted.clone())?;
    let mut file = std::fs::File::open(&path)?;
    file.seek(SeekFrom::Start(fetch.start))?;
    let mut ciphertext = vec![0u8; (fetch.end - fetch.start) as usize];
    file.read_exact(&mut ciphertext)?;
    let started = Instant::now();
    let plaintext = attachment::decrypt_range(&descriptor, wanted.clone(), &ciphertext)?;
    assert!(
        plaintext
            .iter()
            .enumerate()
            .all(|(i, b)| *b == byte_at(wanted.start + i as u64))
    );
    println!(
        "seek to byte {}: read {} ciphertext bytes ({} chunks) of {}, decrypted in {:.2} ms",
        wanted.start,
        ciphertext.len(),
        ciphertext.len().div_ceil(descriptor.params().buffer_len()),
        descriptor.ciphertext_size(),
        started.elapsed().as_secs_f64() * 1e3
    );
    std::fs::remove_file(&path)?;
    std::io::stdout().flush()?;
    println!("peak memory after: {} KiB", peak_rss_kib().unwrap_or(0));
    Ok(())
}
