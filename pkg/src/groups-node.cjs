// Entry of `sotto/groups` in the Node build (CommonJS): the module is loaded
// synchronously on require; init() exists for code shared with the web
// build and resolves immediately.
'use strict';
const glue = require('./sotto_groups.js');
const { bind } = require('./core.js');

const api = bind(glue, () => true);

function init() {
  return Promise.resolve();
}
function initSync() {}

module.exports = { ...api, init, initSync, default: init };
