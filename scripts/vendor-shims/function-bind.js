'use strict';
// form-data's helpers depend on the function-bind polyfill, whose fallback builds functions with
// the Function constructor. Node always has Function.prototype.bind (which the polyfill itself
// returns when present), so the bundle uses it directly and carries no Function-constructor code.
module.exports = Function.prototype.bind;
