// @ts-check
'use strict';
/**
 * Benchmark 6: how long after a render completes the client notices, and how many status
 * requests it makes, for renders of 10 s, 60 s and 300 s.
 *
 * The code measured is the client's waitForRender (nodes/shared/client/render.ts, from the
 * build in dist/), exactly what Nemo Export "Export and Wait" and the edit nodes' export call,
 * with its real schedule DEFAULT_POLLING (first look after 1 s, each wait ×1.5, at most 15 s),
 * against the simulator (a render completes exactly renderMs after the simulator accepted it).
 * Three ways, side by side:
 *   - schedule: the poll times the real DEFAULT_POLLING gives, on paper (no request latency);
 *   - real time: 10 s and 60 s renders, unscaled, all runs at once (each its own render);
 *   - compressed: 10 s, 60 s and 300 s renders with every duration of both sides divided by
 *     TIME_SCALE (render time and every polling delay), then multiplied back.
 * Completed-at = the simulator's answer to the render start + renderMs (the simulator's own
 * createdAt is within a millisecond before that answer); noticed-at = when waitForRender
 * returned. Requests = status requests the simulator recorded for that render id.
 */
const path = require('node:path');
const { makeClient, fileToUpload, dist } = require('./lib/client');
const { writeClip } = require('./lib/media');
const { summary } = require('./lib/stats');

const TIME_SCALE = 5;

/**
 * Poll times of a schedule, on paper.
 * @param {{ initialDelayMs: number, factor: number, maxDelayMs: number }} p
 * @param {number} renderMs
 */
function onPaper(p, renderMs) {
	let t = 0;
	let delay = p.initialDelayMs;
	let requests = 0;
	for (;;) {
		const step = delay;
		t += step;
		delay = Math.min(delay * p.factor, p.maxDelayMs);
		requests++;
		// stepMs: the wait before the poll that saw it completed ("within one backoff step")
		if (t >= renderMs) return { noticedAfterMs: t, lateMs: t - renderMs, requests, stepMs: step };
	}
}

/**
 * @param {import('./index').Ctx} ctx
 * @param {{ runs: number, realTime: number[], compressed: number[] }} o  render lengths in seconds
 */
async function benchPolling(ctx, o) {
	const { sim, token, log } = ctx;
	const { DEFAULT_POLLING } = dist('render');
	const small = writeClip(path.join(ctx.workDir, 'small.mp4'), 64 * 1024);
	const setup = makeClient(sim.url, token);
	const { sessionId } = await setup.createSession();
	await setup.uploadFiles(sessionId, [fileToUpload(small)]);
	const { draft } = await setup.getState(sessionId);
	await setup.close();

	const scaled = {
		initialDelayMs: DEFAULT_POLLING.initialDelayMs / TIME_SCALE,
		factor: DEFAULT_POLLING.factor,
		maxDelayMs: DEFAULT_POLLING.maxDelayMs / TIME_SCALE,
	};
	/** @type {Array<{ mode: 'real' | 'compressed', seconds: number, scale: number, client: any, renderId?: string, acceptedAt?: number, renderMs: number }>} */
	const jobs = [];
	for (const seconds of o.realTime) {
		for (let r = 0; r < o.runs; r++) jobs.push({ mode: 'real', seconds, scale: 1, client: makeClient(sim.url, token), renderMs: seconds * 1000 });
	}
	for (const seconds of o.compressed) {
		for (let r = 0; r < o.runs; r++) {
			jobs.push({ mode: 'compressed', seconds, scale: TIME_SCALE, client: makeClient(sim.url, token, { polling: scaled }), renderMs: (seconds * 1000) / TIME_SCALE });
		}
	}
	await sim.admin('reset', {});
	// start every render (renderMs is read when the simulator accepts a render), then wait for all
	for (const job of jobs) {
		await sim.admin('config', { renderMs: job.renderMs });
		const { renderId } = await job.client.startRender(sessionId, draft);
		job.renderId = renderId;
	}
	await sim.admin('config', { renderMs: 300 });
	const requests = /** @type {any[]} */ (await sim.admin('requests'));
	for (const job of jobs) {
		const start = requests.find((q) => q.endpoint === 'renderStart' && q.json && q.json.id === job.renderId);
		if (!start) throw new Error(`no render start recorded for ${job.renderId}`);
		job.acceptedAt = start.endedAt;
	}
	log(`polling: ${jobs.length} renders started (${o.realTime.join(', ')} s real time; ${o.compressed.join(', ')} s compressed ×${TIME_SCALE}), waiting…`);
	const done = await Promise.all(
		jobs.map(async (job) => {
			const status = await job.client.waitForRender(job.renderId, {});
			const noticedAt = Date.now();
			await job.client.close();
			if (status.status !== 'completed') throw new Error(`render ${job.renderId} ended ${status.status}`);
			return { job, noticedAt };
		}),
	);
	const all = /** @type {any[]} */ (await sim.admin('requests'));
	/** @type {Record<string, any>} */
	const out = { timeScale: TIME_SCALE, schedule: DEFAULT_POLLING, rows: {} };
	for (const mode of /** @type {const} */ (['real', 'compressed'])) {
		for (const seconds of mode === 'real' ? o.realTime : o.compressed) {
			const mine = done.filter((d) => d.job.mode === mode && d.job.seconds === seconds);
			const lates = mine.map((d) => ((d.noticedAt - /** @type {number} */ (d.job.acceptedAt) - d.job.renderMs) * d.job.scale) / 1000);
			const counts = mine.map((d) => all.filter((q) => q.endpoint === 'renderStatus' && q.path.endsWith(`/${d.job.renderId}`)).length);
			const paper = onPaper(DEFAULT_POLLING, seconds * 1000);
			out.rows[`${mode}:${seconds}`] = { mode, seconds, lateSec: summary(lates), requests: summary(counts), paper };
			log(
				`polling ${seconds} s render (${mode === 'real' ? 'real time' : `compressed ×${TIME_SCALE}`}): noticed ${summary(lates).median.toFixed(2)} s after completion ` +
					`(paper ${(paper.lateMs / 1000).toFixed(2)} s), ${summary(counts).median} status requests (paper ${paper.requests})`,
			);
		}
	}
	return out;
}

module.exports = { benchPolling, onPaper, TIME_SCALE };
