// @ts-check
'use strict';
/**
 * The local NemoVideo simulator as a child process (simulator/cli.js), the way the demo, dev
 * mode and the e2e tests use it: n8n runs in another process and reaches it over loopback
 * HTTP, exactly like it would reach the real service. Steered through its /__sim/ admin API.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');
const { request } = require('./ports');
const { killTree, track, untrack, tail } = require('./proc');

const CLI = path.resolve(__dirname, '..', 'simulator', 'cli.js');

/**
 * @typedef {object} SimulatorProcess
 * @property {string} url       API origin (the credential's Base URL)
 * @property {string} cdnUrl    CDN origin (uploaded files, render outputs)
 * @property {string} dataDir
 * @property {string} media     'fast' | 'ffmpeg'
 * @property {number} pid
 * @property {(route: string, body?: any, method?: string) => Promise<any>} admin  /__sim/<route>
 * @property {() => string} output  everything it printed
 * @property {() => Promise<void>} stop
 */

/**
 * Start the simulator and wait for its SIMULATOR_READY line.
 * @param {{ port?: number, cdnPort?: number, media?: 'fast' | 'ffmpeg', seed?: number, dataDir?: string,
 *   config?: Record<string, unknown>, tokens?: Array<{ token: string, credits: number }>,
 *   timeoutMs?: number }} [o]
 *   port 0 (default): any free port, and the CDN on another free port
 *   dataDir: keep uploads and renders there (default: a temp dir the simulator removes)
 * @returns {Promise<SimulatorProcess>}
 */
function startSimulatorProcess(o = {}) {
	const args = [CLI, '--port', String(o.port ?? 0), '--media', o.media || 'ffmpeg', '--seed', String(o.seed ?? 1)];
	if (o.cdnPort !== undefined) args.push('--cdn-port', String(o.cdnPort));
	if (o.dataDir) args.push('--data-dir', o.dataDir);
	if (o.config) args.push('--config', JSON.stringify(o.config));
	for (const t of o.tokens || []) args.push('--token', `${t.token}:${t.credits}`);
	const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	if (!child.pid) throw new Error('simulator did not spawn');
	const pid = child.pid;
	track(pid);
	let text = '';
	child.stdout.on('data', (b) => (text += b));
	child.stderr.on('data', (b) => (text += b));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			killTree(pid);
			reject(new Error(`simulator not ready after ${o.timeoutMs || 20_000} ms:\n${tail(text)}`));
		}, o.timeoutMs || 20_000);
		const onExit = (/** @type {number | null} */ code) => {
			clearTimeout(timer);
			untrack(pid);
			reject(new Error(`simulator exited with ${code} before it was ready:\n${tail(text)}`));
		};
		child.once('exit', onExit);
		const check = () => {
			const m = /SIMULATOR_READY (\{.*\})/.exec(text);
			if (!m) return;
			clearTimeout(timer);
			child.stdout.off('data', check);
			child.off('exit', onExit);
			const info = JSON.parse(m[1]);
			/** @type {SimulatorProcess} */
			const sim = {
				url: info.url,
				cdnUrl: info.cdnUrl,
				dataDir: info.dataDir,
				media: info.media,
				pid,
				output: () => text,
				async admin(route, body, method) {
					const res = await request(`${info.url}/__sim/${route.replace(/^\//, '')}`, {
						method: method || (body === undefined ? 'GET' : 'POST'),
						headers: body === undefined ? {} : { 'content-type': 'application/json' },
						body: body === undefined ? undefined : JSON.stringify(body),
					});
					if (res.status >= 400) throw new Error(`simulator admin ${route}: ${res.status} ${res.body}`);
					return JSON.parse(res.body);
				},
				async stop() {
					if (child.exitCode !== null || child.signalCode !== null) return untrack(pid);
					const gone = new Promise((r) => child.once('exit', r));
					killTree(pid, 'SIGTERM'); // cli.js closes cleanly and removes its data dir
					/** @type {NodeJS.Timeout | undefined} */
					let timer;
					await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 5000)))]);
					clearTimeout(timer); // a pending timer would keep the caller's process alive
					killTree(pid, 'SIGKILL');
					untrack(pid);
				},
			};
			resolve(sim);
		};
		child.stdout.on('data', check);
	});
}

module.exports = { startSimulatorProcess };
