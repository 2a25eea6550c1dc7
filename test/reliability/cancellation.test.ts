/**
 * A stopped execution (n8n's Stop, i.e. the engine's cancel signal) returns within about a second
 * wherever the nodes are waiting: mid-upload, mid-stream, mid-poll of a render, in the state polls
 * after a dropped stream, in a 429 wait. Nothing is sent again, and a render being waited for is
 * cancelled too.
 */
import type { RecordedRequest } from '../support/simulator';
import { runNodes, singleNode, media } from '../nodes/support';
import { type Simulator, startSimulator } from '../support/simulator';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MATRIX_TIMINGS, setTuning, sleep, tuningWith } from './support';

let sim: Simulator;
const timings: Array<[string, number]> = [];

beforeAll(async () => {
	sim = await startSimulator(MATRIX_TIMINGS);
});
afterAll(async () => {
	const dir = path.join(process.cwd(), 'output', 'reliability');
	mkdirSync(dir, { recursive: true });
	const table = ['# Cancellation: time from Stop to the node returning', '', '| where | ms |', '|---|---:|', ...timings.map(([name, ms]) => `| ${name} | ${ms} |`), ''].join('\n');
	writeFileSync(path.join(dir, 'cancellation.md'), table);
	console.log(`Cancellation (Stop → returned): ${timings.map(([name, ms]) => `${name} ${ms} ms`).join('; ')}`);
	await sim.close();
});
beforeEach(() => {
	sim.reset();
	sim.configure(MATRIX_TIMINGS);
	setTuning();
});

const FACE_SWAP = singleNode('n8n-nodes-nemovideo.nemoFaceSwap', {
	videoSource: 'binary',
	videoBinaryProperty: 'data',
	faceSource: 'binary',
	faceBinaryProperty: 'face',
	result: 'binary',
});

/** Starts the run, stops it once `when` sees the simulator reach the point, and times the stop. */
async function stopWhen(when: (requests: RecordedRequest[]) => boolean, inputItems = [{ json: {}, binary: { data: media('clip.mp4'), face: media('face.jpg') } }]) {
	const controller = new AbortController();
	let stoppedAt = 0;
	const watcher = (async () => {
		const deadline = Date.now() + 10_000;
		while (!when(sim.requests) && Date.now() < deadline) await sleep(10);
		await sleep(100);
		stoppedAt = Date.now();
		controller.abort();
	})();
	const result = await runNodes(FACE_SWAP, { credentials: { baseUrl: sim.url, accessToken: sim.register({ credits: 10_000_000 }).token }, inputItems, signal: controller.signal });
	const returnedAfterMs = Date.now() - stoppedAt;
	await watcher;
	timings.push([expect.getState().currentTestName ?? '?', returnedAfterMs]);
	await result.cleanup();
	return { result, returnedAfterMs };
}

const seen = (path: RegExp) => (requests: RecordedRequest[]) => requests.some((request) => path.test(request.path));

it('mid-upload (a 24 MB file the service is slow to read)', async () => {
	sim.addFault({ endpoint: 'upload', delayHeadersMs: 20_000 });
	const big = media('clip.mp4', 24 * 1024 * 1024);
	const { result, returnedAfterMs } = await stopWhen(seen(/^\/api\/upload-video\//), [{ json: {}, binary: { data: big, face: media('face.jpg') } }]);
	expect(result.status).toBe('canceled');
	expect(returnedAfterMs).toBeLessThan(1_200);
	expect(sim.messages).toHaveLength(0);
});

it('mid-stream (a 30 s edit)', async () => {
	sim.configure({ sseDurationMs: 30_000 });
	const { result, returnedAfterMs } = await stopWhen(seen(/^\/run_sse$/));
	expect(result.status).toBe('canceled');
	expect(returnedAfterMs).toBeLessThan(1_200);
	expect(sim.messages).toHaveLength(1);
	expect(sim.requests.filter((request) => request.path === '/run_sse')).toHaveLength(1);
});

it('mid-poll of a render (30 s): the render is cancelled too', async () => {
	sim.configure({ renderMs: 30_000 });
	const { result, returnedAfterMs } = await stopWhen(seen(/^\/api\/render\/proxy\/lambda\/render_[^/]+$/));
	expect(result.status).toBe('canceled');
	expect(returnedAfterMs).toBeLessThan(1_200);
	expect(sim.requests.some((request) => /\/cancel$/.test(request.path))).toBe(true);
	expect(sim.messages).toHaveLength(1);
});

it('mid-poll of a render whose cancel request hangs', async () => {
	sim.configure({ renderMs: 30_000 });
	sim.addFault({ endpoint: 'renderCancel', delayHeadersMs: 10_000 });
	const { result, returnedAfterMs } = await stopWhen(seen(/^\/api\/render\/proxy\/lambda\/render_[^/]+$/));
	expect(result.status).toBe('canceled');
	expect(returnedAfterMs).toBeLessThan(1_200);
});

it('in the state polls after a dropped stream (polls 10 s apart)', async () => {
	setTuning(tuningWith({ recovery: { firstPollDelayMs: 10_000, pollIntervalMs: 10_000, maxUnchangedPolls: 5 } }));
	sim.addFault({ endpoint: 'sse', cutAfterEvents: 1 });
	const { result, returnedAfterMs } = await stopWhen((requests) => requests.some((request) => request.path === '/run_sse' && (request as RecordedRequest & { endedAt: number | null }).endedAt !== null));
	expect(result.status).toBe('canceled');
	expect(returnedAfterMs).toBeLessThan(1_200);
	expect(sim.requests.filter((request) => request.path === '/run_sse')).toHaveLength(1);
});

it('in a 429 wait (30 s)', async () => {
	setTuning(tuningWith({ retry: { rateLimitWaitMs: 30_000, maxRateLimitWaitMs: 30_000 } }));
	sim.addFault({ endpoint: 'upload', code: 429 });
	const { result, returnedAfterMs } = await stopWhen((requests) => requests.some((request) => request.path.startsWith('/api/upload-video/') && request.status === 429));
	expect(result.status).toBe('canceled');
	expect(returnedAfterMs).toBeLessThan(1_200);
	expect(sim.messages).toHaveLength(0);
});

it('mid-download of the MP4 (a CDN that stalls)', async () => {
	sim.configure({ outputSizeBytes: 4 * 1024 * 1024 });
	sim.addFault({ endpoint: 'cdn', stallBodyMs: 20_000 });
	const { result, returnedAfterMs } = await stopWhen((requests) => requests.some((request) => request.origin === 'cdn'));
	expect(result.status).toBe('canceled');
	expect(returnedAfterMs).toBeLessThan(1_200);
});
