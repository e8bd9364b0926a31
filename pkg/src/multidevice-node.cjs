// Entry of `sotto/multidevice` in the Node build (CommonJS): the main
// entry's API plus SessionRecord, Contact and sendToPerson, over one module
// (bindings/wasm with the features `records` and `contact`), loaded
// synchronously on require; init() resolves immediately.
'use strict';
const glue = require('./sotto_wasm.js');
const { bind } = require('./api.js');
const { extend } = require('./records.js');

const api = bind(glue, () => true, extend);

function init() {
  return Promise.resolve();
}
function initSync() {}

module.exports = { ...api, init, initSync, default: init };
