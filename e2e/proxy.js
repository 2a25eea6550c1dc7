// @ts-check
'use strict';
/**
 * A real forward proxy for the e2e tests: Debian's tinyproxy (installed by
 * scripts/install-system-packages.sh), on loopback, with its own config and log in a temp dir.
 * Every request it carried is read back from its log: "GET http://127.0.0.1:1234/path" for a
 * forwarded request, "CONNECT 127.0.0.1:1234" for a tunnel.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { freePort } = require('./ports');
const { killTree, track, untrack } = require('./proc');

/**
 * @typedef {object} Proxy
 * @property {string} url        http://127.0.0.1:<port>
 * @property {() => Array<{ method: string, target: string }>} requests   every request carried so far
 * @property {() => string} log   its log so far
 * @property {() => Promise<void>} stop
 */

/** @returns {Promise<Proxy>} */
async function startTinyproxy() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-tinyproxy-'));
	const port = await freePort();
	const log = path.join(dir, 'tinyproxy.log');
	fs.writeFileSync(
		path.join(dir, 'tinyproxy.conf'),
		[
			`Port ${port}`,
			'Listen 127.0.0.1',
			'Timeout 600',
			`LogFile "${log}"`,
			'LogLevel Info',
			'MaxClients 200',
			// no Allow / ConnectPort lines: any loopback client, CONNECT to any port
			'',
		].join('\n'),
	);
	const child = spawn('tinyproxy', ['-d', '-c', path.join(dir, 'tinyproxy.conf')], { stdio: 'ignore', detached: true });
	if (!child.pid) throw new Error('tinyproxy did not spawn (is it installed? scripts/install-system-packages.sh)');
	const pid = child.pid;
	track(pid);
	const deadline = Date.now() + 10_000;
	for (;;) {
		if (await canConnect(port)) break;
		if (Date.now() > deadline) {
			killTree(pid);
			throw new Error(`tinyproxy not listening on ${port} after 10 s`);
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	return {
		url: `http://127.0.0.1:${port}`,
		requests() {
			const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
			return [...text.matchAll(/Request \(file descriptor \d+\): (\S+) (\S+) HTTP/g)].map((m) => ({ method: m[1], target: m[2] }));
		},
		log: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''),
		async stop() {
			killTree(pid);
			untrack(pid);
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** @param {number} port */
function canConnect(port) {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/**
 * The environment n8n reads its proxy from, spelt as a user may set it (upper- or lower-case
 * names); the other spelling is blanked so the caller's own shell cannot leak in.
 * @param {string} proxyUrl
 * @param {'upper' | 'lower'} spelling
 * @returns {Record<string, string>}
 */
function proxyEnv(proxyUrl, spelling) {
	/** @type {Record<string, string>} */
	const env = {};
	for (const name of ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy']) {
		env[name] = '';
		env[name.toUpperCase()] = '';
	}
	for (const name of ['http_proxy', 'https_proxy']) env[spelling === 'upper' ? name.toUpperCase() : name] = proxyUrl;
	return env;
}

module.exports = { startTinyproxy, proxyEnv };
