//! WebAssembly bindings of Sotto's attachments (PROTOCOL.md §16): the raw
//! layer of the npm subpath export `sotto/attachments`.
//!
//! A separate module from the chat bindings (`bindings/wasm`), so that an
//! application that only chats does not load the attachment code, and the
//! chat module's size budget is untouched. The JavaScript layer
//! (`pkg/src/attachments.js`) wraps these classes in WHATWG streams and
//! turns failures into `SottoError` objects.
//!
//! Buffers: each encryptor, decryptor and chunk reader owns one buffer of
//! one chunk plus its tag, allocated once. JavaScript writes the input
//! straight into it through a view of the module's memory
//! ([`wasm_memory`], [`WasmEncryptor::buffer_ptr`]) and reads the output from
//! it, so streaming copies nothing through the glue and allocates nothing
//! per chunk. Lengths passed in are checked against the buffer here
//! (`INVALID_ARGUMENT`), never trusted.
//!
//! Error convention: every fallible export returns `Result<_, JsValue>`
//! whose error is the core's stable numeric code ([`sotto::Error::code`]).

#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sotto::attachment::{Decryptor, Descriptor, Encryptor, FileKey, Params};
use sotto::{Error, OsRng, Padding};
use wasm_bindgen::prelude::*;

/// The module's allocator: talc's WebAssembly allocator instead of std's
/// dlmalloc, as in bindings/wasm (smaller; issue 14). Single-threaded module.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
use zeroize::Zeroizing;

type JsResult<T> = Result<T, JsValue>;

fn code(error: Error) -> JsValue {
    JsValue::from(error.code())
}

trait IntoJs<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJs<T> for sotto::Result<T> {
    fn js(self) -> JsResult<T> {
        self.map_err(code)
    }
}

fn len(n: usize) -> u32 {
    // Buffers are at most 1 MiB + 16 bytes.
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The module's memory (the JavaScript layer views the buffers through it).
#[wasm_bindgen]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The stable identifier of a core error code, or `undefined`.
#[wasm_bindgen]
pub fn error_name(code: u32) -> Option<String> {
    Error::from_code(code).map(|e| e.name().to_string())
}

/// The developer-facing message of a core error code, or `undefined`.
#[wasm_bindgen]
pub fn error_message(code: u32) -> Option<String> {
    Error::from_code(code).map(|e| e.message().to_string())
}

fn params(chunk_size: u32, padding: u8) -> JsResult<Params> {
    let padding = match padding {
        0 => Padding::None,
        1 => Padding::Padme,
        _ => return Err(code(Error::InvalidArgument)),
    };
    Params::new(chunk_size, padding).js()
}

fn buffer(params: Params) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(vec![0u8; params.buffer_len()])
}

/// A streaming encryptor ([`sotto::attachment::Encryptor`]) and its buffer.
#[wasm_bindgen]
pub struct WasmEncryptor {
    inner: Encryptor,
    buffer: Zeroizing<Vec<u8>>,
}

#[wasm_bindgen]
impl WasmEncryptor {
    /// A new file: `padding` 0 (none) or 1 (Padmé); `file_key` empty for a
    /// fresh random key, or 32 bytes (known-answer tests only).
    #[wasm_bindgen(constructor)]
    pub fn new(chunk_size: u32, padding: u8, file_key: &[u8]) -> JsResult<WasmEncryptor> {
        let params = params(chunk_size, padding)?;
        let inner = if file_key.is_empty() {
            Encryptor::new(params, &mut OsRng).js()?
        } else {
            let key: [u8; 32] = file_key
                .try_into()
                .map_err(|_| code(Error::InvalidArgument))?;
            Encryptor::with_key(FileKey::from_bytes(key), params)
        };
        Ok(WasmEncryptor {
            inner,
            buffer: buffer(params),
        })
    }

    /// Where the buffer starts in [`wasm_memory`].
    pub fn buffer_ptr(&self) -> u32 {
        self.buffer.as_ptr() as usize as u32
    }

    /// The buffer's length: chunk size + 16.
    pub fn buffer_len(&self) -> u32 {
        len(self.buffer.len())
    }

    /// Encrypts the full chunk in the buffer (more follows); returns the
    /// ciphertext length at the buffer's start.
    pub fn encrypt_chunk(&mut self) -> JsResult<u32> {
        self.inner.encrypt_chunk(&mut self.buffer).js().map(len)
    }

    /// Encrypts the last `size` plaintext bytes in the buffer.
    pub fn finish(&mut self, size: u32) -> JsResult<u32> {
        self.inner
            .finish(&mut self.buffer, size as usize)
            .js()
            .map(len)
    }

    /// The next padding chunk's length in the buffer, or 0 when done.
    pub fn padding_chunk(&mut self) -> JsResult<u32> {
        Ok(self
            .inner
            .padding_chunk(&mut self.buffer)
            .js()?
            .map_or(0, len))
    }

    /// The descriptor (§16.4), once the last chunk is written.
    pub fn descriptor(&self, content_type: &str) -> JsResult<Vec<u8>> {
        Ok(self.inner.descriptor(content_type).js()?.to_bytes())
    }
}

/// A streaming decryptor ([`sotto::attachment::Decryptor`]) and its buffer.
#[wasm_bindgen]
pub struct WasmDecryptor {
    inner: Decryptor,
    buffer: Zeroizing<Vec<u8>>,
}

#[wasm_bindgen]
impl WasmDecryptor {
    /// Decodes the descriptor and starts at chunk 0.
    #[wasm_bindgen(constructor)]
    pub fn new(descriptor: &[u8]) -> JsResult<WasmDecryptor> {
        let descriptor = Descriptor::from_bytes(descriptor).js()?;
        Ok(WasmDecryptor {
            inner: Decryptor::new(&descriptor),
            buffer: buffer(descriptor.params()),
        })
    }

    /// Where the buffer starts in [`wasm_memory`].
    pub fn buffer_ptr(&self) -> u32 {
        self.buffer.as_ptr() as usize as u32
    }

    /// The ciphertext length of the next chunk, or 0 after the last.
    pub fn next_chunk_len(&self) -> u32 {
        self.inner.next_chunk_len().map_or(0, len)
    }

    /// Decrypts the next chunk, `size` bytes at the buffer's start, in
    /// place; returns how many bytes at the start are file data.
    pub fn decrypt_chunk(&mut self, size: u32) -> JsResult<u32> {
        let chunk = self
            .buffer
            .get_mut(..size as usize)
            .ok_or(code(Error::TrailingBytes))?;
        self.inner.decrypt_chunk(chunk).js().map(len)
    }

    /// The end-of-stream checks: every chunk read, digest equal.
    pub fn finish(&self) -> JsResult<()> {
        self.inner.finish().js()
    }
}

/// Random access ([`sotto::attachment::decrypt_chunk`]) with one buffer.
#[wasm_bindgen]
pub struct WasmChunkReader {
    descriptor: Descriptor,
    buffer: Zeroizing<Vec<u8>>,
}

#[wasm_bindgen]
impl WasmChunkReader {
    /// Decodes the descriptor.
    #[wasm_bindgen(constructor)]
    pub fn new(descriptor: &[u8]) -> JsResult<WasmChunkReader> {
        let descriptor = Descriptor::from_bytes(descriptor).js()?;
        let buffer = buffer(descriptor.params());
        Ok(WasmChunkReader { descriptor, buffer })
    }

    /// Where the buffer starts in [`wasm_memory`].
    pub fn buffer_ptr(&self) -> u32 {
        self.buffer.as_ptr() as usize as u32
    }

    /// `[start, end]` of chunk `index` in the ciphertext (as doubles: at
    /// most 2³⁶ + 2³⁰).
    pub fn chunk_range(&self, index: f64) -> JsResult<Vec<f64>> {
        let index = index_arg(index)?;
        let range = self.descriptor.chunk_range(index).js()?;
        Ok(vec![range.start as f64, range.end as f64])
    }

    /// Decrypts chunk `index`, `size` bytes at the buffer's start, in place;
    /// returns how many bytes at the start are file data.
    pub fn decrypt_chunk(&mut self, index: f64, size: u32) -> JsResult<u32> {
        let index = index_arg(index)?;
        let chunk = self
            .buffer
            .get_mut(..size as usize)
            .ok_or(code(Error::TrailingBytes))?;
        sotto::attachment::decrypt_chunk(&self.descriptor, index, chunk)
            .js()
            .map(len)
    }
}

fn index_arg(index: f64) -> JsResult<u64> {
    if index.is_finite() && index >= 0.0 && index.fract() == 0.0 && index < 9.0e15 {
        Ok(index as u64)
    } else {
        Err(code(Error::InvalidArgument))
    }
}

/// The fields of a descriptor, checked (§16.4): `[plaintext_size,
/// chunk_size, padding, ciphertext_size, chunk_count, content_type]`
/// (the key and digest are at fixed offsets of the checked bytes).
#[wasm_bindgen]
pub fn descriptor_fields(bytes: &[u8]) -> JsResult<Vec<JsValue>> {
    let d = Descriptor::from_bytes(bytes).js()?;
    let params = d.params();
    let padding = match params.padding() {
        Padding::Padme => 1u32,
        _ => 0,
    };
    Ok(vec![
        JsValue::from(d.plaintext_size() as f64),
        JsValue::from(params.chunk_size()),
        JsValue::from(padding),
        JsValue::from(d.ciphertext_size() as f64),
        JsValue::from(d.chunk_count() as f64),
        JsValue::from(d.content_type()),
    ])
}
