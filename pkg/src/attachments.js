// The JavaScript API of Sotto's attachments (PROTOCOL.md §16), the subpath
// export `sotto/attachments`, layered over the raw classes of
// bindings/wasm-attachments. This file has exactly one export, `bind`, so
// that the build can emit it both as an ES module and as CommonJS.
//
// - Streams: createEncryptStream / createDecryptStream are WHATWG
//   TransformStreams of Uint8Array chunks (pipe `Blob.stream()` or a `fetch`
//   body through them). Each holds one wasm buffer of one chunk plus its
//   tag, allocated once; input is copied straight into it through a view of
//   the module's memory and each output chunk is copied out once. Memory is
//   one chunk whatever the file size.
// - Random access: openAttachment reads and authenticates only the chunks
//   under the bytes asked for, from a Blob or from an async range reader.
// - Errors: SottoError with the core's stable numeric codes, as in the main
//   entry (a separate class: compare `code`, not `instanceof`).
export function bind(glue, isReady) {
  /** The error codes this entry can report (the main entry's numbers). */
  const ErrorCode = Object.freeze({
    TRUNCATED: 1,
    TRAILING_BYTES: 2,
    UNSUPPORTED_VERSION: 3,
    WRONG_OBJECT_TYPE: 4,
    MALFORMED: 5,
    DECRYPTION_FAILED: 9,
    TOO_LARGE: 14,
    INVALID_PADDING: 15,
    RANDOMNESS: 17,
    INVALID_ARGUMENT: 19,
    INTERNAL: 22,
    DIGEST_MISMATCH: 26,
    INVALID_HANDLE: 101,
    WRONG_ARGUMENT_TYPE: 111,
    NOT_INITIALIZED: 112,
  });
  const NAMES = Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
  const BINDING_MESSAGES = {
    101: 'not a live object: it was never created by Sotto, or was already freed',
    111: 'an argument has the wrong type; see the TypeScript declarations of the call',
    112: 'the WebAssembly module is not loaded yet; await init() first (the Node entry needs no init)',
  };

  /** The error type of `sotto/attachments` (same fields as the main entry's). */
  class SottoError extends Error {
    constructor(code, detail, options) {
      let kind = NAMES[code];
      let text = BINDING_MESSAGES[code];
      if (text === undefined && isReady()) {
        try {
          kind = glue.error_name(code) ?? kind;
          text = glue.error_message(code);
        } catch {
          // keep the local name
        }
      }
      kind = kind ?? 'UNKNOWN';
      super(`${kind} (sotto error ${code}): ${text ?? 'unknown error'}${detail ? ` [${detail}]` : ''}`, options);
      this.name = 'SottoError';
      this.code = code;
      this.kind = kind;
    }
  }

  function call(fn) {
    if (!isReady()) throw new SottoError(ErrorCode.NOT_INITIALIZED);
    try {
      return fn();
    } catch (error) {
      if (typeof error === 'number') throw new SottoError(error);
      throw error;
    }
  }

  const wrongType = (what, expected) =>
    new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, `${what} must be ${expected}`);

  // Bytes given by the caller (any ArrayBuffer view, or an ArrayBuffer), as a
  // fresh plain Uint8Array over the same memory. Read only through the
  // intrinsic accessors, never the value's own (overridable) properties: a
  // subclass or an own property can make `length` say anything, and the
  // wasm-bindgen glue sizes its copy of a descriptor from `length`.
  const uncurry = (fn) => Function.prototype.call.bind(fn);
  const getter = (proto, key) => uncurry(Object.getOwnPropertyDescriptor(proto, key).get);
  const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
  const typedArrayName = getter(TypedArray, Symbol.toStringTag);
  const typedArrayBuffer = getter(TypedArray, 'buffer');
  const typedArrayOffset = getter(TypedArray, 'byteOffset');
  const typedArrayBytes = getter(TypedArray, 'byteLength');
  const dataViewBuffer = getter(DataView.prototype, 'buffer');
  const dataViewOffset = getter(DataView.prototype, 'byteOffset');
  const dataViewBytes = getter(DataView.prototype, 'byteLength');
  const arrayBufferBytes = getter(ArrayBuffer.prototype, 'byteLength');
  function bytesOf(value, what) {
    try {
      if (typedArrayName(value) !== undefined) {
        return new Uint8Array(typedArrayBuffer(value), typedArrayOffset(value), typedArrayBytes(value));
      }
      if (ArrayBuffer.isView(value)) {
        return new Uint8Array(dataViewBuffer(value), dataViewOffset(value), dataViewBytes(value));
      }
      arrayBufferBytes(value); // throws unless an ArrayBuffer
      return new Uint8Array(value);
    } catch {
      throw wrongType(what, 'a Uint8Array, an ArrayBuffer view or an ArrayBuffer');
    }
  }

  function options(value, what) {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null) throw wrongType(what, 'an object');
    return value;
  }

  function progressOf(value) {
    if (value === undefined) return () => {};
    if (typeof value !== 'function') throw wrongType('onProgress', 'a function');
    return value;
  }

  // A view of a wasm object's buffer (made again for each use: memory growth
  // detaches earlier views).
  const view = (object, len) => new Uint8Array(glue.wasm_memory().buffer, object.buffer_ptr(), len);

  // Frees a wasm object once (wasm-bindgen's weak refs free forgotten ones).
  function release(object) {
    try {
      object.free();
    } catch {
      // already freed
    }
  }

  /**
   * A TransformStream that encrypts the bytes written to it into the
   * attachment ciphertext (§16.3), with a `descriptor` promise that resolves
   * to the encoded descriptor (§16.4) when the stream has flushed.
   */
  function createEncryptStream(opts) {
    const o = options(opts, 'options');
    const chunkSize = o.chunkSize ?? 65536;
    if (!Number.isInteger(chunkSize)) throw wrongType('chunkSize', 'an integer');
    const padding = o.padding ?? 'none';
    if (padding !== 'none' && padding !== 'padme') throw wrongType('padding', "'none' or 'padme'");
    const contentType = o.contentType ?? '';
    if (typeof contentType !== 'string') throw wrongType('contentType', 'a string');
    const fileKey = o.fileKey === undefined ? new Uint8Array(0) : bytesOf(o.fileKey, 'fileKey').slice();
    const onProgress = progressOf(o.onProgress);
    if (chunkSize < 1024 || chunkSize > 1 << 20) {
      throw new SottoError(ErrorCode.INVALID_ARGUMENT, 'chunkSize is 1024 to 1048576');
    }
    const encryptor = call(() => new glue.WasmEncryptor(chunkSize, padding === 'padme' ? 1 : 0, fileKey));
    fileKey.fill(0);
    const total = chunkSize + 16;
    let fill = 0;
    let processed = 0;
    let settle;
    const descriptor = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Nobody may ask for it (a stream that failed): no unhandled rejection.
    descriptor.catch(() => {});
    const fail = (error) => {
      release(encryptor);
      settle.reject(error);
      throw error;
    };
    const stream = new TransformStream({
      transform(chunk, controller) {
        try {
          const bytes = bytesOf(chunk, 'a chunk written to the encrypt stream');
          let offset = 0;
          while (offset < bytes.length) {
            if (fill === chunkSize) {
              // A full chunk was held back: more follows, so it is not the last.
              const n = call(() => encryptor.encrypt_chunk());
              controller.enqueue(view(encryptor, n).slice());
              fill = 0;
            }
            const take = Math.min(chunkSize - fill, bytes.length - offset);
            view(encryptor, total).set(bytes.subarray(offset, offset + take), fill);
            fill += take;
            offset += take;
          }
          processed += bytes.length;
        } catch (error) {
          fail(error);
        }
        onProgress(processed);
      },
      flush(controller) {
        try {
          let n = call(() => encryptor.finish(fill));
          while (n > 0) {
            controller.enqueue(view(encryptor, n).slice());
            n = call(() => encryptor.padding_chunk());
          }
          const bytes = call(() => encryptor.descriptor(contentType));
          release(encryptor);
          settle.resolve(bytes);
        } catch (error) {
          fail(error);
        }
      },
    });
    stream.descriptor = descriptor;
    return stream;
  }

  /**
   * A TransformStream that decrypts an attachment ciphertext with its
   * descriptor (§16.5). It errors with a SottoError at the first chunk that
   * does not authenticate, and at the end if chunks are missing
   * (TRUNCATED), bytes follow (TRAILING_BYTES) or the digest differs
   * (DIGEST_MISMATCH). Treat the output as incomplete until it closes.
   */
  function createDecryptStream(descriptorBytes, opts) {
    const d = bytesOf(descriptorBytes, 'descriptor').slice();
    const onProgress = progressOf(options(opts, 'options').onProgress);
    const decryptor = call(() => new glue.WasmDecryptor(d));
    d.fill(0);
    let need = decryptor.next_chunk_len();
    let fill = 0;
    let processed = 0;
    const fail = (error) => {
      release(decryptor);
      throw error;
    };
    return new TransformStream({
      transform(chunk, controller) {
        try {
          const bytes = bytesOf(chunk, 'a chunk written to the decrypt stream');
          let offset = 0;
          while (offset < bytes.length) {
            if (need === 0) throw new SottoError(ErrorCode.TRAILING_BYTES, 'bytes after the last chunk');
            const take = Math.min(need - fill, bytes.length - offset);
            view(decryptor, need).set(bytes.subarray(offset, offset + take), fill);
            fill += take;
            offset += take;
            if (fill === need) {
              const n = call(() => decryptor.decrypt_chunk(fill));
              if (n > 0) controller.enqueue(view(decryptor, n).slice());
              processed += n;
              fill = 0;
              need = decryptor.next_chunk_len();
            }
          }
        } catch (error) {
          fail(error);
        }
        onProgress(processed);
      },
      flush() {
        try {
          call(() => decryptor.finish());
          release(decryptor);
        } catch (error) {
          fail(error);
        }
      },
    });
  }

  /**
   * The fields of an encoded descriptor, checked (§16.4). `fileKey` is as
   * secret as the descriptor itself.
   */
  function decodeDescriptor(descriptorBytes) {
    const d = bytesOf(descriptorBytes, 'descriptor').slice();
    const [plaintextSize, chunkSize, padding, ciphertextSize, chunkCount, contentType] = call(() =>
      glue.descriptor_fields(d),
    );
    return {
      fileKey: d.slice(2, 34),
      digest: d.slice(34, 66),
      plaintextSize,
      chunkSize,
      padding: padding === 1 ? 'padme' : 'none',
      contentType,
      ciphertextSize,
      chunkCount,
    };
  }

  /** Encodes descriptor fields (§16.4); the result is checked by decoding. */
  function encodeDescriptor(fields) {
    const f = options(fields, 'fields');
    const fileKey = bytesOf(f.fileKey, 'fileKey');
    const digest = bytesOf(f.digest, 'digest');
    const type = new TextEncoder().encode(f.contentType ?? '');
    if (fileKey.length !== 32 || digest.length !== 32 || type.length > 255 ||
        !Number.isSafeInteger(f.plaintextSize) || f.plaintextSize < 0 ||
        !Number.isInteger(f.chunkSize) || f.chunkSize < 0 || f.chunkSize > 0xffffffff ||
        (f.padding !== 'none' && f.padding !== 'padme')) {
      throw new SottoError(ErrorCode.INVALID_ARGUMENT, 'descriptor fields out of range');
    }
    const out = new Uint8Array(80 + type.length);
    const dv = new DataView(out.buffer);
    out[0] = 1;
    out[1] = 7;
    out.set(fileKey, 2);
    out.set(digest, 34);
    dv.setBigUint64(66, BigInt(f.plaintextSize));
    dv.setUint32(74, f.chunkSize);
    out[78] = f.padding === 'padme' ? 1 : 0;
    out[79] = type.length;
    out.set(type, 80);
    try {
      decodeDescriptor(out);
    } catch (error) {
      if (error instanceof SottoError && error.code < 100) {
        throw new SottoError(ErrorCode.INVALID_ARGUMENT, `descriptor fields: ${error.kind}`);
      }
      throw error;
    }
    return out;
  }

  /**
   * Random access (§16.6) to an attachment stored in a Blob, or behind
   * `read(start, end)` (an async function returning those ciphertext bytes,
   * e.g. an HTTP Range request). Only the chunks under what is read are
   * fetched and authenticated; the digest is not checked (a full read with
   * createDecryptStream does).
   */
  function openAttachment(descriptorBytes, source) {
    const d = bytesOf(descriptorBytes, 'descriptor').slice();
    const fields = decodeDescriptor(d);
    fields.fileKey.fill(0);
    let read;
    if (typeof source === 'function') {
      read = async (start, end) => bytesOf(await source(start, end), 'the bytes read');
    } else if (typeof Blob !== 'undefined' && source instanceof Blob) {
      read = async (start, end) => new Uint8Array(await source.slice(start, end).arrayBuffer());
    } else {
      throw wrongType('source', 'a Blob or a function (start, end) => Promise<Uint8Array>');
    }
    let reader = call(() => new glue.WasmChunkReader(d));
    d.fill(0);
    const live = () => {
      if (reader === undefined) throw new SottoError(ErrorCode.INVALID_HANDLE, 'the attachment was closed');
      return reader;
    };
    const { chunkSize, plaintextSize } = fields;
    async function readChunk(index) {
      if (!Number.isSafeInteger(index) || index < 0 || index >= fields.chunkCount) {
        throw new SottoError(ErrorCode.INVALID_ARGUMENT, `chunk index ${index} of ${fields.chunkCount}`);
      }
      const [start, end] = call(() => live().chunk_range(index));
      const bytes = await read(start, end);
      // Synchronous from here: concurrent reads never share the buffer.
      const r = live();
      if (bytes.length > end - start) throw new SottoError(ErrorCode.TRAILING_BYTES, `chunk ${index}`);
      view(r, bytes.length).set(bytes);
      const n = call(() => r.decrypt_chunk(index, bytes.length));
      return view(r, n).slice();
    }
    async function readRange(start, end) {
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end ||
          end > plaintextSize) {
        throw new SottoError(ErrorCode.INVALID_ARGUMENT, `range [${start}, ${end}) of ${plaintextSize} bytes`);
      }
      const out = new Uint8Array(end - start);
      if (start === end) return out;
      const first = Math.floor(start / chunkSize);
      const last = Math.floor((end - 1) / chunkSize);
      for (let i = first; i <= last; i += 1) {
        const chunk = await readChunk(i);
        const base = i * chunkSize;
        const from = Math.max(start, base) - base;
        const to = Math.min(end, base + chunk.length) - base;
        out.set(chunk.subarray(from, to), base + from - start);
      }
      return out;
    }
    const { fileKey: _, ...info } = fields;
    return {
      ...info,
      readChunk,
      readRange,
      close() {
        if (reader !== undefined) release(reader);
        reader = undefined;
      },
    };
  }

  /** Bytes of WebAssembly memory this entry's module holds (for tests). */
  const wasmMemoryBytes = () => (isReady() ? glue.wasm_memory().buffer.byteLength : 0);

  return {
    ErrorCode,
    SottoError,
    createEncryptStream,
    createDecryptStream,
    decodeDescriptor,
    encodeDescriptor,
    openAttachment,
    wasmMemoryBytes,
  };
}
