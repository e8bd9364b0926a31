// Entry of the Node build (CommonJS): the module is loaded synchronously on
// require, so everything is usable at once; init() exists for code shared
// with the web build and resolves immediately.
'use strict';
const glue = require('./sotto_wasm.js');
const { bind } = require('./api.js');

const api = bind(glue, () => true);

function init() {
  return Promise.resolve();
}
function initSync() {}

module.exports = { ...api, init, initSync, default: init };
