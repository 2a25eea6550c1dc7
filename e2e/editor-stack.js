// @ts-check
'use strict';
/**
 * A real n8n with the packed package, the simulator (ffmpeg media) and the demo workflow, for
 * the browser test of the editor: everything `npm run dev` sets up, on free ports, in a
 * throwaway user folder; and what a newcomer meets off the demo's path (issue 21 section 2): a
 * first try (a clip read from disk straight into Nemo Face Swap, whose error says how to add the
 * face photo), a second credential whose Base URL is a web server that is not NemoVideo (a local
 * one answering an HTML 404 page), and a workflow with Nemo Credits after a long item and Nemo
 * Export's Get Status with a render id that does not exist.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { buildAndPack } = require('./package-tarball');
const { ensureN8n } = require('./hosts');
const { createInstance } = require('./n8n-instance');
const { ensureSampleMedia } = require('./sample-media');
const { startSimulatorProcess } = require('./simulator-process');
const { loadExample, configureWorkflow, EXAMPLES, EXAMPLE_CREDENTIAL } = require('./examples');
const { n8nEnvFor, nemoCredential } = require('./stack');

const EDITOR_TOKEN = 'nmv_usr_editor_registered_account_0001';
const { freePort } = require('./ports');

/** The demo's folder inside the n8n user folder (n8n's working folder): `media/` and `output/`. */
const DEMO_FOLDER = 'nemo-demo';
/** A newcomer's first workflow: a clip read from disk straight into Nemo Face Swap, defaults untouched. */
const FIRST_TRY = { id: 'nemoFirstTry0001', name: 'First try: one clip into Nemo Face Swap' };
/** A Nemo API credential whose Base URL is a web server that is not NemoVideo's API (issue 21, 2.3). */
const NOT_NEMO_CREDENTIAL = { id: 'nemoNotNemoUrl01', name: 'Nemo API: wrong Base URL' };
/** Nemo Credits after a long item (2.6), and Get Status with a render id that does not exist (2.5). */
const NEWCOMER = { id: 'nemoNewcomer0001', name: 'Newcomer: balance and a wrong render id', missingRenderId: 'render_1796166302986_33b07ce4' };

/**
 * A web server that is not NemoVideo, where a newcomer's wrong Base URL leads: every path answers
 * a 404 page in HTML, as most web servers do.
 * @returns {Promise<{ url: string, requests: string[], close: () => Promise<void> }>}
 */
function serveNotNemoVideo() {
	/** @type {string[]} */
	const requests = [];
	const server = http.createServer((req, res) => {
		requests.push(`${req.method} ${req.url}`);
		res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
		res.end('<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n');
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const addr = server.address();
			resolve({
				url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
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

/** Manual Trigger → a long item (20 fields) → Nemo Credits; Manual Trigger → Nemo Export, Get Status By ID of a render that does not exist. */
function newcomerWorkflow() {
	const credentials = { nemoApi: { ...EXAMPLE_CREDENTIAL } };
	/** @type {Record<string, string>} */
	const longItem = {};
	for (let field = 1; field <= 20; field++) longItem[`field${String(field).padStart(2, '0')}`] = `value ${field}`;
	const node = (/** @type {number} */ n, /** @type {string} */ name, /** @type {string} */ type, /** @type {number} */ typeVersion, /** @type {[number, number]} */ position, /** @type {Record<string, unknown>} */ extra = {}) => ({
		id: `e2a3b4c5-0000-4000-8000-00000000000${n}`,
		name,
		type,
		typeVersion,
		position,
		parameters: {},
		...extra,
	});
	return {
		id: NEWCOMER.id,
		name: NEWCOMER.name,
		active: false,
		// as the editor saves a workflow: `n8n import:workflow` keeps a missing pinData as null, and
		// n8n 2.40.7 then answers a second Execute step in the same view with HTTP 500 ("Cannot read
		// properties of null (reading 'Start')", find-start-nodes.js reads pinData[name])
		pinData: {},
		settings: { executionOrder: 'v1' },
		nodes: [
			node(1, 'Start', 'n8n-nodes-base.manualTrigger', 1, [0, 0]),
			node(2, 'Long Item', 'n8n-nodes-base.set', 3.4, [240, -120], { parameters: { mode: 'raw', jsonOutput: JSON.stringify(longItem, null, 2), options: {} } }),
			node(3, 'Nemo Credits', 'n8n-nodes-nemovideo.nemoCredits', 1, [480, -120], { credentials }),
			node(4, 'Nemo Export', 'n8n-nodes-nemovideo.nemoExport', 1, [240, 120], {
				parameters: { exportOperation: 'getStatus', render: 'id', renderId: NEWCOMER.missingRenderId },
				credentials,
			}),
		],
		connections: {
			Start: { main: [[{ node: 'Long Item', type: 'main', index: 0 }, { node: 'Nemo Export', type: 'main', index: 0 }]] },
			'Long Item': { main: [[{ node: 'Nemo Credits', type: 'main', index: 0 }]] },
		},
	};
}

/** @param {string} mediaFolder */
function firstTryWorkflow(mediaFolder) {
	const node = (/** @type {string} */ name, /** @type {string} */ type, /** @type {number} */ x, /** @type {Record<string, unknown>} */ extra = {}) => ({
		id: `f1a2b3c4-0000-4000-8000-00000000000${x / 240 + 1}`,
		name,
		type,
		typeVersion: 1,
		position: [x, 0],
		parameters: {},
		...extra,
	});
	return {
		...FIRST_TRY,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 0),
			node('Read Clip', 'n8n-nodes-base.readWriteFile', 240, { parameters: { fileSelector: `${mediaFolder}/clip.mp4` } }),
			node('Nemo Face Swap', 'n8n-nodes-nemovideo.nemoFaceSwap', 480, { credentials: { nemoApi: { ...EXAMPLE_CREDENTIAL } } }),
		],
		connections: {
			Start: { main: [[{ node: 'Read Clip', type: 'main', index: 0 }]] },
			'Read Clip': { main: [[{ node: 'Nemo Face Swap', type: 'main', index: 0 }]] },
		},
	};
}

/**
 * @param {1 | 2} major
 * @param {{ log?: (msg: string) => void, tarball?: string }} [o]
 */
async function startEditorStack(major, o = {}) {
	const log = o.log || (() => {});
	/** @type {Array<() => Promise<unknown>>} */
	const cleanup = [];
	const stop = async () => {
		for (const fn of cleanup.reverse()) await fn().catch(() => {});
	};
	try {
		const tarball = o.tarball || (await buildAndPack()).tarball;
		const host = await ensureN8n(major);
		const media = await ensureSampleMedia({ log });
		// a registered account's token, as the demo: NemoVideo's trial tokens cannot export.
		// Every edit closes without a word (as ~30 % do on NemoVideo), so the browser test sees
		// what a silent success looks like in the output panel (issue 21 point 2.4).
		const sim = await startSimulatorProcess({ media: 'ffmpeg', tokens: [{ token: EDITOR_TOKEN, credits: 10_000 }], config: { silentRate: 1 } });
		cleanup.push(() => sim.stop());
		const notNemo = await serveNotNemoVideo();
		cleanup.push(() => notNemo.close());
		const n8n = await createInstance(major, {});
		cleanup.push(() => n8n.dispose());
		// The demo's files live in the instance's own folder, where n8n runs, and the workflow
		// names them relative to it: the editor's Binary view then shows "Directory:
		// nemo-demo/media", nothing of the machine that ran it (the README's screenshots are
		// taken here; browser.js checks each for paths, host names and ports).
		const demoDir = path.join(n8n.userFolder, DEMO_FOLDER);
		fs.mkdirSync(path.join(demoDir, 'media'), { recursive: true });
		fs.mkdirSync(path.join(demoDir, 'output'), { recursive: true });
		for (const file of [media.clip, media.face, media.voiceover]) fs.copyFileSync(file, path.join(demoDir, 'media', path.basename(file)));
		Object.assign(n8n.extraEnv, n8nEnvFor(host.major, { fileFolders: [demoDir], simulator: true }));
		await n8n.installPackage(tarball);
		await n8n.importCredentials([
			nemoCredential({ baseUrl: sim.url, accessToken: EDITOR_TOKEN }),
			// a registered token too: the Base URL is the only thing wrong with it
			nemoCredential({ ...NOT_NEMO_CREDENTIAL, baseUrl: notNemo.url, accessToken: EDITOR_TOKEN }),
		]);
		const settings = { mediaFolder: `${DEMO_FOLDER}/media`, outputFolder: `${DEMO_FOLDER}/output` };
		const demo = configureWorkflow(loadExample('demo'), { settings });
		await n8n.importWorkflows([demo, firstTryWorkflow(settings.mediaFolder), newcomerWorkflow()]);
		await n8n.start({ port: await freePort(), timeoutMs: 180_000 });
		log(`n8n ${host.version} on ${n8n.baseUrl}, simulator on ${sim.url}, a web server that is not NemoVideo on ${notNemo.url}`);
		return {
			n8n,
			sim,
			notNemo,
			host,
			media,
			outDir: path.join(demoDir, 'output'),
			demoId: EXAMPLES.demo.id,
			firstTryId: FIRST_TRY.id,
			newcomerId: NEWCOMER.id,
			credentialId: EXAMPLE_CREDENTIAL.id,
			notNemoCredentialId: NOT_NEMO_CREDENTIAL.id,
			stop,
		};
	} catch (e) {
		await stop();
		throw e;
	}
}

module.exports = { startEditorStack, FIRST_TRY, NEWCOMER, NOT_NEMO_CREDENTIAL };
