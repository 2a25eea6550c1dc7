// @ts-check
'use strict';
/**
 * Proposed fix (upload): read the binary from n8n's store in 1 MiB chunks instead of 256 KiB,
 * and let the body's last buffer hold 1 MiB. Fewer, bigger chunks through the stream stages
 * (peek, form-data, stall meter, PassThrough, undici, socket writes) cost less CPU per MB; on a
 * 2-core machine every CPU-ms the n8n process saves goes to the other side of the upload.
 *
 * TypeScript: nodes/shared/n8n/binary.ts, fileFromBinaryProperty(): `getBinaryStream(id, 1024 * 1024)`
 * (was 256 * 1024); nodes/shared/client/upload.ts, multipartBody(): `new PassThrough({ highWaterMark:
 * 1024 * 1024 })` (was 256 * 1024).
 */
const fs = require('node:fs');
const path = require('node:path');

/** @param {string} file @param {string} from @param {string} to */
function replace(file, from, to) {
	const s = fs.readFileSync(file, 'utf8');
	if (!s.includes(from)) throw new Error(`patch does not apply: "${from}" not in ${file}`);
	fs.writeFileSync(file, s.replace(from, to));
}

module.exports = {
	description: 'upload read in 1 MiB chunks from the binary store, 1 MiB body buffer',
	/** @param {string} pkg */
	apply(pkg) {
		replace(path.join(pkg, 'dist/nodes/shared/n8n/binary.js'), 'getBinaryStream(id, 256 * 1024)', 'getBinaryStream(id, 1024 * 1024)');
		replace(path.join(pkg, 'dist/nodes/shared/client/upload.js'), 'new node_stream_1.PassThrough({ highWaterMark: 256 * 1024 })', 'new node_stream_1.PassThrough({ highWaterMark: 1024 * 1024 })');
	},
};
