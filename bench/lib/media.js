// @ts-check
'use strict';
/**
 * Benchmark media made on the spot: an "MP4" of any size (a real ftyp box, then one mdat box
 * of pseudo-random filler, so nothing can compress it and it sniffs as MP4), and a tiny PNG.
 * Written for real (not sparse), so curl and n8n read real pages.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const FTYP = Buffer.from('00000020' + '66747970' + '69736f6d' + '00000200' + '69736f6d' + '69736f32' + '61766331' + '6d703431', 'hex');

/**
 * @param {string} file
 * @param {number} size bytes
 */
function writeClip(file, size) {
	if (fs.existsSync(file) && fs.statSync(file).size === size) return file;
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const fd = fs.openSync(file, 'w');
	try {
		const head = Buffer.alloc(40);
		FTYP.copy(head, 0);
		head.writeUInt32BE(size - 32, 32);
		head.write('mdat', 36, 'latin1');
		fs.writeSync(fd, head.subarray(0, Math.min(40, size)));
		const block = crypto.randomBytes(1024 * 1024);
		let left = size - 40;
		while (left > 0) {
			const n = Math.min(left, block.length);
			fs.writeSync(fd, block, 0, n);
			left -= n;
		}
	} finally {
		fs.closeSync(fd);
	}
	return file;
}

/** A valid 1x1 PNG. @param {string} file */
function writePng(file) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(
		file,
		Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b1e8a40000000049454e44ae426082', 'hex'),
	);
	return file;
}

module.exports = { writeClip, writePng };
