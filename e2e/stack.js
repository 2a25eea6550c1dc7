// @ts-check
'use strict';
/**
 * The pieces `npm run demo`, `npm run dev` and `npm run test:e2e` share: the environment our
 * n8n instances get (file access, enabled nodes, the client's polling for the simulator), the
 * credential that points at the simulator (or the real service), and a step printer.
 */
const path = require('node:path');
const { EXAMPLE_CREDENTIAL } = require('./examples');

/** Base URL the credential uses when it targets the real service. */
const REAL_BASE_URL = 'https://mega-api-prod.nemovideo.ai';

/**
 * Shorter render polling for the simulator (its renders take a second or two; the defaults
 * follow the real service: 1 s growing to 15 s). Set in the credential's hidden `tuning` field
 * by nemoCredential() (the package reads no environment variables).
 */
const SIMULATOR_TUNING = { polling: { initialDelayMs: 250, factor: 1.3, maxDelayMs: 1000 } };

/**
 * Env for an n8n that runs the examples.
 * @param {1 | 2} major
 * @param {{ fileFolders: string[], simulator: boolean }} o
 *   fileFolders: folders the Read/Write Files nodes may use (n8n 2.x allows only ~/.n8n-files
 *   by default: N8N_RESTRICT_FILE_ACCESS_TO, separated by ";")
 * @returns {Record<string, string>}
 */
function n8nEnvFor(major, o) {
	/** @type {Record<string, string>} */
	const env = {
		N8N_RESTRICT_FILE_ACCESS_TO: o.fileFolders.map((f) => path.resolve(f)).join(';'),
		// the Webhook example answers with a URL of the render; nothing else to configure
	};
	if (major >= 2) {
		// 2.x disables Execute Command and Local File Trigger by default; the folder-watch
		// example needs the trigger (Execute Command stays disabled).
		env.NODES_EXCLUDE = JSON.stringify(['n8n-nodes-base.executeCommand']);
	}
	return env;
}

/**
 * The nemoApi credential for import (plain data: n8n encrypts it on import). For the simulator
 * (not `real`), with SIMULATOR_TUNING (or `tuning`) in its hidden tuning field.
 * @param {{ baseUrl: string, accessToken?: string, id?: string, name?: string, real?: boolean, tuning?: Record<string, unknown> }} o
 */
function nemoCredential(o) {
	/** @type {Record<string, unknown>} */
	const data = { accessToken: o.accessToken || '', clientId: '', baseUrl: o.baseUrl, allowInsecureHttp: false };
	if (!o.real) data.tuning = JSON.stringify(o.tuning || SIMULATOR_TUNING);
	return { id: o.id || EXAMPLE_CREDENTIAL.id, name: o.name || EXAMPLE_CREDENTIAL.name, type: 'nemoApi', data };
}

/** Step printer: "[2/7] title" ... "      done in 1.2 s". */
function stepper(total) {
	let n = 0;
	const t0 = Date.now();
	/** @type {Array<{ title: string, ms: number }>} */
	const timings = [];
	return {
		timings,
		/**
		 * @template T
		 * @param {string} title
		 * @param {() => Promise<T>} fn
		 * @returns {Promise<T>}
		 */
		async step(title, fn) {
			n++;
			console.log(`\n[${n}/${total}] ${title}`);
			const t = Date.now();
			const r = await fn();
			const ms = Date.now() - t;
			timings.push({ title, ms });
			console.log(`      done in ${(ms / 1000).toFixed(1)} s`);
			return r;
		},
		elapsed: () => Date.now() - t0,
	};
}

/** @param {number} bytes */
function formatBytes(bytes) {
	if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KB`;
	return `${bytes} B`;
}

module.exports = { n8nEnvFor, nemoCredential, stepper, formatBytes, REAL_BASE_URL, SIMULATOR_TUNING };
