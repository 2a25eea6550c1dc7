/**
 * The soak: one batch of SOAK_ITEMS face swaps (default 500) through Nemo Face Swap in n8n's
 * engine, several items at once, with about 10% of all requests faulted at random from a seeded
 * schedule (SOAK_SEED; the same seed gives the same schedule). Every item must come out, in
 * order, as a result or an error item that names it; no session may get a message twice; every
 * message the service accepted must be in an output item or named in an error; memory
 * must be flat; nothing may be left open. The figures go to output/reliability/soak.md.
 *
 * `npm test` runs it as it is; `npm run soak` runs it alone under --detectOpenHandles.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { withNode } from '../harness';
import { runNodes, singleNode, swapItem } from '../nodes/support';
import { type Simulator, startSimulator } from '../support/simulator';
import { MATRIX_TIMINGS, TRIAL_EXPORTS_ALLOWED, analyseRun, doubleSends, setTuning } from './support';

const ITEMS = Number(process.env.SOAK_ITEMS) || 500;
const SEED = Number(process.env.SOAK_SEED) || 20_240_601;
const FAULT_RATE = 0.1;
const ITEMS_AT_ONCE = 8;

/** mulberry32: a small seeded PRNG, so a schedule can be replayed. */
function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** What a faulted request of each endpoint may get: recoverable faults and ones that must be reported. */
const PALETTE: Record<string, Array<Record<string, unknown>>> = {
	token: [{ code: 429 }, { code: 400, message: 'Missing X-Client-Id header' }],
	session: [{ code: 1001 }, { code: 429 }, { status: 502 }, { reset: true }, { code: 2001 }],
	upload: [{ code: 1001 }, { code: 429 }, { code: 1002 }, { reset: true }, { malformedJson: true }, { code: 4001 }, { status: 503 }],
	state: [{ code: 1001 }, { code: 429 }, { status: 503 }, { malformedJson: true }],
	sse: [
		{ cutAfterEvents: 2 },
		{ truncateEvent: true },
		{ duplicateEvents: true },
		{ unknownEventType: true },
		{ invalidUtf8: true },
		{ code: 429 },
		{ code: 1001 },
		{ errorEvent: { error: 'GPU node unavailable' } },
		{ reset: true },
		{ noEdit: true },
		{ status: 500, body: '{"code":500,"message":"agent failed to start"}', contentType: 'application/json', cutBodyAfterBytes: 12 },
	],
	renderStart: [{ status: 500, body: '{"code":500,"message":"busy"}', contentType: 'application/json' }, { code: 1001 }, { code: 429 }, { renderFails: 'codec error' }, { completedWithoutUrl: true }, { outputUrlFails: true }], // no 402: a plan that cannot export is no passing fault (test/nodes/trial-export.test.ts)
	renderStatus: [{ status: 503 }, { reset: true }, { malformedJson: true }, { code: 429 }, { code: 1001 }],
	cdn: [{ status: 500 }, { resetAfterBytes: 1000 }],
	download: [{ code: 1001 }, { code: 429 }],
};
/** Requests per item and endpoint, roughly (render polls vary), to size the schedule. */
const PER_ITEM: Record<string, number> = { token: 0.05, session: 1.1, upload: 1.1, state: 2.5, sse: 1, renderStart: 1.1, renderStatus: 4, cdn: 1, download: 0.2 };

function schedule(items: number, seed: number): Array<Record<string, unknown>> {
	const random = seeded(seed);
	const rules: Array<Record<string, unknown>> = [];
	for (const [endpoint, perItem] of Object.entries(PER_ITEM)) {
		const expected = Math.ceil(items * perItem * 1.5) + 10;
		for (let request = 0; request < expected; request++) {
			if (random() >= FAULT_RATE) continue;
			const palette = PALETTE[endpoint];
			rules.push({ endpoint, after: request, times: 1, ...palette[Math.floor(random() * palette.length)] });
		}
	}
	return rules;
}

let gc: (() => void) | undefined;
function collect(): void {
	if (!gc) {
		setFlagsFromString('--expose-gc');
		gc = runInNewContext('gc') as () => void;
	}
	for (let i = 0; i < 3; i++) gc();
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
/** Sockets, servers and timers alive in this process (what would keep jest from exiting). */
function openResources(): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
	return counts;
}

const FACE_SWAP = withNode(
	singleNode('n8n-nodes-nemovideo.nemoFaceSwap', {
		videoSource: 'binary',
		videoBinaryProperty: 'data',
		faceSource: 'binary',
		faceBinaryProperty: 'face',
		result: 'binary',
		options: { itemsAtOnce: ITEMS_AT_ONCE },
	}),
	'Nemo',
	{ onError: 'continueRegularOutput' },
);

// On the trial token, as the fault matrices (1001 → a new trial token is one of the recoveries).
const SOAK_TIMINGS = { ...MATRIX_TIMINGS, ...TRIAL_EXPORTS_ALLOWED, sseDurationMs: 25, heartbeatIntervalMs: 10, renderMs: 30, outputSizeBytes: 4096 };

async function batch(sim: Simulator, items: number) {
	return runNodes(FACE_SWAP, { credentials: { baseUrl: sim.url, accessToken: '' }, inputItems: Array.from({ length: items }, (_, index) => swapItem(index)) });
}

it(`${ITEMS} items, ${ITEMS_AT_ONCE} at once, ~${FAULT_RATE * 100}% of requests faulted (seed ${SEED}): every item accounted for, in order`, async () => {
	setTuning();
	const resourcesBefore = openResources();

	// Warm up (modules, JIT, pools) on a simulator of its own, then measure from a clean heap.
	const warmSim = await startSimulator(SOAK_TIMINGS);
	const warm = await batch(warmSim, 40);
	expect(warm.nodeOutput('Nemo')).toHaveLength(40);
	await warm.cleanup();
	await warmSim.close();
	collect();
	const before = process.memoryUsage();

	// The batch and its analysis in a function of their own: only figures come out, so the run's
	// outputs (500 items with their files) are garbage when memory is measured afterwards.
	const warnings: string[] = [];
	const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
	process.on('warning', onWarning);
	const measured = await soakBatch();
	process.off('warning', onWarning);
	// The client's waits end in steps of at most 250 ms (abort.ts): let the last ones run out.
	await new Promise((resolve) => setTimeout(resolve, 500));
	collect();
	const after = process.memoryUsage();
	await new Promise((resolve) => setTimeout(resolve, 50));
	const resourcesAfter = openResources();
	const { analysis, doubles, faultedShare, recovered, touched, errorKinds } = measured;
	const figures = {
		...measured.figures,
		heapBeforeMb: mb(before.heapUsed),
		heapAfterMb: mb(after.heapUsed),
		rssBeforeMb: mb(before.rss),
		rssPeakMb: mb(measured.peakRss),
		rssAfterMb: mb(after.rss),
	};
	const dir = path.join(process.cwd(), 'output', 'reliability');
	mkdirSync(dir, { recursive: true });
	writeFileSync(
		path.join(dir, 'soak.md'),
		[
			`# Soak: ${ITEMS} items, ${ITEMS_AT_ONCE} at once, seed ${SEED}`,
			'',
			'| figure | value |',
			'|---|---:|',
			...Object.entries(figures).map(([key, value]) => `| ${key} | ${value} |`),
			'',
			'| error items by message | count |',
			'|---|---:|',
			...[...errorKinds.entries()].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `| ${kind.replace(/\|/g, '\\|')} | ${count} |`),
			'',
			`Open resources before: ${JSON.stringify(resourcesBefore)}; after: ${JSON.stringify(resourcesAfter)}`,
			'',
		].join('\n'),
	);
	console.log(`Soak: ${JSON.stringify(figures)}`);

	expect(analysis.problems).toEqual([]);
	// No "possible memory leak" (MaxListenersExceeded) or other process warnings during the batch.
	expect(warnings).toEqual([]);
	expect(measured.pairedOrder).toEqual(Array.from({ length: ITEMS }, (_, index) => index));
	expect(analysis.results + analysis.errorItems).toBe(ITEMS);
	expect(analysis.lost).toBe(0);
	expect(doubles).toBe(0);
	expect(analysis.sentUnaccounted).toBe(0);
	// About 10% of requests were faulted, and most items that met a fault still came out as results.
	expect(faultedShare).toBeGreaterThan(0.06);
	expect(faultedShare).toBeLessThan(0.14);
	expect(recovered).toBeGreaterThan(touched / 2);
	// Memory flat: what is left after the batch is not proportional to it.
	expect(after.heapUsed - before.heapUsed).toBeLessThan(15 * 1024 * 1024);
	// Nothing left open: no more sockets, servers or timers than before.
	for (const type of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout']) expect(resourcesAfter[type] ?? 0).toBeLessThanOrEqual(resourcesBefore[type] ?? 0);
});

async function soakBatch() {
	const sim = await startSimulator(SOAK_TIMINGS);
	const rules = schedule(ITEMS, SEED);
	for (const rule of rules) sim.addFault(rule);
	const started = Date.now();
	let peakRss = 0;
	const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
	const result = await batch(sim, ITEMS);
	clearInterval(sampler);
	const seconds = (Date.now() - started) / 1000;

	const analysis = analyseRun(result, 'Nemo', sim, ITEMS, (item) => item.json.status === 'completed' && item.binary?.data?.mimeType === 'video/mp4');
	const items = result.nodeOutput('Nemo');
	const requests = sim.requests.length;
	const faulted = sim.requests.filter((request) => (request as { faults?: string[] }).faults?.length);
	// Which items met a fault: faulted requests name their session (upload, state, SSE, render start) or render (status, CDN, download).
	const owners = new Map<string, number>();
	items.forEach((item, index) => {
		for (const key of [item.json.sessionId, item.json.renderId]) if (typeof key === 'string') owners.set(key, index);
		const inError = /session (\d{19})/.exec(String(item.json.error ?? ''));
		if (inError) owners.set(inError[1], index);
	});
	const touched = new Set<number>();
	let unattributed = 0;
	for (const request of faulted) {
		const json = request.json as { session_id?: unknown; sessionId?: unknown } | undefined;
		const keys = [json?.session_id, json?.sessionId, ...request.path.split('/').map((part) => part.replace(/\.mp4$/, ''))].map(String);
		const owner = keys.map((key) => owners.get(key)).find((index) => index !== undefined);
		if (owner === undefined) unattributed++;
		else touched.add(owner);
	}
	const recovered = [...touched].filter((index) => typeof items[index].json.error !== 'string').length;
	const errorKinds = new Map<string, number>();
	for (const message of analysis.errors) {
		const kind = message.replace(/^Item index \d+: /, '').replace(/render_\S+|\d{19}|http:\/\/127\.0\.0\.1:\d+|usr_\w+/g, '…').slice(0, 90);
		errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
	}
	const doubles = doubleSends(sim);
	const pairedOrder = items.map((item) => (item.pairedItem as { item: number }).item);
	await result.cleanup();
	sim.reset();
	await sim.close();
	return {
		analysis: { ...analysis, errors: [] as string[] },
		doubles,
		pairedOrder,
		faultedShare: faulted.length / requests,
		recovered,
		touched: touched.size,
		errorKinds,
		peakRss,
		figures: {
			items: ITEMS,
			itemsAtOnce: ITEMS_AT_ONCE,
			seed: SEED,
			seconds,
			requests,
			faultRules: rules.length,
			faultedRequests: faulted.length,
			faultedShare: `${((faulted.length / requests) * 100).toFixed(1)}%`,
			results: analysis.results,
			errorItems: analysis.errorItems,
			lost: analysis.lost,
			doubleSends: doubles,
			sentButNotInOutputOrError: analysis.sentUnaccounted,
			itemsThatMetAFault: touched.size,
			recoveredItems: recovered,
			faultsOnUnattributableRequests: unattributed,
		},
	};
}
