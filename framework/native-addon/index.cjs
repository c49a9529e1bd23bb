'use strict';
// The compiled addon. Loading fails (and fer-run falls back to wasm) when it was not built,
// i.e. when libdnnl-dev was missing at install time.
module.exports = require('./build/Release/fer_dnnl.node');
