// @ts-check
'use strict';
/**
 * Benchmark 3: a batch of face swaps through Nemo Face Swap in a real n8n, the full path per
 * item: new session, video uploaded from n8n's binary store (filesystem mode), face photo by
 * URL, one instruction (an SSE stream of a fixed length), export (a render of a fixed length,
 * polled), and the MP4 downloaded into n8n's binary store. Wall time = the node's
 * executionTime, at 1, 5, 10 and 20 items at once (Options → Items at Once).
 * Speed-up(N) = time at 1 / time at N; efficiency = speed-up / N (target ≥ 0.8 up to 10).
 * Every run checks that all items came out, in input order, each paired with its own input
 * (pairedItem and the uploaded file name), each in its own session, with its own video.
 */
const fs = require('node:fs');
const path = require('node:path');
const { W } = require('./workflows');
const { executeSampled, importBenchCredential, nodeWindow, clearBinaryStore } = require('./lib/n8n');
const { writeClip, writePng } = require('./lib/media');
const { makeClient, fileToUpload } = require('./lib/client');
const { summary } = require('./lib/stats');

/**
 * @param {import('./index').Ctx} ctx
 * @param {{ items: number, levels: number[], runs: number, streamMs: number, renderMs: number, pollFirstMs: number }} o
 */
async function benchBatch(ctx, o) {
	const { sim, n8n, token, log } = ctx;
	const dir = path.join(ctx.workDir, 'batch');
	fs.mkdirSync(dir, { recursive: true });
	const names = Array.from({ length: o.items }, (_, i) => `clip-${String(i).padStart(3, '0')}.mp4`);
	for (const name of names) writeClip(path.join(dir, name), 64 * 1024);
	// the face photo, once, on the simulator's CDN: every item's Face Photo URL
	const face = writePng(path.join(ctx.workDir, 'face.png'));
	const setup = makeClient(sim.url, token);
	const faceSession = await setup.createSession();
	const [uploaded] = await setup.uploadFiles(faceSession.sessionId, [fileToUpload(face, 'image/png')]);
	await setup.close();
	if (!uploaded?.url) throw new Error('the face photo upload returned no URL');

	await sim.admin('config', { sseDurationMs: o.streamMs, renderMs: o.renderMs, heartbeatIntervalMs: 100, outputSizeBytes: 256 * 1024 });
	const wfs = Object.fromEntries(o.levels.map((n) => [n, W.batch(n, path.join(dir, 'clip-*.mp4'), uploaded.url)]));
	await n8n.importWorkflows(Object.values(wfs));
	// Only the first status look is moved (to just after the render's end), so a render is
	// noticed as soon as it completes, at every level alike; the real schedule is benchmark 6.
	await importBenchCredential(n8n, { simUrl: sim.url, token, tuning: { polling: { initialDelayMs: o.pollFirstMs } } });

	/** @type {Record<number, any[]>} */
	const rows = Object.fromEntries(o.levels.map((n) => [n, []]));
	for (let r = 0; r < o.runs; r++) {
		const order = o.levels.map((_, i) => o.levels[(i + r) % o.levels.length]);
		for (const n of order) {
			clearBinaryStore(n8n);
			await sim.admin('reset', {});
			const run = await executeSampled(n8n, wfs[n].id);
			if (run.error) throw new Error(`${wfs[n].name}: ${run.error}`);
			const w = nodeWindow(run, 'Nemo Face Swap');
			const problems = checkBatch(w.output, names);
			const messages = /** @type {any[]} */ (await sim.admin('messages')).length;
			if (messages !== o.items) problems.push(`${messages} instructions reached the simulator, not ${o.items}`);
			if (problems.length) throw new Error(`${wfs[n].name}: ${problems.slice(0, 5).join('; ')}`);
			rows[n].push({ ms: w.ms, cpuMs: w.cpuMs, rssGrowthMb: w.rssGrowthKb / 1024 });
			log(`batch round ${r + 1}/${o.runs}, ${n} at once: ${(w.ms / 1000).toFixed(1)} s for ${o.items} items (n8n CPU ${(w.cpuMs / 1000).toFixed(1)} s), all ${o.items} in order`);
		}
	}
	clearBinaryStore(n8n);
	await importBenchCredential(n8n, { simUrl: sim.url, token });
	await sim.admin('config', { sseDurationMs: 200, renderMs: 300, heartbeatIntervalMs: 50, outputSizeBytes: 64 * 1024 });
	/** @type {Record<string, any>} */
	const out = { ...o, raw: rows, levels: {} };
	const base = rows[o.levels[0]];
	for (const n of o.levels) {
		const speedups = rows[n].map((x, i) => base[i].ms / x.ms);
		out.levels[n] = {
			sec: summary(rows[n].map((x) => x.ms / 1000)),
			perItemSec: summary(rows[n].map((x) => x.ms / 1000 / o.items)),
			cpuSec: summary(rows[n].map((x) => x.cpuMs / 1000)),
			speedup: summary(speedups),
			efficiency: summary(speedups.map((s) => s / (n / o.levels[0]))),
		};
	}
	return out;
}

/**
 * Everything that must hold for a batch's output; returns the problems found.
 * @param {any[]} output
 * @param {string[]} names input file names, in input order
 */
function checkBatch(output, names) {
	const problems = [];
	if (output.length !== names.length) problems.push(`${output.length} items out of ${names.length}`);
	const sessions = new Set();
	output.forEach((item, i) => {
		const json = item.json || {};
		if (json.error) problems.push(`item ${i} failed: ${json.error}`);
		const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0]?.item : item.pairedItem?.item;
		if (paired !== i) problems.push(`item ${i} is paired with input ${paired}`);
		const video = (json.uploadedFiles || []).find((/** @type {any} */ f) => f.fileType === 'video');
		if (!video || video.fileName !== names[i]) problems.push(`item ${i} holds ${video ? video.fileName : 'no video'}, not ${names[i]}`);
		if (!json.sessionId || sessions.has(json.sessionId)) problems.push(`item ${i} has a missing or shared session ${json.sessionId}`);
		sessions.add(json.sessionId);
		if (json.status !== 'completed' || !item.binary?.result) problems.push(`item ${i} has no exported video`);
	});
	return problems;
}

module.exports = { benchBatch, checkBatch };
