// @ts-check
'use strict';
/**
 * A real n8n with the packed package, the simulator (ffmpeg media) and the demo workflow, for
 * the browser test of the editor: everything `npm run dev` sets up, on free ports, in a
 * throwaway user folder; and a newcomer's first try (a clip read from disk straight into Nemo
 * Face Swap, whose error says how to add the face photo).
 */
const fs = require('node:fs');
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
		await n8n.importCredentials([nemoCredential({ baseUrl: sim.url, accessToken: EDITOR_TOKEN })]);
		const settings = { mediaFolder: `${DEMO_FOLDER}/media`, outputFolder: `${DEMO_FOLDER}/output` };
		const demo = configureWorkflow(loadExample('demo'), { settings });
		await n8n.importWorkflows([demo, firstTryWorkflow(settings.mediaFolder)]);
		await n8n.start({ port: await freePort(), timeoutMs: 180_000 });
		log(`n8n ${host.version} on ${n8n.baseUrl}, simulator on ${sim.url}`);
		return { n8n, sim, host, media, outDir: path.join(demoDir, 'output'), demoId: EXAMPLES.demo.id, firstTryId: FIRST_TRY.id, credentialId: EXAMPLE_CREDENTIAL.id, stop };
	} catch (e) {
		await stop();
		throw e;
	}
}

module.exports = { startEditorStack, FIRST_TRY };
