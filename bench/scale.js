#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run bench:scale`: the scale benchmarks of issue 14, each in real n8n against the simulator
 * on loopback. Writes bench/results/scale-<commit>.json and the "Scale" section of BENCHMARKS.md
 * (between its scale markers; `npm run bench` keeps that section).
 *
 *   node bench/scale.js [--only ratelimit,inflight,scaleout] [--quick] [--runs N] [--versions 1,2]
 *   node bench/scale.js --report      only rewrite the section from bench/results/scale.json
 *
 *   ratelimit  100 face swaps (Nemo Face Swap, binary in and out) against a limit of 5 concurrent
 *              edits per token (simulator `rateLimit`, 429 + Retry-After: 1 s beyond it): Items at
 *              Once 20 (the limiter finds the limit) against 5 (the best fixed setting: no 429),
 *              side by side in each round. Targets: 0 failed items at 20; throughput ≥ 0.9× of 5.
 *   inflight   200 items at once in one `n8n execute`: 60 s edit streams with keep-alives every
 *              5 s, then 10 s renders polled on the real schedule. Targets: n8n's RSS growth per
 *              in-flight item ≤ 0.5 MB, its CPU while the 200 streams wait ≤ 5% of a core, every
 *              item completed, in input order.
 *   scaleout   40 concurrent webhook-triggered face swaps (examples/webhook-face-swap.json, edit 3 s
 *              + render 3 s) in queue mode: 1 worker against 2 workers (concurrency 10 each).
 *              Target: 2 workers ≥ 1.8× the throughput of 1.
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { commitFacts } = require('./lib/git');
const { startBenchSimulator } = require('./lib/sim');
const { setupN8n, importBenchCredential, executeSampled, nodeWindow, clearBinaryStore } = require('./lib/n8n');
const { writeClip, writePng } = require('./lib/media');
const { makeClient, fileToUpload } = require('./lib/client');
const { summary } = require('./lib/stats');
const { W } = require('./workflows');
const { checkBatch } = require('./batch');
const { buildAndPack } = require('../e2e/package-tarball');
const { createQueueDeployment, executionsStarted } = require('../e2e/queue-deployment');
const { startSimulatorProcess } = require('../e2e/simulator-process');
const { serveFolder } = require('../e2e/static-server');
const { loadExample, EXAMPLES, EXAMPLE_CREDENTIAL } = require('../e2e/examples');
const { nemoCredential } = require('../e2e/stack');

const SCALE_TOKEN = 'nmv_usr_bench_scale_registered_0001';

const REPO_ROOT = path.resolve(__dirname, '..');
const TOKEN = 'nmv_usr_bench_scale_000000000001';
const MARK_START = '<!-- scale:start (bench/scale.js writes this section) -->';
const MARK_END = '<!-- scale:end -->';

function parseArgs(argv) {
	const o = { only: ['ratelimit', 'inflight', 'scaleout'], quick: false, runs: 0, versions: ['1', '2'], report: false };
	for (let i = 0; i < argv.length; i++) {
		const [k, inline] = argv[i].split('=');
		const val = () => (inline !== undefined ? inline : argv[++i]);
		if (k === '--only') o.only = val().split(',');
		else if (k === '--quick') o.quick = true;
		else if (k === '--runs') o.runs = Number(val());
		else if (k === '--versions') o.versions = val().split(',');
		else if (k === '--report') o.report = true;
		else throw new Error(`unknown option ${argv[i]}`);
	}
	return o;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The most /run_sse requests answered 200 that were open at one moment, and how many were refused.
 * @param {any[]} requests
 */
function streamFigures(requests) {
	const ok = requests.filter((r) => r.endpoint === 'sse' && r.status === 200);
	let most = 0;
	for (const a of ok) most = Math.max(most, ok.filter((b) => b.startedAt <= a.startedAt && (b.endedAt ?? Infinity) > a.startedAt).length);
	return { maxOpen: most, refused: requests.filter((r) => r.endpoint === 'sse' && r.status === 429).length, other429: requests.filter((r) => r.endpoint !== 'sse' && r.status === 429).length };
}

/**
 * 100 clips on disk, and the face photo's URL on the simulator's CDN.
 * @param {{ sim: import('../e2e/simulator-process').SimulatorProcess, dir: string, items: number }} o
 */
async function batchInputs(o) {
	const names = Array.from({ length: o.items }, (_, i) => `clip-${String(i).padStart(3, '0')}.mp4`);
	for (const name of names) writeClip(path.join(o.dir, name), 64 * 1024);
	const face = writePng(path.join(o.dir, '..', 'face.png'));
	const setup = makeClient(o.sim.url, TOKEN);
	const session = await setup.createSession();
	const [uploaded] = await setup.uploadFiles(session.sessionId, [fileToUpload(face, 'image/png')]);
	await setup.close();
	if (!uploaded?.url) throw new Error('the face photo upload returned no URL');
	return { names, faceUrl: uploaded.url, selector: path.join(o.dir, 'clip-*.mp4') };
}

/**
 * @param {number} itemsAtOnce @param {string} id @param {string} selector @param {string} faceUrl
 */
function batchWorkflow(itemsAtOnce, id, selector, faceUrl) {
	const wf = W.batch(itemsAtOnce, selector, faceUrl);
	wf.id = id;
	wf.name = `bench scale: ${id}`;
	// count failed items instead of stopping at the first
	for (const node of wf.nodes) if (node.name === 'Nemo Face Swap') node.onError = 'continueRegularOutput';
	return wf;
}

/** @param {{ workDir: string, log: (m: string) => void, quick: boolean, runs: number }} ctx */
async function benchRateLimit(ctx) {
	const items = ctx.quick ? 40 : 100;
	const o = { items, limit: 5, levels: [20, 5], streamMs: 1000, renderMs: 1000, retryAfterSec: 1, runs: ctx.runs };
	const sim = await startBenchSimulator({ dataDir: path.join(ctx.workDir, 'sim-rl'), token: TOKEN, config: { maxRecordedRequests: 50_000 } });
	const n8n = await setupN8n({ simUrl: sim.url, token: TOKEN, log: ctx.log });
	try {
		const inputs = await batchInputs({ sim, dir: path.join(ctx.workDir, 'rl-clips'), items });
		await sim.admin('config', {
			sseDurationMs: o.streamMs,
			renderMs: o.renderMs,
			heartbeatIntervalMs: 200,
			rateLimit: { concurrentStreams: o.limit, retryAfterSec: o.retryAfterSec },
		});
		const wfs = Object.fromEntries(o.levels.map((n) => [n, batchWorkflow(n, `benchRateLim${String(n).padStart(3, '0')}`, inputs.selector, inputs.faceUrl)]));
		await n8n.importWorkflows(Object.values(wfs));
		// first status look just after the render's end, at both levels alike
		// (in the credential's hidden tuning field: shipped code reads no environment)
		await importBenchCredential(n8n, { simUrl: sim.url, token: TOKEN, tuning: { polling: { initialDelayMs: o.renderMs + 100 } } });
		/** @type {Record<number, any[]>} */
		const rows = Object.fromEntries(o.levels.map((n) => [n, []]));
		for (let r = 0; r < o.runs; r++) {
			for (const n of r % 2 ? [...o.levels].reverse() : o.levels) {
				clearBinaryStore(n8n);
				await sim.admin('reset', {});
				const run = await executeSampled(n8n, wfs[n].id);
				const w = nodeWindow(run, 'Nemo Face Swap');
				const failed = w.output.filter((/** @type {any} */ it) => it.json && it.json.error);
				const problems = failed.length ? [] : checkBatch(w.output, inputs.names);
				const figures = streamFigures(await sim.admin('requests'));
				const messages = (await sim.admin('messages')).length;
				const row = { ms: w.ms, items, failed: failed.length, itemsPerSec: (items - failed.length) / (w.ms / 1000), messages, ...figures, problems: problems.slice(0, 3), firstError: failed[0] && failed[0].json.error, load: os.loadavg()[0] };
				rows[n].push(row);
				ctx.log(`ratelimit round ${r + 1}/${o.runs}, ${n} at once: ${(w.ms / 1000).toFixed(1)} s, ${failed.length} failed, ${figures.refused} edits refused (429), at most ${figures.maxOpen} open, ${messages} instructions`);
			}
		}
		const ratios = rows[20].map((x, i) => x.itemsPerSec / rows[5][i].itemsPerSec);
		return {
			...o,
			raw: rows,
			failedAt20: Math.max(...rows[20].map((x) => x.failed)),
			sec20: summary(rows[20].map((x) => x.ms / 1000)),
			sec5: summary(rows[5].map((x) => x.ms / 1000)),
			ratio: summary(ratios),
		};
	} finally {
		clearBinaryStore(n8n);
		await n8n.dispose();
		await sim.stop();
	}
}

/** @param {{ workDir: string, log: (m: string) => void, quick: boolean, runs: number }} ctx */
async function benchInFlight(ctx) {
	const items = 200;
	const o = { items, streamMs: ctx.quick ? 30_000 : 60_000, heartbeatMs: 5000, renderMs: 10_000 };
	const sim = await startBenchSimulator({ dataDir: path.join(ctx.workDir, 'sim-if'), token: TOKEN, config: { maxRecordedRequests: 50_000 } });
	const n8n = await setupN8n({ simUrl: sim.url, token: TOKEN, log: ctx.log });
	try {
		const inputs = await batchInputs({ sim, dir: path.join(ctx.workDir, 'if-clips'), items });
		await sim.admin('config', { sseDurationMs: o.streamMs, renderMs: o.renderMs, heartbeatIntervalMs: o.heartbeatMs, outputSizeBytes: 64 * 1024 });
		const wf = batchWorkflow(items, 'benchInFlight200', inputs.selector, inputs.faceUrl);
		await n8n.importWorkflows([wf]);
		await sim.admin('reset', {});
		// real client timings: keep-alive limits, and the render polling schedule (1 s growing to 15 s)
		const run = await executeSampled(n8n, wf.id, { intervalMs: 200, timeoutMs: 10 * 60_000 });
		const w = nodeWindow(run, 'Nemo Face Swap');
		const problems = checkBatch(w.output, inputs.names);
		const requests = await sim.admin('requests');
		const streams = requests.filter((/** @type {any} */ r) => r.endpoint === 'sse' && r.status === 200);
		// the waiting window: from when the last stream opened + 2 s to 2 s before the first closed
		const lastOpen = Math.max(...streams.map((/** @type {any} */ r) => r.startedAt));
		const firstClose = Math.min(...streams.map((/** @type {any} */ r) => r.endedAt ?? Infinity));
		const from = lastOpen + 2000;
		const to = firstClose - 2000;
		const inside = run.samples.filter((s) => s.t >= from && s.t <= to);
		if (inside.length < 2) throw new Error(`no samples while all ${items} streams were open (${from}..${to})`);
		const rssWaiting = inside.map((s) => s.rssKb).sort((a, b) => a - b)[Math.floor(inside.length / 2)];
		const cpuShare = (inside[inside.length - 1].cpuMs - inside[0].cpuMs) / (inside[inside.length - 1].t - inside[0].t);
		const out = {
			...o,
			ms: w.ms,
			streamsOpenTogether: streams.filter((/** @type {any} */ r) => r.startedAt <= from && (r.endedAt ?? Infinity) >= to).length,
			waitingWindowSec: (to - from) / 1000,
			rssAtStartMb: w.rssAtStartKb / 1024,
			rssWaitingMb: rssWaiting / 1024,
			rssPeakMb: w.peakRssKb / 1024,
			growthPerItemMb: (rssWaiting - w.rssAtStartKb) / 1024 / items,
			peakGrowthPerItemMb: (w.peakRssKb - w.rssAtStartKb) / 1024 / items,
			cpuShareWaiting: cpuShare,
			completed: w.output.filter((/** @type {any} */ it) => it.json && it.json.status === 'completed').length,
			problems: problems.slice(0, 5),
			load: os.loadavg(),
		};
		ctx.log(
			`inflight: ${items} items in ${(w.ms / 1000).toFixed(1)} s; ${out.streamsOpenTogether} streams open together for ${out.waitingWindowSec.toFixed(0)} s; RSS ${out.rssAtStartMb.toFixed(0)} → ${out.rssWaitingMb.toFixed(0)} MB (${out.growthPerItemMb.toFixed(3)} MB/item, peak ${out.rssPeakMb.toFixed(0)}); CPU while waiting ${(cpuShare * 100).toFixed(1)}% of a core; ${problems.length ? problems.join('; ') : 'all in order'}`,
		);
		return out;
	} finally {
		clearBinaryStore(n8n);
		await n8n.dispose();
		await sim.stop();
	}
}

/**
 * @param {{ workDir: string, log: (m: string) => void, quick: boolean, runs: number }} ctx
 * @param {'1' | '2'} which
 * @param {string} tarball
 */
async function benchScaleOut(ctx, which, tarball) {
	// the reference's one request lasts as long as a swap does here (edit + render + about 0.5 s of requests and polls)
	const o = { requests: ctx.quick ? 20 : 40, streamMs: 3000, renderMs: 3000, referenceMs: 6500, workerConcurrency: 10, runs: ctx.runs };
	// a registered account's token: NemoVideo's trial tokens cannot export
	const sim = await startSimulatorProcess({ media: 'fast', tokens: [{ token: SCALE_TOKEN, credits: 10_000_000 }], config: { sseDurationMs: o.streamMs, renderMs: o.renderMs, tokensPerIp: 100, maxRecordedRequests: 50_000 } });
	const mediaDir = path.join(ctx.workDir, `so-media-${which}`);
	const clip = writeClip(path.join(mediaDir, 'clip.mp4'), 64 * 1024);
	const face = writePng(path.join(mediaDir, 'face.png'));
	const files = await serveFolder(mediaDir);
	const slow = await startSlowServer();
	const deployment = await createQueueDeployment(which, { tarball, workers: 2, quiet: true });
	try {
		await deployment.main.importCredentials([nemoCredential({ ...EXAMPLE_CREDENTIAL, baseUrl: sim.url, accessToken: SCALE_TOKEN })]);
		await deployment.importActive([loadExample('webhook'), referenceWorkflow(slow.url, o.referenceMs)]);
		await deployment.start({ webhooks: ['POST nemo-face-swap', `POST ${REFERENCE_PATH}`], workers: 1, concurrency: o.workerConcurrency });
		const [w1, w2] = deployment.workers;
		let twoRunning = false;
		/** @type {Record<string, any[]>} */
		const rows = { 1: [], 2: [] };
		/** n8n's own HTTP Request node in the same deployment: how far n8n itself scales on this machine. @type {Record<string, any[]>} */
		const reference = { 1: [], 2: [] };
		/** @param {number} workers @param {{ warmUp?: boolean, reference?: boolean }} [f] */
		const fire = async (workers, f = {}) => {
			const before = deployment.workers.map((w) => executionsStarted(w).length);
			const t = Date.now();
			const count = f.warmUp ? workers * o.workerConcurrency : o.requests;
			const answers = await Promise.all(
				Array.from({ length: count }, () =>
					deployment.main.http(f.reference ? `/webhook/${REFERENCE_PATH}` : '/webhook/nemo-face-swap', { json: { videoUrl: files.urlOf(clip), faceUrl: files.urlOf(face) }, timeoutMs: 600_000 }),
				),
			);
			const ms = Date.now() - t;
			const bad = answers.filter((a) => a.status !== 200 || !JSON.parse(a.body).videoUrl).length;
			const perWorker = deployment.workers.map((w, k) => executionsStarted(w).length - before[k]);
			if (f.warmUp) {
				if (bad) throw new Error(`warm-up: ${bad} of ${count} swaps failed`);
				warmUps.push({ workers, ms, perWorker });
				ctx.log(`scaleout n8n ${deployment.host.version}, ${workers} worker(s): warm-up, ${count} swaps in ${(ms / 1000).toFixed(1)} s (not counted), executions per worker ${perWorker.join(' + ')}`);
				return;
			}
			(f.reference ? reference : rows)[workers].push({ ms, perSec: o.requests / (ms / 1000), bad, perWorker, load: os.loadavg()[0] });
			ctx.log(`scaleout n8n ${deployment.host.version}, ${workers} worker(s): ${o.requests} ${f.reference ? `HTTP Request node references (${o.referenceMs / 1000} s)` : 'swaps'} in ${(ms / 1000).toFixed(1)} s (${bad} bad), executions per worker ${perWorker.join(' + ')}`);
		};
		/** @type {Array<{ workers: number, ms: number, perWorker: number[] }>} */
		const warmUps = [];
		// A worker's first executions load our package and n8n's lazily loaded code, and its first
		// closed connection maps a stack through the source maps (source-map-support, in n8n 2.x):
		// about a second of one core, once per process. Throughput is compared warm: every (re)started
		// worker gets one unmeasured burst first (one execution per concurrency slot).
		let warm = false;
		for (let r = 0; r < o.runs; r++) {
			// alternate the order, so what is left of warming up favours neither
			const order = r % 2 ? [2, 1] : [1, 2];
			for (const n of order) {
				if (n === 2 && !twoRunning) {
					await w2.startWorker({ concurrency: o.workerConcurrency });
					twoRunning = true;
					warm = false;
				}
				if (n === 1 && twoRunning) {
					await w2.stop();
					twoRunning = false;
				}
				if (!warm) {
					await sleep(1000);
					await fire(n, { warmUp: true });
					warm = true;
				}
				await sleep(1000);
				await fire(n);
				await sleep(1000);
				await fire(n, { reference: true });
			}
		}
		void w1;
		const ratios = rows[2].map((x, i) => x.perSec / rows[1][i].perSec);
		const referenceRatios = reference[2].map((x, i) => x.perSec / reference[1][i].perSec);
		return {
			...o,
			n8n: deployment.host.version,
			raw: rows,
			warmUps,
			sec1: summary(rows[1].map((x) => x.ms / 1000)),
			sec2: summary(rows[2].map((x) => x.ms / 1000)),
			ratio: summary(ratios),
			reference: { raw: reference, sec1: summary(reference[1].map((x) => x.ms / 1000)), sec2: summary(reference[2].map((x) => x.ms / 1000)), ratio: summary(referenceRatios) },
		};
	} finally {
		await slow.close();
		await deployment.stop();
		await files.close();
		await sim.stop();
	}
}

const REFERENCE_PATH = 'reference-http-request';

/** A server whose every answer takes `?ms=` milliseconds: the reference workflow's backend. */
async function startSlowServer() {
	const server = http.createServer((req, res) => {
		const ms = Number(new URL(req.url || '/', 'http://x').searchParams.get('ms')) || 0;
		setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ videoUrl: `waited ${ms} ms` })), ms);
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
	return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve(undefined))) };
}

/**
 * The scale-out reference: the webhook example's shape (Webhook → one node → Respond to Webhook,
 * expressions reading the body) with n8n's own HTTP Request node waiting as long as a swap takes.
 * @param {string} slowUrl @param {number} ms
 */
function referenceWorkflow(slowUrl, ms) {
	return {
		id: 'benchReference01',
		name: 'bench: HTTP Request node reference',
		active: false,
		settings: { executionOrder: 'v1' },
		connections: { Webhook: { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }]] }, 'HTTP Request': { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
		nodes: [
			{ id: 'ref-1', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: '7d1e4c2a-0b5f-4e8a-9c3d-bench0000001', parameters: { httpMethod: 'POST', path: REFERENCE_PATH, responseMode: 'responseNode', options: {} } },
			{ id: 'ref-2', name: 'HTTP Request', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, position: [240, 0], parameters: { url: `=${slowUrl}/wait?ms=${ms}&video={{ encodeURIComponent($json.body.videoUrl) }}&face={{ encodeURIComponent($json.body.faceUrl) }}`, options: {} } },
			{ id: 'ref-3', name: 'Respond', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.1, position: [480, 0], parameters: { respondWith: 'json', responseBody: '={{ JSON.stringify({ videoUrl: $json.videoUrl }) }}', options: {} } },
		],
	};
}

/** @param {any} results */
function section(results) {
	const f = (/** @type {number} */ x, d = 1) => x.toFixed(d);
	const range = (/** @type {any} */ s, d = 1, unit = '') => `${f(s.median, d)}${unit}${s.n > 1 ? ` (${f(s.min, d)}–${f(s.max, d)})` : ''}`;
	const lines = [MARK_START, '', '## Scale (issue 14: rate limits, 200 in flight, queue-mode scale-out)', ''];
	const stampOf = (/** @type {any} */ x) => `${x.commit}, ${x.measuredAt.slice(0, 16).replace('T', ' ')} UTC, ${x.quick ? '**quick mode**, ' : ''}${x.runs} round(s), load average ${x.loadBefore ? x.loadBefore.map((/** @type {number} */ v) => f(v, 1)).join(' / ') : '(not recorded)'} before and ${x.loadAtEnd.map((/** @type {number} */ v) => f(v, 1)).join(' / ')} after (1 / 5 / 15 min)`;
	lines.push(
		`\`npm run bench:scale\` (bench/scale.js); raw figures in \`bench/results/${results.file}\`. Machine: ${results.cores} cores (${results.cpuModel}), **shared with other builds and tests while measured** (the load averages below: 2 cores, so anything above 2 means waiting for a CPU). Absolute times move with that load; the side-by-side ratios less, the memory and CPU-time figures least.`,
		'',
		'| Target | Measured | |',
		'|---|---|---|',
	);
	const rl = results.ratelimit;
	if (rl) {
		lines.push(`| ${rl.items} face swaps at Items at Once 20 against a limit of ${rl.limit} concurrent edits: 0 failed | ${rl.failedAt20} failed | ${rl.failedAt20 === 0 ? 'met' : 'MISSED'} |`);
		lines.push(`| … throughput ≥ 0.9× of the best fixed setting (5 at once, no 429) | ${range(rl.ratio, 2, '×')} | ${rl.ratio.median >= 0.9 ? 'met' : 'MISSED'} |`);
	}
	const inf = results.inflight;
	if (inf) {
		lines.push(`| ${inf.items} items in flight: n8n RSS growth per in-flight item ≤ 0.5 MB | ${f(inf.growthPerItemMb, 3)} MB (peak ${f(inf.peakGrowthPerItemMb, 3)}) | ${inf.growthPerItemMb <= 0.5 ? 'met' : 'MISSED'} |`);
		lines.push(`| … n8n CPU while waiting ≤ 5% of a core | ${f(inf.cpuShareWaiting * 100, 1)}% | ${inf.cpuShareWaiting <= 0.05 ? 'met' : 'MISSED'} |`);
		lines.push(`| … every item completes, in order | ${inf.completed}/${inf.items} completed${inf.problems.length ? `; ${inf.problems.join('; ')}` : ', in order'} | ${inf.completed === inf.items && !inf.problems.length ? 'met' : 'MISSED'} |`);
	}
	for (const so of results.scaleout || []) {
		lines.push(`| ${so.requests} webhook swaps, n8n ${so.n8n} queue mode: 2 workers ≥ 1.8× 1 worker | ${range(so.ratio, 2, '×')} | ${so.ratio.median >= 1.8 ? 'met' : 'MISSED'} |`);
		if (so.reference) lines.push(`| … reference, same deployment and rounds: n8n's own HTTP Request node waiting ${so.referenceMs / 1000} s instead of the swap (no target) | ${range(so.reference.ratio, 2, '×')} | |`);
	}
	lines.push('');
	if (rl) {
		lines.push(
			`**Rate limit** (${stampOf(rl)}). Simulator \`rateLimit: { concurrentStreams: ${rl.limit}, retryAfterSec: ${rl.retryAfterSec} }\` per token; edit stream ${rl.streamMs} ms, render ${rl.renderMs} ms; Nemo Face Swap with binary input (64 KB clips from the filesystem store), face by URL, result as binary; one \`n8n execute\` (n8n 1.123.81) per run, the node's executionTime; 20 and 5 at once alternate within each round. Items at Once 20: ${range(rl.sec20, 1, ' s')}; 5: ${range(rl.sec5, 1, ' s')}.`,
			'',
			'| round | at once | time | failed | edits refused (429) | other 429s | most edits open | instructions sent | load (1 min) |',
			'|---|---|---|---|---|---|---|---|---|',
		);
		rl.raw[20].forEach((/** @type {any} */ a, /** @type {number} */ i) => {
			for (const [n, x] of [[20, a], [5, rl.raw[5][i]]]) {
				lines.push(`| ${i + 1} | ${n} | ${f(x.ms / 1000)} s | ${x.failed} | ${x.refused} | ${x.other429} | ${x.maxOpen} | ${x.messages} | ${f(x.load)} |`);
			}
		});
		lines.push('', 'At 20 at once the items wait for an edit slot on the token\'s limiter while other items upload and render, which is why it can beat the fixed 5 (at 5 at once, an item\'s slot idles during its upload and render). Before the limiter (commit before issue 14) the same run at 20 lost items to 429s: `test/nodes/rate-limit.test.ts` records 10 of 20 lost.', '');
	}
	if (inf) {
		lines.push(
			`**200 in flight** (${stampOf(inf)}). One \`n8n execute\` (n8n 1.123.81), Nemo Face Swap at Items at Once 200: 200 sessions, uploads, then 200 edit streams of ${inf.streamMs / 1000} s with keep-alives every ${inf.heartbeatMs / 1000} s, then ${inf.renderMs / 1000} s renders polled on the real schedule, MP4s into the filesystem store. RSS and CPU of the n8n process from \`/proc\` every 200 ms. "Waiting" is the ${f(inf.waitingWindowSec, 0)} s while all ${inf.streamsOpenTogether} streams were open (from 2 s after the last opened to 2 s before the first closed). RSS at the node's start ${f(inf.rssAtStartMb, 0)} MB, median while waiting ${f(inf.rssWaitingMb, 0)} MB, peak ${f(inf.rssPeakMb, 0)} MB; the whole node ${f(inf.ms / 1000)} s.`,
			'',
		);
	}
	for (const so of results.scaleout || []) {
		lines.push(
			`**Scale-out, n8n ${so.n8n}** (${stampOf(so)}). Queue mode as in the README (Redis, PostgreSQL 15, main + workers at concurrency ${so.workerConcurrency}, database binary mode), \`examples/webhook-face-swap.json\`, ${so.requests} POSTs at once, edit ${so.streamMs / 1000} s + render ${so.renderMs / 1000} s; time until the last answer. 1 worker: ${range(so.sec1, 1, ' s')}; 2 workers: ${range(so.sec2, 1, ' s')}; per round: ${so.raw[1].map((/** @type {any} */ x, /** @type {number} */ i) => `${f(x.ms / 1000)} s vs ${f(so.raw[2][i].ms / 1000)} s (executions ${so.raw[2][i].perWorker.join(' + ')})`).join('; ')}.${so.warmUps ? ' Every (re)started worker first ran one unmeasured burst (one swap per concurrency slot): its first executions load code and parse source maps once.' : ''}${so.reference ? ` Reference in the same rounds (Webhook → HTTP Request waiting ${so.referenceMs / 1000} s → Respond to Webhook, the same 40 POSTs): 1 worker ${range(so.reference.sec1, 1, ' s')}, 2 workers ${range(so.reference.sec2, 1, ' s')}.` : ''}`,
			'',
		);
	}
	const missed = (results.scaleout || []).filter((/** @type {any} */ so) => so.ratio.median < 1.8);
	if (missed.length) {
		const refs = missed.filter((/** @type {any} */ so) => so.reference);
		lines.push(
			`**Scale-out target missed here: ${missed.map((/** @type {any} */ so) => `${range(so.ratio, 2, '×')} on ${so.n8n}`).join(', ')}.** With concurrency 10, 40 swaps are 4 waves of about 6.5 s on one worker and 2 on two: 26 s against 13 s at best. ${refs.length ? `n8n's own HTTP Request node, in the same deployment and rounds, scales ${refs.map((/** @type {any} */ so) => `${range(so.reference.ratio, 2, '×')} on ${so.n8n} (the swaps reach ${f((so.ratio.median / so.reference.ratio.median) * 100, 0)}% of that)`).join(', ')}: ${refs.every((/** @type {any} */ so) => so.reference.ratio.median < 1.8) ? 'n8n itself does not reach the target on this machine either. ' : ''}` : ''}The main, both workers, Redis, PostgreSQL and the simulator share 2 cores, and an n8n 2.x worker spends about 300 ms of CPU per execution (V8 profiles of both workers, 2026-12-02, \`NODE_OPTIONS=--cpu-prof\`, 40 executions each: \`bench/results/profile-scaleout-2.40.7.txt\`, summarised by \`bench/tools/cpuprofile-summary.js\` and \`cpuprofile-under.js\`): n8n's own work (its expression engine in isolated-vm, new in 2.x, about 45 ms with its isolate set-up; saving execution data to PostgreSQL; garbage collection) and about 105 ms in the node's code, of which about 28 ms is n8n evaluating the node's parameter expressions and about 0.7 s once per process is source-map-support parsing our bundle's source map at the first closed connection. When both workers start or finish a wave of 10 at once, they need that CPU at the same moment, and a wave on two workers takes about 8.4 s against 7.1 s on one. 1.x meets the target (not profiled; its expressions do not run in an isolate). A machine with 4 or more cores is needed to show the 2.x figure; the CI machine and ours have 2.`,
			'',
		);
	}
	if (inf && inf.growthPerItemMb < 0) {
		lines.push(`**200 in flight, memory.** RSS at the node's start already holds the 200 clips read from disk and the uploads' buffers; while the 200 streams wait it falls (garbage collection) below that level, hence the negative growth. The peak over the start level (${f(inf.peakGrowthPerItemMb, 3)} MB per item) is the figure to hold against the target.`, '');
	}
	lines.push(MARK_END);
	return lines.join('\n');
}

/** Puts the section into BENCHMARKS.md between the markers (appended the first time). @param {string} text */
function writeSection(text) {
	const file = path.join(REPO_ROOT, 'BENCHMARKS.md');
	const md = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	const a = md.indexOf(MARK_START);
	const b = md.indexOf(MARK_END);
	const next = a >= 0 && b > a ? md.slice(0, a) + text + md.slice(b + MARK_END.length) : `${md.trimEnd()}\n\n${text}\n`;
	fs.writeFileSync(file, next);
}

/** The section as it stands in a BENCHMARKS.md text, for `npm run bench` to keep. @param {string} md */
function existingSection(md) {
	const a = md.indexOf(MARK_START);
	const b = md.indexOf(MARK_END);
	return a >= 0 && b > a ? md.slice(a, b + MARK_END.length) : '';
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const runs = args.runs || (args.quick ? 1 : 3);
	const t0 = Date.now();
	const log = (/** @type {string} */ m) => console.log(`[bench:scale ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
	const { commit, dirty } = commitFacts();
	const resultsFile = path.join(REPO_ROOT, 'bench', 'results', 'scale.json');
	/** @type {Record<string, any>} */
	const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : {};
	Object.assign(results, { cores: os.cpus().length, cpuModel: os.cpus()[0] ? os.cpus()[0].model.trim() : 'unknown', file: path.basename(resultsFile), loadStart: os.loadavg() });
	if (args.report) {
		writeSection(section(results));
		log(`rewrote the Scale section of BENCHMARKS.md from ${path.relative(REPO_ROOT, resultsFile)}`);
		return;
	}
	/** What every benchmark's figures carry: the code and the machine's load when measured. */
	const stamp = () => ({ commit: `${commit}${dirty ? '+changes' : ''}`, measuredAt: new Date().toISOString(), quick: args.quick, runs, loadAtEnd: os.loadavg() });
	log(`load average ${results.loadStart.map((/** @type {number} */ x) => x.toFixed(2)).join(' ')}`);
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-bench-scale-'));
	const ctx = { workDir, log, quick: args.quick, runs };
	const save = () => {
		fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
		fs.writeFileSync(resultsFile, JSON.stringify(results, null, 1));
		writeSection(section(results));
	};
	try {
		if (args.only.includes('ratelimit')) {
			const loadBefore = os.loadavg();
			results.ratelimit = { ...(await benchRateLimit(ctx)), loadBefore, ...stamp() };
			save();
		}
		if (args.only.includes('inflight')) {
			const loadBefore = os.loadavg();
			results.inflight = { ...(await benchInFlight(ctx)), loadBefore, ...stamp(), runs: 1 };
			save();
		}
		if (args.only.includes('scaleout')) {
			const packed = await buildAndPack();
			results.scaleout = (results.scaleout || []).filter((/** @type {any} */ x) => !args.versions.includes(x.major));
			try {
				for (const v of args.versions) {
					const loadBefore = os.loadavg();
					results.scaleout.push({ ...(await benchScaleOut(ctx, /** @type {'1' | '2'} */ (v), packed.tarball)), major: v, loadBefore, ...stamp() });
					save();
				}
			} finally {
				fs.rmSync(path.dirname(packed.tarball), { recursive: true, force: true });
			}
		}
	} finally {
		fs.rmSync(workDir, { recursive: true, force: true });
	}
	save();
	log(`wrote ${path.relative(REPO_ROOT, resultsFile)} and the Scale section of BENCHMARKS.md in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
}

if (require.main === module) {
	main().catch((e) => {
		console.error(e && e.stack ? e.stack : e);
		process.exit(1);
	});
}

module.exports = { existingSection };
