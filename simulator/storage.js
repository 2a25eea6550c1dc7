// @ts-check
/**
 * The data directory: uploaded files, rendered outputs, scratch files. A fresh
 * temp dir by default (removed on close); a given --data-dir is kept. Also the
 * registry of stored files, which the CDN origin serves by name.
 */
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { randomAlphanumeric } = require('./ids');

/**
 * @typedef {object} StoredFile
 * @property {string} storedName   name on disk and on the CDN (unique)
 * @property {string} filename     the client's file name
 * @property {'video' | 'image' | 'audio'} fileType
 * @property {string} path
 * @property {number} size
 * @property {string} hash          sha256 hex
 * @property {string} cdnUrl
 * @property {string} sessionId
 * @property {string} userId
 * @property {number} duration      seconds
 * @property {number} width
 * @property {number} height
 * @property {number} fps
 * @property {boolean} hasAudio
 * @property {number} uploadedAt
 */

class Storage {
	/**
	 * @param {string} root
	 * @param {boolean} owned remove the whole directory on close
	 */
	constructor(root, owned) {
		this.root = root;
		this.owned = owned;
		this.uploadsDir = path.join(root, 'uploads');
		this.rendersDir = path.join(root, 'renders');
		this.tmpDir = path.join(root, 'tmp');
		/** @type {Map<string, StoredFile>} */
		this.files = new Map();
	}

	/** @param {string} [dataDir] */
	static async create(dataDir) {
		const root = dataDir ? path.resolve(dataDir) : await fsp.mkdtemp(path.join(os.tmpdir(), 'nemo-sim-'));
		const storage = new Storage(root, !dataDir);
		for (const dir of [storage.uploadsDir, storage.rendersDir, storage.tmpDir]) {
			await fsp.mkdir(dir, { recursive: true });
		}
		return storage;
	}

	/**
	 * A unique, URL-safe stored name that keeps the client's extension.
	 * @param {string} filename
	 */
	newStoredName(filename) {
		const safe = path
			.basename(filename)
			.replace(/[^A-Za-z0-9._-]+/g, '_')
			.replace(/^[._]+/, '')
			.slice(-80);
		return `${randomAlphanumeric(12)}-${safe || 'file'}`;
	}

	/** @param {string} storedName */
	uploadPath(storedName) {
		return path.join(this.uploadsDir, storedName);
	}

	/** @param {string} renderId */
	renderPath(renderId) {
		return path.join(this.rendersDir, `${renderId.replace(/[^A-Za-z0-9._-]+/g, '_')}.mp4`);
	}

	/** @param {string} name */
	tmpPath(name) {
		return path.join(this.tmpDir, `${randomAlphanumeric(8)}-${name}`);
	}

	/** @param {StoredFile} file */
	register(file) {
		this.files.set(file.storedName, file);
	}

	/**
	 * The stored file a draft segment points at: by `file` (stored name), else by
	 * the last path segment of its CDN `url`.
	 * @param {{ file?: unknown, url?: unknown }} m
	 */
	resolve(m) {
		if (typeof m.file === 'string' && this.files.has(m.file)) return this.files.get(m.file);
		if (typeof m.url === 'string') {
			const name = decodeURIComponent(m.url.split('?')[0].split('/').pop() || '');
			if (this.files.has(name)) return this.files.get(name);
		}
		return undefined;
	}

	/** @param {string} file */
	async unlinkQuiet(file) {
		await fsp.rm(file, { force: true }).catch(() => {});
	}

	async remove() {
		if (this.owned) await fsp.rm(this.root, { recursive: true, force: true }).catch(() => {});
	}

	/** @param {string} file */
	static exists(file) {
		return fs.existsSync(file);
	}
}

module.exports = { Storage };
