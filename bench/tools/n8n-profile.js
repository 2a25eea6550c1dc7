#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Diagnosis tool (not part of `npm run bench`): one upload or download workflow of the
 * benchmark in a real n8n, run with V8's CPU profiler, and the heaviest functions of the node's
 * time; for a transfer, also how often V8 collected garbage while the node ran (`--trace-gc`).
 * Leaves the .cpuprofile files in the folder it prints (open them in Chrome DevTools).
 *
 *   node bench/tools/n8n-profile.js upload|download|credits [sizeMb=300 | items=1000] [nemo|http]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startBenchSimulator } = require('../lib/sim');
const { setupN8n, executeSampled, nodeWindow } = require('../lib/n8n');
const { writeClip } = require('../lib/media');
const { makeClient, completedRender } = require('../lib/client');
const { W } = require('../workflows');
const { topFunctions } = require('../lib/profile');

const TOKEN = 'nmv_usr_profile_1';

async function main() {
	const what = process.argv[2] || 'upload';
	const size = Number(process.argv[3] || (what === 'credits' ? 1000 : 300));
	const peer = process.argv[4] || 'nemo';
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-prof-'));
	const profDir = path.join(dir, 'profiles');
	const sim = await startBenchSimulator({ dataDir: path.join(dir, 'sim'), token: TOKEN });
	const n8n = await setupN8n({ simUrl: sim.url, token: TOKEN, log: console.log });
	try {
		let wf;
		let nodeName;
		if (what === 'upload') {
			const clip = writeClip(path.join(dir, 'clip.mp4'), size * 1024 * 1024);
			const client = makeClient(sim.url, TOKEN);
			const { sessionId } = await client.createSession();
			await client.close();
			wf = peer === 'nemo' ? W.uploadNemo('p', clip) : W.uploadHttp('p', clip, `${sim.url}/api/upload-video/nemo_agent/me/${sessionId}`, TOKEN);
			nodeName = peer === 'nemo' ? 'Nemo Upload' : 'HTTP Request';
		} else if (what === 'download') {
			await sim.admin('config', { outputSizeBytes: size * 1024 * 1024, renderMs: 100 });
			const client = makeClient(sim.url, TOKEN, { polling: { initialDelayMs: 200 } });
			const render = await completedRender(client, writeClip(path.join(dir, 'small.mp4'), 65536));
			await client.close();
			wf = peer === 'nemo' ? W.downloadNemo('p', render.renderId) : W.downloadHttp('p', String(render.status.outputUrl));
			nodeName = peer === 'nemo' ? 'Nemo Export' : 'HTTP Request';
		} else {
			wf = peer === 'nemo' ? W.creditsNemo(size) : W.creditsHttp(size, `${sim.url}/api/credits/balance/simple`, TOKEN);
			nodeName = peer === 'nemo' ? 'Nemo Credits' : 'HTTP Request';
		}
		await n8n.importWorkflows([wf]);
		const plain = nodeWindow(await executeSampled(n8n, wf.id), nodeName);
		console.log(`without profiler: ${nodeName} ${plain.ms} ms, CPU ${plain.cpuMs} ms, RSS +${(plain.rssGrowthKb / 1024).toFixed(1)} MB`);
		const run = await executeSampled(n8n, wf.id, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
		const w = nodeWindow(run, nodeName);
		console.log(`with profiler: ${nodeName} ${w.ms} ms, CPU ${w.cpuMs} ms`);
		const file = fs.readdirSync(profDir).map((f) => path.join(profDir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
		for (const line of topFunctions(file, { from: w.startTime, to: w.startTime + w.ms, top: 40 })) console.log(line);
		console.log(`profile: ${file}`);
		if (what !== 'credits') reportCollections(await executeSampled(n8n, wf.id, { nodeArgs: ['--trace-gc'] }), nodeName, size);
	} finally {
		await n8n.dispose();
		await sim.stop();
	}
}

/**
 * How often V8 collected garbage while the node ran, from `--trace-gc` (its lines carry the ms
 * since the process started, which is within a few ms of the spawn). The rhythm of young-
 * generation collections sets how much dead socket-buffer memory piles up between them, which
 * is what the memory figures of a transfer measure (BENCHMARKS.md explains).
 * @param {Awaited<ReturnType<typeof executeSampled>>} run
 * @param {string} nodeName
 * @param {number} sizeMb
 */
function reportCollections(run, nodeName, sizeMb) {
	const w = nodeWindow(run, nodeName);
	const from = w.startTime - run.spawnedAt;
	const to = from + w.ms;
	const counts = { Scavenge: 0, 'Mark-Compact': 0, 'Mark-Compact (reduce)': 0 };
	for (const m of run.stdout.matchAll(/^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact \(reduce\)|Mark-Compact)\b/gm)) {
		const at = Number(m[1]);
		if (at >= from && at <= to) counts[/** @type {keyof typeof counts} */ (m[2])]++;
	}
	const every = counts.Scavenge ? ` (one per ${(sizeMb / counts.Scavenge).toFixed(1)} MB moved)` : '';
	console.log(`with --trace-gc: ${nodeName} ${w.ms} ms, RSS +${(w.rssGrowthKb / 1024).toFixed(1)} MB; in its window ${counts.Scavenge} scavenges${every}, ${counts['Mark-Compact'] + counts['Mark-Compact (reduce)']} mark-compacts`);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
