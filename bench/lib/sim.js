// @ts-check
'use strict';
/**
 * The NemoVideo simulator as its own process (simulator/cli.js), as a user's n8n would meet
 * the real service: another process on loopback. Steered through its /__sim/ admin API.
 */
const path = require('node:path');
const http = require('node:http');
const { spawn } = require('node:child_process');
const { killTree, track, untrack } = require('../../e2e/proc');

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * @typedef {object} SimProcess
 * @property {string} url
 * @property {string} cdnUrl
 * @property {string} dataDir
 * @property {number} pid
 * @property {(patch: Record<string, unknown>) => Promise<any>} configure
 * @property {(method: string, p: string, body?: unknown) => Promise<any>} admin
 * @property {() => Promise<void>} stop
 */

/**
 * @param {{ config?: Record<string, unknown>, dataDir?: string, tokens?: string[] }} [o]
 * @returns {Promise<SimProcess>}
 */
function startSimProcess(o = {}) {
	const args = [path.join(REPO_ROOT, 'simulator', 'cli.js'), '--port', '0', '--media', 'fast'];
	if (o.dataDir) args.push('--data-dir', o.dataDir);
	if (o.config) args.push('--config', JSON.stringify(o.config));
	for (const t of o.tokens || []) args.push('--token', t);
	const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	if (child.pid) track(child.pid);
	return new Promise((resolve, reject) => {
		let out = '';
		let err = '';
		const onExit = (/** @type {any} */ code) => reject(new Error(`simulator exited (${code}) before it was ready:\n${out}\n${err}`));
		child.once('exit', onExit);
		child.stderr.on('data', (b) => {
			err += b;
			if (err.length > 20000) err = err.slice(-10000);
		});
		child.stdout.on('data', (b) => {
			out += b;
			const m = /SIMULATOR_READY (.+)\n/.exec(out);
			if (!m) return;
			child.off('exit', onExit);
			const info = JSON.parse(m[1]);
			/** @type {SimProcess} */
			const sim = {
				url: info.url,
				cdnUrl: info.cdnUrl,
				dataDir: info.dataDir,
				pid: /** @type {number} */ (child.pid),
				admin: (method, p, body) => jsonRequest(method, `${info.url}/__sim/${p}`, body),
				configure: (patch) => jsonRequest('POST', `${info.url}/__sim/config`, patch),
				stop: async () => {
					if (child.exitCode !== null) return;
					const gone = new Promise((r) => child.once('exit', r));
					child.kill('SIGTERM');
					await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
					if (child.pid) {
						killTree(child.pid, 'SIGKILL');
						untrack(child.pid);
					}
				},
			};
			resolve(sim);
		});
	});
}

/**
 * JSON over loopback; rejects on a non-2xx answer.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<any>}
 */
function jsonRequest(method, url, body, headers = {}) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
		const req = http.request(
			url,
			{ method, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}) } },
			(res) => {
				/** @type {Buffer[]} */ const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					if ((res.statusCode || 0) >= 300) return reject(new Error(`${method} ${url}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
					try {
						resolve(text ? JSON.parse(text) : undefined);
					} catch {
						resolve(text);
					}
				});
			},
		);
		req.on('error', reject);
		if (data) req.write(data);
		req.end();
	});
}

module.exports = { startSimProcess, jsonRequest, REPO_ROOT };
