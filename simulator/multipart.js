// @ts-check
/**
 * A streaming multipart/form-data parser. It never holds more than one input
 * chunk plus a delimiter's length: part data is handed to the part's sink as it
 * arrives, and push() resolves only when the sinks have accepted it, so the
 * caller can pause the socket (memory stays flat for a 500 MB file).
 *
 * Delimiter scanning across chunk edges: the stream is treated as if it began
 * with CRLF, so every delimiter is "\r\n--boundary". When no delimiter is found
 * in the buffered bytes, all but the last (delimiter length - 1) bytes are
 * emitted; those few are carried into the next chunk, where a delimiter split
 * across the edge is then found whole.
 */

/**
 * @typedef {object} PartInfo
 * @property {string} name       form field name
 * @property {string | null} filename  null for plain (non-file) fields
 * @property {string | null} rawFilename  the file name as the part's header gave it (filename* decoded), before the base name is taken
 * @property {string} contentType
 * @property {Record<string, string>} headers lower-case names
 */

/**
 * @typedef {object} PartSink
 * @property {(data: Buffer) => void | Promise<void>} write
 * @property {() => void | Promise<void>} end
 */

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

const State = Object.freeze({ PREAMBLE: 0, AFTER_DELIMITER: 1, HEADERS: 2, BODY: 3, DONE: 4 });

class MultipartError extends Error {
	/** @param {string} message */
	constructor(message) {
		super(message);
		this.name = 'MultipartError';
	}
}

/**
 * The boundary parameter of a multipart/form-data Content-Type, or null.
 * @param {string | undefined} contentType
 */
function parseBoundary(contentType) {
	if (!contentType || !/^multipart\/form-data/i.test(contentType.trim())) return null;
	const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	const boundary = m ? m[1] || m[2] : null;
	return boundary && boundary.length <= 200 ? boundary : null;
}

/**
 * Parameters of a header like Content-Disposition: form-data; name="files"; filename="a.mp4"
 * Handles quoted strings with backslash escapes and RFC 5987 filename*.
 * @param {string} value
 */
function parseHeaderParams(value) {
	/** @type {Record<string, string>} */
	const params = {};
	const re = /;\s*([A-Za-z0-9_*.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
	let m;
	while ((m = re.exec(value))) {
		const key = m[1].toLowerCase();
		let v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] || '').trim();
		if (key.endsWith('*')) {
			const ext = /^([^']*)'[^']*'(.*)$/.exec(v);
			if (ext) {
				try {
					v = decodeURIComponent(ext[2]);
				} catch {
					v = ext[2];
				}
			}
			params[key.slice(0, -1)] = v; // filename* wins over filename
		} else if (!(key in params)) {
			params[key] = v;
		}
	}
	return params;
}

/**
 * @param {string} block raw header lines of one part
 * @returns {PartInfo}
 */
function parsePartHeaders(block) {
	/** @type {Record<string, string>} */
	const headers = {};
	for (const line of block.split('\r\n')) {
		const idx = line.indexOf(':');
		if (idx <= 0) continue;
		headers[line.slice(0, idx).trim().toLowerCase()] = line.slice(idx + 1).trim();
	}
	const disposition = headers['content-disposition'];
	if (!disposition || !/^form-data/i.test(disposition)) {
		throw new MultipartError('multipart part without "Content-Disposition: form-data"');
	}
	const params = parseHeaderParams(disposition);
	const rawName = params.filename;
	// Old browsers send the full client path; keep the base name.
	const filename = rawName === undefined ? null : rawName.split(/[\\/]/).pop() || '';
	return {
		name: params.name || '',
		filename,
		rawFilename: rawName ?? null,
		contentType: headers['content-type'] || (filename === null ? 'text/plain' : 'application/octet-stream'),
		headers,
	};
}

class MultipartParser {
	/**
	 * @param {string} boundary
	 * @param {(info: PartInfo) => PartSink | Promise<PartSink>} onPart
	 */
	constructor(boundary, onPart) {
		this.delimiter = Buffer.from(`\r\n--${boundary}`);
		this.onPart = onPart;
		/** @type {number} one of State */
		this.state = State.PREAMBLE;
		/** bytes carried over from the previous chunk (always short) */
		this.carry = Buffer.from(CRLF);
		/** @type {PartSink | null} */
		this.sink = null;
		this.partCount = 0;
	}

	get finished() {
		return this.state === State.DONE;
	}

	/**
	 * Parses one chunk. Resolves when every byte of it has been handed on.
	 * @param {Buffer} chunk
	 */
	async push(chunk) {
		if (this.state === State.DONE) return; // epilogue: ignored
		const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
		this.carry = Buffer.alloc(0);
		let pos = 0;
		const delim = this.delimiter;
		for (;;) {
			switch (this.state) {
				case State.PREAMBLE: {
					const idx = buf.indexOf(delim, pos);
					if (idx === -1) {
						this.keep(buf, Math.max(pos, buf.length - (delim.length - 1)));
						return;
					}
					pos = idx + delim.length;
					this.state = State.AFTER_DELIMITER;
					break;
				}
				case State.AFTER_DELIMITER: {
					// "--" closes the body; otherwise optional whitespace then CRLF starts a part
					while (pos < buf.length && (buf[pos] === 0x20 || buf[pos] === 0x09)) pos++;
					if (buf.length - pos < 2) {
						this.keep(buf, pos);
						return;
					}
					if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) {
						this.state = State.DONE;
						return;
					}
					if (buf[pos] !== 0x0d || buf[pos + 1] !== 0x0a) {
						throw new MultipartError('malformed multipart body: expected CRLF after the boundary');
					}
					pos += 2;
					this.state = State.HEADERS;
					break;
				}
				case State.HEADERS: {
					let idx = -1;
					// a part with no headers at all starts right at the blank line
					if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) idx = pos - 2;
					else idx = buf.indexOf(HEADER_END, pos);
					if (idx === -1) {
						if (buf.length - pos > MAX_HEADER_BYTES) throw new MultipartError('multipart part headers too large');
						this.keep(buf, pos);
						return;
					}
					const block = idx < pos ? '' : buf.toString('utf8', pos, idx);
					pos = idx + HEADER_END.length;
					const info = parsePartHeaders(block);
					this.partCount++;
					this.sink = await this.onPart(info);
					this.state = State.BODY;
					break;
				}
				case State.BODY: {
					const sink = /** @type {PartSink} */ (this.sink);
					const idx = buf.indexOf(delim, pos);
					if (idx === -1) {
						const safeEnd = buf.length - (delim.length - 1);
						if (safeEnd > pos) {
							const pending = sink.write(buf.subarray(pos, safeEnd));
							this.keep(buf, safeEnd);
							if (pending) await pending;
						} else {
							this.keep(buf, pos);
						}
						return;
					}
					if (idx > pos) {
						const pending = sink.write(buf.subarray(pos, idx));
						if (pending) await pending;
					}
					this.sink = null;
					await sink.end();
					pos = idx + delim.length;
					this.state = State.AFTER_DELIMITER;
					break;
				}
				default:
					return;
			}
		}
	}

	/**
	 * Keeps buf[from..] for the next chunk (a copy: must not pin a large chunk).
	 * @param {Buffer} buf
	 * @param {number} from
	 */
	keep(buf, from) {
		this.carry = from < buf.length ? Buffer.from(buf.subarray(from)) : Buffer.alloc(0);
	}

	/** The body ended: it must have ended with the closing delimiter. */
	end() {
		if (this.state !== State.DONE) {
			throw new MultipartError(
				this.partCount === 0 && this.state === State.PREAMBLE
					? 'multipart body has no parts (boundary not found)'
					: 'multipart body ended before the closing boundary (truncated upload?)',
			);
		}
	}
}

module.exports = { MultipartParser, MultipartError, parseBoundary, parseHeaderParams, parsePartHeaders };
