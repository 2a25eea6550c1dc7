// @ts-check
'use strict';
/**
 * A real n8n with the packed package, the simulator (ffmpeg media) and the demo workflow, for
 * the browser test of the editor: everything `npm run dev` sets up, on free ports, in a
 * throwaway user folder.
 */
const fs = require('node:fs');
const os = require('node:os');
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
		// a registered account's token, as the demo: NemoVideo's trial tokens cannot export
		const sim = await startSimulatorProcess({ media: 'ffmpeg', tokens: [{ token: EDITOR_TOKEN, credits: 10_000 }] });
		cleanup.push(() => sim.stop());
		const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-editor-out-'));
		cleanup.push(async () => fs.rmSync(outDir, { recursive: true, force: true }));
		const n8n = await createInstance(major, { env: n8nEnvFor(host.major, { fileFolders: [media.dir, outDir], simulator: true }) });
		cleanup.push(() => n8n.dispose());
		await n8n.installPackage(tarball);
		await n8n.importCredentials([nemoCredential({ baseUrl: sim.url, accessToken: EDITOR_TOKEN })]);
		const demo = configureWorkflow(loadExample('demo'), { settings: { mediaFolder: media.dir, outputFolder: outDir } });
		await n8n.importWorkflows([demo]);
		await n8n.start({ port: await freePort(), timeoutMs: 180_000 });
		log(`n8n ${host.version} on ${n8n.baseUrl}, simulator on ${sim.url}`);
		return { n8n, sim, host, media, outDir, demoId: EXAMPLES.demo.id, credentialId: EXAMPLE_CREDENTIAL.id, stop };
	} catch (e) {
		await stop();
		throw e;
	}
}

module.exports = { startEditorStack };
