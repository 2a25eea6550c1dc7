// @ts-check
'use strict';
/**
 * The package's own client core, from the build in dist/ (what n8n loads), for the benchmark's
 * setup steps (sessions, renders to download) and the in-process benchmarks (SSE, polling).
 */
const fs = require('node:fs');
const path = require('node:path');

/** NEMO_BENCH_CLIENT_DIR: another build of the client (a patched copy, for before/after figures). */
const DIST = process.env.NEMO_BENCH_CLIENT_DIR || path.resolve(__dirname, '..', '..', 'dist', 'nodes', 'shared', 'client');

/** @param {string} module */
function dist(module) {
	const file = path.join(DIST, `${module}.js`);
	if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
	return require(file);
}

const ATTRIBUTION = { source: 'n8n-nodes-nemovideo', version: 'bench', platform: 'n8n' };

/**
 * @param {string} baseUrl
 * @param {string} token
 * @param {Record<string, any>} [extra]
 */
function makeClient(baseUrl, token, extra = {}) {
	const { NemoClient } = dist('client');
	return new NemoClient({ baseUrl, accessToken: token, attribution: ATTRIBUTION, http: n8nHttp(), ...extra });
}

/**
 * The client's network and waits as inside n8n: the package's adapter (dist/nodes/shared/n8n/http.js)
 * over n8n-core's own httpRequest (this.helpers.httpRequest in a node).
 */
function n8nHttp() {
	const { httpRequest } = require('n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions');
	const { n8nHttpHelpers } = require(path.join(DIST, '..', 'n8n', 'http.js'));
	return n8nHttpHelpers({ httpRequest });
}

/**
 * A file on disk as the client's FileToUpload.
 * @param {string} file
 * @param {string} [mimeType]
 */
function fileToUpload(file, mimeType = 'video/mp4') {
	return {
		fileName: path.basename(file),
		mimeType,
		size: fs.statSync(file).size,
		label: `file ${path.basename(file)}`,
		field: 'file',
		open: () => fs.createReadStream(file),
	};
}

/**
 * A completed render whose output is `sizeBytes` (the simulator must already be configured
 * with that outputSizeBytes): session, small clip, render, wait.
 * @param {any} client
 * @param {string} smallClip
 */
async function completedRender(client, smallClip) {
	const { sessionId } = await client.createSession();
	await client.uploadFiles(sessionId, [fileToUpload(smallClip)]);
	const state = await client.getState(sessionId);
	const { renderId } = await client.startRender(sessionId, state.draft);
	const status = await client.waitForRender(renderId, {});
	return { sessionId, renderId, status };
}

module.exports = { n8nHttp, dist, makeClient, fileToUpload, completedRender, ATTRIBUTION };
