// @ts-check
/**
 * Reading request bodies and writing responses, with the response-level faults
 * applied in one place (malformedJson, stallBodyMs, resetAfterBytes, cutBodyAfterBytes,
 * endlessBody) so every
 * endpoint gets them the same way.
 */
const { ApiError } = require('./errors');
const { parseLossless } = require('./json');
const { envelopeFor, okBody, errorBody, defaultHttpStatus } = require('./envelope');

/**
 * Per-request context handed to every handler.
 * @typedef {object} Ctx
 * @property {import('./core').Core} sim
 * @property {import('node:http').IncomingMessage} req
 * @property {import('node:http').ServerResponse} res
 * @property {URL} url
 * @property {import('./recorder').RequestRecord} record
 * @property {string} endpoint
 * @property {Record<string, any>} fault merged action of the fault rules hitting this request
 * @property {Record<string, string>} params path parameters
 * @property {boolean} [closeConnection] answer with Connection: close (body left unread)
 */

/**
 * Feeds request body chunks to onChunk with backpressure: while the promise
 * onChunk returns is pending, the socket is paused, so memory does not grow
 * with the body size. Counts bytes into the request record and applies the
 * resetAfterBytes fault. If onChunk throws, reading stops (the rest of the body
 * stays unread; see drainRequest).
 * @param {Ctx} ctx
 * @param {(chunk: Buffer) => void | Promise<void>} onChunk
 * @returns {Promise<void>}
 */
function readChunks(ctx, onChunk) {
	const { req } = ctx;
	return new Promise((resolve, reject) => {
		let done = false;
		/** @type {Promise<void> | null} */
		let pending = null;
		/** @param {unknown} [err] */
		const finish = (err) => {
			if (done) return;
			done = true;
			req.off('data', onData);
			req.off('end', onEnd);
			req.off('error', onError);
			req.off('close', onClose);
			if (err) {
				req.pause();
				reject(err);
			} else resolve();
		};
		/** @param {Buffer} chunk */
		const onData = (chunk) => {
			ctx.record.bodyBytes += chunk.length;
			const resetAt = ctx.fault.resetAfterBytes;
			if (typeof resetAt === 'number' && ctx.record.bodyBytes >= resetAt) {
				req.socket.destroy();
				finish(new Error(`connection reset by fault after ${resetAt} request bytes`));
				return;
			}
			let result;
			try {
				result = onChunk(chunk);
			} catch (err) {
				finish(err);
				return;
			}
			if (result && typeof result.then === 'function') {
				req.pause();
				const current = result.then(() => {
					if (pending === current) pending = null;
					if (!done) req.resume();
				}, finish);
				pending = current;
			}
		};
		// 'end' can come while the last chunk is still being handled (the stream
		// had already seen EOF when it was paused): finish after that chunk.
		const onEnd = () => {
			if (pending) pending.then(() => finish());
			else finish();
		};
		/** @param {Error} err */
		const onError = (err) => finish(err);
		const onClose = () => {
			if (!req.complete) finish(new Error('client closed the connection before the body was complete'));
		};
		req.on('data', onData);
		req.on('end', onEnd);
		req.on('error', onError);
		req.on('close', onClose);
		req.resume();
	});
}

/**
 * After an early answer (4001/4002 while uploading), read and discard the rest
 * of the body so the client sees our answer instead of a reset; give up and
 * close the socket past `capBytes`.
 * @param {Ctx} ctx
 * @param {number} capBytes
 */
function drainRequest(ctx, capBytes) {
	const { req } = ctx;
	if (req.complete || req.destroyed) return;
	let discarded = 0;
	req.on('data', (chunk) => {
		ctx.record.bodyBytes += chunk.length;
		discarded += chunk.length;
		if (discarded > capBytes) req.socket.destroy();
	});
	req.on('error', () => {});
	req.resume();
}

/**
 * @param {Ctx} ctx
 * @param {number} maxBytes
 * @returns {Promise<Buffer>}
 */
async function readBody(ctx, maxBytes) {
	/** @type {Buffer[]} */
	const chunks = [];
	let size = 0;
	await readChunks(ctx, (chunk) => {
		size += chunk.length;
		if (size > maxBytes) throw new ApiError(400, `Request body larger than ${maxBytes} bytes`);
		chunks.push(chunk);
	});
	return Buffer.concat(chunks);
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * Reads a JSON body (if any) into the record; unsafe integers come back as BigInt.
 * @param {Ctx} ctx
 * @returns {Promise<any>} undefined for an empty body
 */
async function readJson(ctx) {
	const body = await readBody(ctx, MAX_JSON_BYTES);
	if (body.length === 0) return undefined;
	let value;
	try {
		value = parseLossless(body.toString('utf8'));
	} catch (err) {
		throw new ApiError(400, `Invalid JSON body: ${/** @type {Error} */ (err).message}`);
	}
	ctx.record.json = value;
	return value;
}

/** @param {Buffer} body */
function corruptJson(body) {
	// Half a document followed by an HTML fragment: fails every JSON parser.
	return Buffer.concat([body.subarray(0, Math.floor(body.length / 2)), Buffer.from('<!-- upstream error')]);
}

/**
 * @param {Ctx} ctx
 * @param {number} status
 * @param {Buffer} body
 * @param {Record<string, string | number>} headers
 */
function sendBuffer(ctx, status, body, headers) {
	const { res } = ctx;
	if (res.headersSent || res.destroyed) return;
	/** @type {Record<string, string | number>} */
	const all = { ...headers, 'Content-Length': body.length };
	if (ctx.closeConnection) all.Connection = 'close';
	ctx.record.status = status;
	const stall = ctx.fault.stallBodyMs;
	if (typeof stall === 'number' && stall > 0 && body.length > 1) {
		const half = Math.floor(body.length / 2);
		res.writeHead(status, all);
		res.write(body.subarray(0, half));
		ctx.sim.lifecycle.setTimeout(() => {
			if (!res.destroyed) res.end(body.subarray(half));
		}, stall);
		return;
	}
	const cutAt = ctx.fault.cutBodyAfterBytes;
	if (typeof cutAt === 'number') {
		// The full length announced, part of the body sent, then a dead socket.
		res.writeHead(status, all);
		res.write(body.subarray(0, Math.min(cutAt, body.length - 1)), () => res.socket?.destroy());
		return;
	}
	if (ctx.fault.endlessBody) {
		delete all['Content-Length'];
		res.writeHead(status, all);
		writeForever(res, body.length > 0 ? body : Buffer.from(' '));
		return;
	}
	res.writeHead(status, all);
	res.end(body);
}

/**
 * An answer body that never ends (the body repeated, with backpressure), until the client goes.
 * @param {import('node:http').ServerResponse} res
 * @param {Buffer} body
 */
function writeForever(res, body) {
	const chunk = Buffer.concat(Array.from({ length: Math.max(1, Math.ceil(65536 / body.length)) }, () => body));
	const pump = () => {
		while (!res.destroyed && res.write(chunk));
		if (!res.destroyed) res.once('drain', pump);
	};
	pump();
}

/**
 * @param {Ctx} ctx
 * @param {number} status
 * @param {string} text
 * @param {Record<string, string>} [headers]
 */
function sendJson(ctx, status, text, headers = {}) {
	let body = Buffer.from(text, 'utf8');
	if (ctx.fault.malformedJson) body = corruptJson(body);
	sendBuffer(ctx, status, body, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

/**
 * @param {Ctx} ctx
 * @param {number} status
 * @param {string | Buffer} body
 * @param {string} contentType
 */
function sendRaw(ctx, status, body, contentType) {
	sendBuffer(ctx, status, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), { 'Content-Type': contentType });
}

/**
 * Success in the envelope the endpoint uses.
 * @param {Ctx} ctx
 * @param {unknown} data
 */
function sendOk(ctx, data) {
	sendJson(ctx, 200, okBody(envelopeFor(ctx.sim.config, ctx.endpoint), data));
}

/**
 * An error in the envelope the endpoint uses.
 * @param {Ctx} ctx
 * @param {number} code
 * @param {string} [message]
 * @param {number} [status]
 * @param {Record<string, string>} [headers]
 */
function sendError(ctx, code, message, status, headers) {
	const kind = envelopeFor(ctx.sim.config, ctx.endpoint);
	sendJson(ctx, status || defaultHttpStatus(code, kind), errorBody(kind, code, message), headers);
}

/**
 * Parses a single "bytes=" range. Returns null when absent or not satisfiable
 * as a single range (then the whole body is sent), 'invalid' when unsatisfiable.
 * @param {string | undefined} header
 * @param {number} size
 * @returns {{ start: number, end: number } | null | 'invalid'}
 */
function parseRange(header, size) {
	if (!header) return null;
	const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!m || (m[1] === '' && m[2] === '')) return null;
	let start;
	let end;
	if (m[1] === '') {
		start = Math.max(0, size - Number(m[2]));
		end = size - 1;
	} else {
		start = Number(m[1]);
		end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
	}
	if (start > end || start >= size) return 'invalid';
	return { start, end };
}

/**
 * Streams a binary body (uploaded file, render output) with Content-Length,
 * single-range support, HEAD, and the stallBodyMs / resetAfterBytes faults.
 * @param {Ctx} ctx
 * @param {{ size: number, contentType: string, open: (start: number, end: number) => import('node:stream').Readable, headers?: Record<string, string> }} opts
 */
function sendStream(ctx, opts) {
	const { req, res } = ctx;
	const range = parseRange(/** @type {string | undefined} */ (req.headers.range), opts.size);
	if (range === 'invalid') {
		ctx.record.status = 416;
		res.writeHead(416, { 'Content-Range': `bytes */${opts.size}`, 'Content-Length': 0 });
		res.end();
		return;
	}
	const start = range ? range.start : 0;
	const end = range ? range.end : opts.size - 1;
	const length = Math.max(0, end - start + 1);
	/** @type {Record<string, string | number>} */
	const headers = {
		'Content-Type': opts.contentType,
		'Content-Length': length,
		'Accept-Ranges': 'bytes',
		...opts.headers,
	};
	if (range) headers['Content-Range'] = `bytes ${start}-${end}/${opts.size}`;
	const status = range ? 206 : 200;
	ctx.record.status = status;
	res.writeHead(status, headers);
	if (req.method === 'HEAD' || length === 0) {
		res.end();
		return;
	}
	const src = opts.open(start, end);
	const resetAt = typeof ctx.fault.resetAfterBytes === 'number' ? ctx.fault.resetAfterBytes : Infinity;
	const stallMs = typeof ctx.fault.stallBodyMs === 'number' ? ctx.fault.stallBodyMs : 0;
	const half = Math.floor(length / 2);
	let sent = 0;
	let stalled = stallMs <= 0;
	let stallPending = false;

	/** @param {Buffer} chunk */
	const write = (chunk) => {
		sent += chunk.length;
		if (!res.write(chunk)) {
			src.pause();
			res.once('drain', () => src.resume());
		}
	};
	src.on('data', (/** @type {Buffer} */ chunk) => {
		if (sent + chunk.length >= resetAt) {
			// send exactly resetAt bytes, then drop the connection once they are on the wire
			const part = chunk.subarray(0, Math.max(0, resetAt - sent));
			src.destroy();
			res.write(part, () => res.socket && res.socket.destroy());
			return;
		}
		if (!stalled && sent + chunk.length >= half) {
			stalled = true;
			const first = chunk.subarray(0, half - sent);
			const rest = chunk.subarray(half - sent);
			sent += first.length;
			res.write(first);
			src.pause();
			stallPending = true;
			ctx.sim.lifecycle.setTimeout(() => {
				stallPending = false;
				if (res.destroyed) return;
				if (rest.length) {
					sent += rest.length;
					res.write(rest);
				}
				if (srcEnded) res.end();
				else src.resume();
			}, stallMs);
			return;
		}
		write(chunk);
	});
	// 'end' may arrive while paused (the source had already hit EOF): an end
	// during a stall waits for the stalled bytes
	let srcEnded = false;
	src.on('end', () => {
		srcEnded = true;
		if (!stallPending && !res.destroyed) res.end();
	});
	// closeAfterBody: the whole answer, framed by Content-Length and without Connection: close,
	// then the connection is closed, as tinyproxy does once it has relayed an answer
	// (the socket is taken now: the response lets go of it when it finishes)
	const socket = res.socket;
	if (ctx.fault.closeAfterBody && socket) res.once('finish', () => socket.end());
	src.on('error', (err) => res.destroy(err));
	res.on('close', () => src.destroy());
}

module.exports = {
	readChunks,
	drainRequest,
	readBody,
	readJson,
	sendJson,
	sendRaw,
	sendOk,
	sendError,
	sendStream,
	parseRange,
};
