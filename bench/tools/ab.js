#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Diagnosis tool (not part of `npm run bench`): before/after figures for a proposed fix
 * without touching the source tree. The package is built and packed as usual (A); a copy of
 * the packed package gets the patch applied to its dist/ (B) and is packed again; A and B go
 * into two n8n user folders, and the upload or download benchmark alternates A, B and curl,
 * round after round.
 *
 *   node bench/tools/ab.js <patch.js> upload|download [sizeMb=500] [rounds=5]
 *
 * The patch is a file anywhere (patches are experiments and are not kept in the tree; the runs
 * recorded in bench/results/ab-*.txt say what each one changed). It is a CommonJS module that
 * needs nothing from this repository and exports
 *   { description: string, apply(packageDir: string): void }
 * where apply() edits the compiled files under packageDir/dist (they are what n8n runs) and
 * throws when its edit no longer applies; its comment should say what the TypeScript change is.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startBenchSimulator } = require('../lib/sim');
const { executeSampled, nodeWindow, clearBinaryStore, CREDENTIAL } = require('../lib/n8n');
const { writeClip } = require('../lib/media');
const { makeClient, completedRender } = require('../lib/client');
const { timed } = require('../transfer');
const { W } = require('../workflows');
const { summary, num } = require('../lib/stats');
const { createInstance, buildAndPack, packFolder } = require('../../e2e');
const { run } = require('../../e2e/proc');

const TOKEN = 'nmv_usr_ab_1';

async function main() {
	const usage = 'usage: node bench/tools/ab.js <patch.js> upload|download [sizeMb=500] [rounds=5]';
	/** A mistake in the command line: said in one line, no stack. @param {string} msg */
	const bad = (msg) => Object.assign(new Error(msg), { usage: true });
	if (!process.argv[2]) throw bad(usage);
	const patchFile = path.resolve(process.argv[2]);
	const what = process.argv[3] || 'download';
	const sizeMb = Number(process.argv[4] || 500);
	const rounds = Number(process.argv[5] || 5);
	if (!fs.existsSync(patchFile)) throw bad(`no patch file ${patchFile}\n${usage}`);
	if (what !== 'upload' && what !== 'download') throw bad(`"${what}" is neither upload nor download\n${usage}`);
	if (!(sizeMb > 0) || !(rounds >= 1)) throw bad(`sizeMb and rounds must be positive numbers\n${usage}`);
	const patch = require(patchFile);
	if (typeof patch.apply !== 'function' || typeof patch.description !== 'string') {
		throw bad(`${patchFile} must export { description: string, apply(packageDir) } (see the comment at the top of bench/tools/ab.js)`);
	}
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-ab-'));
	const sim = await startBenchSimulator({ dataDir: path.join(dir, 'sim'), token: TOKEN });
	/** @type {any[]} */
	const instances = [];
	try {
		const { tarball } = await buildAndPack({ outDir: fs.mkdtempSync(path.join(dir, 'packA-')) });
		const copy = path.join(dir, 'b');
		fs.mkdirSync(copy);
		await run('tar', ['-xzf', tarball, '-C', copy], { label: 'untar' });
		patch.apply(path.join(copy, 'package'));
		fs.mkdirSync(path.join(dir, 'packB'));
		const tarballB = await packFolder(path.join(copy, 'package'), { outDir: path.join(dir, 'packB') });
		for (const tgz of [tarball, tarballB]) {
			const n8n = await createInstance(1, { quiet: true });
			await n8n.installPackage(tgz);
			await n8n.importCredentials([{ id: CREDENTIAL.id, name: CREDENTIAL.name, type: 'nemoApi', data: { accessToken: TOKEN, baseUrl: sim.url } }]);
			instances.push(n8n);
		}
		const bytes = sizeMb * 1024 * 1024;
		let wf;
		let nodeName;
		/** @type {string[]} */
		let curlArgs;
		const curlOut = path.join(dir, 'curl.out');
		if (what === 'upload') {
			const clip = writeClip(path.join(dir, 'clip.mp4'), bytes);
			const client = makeClient(sim.url, TOKEN);
			const { sessionId } = await client.createSession();
			await client.close();
			wf = W.uploadNemo('ab', clip);
			nodeName = 'Nemo Upload';
			curlArgs = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${TOKEN}`, '-F', `files=@${clip};type=video/mp4`, `${sim.url}/api/upload-video/nemo_agent/me/${sessionId}`];
		} else {
			await sim.admin('config', { outputSizeBytes: bytes, renderMs: 100 });
			const client = makeClient(sim.url, TOKEN, { polling: { initialDelayMs: 200 } });
			const render = await completedRender(client, writeClip(path.join(dir, 'small.mp4'), 65536));
			await client.close();
			wf = W.downloadNemo('ab', render.renderId);
			nodeName = 'Nemo Export';
			curlArgs = ['-sS', '-o', curlOut, '-w', '%{http_code}', String(render.status.outputUrl)];
		}
		for (const n8n of instances) await n8n.importWorkflows([wf]);
		console.log(`A = as built; B = ${patch.description}`);
		/** @type {Record<string, any[]>} */
		const rows = { A: [], B: [], curl: [] };
		for (let r = 0; r < rounds; r++) {
			const order = [['A', 'B', 'curl'], ['B', 'curl', 'A'], ['curl', 'A', 'B']][r % 3];
			for (const who of order) {
				for (const n8n of instances) clearBinaryStore(n8n);
				fs.rmSync(path.join(sim.dataDir, 'uploads'), { recursive: true, force: true });
				fs.mkdirSync(path.join(sim.dataDir, 'uploads'));
				fs.rmSync(curlOut, { force: true });
				if (who === 'curl') {
					const res = await timed('curl', curlArgs);
					if (res.stdout !== '200') throw new Error(`curl: ${res.stdout} ${res.stderr}`);
					rows.curl.push({ mbps: sizeMb / (res.ms / 1000) });
				} else {
					const runRes = await executeSampled(instances[who === 'A' ? 0 : 1], wf.id);
					if (runRes.error) throw new Error(`${who}: ${runRes.error}`);
					const w = nodeWindow(runRes, nodeName);
					rows[who].push({ mbps: sizeMb / (w.ms / 1000), rss: w.rssGrowthKb / 1024, cpu: w.cpuMs / w.ms });
				}
				const x = rows[who][rows[who].length - 1];
				console.log(`round ${r + 1} ${who.padEnd(4)} ${num(x.mbps, 0)} MB/s${x.rss !== undefined ? `, RSS +${num(x.rss, 1)} MB, n8n CPU ${num(x.cpu, 2)} of the node time` : ''}`);
			}
		}
		const ratio = (/** @type {string} */ a, /** @type {string} */ b) => summary(rows[a].map((x, i) => x.mbps / rows[b][i].mbps));
		const show = (/** @type {any} */ s, d = 2) => `${num(s.median, d)} (${num(s.min, d)}–${num(s.max, d)})`;
		console.log(`\n${what} ${sizeMb} MB, ${rounds} rounds (median, min–max)`);
		for (const who of ['A', 'B', 'curl']) {
			const xs = rows[who];
			console.log(`${who.padEnd(5)} ${show(summary(xs.map((x) => x.mbps)), 0)} MB/s${xs[0].rss !== undefined ? `, RSS +${show(summary(xs.map((x) => x.rss)), 1)} MB` : ''}`);
		}
		console.log(`A/curl ${show(ratio('A', 'curl'))}   B/curl ${show(ratio('B', 'curl'))}   B/A ${show(ratio('B', 'A'))}`);
	} finally {
		for (const n8n of instances) await n8n.dispose();
		await sim.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((e) => {
	console.error(e && e.usage ? e.message : e);
	process.exit(1);
});
