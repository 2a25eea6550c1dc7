// @ts-check
'use strict';
/** The same proposed fix as download-coalesce-1mb.js, with 256 KiB chunks: a quarter of the writes, less held per chunk. */
module.exports = require('./download-coalesce-1mb').coalescePatch(256 * 1024, '256 KiB');
