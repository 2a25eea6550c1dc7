// @ts-check
'use strict';
/** Loopback ports and HTTP polling for the e2e harness (nothing but 127.0.0.1 is used). */
const net = require('node:net');
const http = require('node:http');

/**
 * A port that was free a moment ago on 127.0.0.1 (the OS picks it). Tests run several n8n
 * processes, each needs its own HTTP port and, on 2.x, its own task-runner broker port.
 * @returns {Promise<number>}
 */
function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			const port = typeof addr === 'object' && addr ? addr.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

/**
 * One HTTP request on loopback; resolves with status and body text, and the raw bytes (no throw on 4xx/5xx).
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: string | Buffer, timeoutMs?: number }} [o]
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: string, bytes: Buffer }>}
 */
function request(url, o = {}) {
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method: o.method || 'GET', headers: o.headers, timeout: o.timeoutMs || 30_000 }, (res) => {
			/** @type {Buffer[]} */ const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const bytes = Buffer.concat(chunks);
				resolve({ status: res.statusCode || 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
			});
		});
		req.on('timeout', () => req.destroy(new Error(`timeout after ${o.timeoutMs || 30_000} ms: ${url}`)));
		req.on('error', reject);
		if (o.body) req.write(o.body);
		req.end();
	});
}

module.exports = { freePort, request };
