// Entry of the web build (browsers and bundlers): load the module with
// `await init()` before using anything else.
import initGlue, * as glue from './sotto_wasm.js';
import { bind } from './api.js';

let ready = false;
let loading;

const api = bind(glue, () => ready);

export const {
  ErrorCode,
  MessageTypeCode,
  SottoError,
  Account,
  PrekeyBundle,
  Session,
  SafetyNumber,
  safetyNumber,
  messageType,
  prekeySessionId,
  checkIdentityKey,
  generateStorageKey,
  wasmMemoryBytes,
} = api;

// `instanceof` runs a Proxy's getPrototypeOf trap, which may throw: such a
// value is refused like any other wrong type.
function isOneOf(source, types) {
  try {
    return types.some((type) => typeof type === 'function' && source instanceof type);
  } catch {
    return false;
  }
}

function checkSource(source) {
  const ok =
    typeof source === 'string' ||
    ArrayBuffer.isView(source) ||
    isOneOf(source, [
      URL,
      ArrayBuffer,
      WebAssembly.Module,
      globalThis.Response,
      globalThis.Request,
    ]);
  if (!ok) {
    throw new SottoError(
      ErrorCode.WRONG_ARGUMENT_TYPE,
      'init() takes a URL, a string, a Request, a Response, bytes, a WebAssembly.Module, or a promise of one',
    );
  }
}

/**
 * Loads the WebAssembly module. Call once before anything else; later calls
 * return the same promise. `source` defaults to the `.wasm` file next to
 * this module (bundlers such as Vite and webpack rewrite that URL).
 */
export default function init(source) {
  if (loading) return loading;
  loading = (async () => {
    let resolved;
    try {
      resolved = await (source ?? new URL('./sotto_wasm_bg.wasm', import.meta.url));
    } catch (error) {
      throw new SottoError(ErrorCode.INIT_FAILED, 'the promise given to init() was rejected', { cause: error });
    }
    checkSource(resolved);
    try {
      await initGlue({ module_or_path: resolved });
    } catch (error) {
      throw new SottoError(ErrorCode.INIT_FAILED, error && error.message, { cause: error });
    }
    ready = true;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** Loads the module synchronously from bytes or a compiled WebAssembly.Module. */
export function initSync(source) {
  if (ready) return;
  if (!(ArrayBuffer.isView(source) || isOneOf(source, [ArrayBuffer, WebAssembly.Module]))) {
    throw new SottoError(ErrorCode.WRONG_ARGUMENT_TYPE, 'initSync() takes bytes or a WebAssembly.Module');
  }
  try {
    glue.initSync({ module: source });
  } catch (error) {
    throw new SottoError(ErrorCode.INIT_FAILED, error && error.message, { cause: error });
  }
  ready = true;
}

export { init };
