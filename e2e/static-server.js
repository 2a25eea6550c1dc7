// @ts-check
'use strict';
/**
 * A tiny loopback file server: the "public URLs" of the sample media for the examples that
 * take URLs (webhook, batch, AI agent). The simulator downloads them the way NemoVideo would
 * download a user's public URL.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const TYPES = { '.mp4': 'video/mp4', '.png': 'image/png', '.jpg': 'image/jpeg', '.wav': 'audio/wav', '.mp3': 'audio/mpeg' };

/**
 * Serve the files of `dir` (flat) on 127.0.0.1.
 * @param {string} dir
 * @param {number} [port] default 0: a free port
 * @returns {Promise<{ url: string, urlOf: (file: string) => string, requests: string[], close: () => Promise<void> }>}
 */
function serveFolder(dir, port = 0) {
	/** @type {string[]} */
	const requests = [];
	const server = http.createServer((req, res) => {
		const name = decodeURIComponent(new URL(req.url || '/', 'http://x').pathname).replace(/^\/+/, '');
		requests.push(`${req.method} /${name}`);
		const file = path.join(dir, path.basename(name));
		if (!name || name.includes('/') || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
			return;
		}
		const size = fs.statSync(file).size;
		res.writeHead(200, {
			'content-type': TYPES[/** @type {keyof typeof TYPES} */ (path.extname(file).toLowerCase())] || 'application/octet-stream',
			'content-length': size,
		});
		if (req.method === 'HEAD') return res.end();
		fs.createReadStream(file).pipe(res);
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => {
			const addr = server.address();
			const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
			resolve({
				url,
				urlOf: (file) => `${url}/${encodeURIComponent(path.basename(file))}`,
				requests,
				close: () =>
					new Promise((r) => {
						server.close(() => r(undefined));
						server.closeAllConnections();
					}),
			});
		});
	});
}

module.exports = { serveFolder };
