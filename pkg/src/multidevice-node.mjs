// Entry of `sotto/multidevice` in the Node build for `import`: the same
// objects as `require('sotto/multidevice')`.
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
  SessionRecord,
  Contact,
  sendToPerson,
  init,
  initSync,
} = api;
export default init;
