// Entry of `sotto/groups` in the web build (browsers and bundlers): load
// its module with `await init()` before using anything else. A module of
// its own, separate from the chat module (`sotto`).
import initGlue, * as glue from './sotto_groups.js';
import { bind } from './core.js';

let ready = false;
let loading;

export const {
  ErrorCode,
  SottoError,
  GroupSession,
  parseGroupMessage,
  wasmMemoryBytes,
} = bind(glue, () => ready);

/**
 * Loads the WebAssembly module; later calls return the same promise.
 * `source` defaults to the `.wasm` file next to this module.
 */
export default function init(source) {
  loading ??= (async () => {
    try {
      await initGlue({ module_or_path: await (source ?? new URL('./sotto_groups_bg.wasm', import.meta.url)) });
    } catch (error) {
      loading = undefined;
      throw new SottoError(113, error && error.message, { cause: error });
    }
    ready = true;
  })();
  return loading;
}

/** Loads the module synchronously from bytes or a compiled WebAssembly.Module. */
export function initSync(source) {
  if (!ready) glue.initSync({ module: source });
  ready = true;
}

export { init };
