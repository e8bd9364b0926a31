// Entry of `sotto/devices` in the Node build for `import`: the same
// objects as `require('sotto/devices')`.
import api from './index.js';

export const {
  ErrorCode,
  SottoError,
  UserIdentity,
  checkUserKey,
  userSafetyNumber,
  DeviceList,
  DeviceCertificate,
  LinkOffer,
  ScannedOffer,
  wasmMemoryBytes,
  init,
  initSync,
} = api;
export default init;
