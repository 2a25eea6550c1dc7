// @ts-check
/**
 * URL uploads: the service downloads each URL itself. Here only loopback hosts
 * are reachable, so anything else fails fast with a clear message naming the
 * URL and the reason. Streams into a FileSink like a multipart file.
 */
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { ApiError } = require('./errors');
const { EXT_BY_MIME, fileTypeOf, extensionOf, ACCEPTED_TEXT } = require('./file-checks');
const { FileSink, formatSize } = require('./file-sink');

const MAX_REDIRECTS = 5;

/** @param {NodeJS.ErrnoException} err */
function describeNetworkError(err) {
	switch (err.code) {
		case 'ECONNREFUSED':
			return 'connection refused';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return 'host not found (only loopback hosts are reachable from the simulator)';
		case 'ETIMEDOUT':
			return 'timed out';
		case 'ECONNRESET':
			return 'connection reset';
		default:
			return err.message;
	}
}

/**
 * @param {string} urlText
 * @param {number} timeoutMs
 * @param {AbortSignal} signal
 * @param {number} [redirects]
 * @returns {Promise<{ res: import('node:http').IncomingMessage, url: URL }>}
 */
function open(urlText, timeoutMs, signal, redirects = 0) {
	let url;
	try {
		url = new URL(urlText);
	} catch {
		return Promise.reject(new ApiError(400, `Invalid URL: ${urlText}`));
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		return Promise.reject(new ApiError(400, `Unsupported URL scheme ${url.protocol} in ${urlText}: use http or https`));
	}
	const client = url.protocol === 'https:' ? https : http;
	return new Promise((resolve, reject) => {
		const req = client.get(url, { signal, timeout: timeoutMs }, (res) => {
			const status = res.statusCode || 0;
			if (status >= 300 && status < 400 && res.headers.location) {
				res.resume();
				if (redirects >= MAX_REDIRECTS) {
					reject(new ApiError(400, `Could not download ${urlText}: too many redirects`));
					return;
				}
				const next = new URL(res.headers.location, url).toString();
				open(next, timeoutMs, signal, redirects + 1).then(resolve, reject);
				return;
			}
			if (status < 200 || status >= 300) {
				res.resume();
				reject(new ApiError(400, `Could not download ${urlText}: the server answered HTTP ${status}`));
				return;
			}
			resolve({ res, url });
		});
		req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
		req.on('error', (err) => reject(new ApiError(400, `Could not download ${urlText}: ${describeNetworkError(err)}`)));
	});
}

/**
 * Downloads one URL into the data dir.
 * @param {import('./http-io').Ctx} ctx
 * @param {string} urlText
 * @param {import('./file-sink').ByteBudget} budget
 * @param {(sink: FileSink) => void} onSink lets the caller abort the partial file on error
 */
async function downloadToSink(ctx, urlText, budget, onSink) {
	const { sim } = ctx;
	const controller = new AbortController();
	const unregister = sim.lifecycle.onClose(() => controller.abort());
	try {
		const { res, url } = await open(urlText, sim.config.urlFetchTimeoutMs, controller.signal);
		let filename = decodeURIComponent(path.posix.basename(url.pathname)) || 'download';
		if (!fileTypeOf(filename)) {
			const mime = String(res.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
			const ext = EXT_BY_MIME[mime];
			if (ext) filename = `${extensionOf(filename) ? filename.slice(0, -extensionOf(filename).length - 1) : filename}.${ext}`;
		}
		const fileType = fileTypeOf(filename);
		if (!fileType) {
			res.destroy();
			throw new ApiError(4001, `Unsupported file type: ${urlText} is not an accepted file (accepted: ${ACCEPTED_TEXT})`);
		}
		const declared = Number(res.headers['content-length']);
		if (Number.isFinite(declared) && budget.used + declared > budget.max) {
			res.destroy();
			throw new ApiError(4002, `File too large: ${urlText} is ${formatSize(declared)}, over the ${formatSize(budget.max)} limit. Compress or trim it.`);
		}
		const sink = new FileSink({ storage: sim.storage, filename, fileType, budget });
		onSink(sink);
		await new Promise((resolve, reject) => {
			let failed = false;
			/** @param {unknown} err */
			const fail = (err) => {
				if (failed) return;
				failed = true;
				res.destroy();
				reject(err);
			};
			/** @type {Promise<void> | null} */
			let pending = null;
			res.on('data', (/** @type {Buffer} */ chunk) => {
				if (failed) return;
				try {
					const wait = sink.write(chunk);
					if (wait) {
						res.pause();
						const current = wait.then(() => {
							if (pending === current) pending = null;
							res.resume();
						}, fail);
						pending = current;
					}
				} catch (err) {
					fail(err);
				}
			});
			// 'end' can arrive while paused on the last chunk: finish after it
			res.on('end', () => {
				const done = () => {
					if (!failed) resolve(undefined);
				};
				if (pending) pending.then(done);
				else done();
			});
			res.on('error', (err) => fail(new ApiError(400, `Could not download ${urlText}: ${describeNetworkError(err)}`)));
			res.on('aborted', () => fail(new ApiError(400, `Could not download ${urlText}: connection closed early`)));
		});
		const written = await sink.end();
		return { filename, fileType, ...written };
	} finally {
		unregister();
	}
}

module.exports = { downloadToSink };
