// @ts-check
/**
 * The render output in 'fast' media mode: a file of any size that starts with
 * a real MP4 'ftyp' box followed by one 'mdat' box covering the rest, produced
 * on the fly from its byte offset. Nothing is held in memory or written to
 * disk, so a 500 MB output costs nothing, and Range requests are cheap.
 */
const { Readable } = require('node:stream');

const FTYP = Buffer.from([
	0x00, 0x00, 0x00, 0x20, 0x66, 0x74, 0x79, 0x70, // size 32, 'ftyp'
	0x69, 0x73, 0x6f, 0x6d, 0x00, 0x00, 0x02, 0x00, // major 'isom', minor 512
	0x69, 0x73, 0x6f, 0x6d, 0x69, 0x73, 0x6f, 0x32, // compatible 'isom' 'iso2'
	0x61, 0x76, 0x63, 0x31, 0x6d, 0x70, 0x34, 0x31, // 'avc1' 'mp41'
]);

const BLOCK_SIZE = 64 * 1024;
/** Deterministic filler so outputs are byte-for-byte reproducible. */
const FILLER = (() => {
	const block = Buffer.alloc(BLOCK_SIZE);
	let x = 0x12345678;
	for (let i = 0; i < BLOCK_SIZE; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		block[i] = x & 0xff;
	}
	return block;
})();

/** @param {number} totalSize */
function header(totalSize) {
	const rest = totalSize - FTYP.length;
	if (rest < 8) return FTYP.subarray(0, totalSize);
	if (rest <= 0xffffffff) {
		const mdat = Buffer.alloc(8);
		mdat.writeUInt32BE(rest, 0);
		mdat.write('mdat', 4, 'latin1');
		return Buffer.concat([FTYP, mdat]);
	}
	// 64-bit box size for outputs over 4 GiB
	const mdat = Buffer.alloc(16);
	mdat.writeUInt32BE(1, 0);
	mdat.write('mdat', 4, 'latin1');
	mdat.writeBigUInt64BE(BigInt(rest), 8);
	return Buffer.concat([FTYP, mdat]);
}

/**
 * Bytes start..end (inclusive) of a synthetic MP4 of totalSize bytes.
 * @param {number} totalSize
 * @param {number} [start]
 * @param {number} [end]
 */
function syntheticMp4Stream(totalSize, start = 0, end = totalSize - 1) {
	const head = header(totalSize);
	let pos = start;
	return new Readable({
		highWaterMark: BLOCK_SIZE,
		read() {
			if (pos > end) {
				this.push(null);
				return;
			}
			let chunk;
			if (pos < head.length) {
				chunk = head.subarray(pos, Math.min(head.length, end + 1));
			} else {
				const offset = (pos - head.length) % BLOCK_SIZE;
				chunk = FILLER.subarray(offset, Math.min(BLOCK_SIZE, offset + (end + 1 - pos)));
			}
			pos += chunk.length;
			this.push(chunk);
		},
	});
}

module.exports = { syntheticMp4Stream, FTYP };
