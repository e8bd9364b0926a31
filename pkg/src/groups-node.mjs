// Entry of `sotto/groups` in the Node build for `import`: the same
// objects as `require('sotto/groups')`.
import api from './index.js';

export const {
  ErrorCode,
  SottoError,
  GroupSession,
  parseGroupMessage,
  wasmMemoryBytes,
  init,
  initSync,
} = api;
export default init;
