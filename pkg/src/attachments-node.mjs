// Entry of `sotto/attachments` in the Node build for `import`: the same
// objects as `require('sotto/attachments')`.
import api from './index.js';

export const {
  ErrorCode,
  SottoError,
  createEncryptStream,
  createDecryptStream,
  decodeDescriptor,
  encodeDescriptor,
  openAttachment,
  wasmMemoryBytes,
  init,
  initSync,
} = api;
export default init;
