// Type declarations of `sotto/attachments` (PROTOCOL.md §16): streaming,
// seekable encryption of files, in its own WebAssembly module.

/** The error codes `sotto/attachments` reports (the numbers of the main entry's ErrorCode). */
export declare const ErrorCode: Readonly<{
  TRUNCATED: 1;
  TRAILING_BYTES: 2;
  UNSUPPORTED_VERSION: 3;
  WRONG_OBJECT_TYPE: 4;
  MALFORMED: 5;
  DECRYPTION_FAILED: 9;
  TOO_LARGE: 14;
  INVALID_PADDING: 15;
  RANDOMNESS: 17;
  INVALID_ARGUMENT: 19;
  INTERNAL: 22;
  DIGEST_MISMATCH: 26;
  INVALID_HANDLE: 101;
  WRONG_ARGUMENT_TYPE: 111;
  NOT_INITIALIZED: 112;
}>;

/**
 * The error type of `sotto/attachments`. Same `name`, `code` and `kind` as
 * the main entry's SottoError, but a separate class: test `error.code`
 * (or `error.name === 'SottoError'`), not `instanceof` across the two entries.
 */
export declare class SottoError extends Error {
  readonly name: 'SottoError';
  /** The stable numeric code (see ErrorCode). */
  readonly code: number;
  /** The stable identifier, e.g. "DECRYPTION_FAILED". */
  readonly kind: string;
}

/** Called after each chunk written, with the plaintext bytes processed so far. */
export type ProgressCallback = (bytes: number) => void;

export interface EncryptOptions {
  /** Plaintext bytes per chunk, 1024 to 1048576; default 65536. */
  chunkSize?: number;
  /** 'padme' hides the file size (up to 12% more bytes); default 'none'. */
  padding?: 'none' | 'padme';
  /** Printable ASCII, at most 255 bytes (e.g. a MIME type); default ''. */
  contentType?: string;
  onProgress?: ProgressCallback;
  /**
   * Known-answer tests only: the file key (32 bytes) instead of a fresh
   * random one. A key MUST encrypt one file only.
   */
  fileKey?: Uint8Array;
}

/** An encrypting TransformStream and the descriptor it produces. */
export interface EncryptStream extends TransformStream<BufferSource, Uint8Array> {
  /**
   * The encoded descriptor (§16.4), once the stream has flushed; rejects
   * with the stream's error. It holds the file key: send it only inside an
   * encrypted Sotto message.
   */
  readonly descriptor: Promise<Uint8Array>;
}

/**
 * A TransformStream that encrypts a file (e.g. `blob.stream()`) into the
 * attachment ciphertext, one chunk of memory whatever the file size.
 */
export declare function createEncryptStream(options?: EncryptOptions): EncryptStream;

/**
 * A TransformStream that decrypts an attachment ciphertext (e.g. a `fetch`
 * body) with its descriptor. Plaintext is released chunk by chunk as each
 * authenticates; the stream errors with a SottoError on a tampered,
 * reordered, swapped or dropped chunk (DECRYPTION_FAILED), a missing end
 * (TRUNCATED), extra bytes (TRAILING_BYTES) or a wrong digest
 * (DIGEST_MISMATCH, at the end). Treat the output as incomplete until the
 * stream closes without error.
 */
export declare function createDecryptStream(
  descriptor: Uint8Array,
  options?: { onProgress?: ProgressCallback },
): TransformStream<BufferSource, Uint8Array>;

/** The fields of a descriptor. */
export interface DescriptorFields {
  /** Secret: the file key. */
  fileKey: Uint8Array;
  /** SHA-256 of the ciphertext. */
  digest: Uint8Array;
  plaintextSize: number;
  chunkSize: number;
  padding: 'none' | 'padme';
  contentType: string;
}

/** Decodes and checks a descriptor (UNSUPPORTED_VERSION, TRUNCATED, MALFORMED, ...). */
export declare function decodeDescriptor(
  descriptor: Uint8Array,
): DescriptorFields & { ciphertextSize: number; chunkCount: number };

/** Encodes descriptor fields; INVALID_ARGUMENT for fields out of range. */
export declare function encodeDescriptor(fields: DescriptorFields): Uint8Array;

/** Random access to a stored attachment. */
export interface Attachment {
  readonly plaintextSize: number;
  readonly ciphertextSize: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly padding: 'none' | 'padme';
  readonly contentType: string;
  readonly digest: Uint8Array;
  /** Reads and authenticates chunk `index` alone; its file bytes. */
  readChunk(index: number): Promise<Uint8Array>;
  /**
   * The plaintext bytes [start, end), reading and authenticating only the
   * chunks under them (the whole-file digest is not checked).
   */
  readRange(start: number, end: number): Promise<Uint8Array>;
  /** Frees the wasm buffer; later reads throw INVALID_HANDLE. */
  close(): void;
}

/**
 * Opens an attachment for random access, from a Blob or from a function
 * returning the ciphertext bytes [start, end) (e.g. an HTTP Range request).
 */
export declare function openAttachment(
  descriptor: Uint8Array,
  source: Blob | ((start: number, end: number) => Promise<Uint8Array>),
): Attachment;

/** Bytes of WebAssembly memory held by this entry's module. */
export declare function wasmMemoryBytes(): number;

/** Loads this entry's WebAssembly module (web build); resolves at once in Node. */
export default function init(source?: unknown): Promise<void>;
export declare function init(source?: unknown): Promise<void>;
export declare function initSync(source: BufferSource | WebAssembly.Module): void;
