// @ts-check
/**
 * NemoVideo API simulator: a real HTTP server that behaves like the NemoVideo
 * API (see /work/shared/nemo-api.md), plus a second origin acting as the CDN.
 * Used in-process by jest tests and out-of-process (cli.js) by the demo and
 * benchmarks, which steer it through the /__sim/ admin API.
 *
 *   const { startSimulator } = require('./simulator');
 *   const sim = await startSimulator({ port: 0, media: 'fast', seed: 1 });
 *   ... sim.url, sim.cdnUrl, sim.configure(), sim.addFault(), sim.requests ...
 *   await sim.close();
 */
const http = require('node:http');
const { createConfig, DEFAULTS, CONFIG_KEYS } = require('./config');
const { Storage } = require('./storage');
const { Core } = require('./core');
const { handleApiRequest } = require('./routes');
const { handleCdnRequest } = require('./cdn');
const { requireFfmpeg, mediaTools } = require('./media');
const { MULTIPART_OVERHEAD } = require('./upload');
const { FAULT_ACTIONS, ENDPOINTS } = require('./faults');

/**
 * @typedef {object} ServerOptions
 * @property {string} [host]     default 127.0.0.1
 * @property {number} [port]     API port, 0 = any free port
 * @property {number} [cdnPort]  CDN port, 0 = any free port
 * @property {string} [dataDir]  default: a fresh temp dir, removed on close
 */
/** @typedef {ServerOptions & Partial<import('./config').SimConfig>} StartOptions */

/**
 * @param {string} host
 * @param {number} port
 */
function origin(host, port) {
	const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
	return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * @param {http.Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<number>}
 */
function listen(server, port, host) {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			const address = server.address();
			resolve(typeof address === 'object' && address ? address.port : port);
		});
	});
}

/** @param {http.Server} server */
function closeServer(server) {
	return new Promise((resolve) => {
		if (!server.listening) return resolve(undefined);
		server.close(() => resolve(undefined));
		server.closeAllConnections();
	});
}

/** The handle tests and tools hold. */
class Simulator {
	/**
	 * @param {Core} core
	 * @param {http.Server} apiServer
	 * @param {http.Server} cdnServer
	 */
	constructor(core, apiServer, cdnServer) {
		/** @private */
		this.core = core;
		/** @private */
		this.servers = [apiServer, cdnServer];
		/** @private @type {Promise<void> | null} */
		this.closing = null;
	}

	/** API origin, e.g. http://127.0.0.1:41234 */
	get url() {
		return this.core.url;
	}

	/** CDN origin (another port): uploaded files and render outputs, no auth */
	get cdnUrl() {
		return this.core.cdnUrl;
	}

	/** Live array of request records (both origins, not /__sim/). */
	get requests() {
		return this.core.recorder.requests;
	}

	/** Live array of accepted /run_sse messages. */
	get messages() {
		return this.core.recorder.messages;
	}

	/** A copy of the current config. */
	get config() {
		return { ...this.core.config };
	}

	get dataDir() {
		return this.core.storage.root;
	}

	/** The fault rules with their counters (seen, hits). */
	get faults() {
		return this.core.faults.list();
	}

	/**
	 * Changes timings/behaviour now; affects requests that start afterwards.
	 * @param {Partial<import('./config').SimConfig>} patch
	 */
	configure(patch) {
		this.core.configure(/** @type {Record<string, unknown>} */ (patch));
		return this.config;
	}

	/**
	 * @param {{ endpoint: string, times?: number, after?: number } & Record<string, any>} rule
	 */
	addFault(rule) {
		return this.core.faults.add(rule);
	}

	clearFaults() {
		this.core.faults.clear();
	}

	/**
	 * A pre-registered (non-anonymous) user token.
	 * @param {string} token
	 * @param {{ credits?: number, userId?: string }} [options]
	 */
	addToken(token, options) {
		return this.core.accounts.addToken(token, options);
	}

	/**
	 * Registers a new account (as nemovideo.com does) and returns its token; `bind` is the trial
	 * user id of a registration link (`?bind=<id>`): the account then reaches that trial's sessions.
	 * @param {{ bind?: string, credits?: number, token?: string, plan?: 'free' | 'paid' }} [options] plan 'free': exports answer 402
	 */
	register(options) {
		return this.core.register(options);
	}

	/** The next request with this token gets 1001. @param {string} token */
	expireToken(token) {
		this.core.accounts.expireToken(token);
	}

	/** @param {string} token */
	credits(token) {
		return this.core.accounts.creditsOfToken(token);
	}

	/**
	 * The session's internal record (live: state, files), or undefined.
	 * @param {string} sessionId
	 */
	session(sessionId) {
		return this.core.sessions.map.get(String(sessionId));
	}

	/** A render's internal record (live), or undefined. @param {string} id */
	render(id) {
		return this.core.renders.map.get(id);
	}

	/** Forgets requests, messages and faults; keeps tokens, sessions and config. */
	reset() {
		this.core.reset();
	}

	/** Closes both listeners, ends streams, stops timers and children, removes the temp data dir. */
	close() {
		if (!this.closing) {
			this.closing = (async () => {
				await Promise.all(this.servers.map(closeServer));
				await this.core.lifecycle.close();
				await this.core.storage.remove();
			})();
		}
		return this.closing;
	}
}

/**
 * Starts the API and CDN listeners.
 * @param {StartOptions} [options]
 * @returns {Promise<Simulator>}
 */
async function startSimulator(options = {}) {
	const { host = '127.0.0.1', port = 0, cdnPort = 0, dataDir, ...configPatch } = options;
	const config = createConfig(configPatch);
	if (config.media === 'ffmpeg') requireFfmpeg();
	const storage = await Storage.create(dataDir);
	const core = new Core(config, storage);

	// requestTimeout 0: a 500 MB upload or a 15-minute stream must not be cut by Node
	const apiServer = http.createServer({ requestTimeout: 0 }, (req, res) => handleApiRequest(core, req, res));
	// Expect: 100-continue: refuse an oversized upload before the client sends it
	apiServer.on('checkContinue', (req, res) => {
		const declared = Number(req.headers['content-length']);
		if (!(Number.isFinite(declared) && declared > core.config.maxUploadBytes + MULTIPART_OVERHEAD)) res.writeContinue();
		handleApiRequest(core, req, res);
	});
	const cdnServer = http.createServer({ requestTimeout: 0 }, (req, res) => handleCdnRequest(core, req, res));
	const sim = new Simulator(core, apiServer, cdnServer);
	try {
		core.url = origin(host, await listen(apiServer, port, host));
		core.cdnUrl = origin(host, await listen(cdnServer, cdnPort, host));
	} catch (err) {
		await sim.close();
		throw err;
	}
	return sim;
}

module.exports = { startSimulator, Simulator, DEFAULTS, CONFIG_KEYS, FAULT_ACTIONS, FAULT_ENDPOINTS: ENDPOINTS, mediaTools };
