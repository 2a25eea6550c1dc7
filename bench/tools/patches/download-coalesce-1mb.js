// @ts-check
'use strict';
/**
 * Proposed fix (download): hand n8n's binary store 1 MiB chunks instead of the socket's
 * ~64 KiB ones. n8n (filesystem mode) stores a stream with fs.promises.writeFile(path, stream):
 * one awaited write per chunk, so the chunk size sets how many writes (and promise round trips)
 * a 500 MB file costs.
 *
 * TypeScript: nodes/shared/n8n/binary.ts, binaryFromDownload(): pass
 * `download.stream.pipe(coalesce(1024 * 1024))` (a Transform that concatenates chunks until
 * 1 MiB, then pushes; flushes the rest at the end; errors forwarded) to prepareBinaryData
 * instead of `download.stream`.
 */
const fs = require('node:fs');
const path = require('node:path');

/** @param {number} size @param {string} label */
function coalescePatch(size, label) {
	return {
		description: `download chunks coalesced to ${label} before n8n stores them (binaryFromDownload)`,
		/** @param {string} pkg */
		apply(pkg) {
			const file = path.join(pkg, 'dist/nodes/shared/n8n/binary.js');
			let s = fs.readFileSync(file, 'utf8');
			const old = 'context.helpers.prepareBinaryData(download.stream,';
			if (!s.includes(old)) throw new Error(`patch does not apply: ${old} not in ${file}`);
			s = s.replace(
				old,
				`context.helpers.prepareBinaryData(__coalesce(download.stream, ${size}),`,
			);
			s += `
function __coalesce(source, size) {
    const { Transform } = require('node:stream');
    let parts = [];
    let length = 0;
    const out = new Transform({
        highWaterMark: 2 * size,
        transform(chunk, _e, cb) {
            parts.push(chunk);
            length += chunk.length;
            if (length >= size) { this.push(parts.length === 1 ? parts[0] : Buffer.concat(parts, length)); parts = []; length = 0; }
            cb();
        },
        flush(cb) { if (length) this.push(Buffer.concat(parts, length)); cb(); },
    });
    source.once('error', (e) => out.destroy(e));
    out.once('close', () => { if (!source.destroyed && !source.readableEnded) source.destroy(); });
    return source.pipe(out);
}
`;
			fs.writeFileSync(file, s);
		},
	};
}

module.exports = coalescePatch(1024 * 1024, '1 MiB');
module.exports.coalescePatch = coalescePatch;
