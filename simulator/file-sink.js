// @ts-check
/**
 * Writes one incoming file to the data dir as it arrives, computing its sha256,
 * counting its size against the request's byte budget (4002 the moment the
 * budget is passed) and sniffing its first bytes (4001 for non-media). Used by
 * multipart uploads and URL uploads alike.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const { once } = require('node:events');
const { ApiError } = require('./errors');
const { SNIFF_BYTES, sniffNonMedia } = require('./file-checks');

/** @param {number} bytes */
function formatSize(bytes) {
	return bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB` : `${bytes} bytes`;
}

/**
 * @typedef {object} ByteBudget
 * @property {number} used
 * @property {number} max
 */

class FileSink {
	/**
	 * @param {object} options
	 * @param {import('./storage').Storage} options.storage
	 * @param {string} options.filename client file name
	 * @param {'video' | 'image' | 'audio'} options.fileType
	 * @param {ByteBudget} options.budget shared by all files of one request
	 */
	constructor({ storage, filename, fileType, budget }) {
		this.storage = storage;
		this.filename = filename;
		this.fileType = fileType;
		this.budget = budget;
		this.storedName = storage.newStoredName(filename);
		this.path = storage.uploadPath(this.storedName);
		this.size = 0;
		this.hash = crypto.createHash('sha256');
		/** @type {Buffer[]} */
		this.headParts = [];
		this.headLength = 0;
		this.sniffed = false;
		/** @type {Error | null} */
		this.error = null;
		this.stream = fs.createWriteStream(this.path);
		this.stream.on('error', (err) => {
			this.error = err;
		});
	}

	/**
	 * @param {Buffer} data
	 * @returns {void | Promise<void>} a promise when the disk needs a moment (backpressure)
	 */
	write(data) {
		if (this.error) throw this.error;
		this.size += data.length;
		this.budget.used += data.length;
		if (this.budget.used > this.budget.max) {
			throw new ApiError(
				4002,
				`File too large: "${this.filename}" is over the ${formatSize(this.budget.max)} limit. Compress or trim it and try again.`,
			);
		}
		if (!this.sniffed) {
			this.headParts.push(Buffer.from(data.subarray(0, SNIFF_BYTES)));
			this.headLength += Math.min(data.length, SNIFF_BYTES);
			if (this.headLength >= SNIFF_BYTES) this.sniff();
		}
		this.hash.update(data);
		if (!this.stream.write(data)) return once(this.stream, 'drain').then(() => undefined);
		return undefined;
	}

	sniff() {
		this.sniffed = true;
		const kind = sniffNonMedia(Buffer.concat(this.headParts));
		this.headParts = [];
		if (kind) {
			throw new ApiError(
				4001,
				`Unsupported file type: "${this.filename}" is ${kind}, not a video, image or audio file.`,
			);
		}
	}

	/** The file is complete: checks it and closes it on disk. */
	async end() {
		if (this.size === 0) {
			throw new ApiError(4001, `Unsupported file: "${this.filename}" is empty (0 bytes).`);
		}
		if (!this.sniffed) this.sniff();
		if (this.error) throw this.error;
		if (!this.stream.closed) {
			this.stream.end();
			await once(this.stream, 'close');
		}
		if (this.error) throw this.error;
		return { storedName: this.storedName, path: this.path, size: this.size, hash: this.hash.digest('hex') };
	}

	/** Drops the partial file. */
	async abort() {
		if (!this.stream.closed) {
			this.stream.destroy();
			await once(this.stream, 'close').catch(() => {});
		}
		await this.storage.unlinkQuiet(this.path);
	}
}

module.exports = { FileSink, formatSize };
