#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Diagnosis tool (not part of `npm run bench`): one upload or download workflow of the
 * benchmark in a real n8n, run with V8's CPU profiler, and the heaviest functions of the node's
 * time. Leaves the .cpuprofile files in the folder it prints (open them in Chrome DevTools).
 *
 *   node bench/tools/n8n-profile.js upload|download|credits [sizeMb=300 | items=1000]
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
	} finally {
		await n8n.dispose();
		await sim.stop();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
