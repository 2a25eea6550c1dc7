// @ts-check
/**
 * The second origin, standing in for a CDN: serves uploaded files
 * (/files/<stored name>) and render outputs (/renders/<id>.mp4) without any
 * auth, with Range support. Requests are recorded with origin 'cdn' so tests
 * can check that no Authorization header was ever sent here. Its errors are
 * plain text, not API envelopes, as a CDN's would be.
 */
const fs = require('node:fs');
const { SimulatorClosedError } = require('./errors');
const { sendRaw, sendStream } = require('./http-io');

/**
 * @param {import('./core').Core} sim
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
function handleCdnRequest(sim, req, res) {
	const url = new URL(req.url || '/', 'http://cdn.invalid');
	const record = sim.recorder.begin('cdn', req, url, res);
	record.endpoint = 'cdn';
	const fault = sim.faults.take('cdn');
	record.faults = Object.keys(fault);
	/** @type {import('./http-io').Ctx} */
	const ctx = { sim, req, res, url, record, endpoint: 'cdn', fault, params: {} };
	const work = (async () => {
		try {
			if (fault.delayHeadersMs) await sim.lifecycle.sleep(fault.delayHeadersMs);
			if (fault.reset) {
				req.socket.destroy();
				return;
			}
			if (fault.status !== undefined || fault.code !== undefined) {
				const status = fault.status || 500;
				sendRaw(ctx, status, fault.body !== undefined ? fault.body : `${status} error\n`, fault.contentType || 'text/plain; charset=utf-8');
				return;
			}
			if (req.method !== 'GET' && req.method !== 'HEAD') {
				sendRaw(ctx, 405, 'Method Not Allowed\n', 'text/plain; charset=utf-8');
				return;
			}
			const fileMatch = /^\/files\/([^/]+)$/.exec(url.pathname);
			if (fileMatch) {
				const file = sim.storage.files.get(decodeURIComponent(fileMatch[1]));
				if (!file || !fs.existsSync(file.path)) {
					sendRaw(ctx, 404, 'Not Found\n', 'text/plain; charset=utf-8');
					return;
				}
				sendStream(ctx, {
					size: file.size,
					contentType: contentTypeOf(file.filename),
					open: (start, end) => fs.createReadStream(file.path, { start, end }),
				});
				return;
			}
			const renderMatch = /^\/renders\/([^/]+)\.mp4$/.exec(url.pathname);
			if (renderMatch) {
				const render = sim.renders.map.get(decodeURIComponent(renderMatch[1]));
				const output = render && !render.vanished ? sim.renders.output(render) : null;
				if (!render || !output || render.noUrl) {
					sendRaw(ctx, 404, 'Not Found\n', 'text/plain; charset=utf-8');
					return;
				}
				if (render.urlFails) {
					sendRaw(ctx, 500, 'Internal Server Error: origin fetch failed\n', 'text/plain; charset=utf-8');
					return;
				}
				sendStream(ctx, { size: output.size, contentType: 'video/mp4', open: output.open });
				return;
			}
			sendRaw(ctx, 404, 'Not Found\n', 'text/plain; charset=utf-8');
		} catch (err) {
			if (!(err instanceof SimulatorClosedError) && !res.headersSent) {
				sendRaw(ctx, 500, `Internal Server Error\n`, 'text/plain; charset=utf-8');
			} else res.destroy();
		}
	})();
	sim.lifecycle.track(work);
}

/** @type {Record<string, string>} */
const TYPES = {
	mp4: 'video/mp4',
	mov: 'video/quicktime',
	avi: 'video/x-msvideo',
	webm: 'video/webm',
	mkv: 'video/x-matroska',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	png: 'image/png',
	gif: 'image/gif',
	webp: 'image/webp',
	mp3: 'audio/mpeg',
	wav: 'audio/wav',
	m4a: 'audio/mp4',
	aac: 'audio/aac',
};

/** @param {string} filename */
function contentTypeOf(filename) {
	const ext = filename.split('.').pop() || '';
	return TYPES[ext.toLowerCase()] || 'application/octet-stream';
}

module.exports = { handleCdnRequest, contentTypeOf };
