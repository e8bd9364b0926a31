// Entry of the Node build for `import`: the same objects as `require('sotto')`,
// so that instanceof checks agree between the two module systems.
import api from './index.js';

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
  init,
  initSync,
} = api;
export default init;
