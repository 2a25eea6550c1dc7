// @ts-check
'use strict';
/**
 * Benchmark 5: the SSE helper (readAgentStream, nodes/shared/client/message-stream.ts, from
 * the build in dist/) reading a stream of 100,000 keep-alive frames, the simulator's own
 * keep-alive cycle (HEARTBEAT_CYCLE in simulator/sse.js: `data: {"type":"heartbeat"}`, empty
 * `data:`, `: ping` comments), then one text event. In a child process started with
 * --expose-gc, so memory can be read after a full collection.
 *
 *   throughput: the stream fed from memory (1) in 64 KiB chunks, as a busy socket delivers
 *               it, and (2) one frame per chunk, as a live stream arrives (one small packet
 *               per keep-alive): MB/s of stream and frames/s.
 *   memory:     over a real loopback HTTP connection (a server in the child writes each frame
 *               separately; undici reads it, as the package's transport does): heap used after
 *               a full GC every 10,000 frames across the 100,000, and the same for 1,000,000.
 */
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Readable } = require('node:stream');

const FRAMES = {
	json: 'data: {"type":"heartbeat"}\n\n',
	empty: 'data:\n\n',
	comment: ': ping\n\n',
};
const FINAL = 'data: {"type":"text","content":"Done: the face was swapped."}\n\n';

/** @param {number} i */
function frame(i) {
	const { HEARTBEAT_CYCLE } = require('../simulator/sse');
	return FRAMES[/** @type {keyof typeof FRAMES} */ (HEARTBEAT_CYCLE[i % HEARTBEAT_CYCLE.length])];
}

/** @param {Readable} body */
function answer(body) {
	const controller = new AbortController();
	return { status: 200, headers: { 'content-type': 'text/event-stream' }, body, url: 'http://bench.invalid/run_sse', signal: controller.signal, close: () => (body.destroy(), controller.abort()) };
}

/** n8n-workflow's sleep, as the package's adapter hands it to the client. */
const { sleep } = require('n8n-workflow');

/** The stream as one Buffer. @param {number} n */
function wholeStream(n) {
	const parts = [];
	for (let i = 0; i < n; i++) parts.push(frame(i));
	parts.push(FINAL);
	return Buffer.from(parts.join(''), 'utf8');
}

/** Runs inside the child. @param {number} frames @param {number} runs */
async function child(frames, runs) {
	const { readAgentStream, DEFAULT_STREAM_LIMITS } = require(path.join(process.env.NEMO_BENCH_CLIENT_DIR || path.join(__dirname, '..', 'dist', 'nodes', 'shared', 'client'), 'message-stream.js'));
	const gc = /** @type {() => void} */ (global.gc);
	const limits = DEFAULT_STREAM_LIMITS;
	const buf = wholeStream(frames);
	const frameBufs = Array.from({ length: frames }, (_, i) => Buffer.from(frame(i))).concat([Buffer.from(FINAL)]);
	/** @type {Record<string, any>} */
	const out = { frames, bytes: buf.length, bulk: [], perFrame: [] };
	const check = (/** @type {any} */ o) => {
		if (o.end !== 'closed' || o.text !== 'Done: the face was swapped.') throw new Error(`stream not read right: ${JSON.stringify(o).slice(0, 300)}`);
		return o;
	};
	for (let r = 0; r < runs + 1; r++) {
		// bulk: 64 KiB chunks
		const chunks = [];
		for (let i = 0; i < buf.length; i += 65536) chunks.push(buf.subarray(i, i + 65536));
		gc();
		let t = process.hrtime.bigint();
		let o = check(await readAgentStream(answer(Readable.from(chunks, { objectMode: false })), { limits, sleep }));
		let ms = Number(process.hrtime.bigint() - t) / 1e6;
		if (r > 0) out.bulk.push({ ms, mbps: buf.length / 1048576 / (ms / 1000), framesPerSec: frames / (ms / 1000), events: o.events, heartbeats: o.heartbeats });
		// live: one frame per chunk
		gc();
		t = process.hrtime.bigint();
		o = check(await readAgentStream(answer(Readable.from(frameBufs, { objectMode: false })), { limits, sleep }));
		ms = Number(process.hrtime.bigint() - t) / 1e6;
		if (r > 0) out.perFrame.push({ ms, mbps: buf.length / 1048576 / (ms / 1000), framesPerSec: frames / (ms / 1000), events: o.events, heartbeats: o.heartbeats });
	}
	// memory: over a real loopback HTTP connection, as the package reads it (undici), heap after a
	// full GC every tenth of the stream. (A synthetic Readable that always has the next chunk
	// ready is no good here: Node's async iteration of such a stream keeps ~150 bytes per chunk
	// until the stream ends, which a socket never does; measured while writing this benchmark.)
	for (const n of [frames, frames * 10]) out[n === frames ? 'memory' : 'memory10x'] = await memoryOverSocket(n, readAgentStream, limits, gc);
	process.stdout.write(`SSE_RESULT ${JSON.stringify(out)}\n`);
}

/**
 * A server in this process writes `n` keep-alive frames, each in its own write a tick apart
 * (so most arrive as their own chunk), then the final text event; the client reads the stream
 * through n8n-core's httpRequest (as the package does) and readAgentStream. Heap after a full GC
 * every n/10 frames.
 * @param {number} n
 * @param {any} readAgentStream
 * @param {any} limits
 * @param {() => void} gc
 */
async function memoryOverSocket(n, readAgentStream, limits, gc) {
	const http = require('node:http');
	const { n8nHttp } = require('./lib/client');
	const http_ = n8nHttp();
	const { HEARTBEAT_CYCLE } = require('../simulator/sse');
	const jsonPerCycle = HEARTBEAT_CYCLE.filter((k) => k !== 'comment').length; // frames that are SSE events
	const server = http.createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'text/event-stream' });
		let i = 0;
		const tick = () => {
			if (i === n) return void res.end(FINAL);
			res.write(frame(i++));
			setImmediate(tick);
		};
		tick();
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	const url = `http://127.0.0.1:${address.port}/run_sse`;
	/** @type {{ frames: number, heapKb: number, rssKb: number }[]} */
	const series = [];
	const sample = (/** @type {number} */ framesRead) => {
		gc();
		const m = process.memoryUsage();
		series.push({ frames: framesRead, heapKb: Math.round(m.heapUsed / 1024), rssKb: Math.round(m.rss / 1024) });
	};
	sample(0);
	const eventsPerStep = ((n / 10) * jsonPerCycle) / HEARTBEAT_CYCLE.length;
	let events = 0;
	const controller = new AbortController();
	const res = await http_.request({ method: 'POST', url, headers: {}, signal: controller.signal });
	const o = await readAgentStream(
		{ ...res, url, signal: controller.signal, close: () => (res.body.destroy(), controller.abort()) },
		{
			limits,
			sleep,
			onActivity: () => {
				events++;
				if (events % eventsPerStep === 0 && events / eventsPerStep < 10) sample((events / eventsPerStep) * (n / 10));
			},
		},
	);
	await new Promise((resolve) => server.close(() => resolve(undefined)));
	if (o.end !== 'closed' || o.text !== 'Done: the face was swapped.') throw new Error(`stream over the socket not read right: ${JSON.stringify(o).slice(0, 300)}`);
	sample(n);
	return series;
}

/**
 * @param {import('./index').Ctx | { log: (m: string) => void }} ctx
 * @param {{ frames: number, runs: number }} o
 */
async function benchSse(ctx, o) {
	const text = await new Promise((resolve, reject) => {
		const p = spawn(process.execPath, ['--expose-gc', __filename, 'child', String(o.frames), String(o.runs)], { stdio: ['ignore', 'pipe', 'inherit'] });
		let s = '';
		p.stdout.on('data', (b) => (s += b));
		p.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`SSE benchmark child exited ${code}: ${s}`))));
	});
	const m = /SSE_RESULT (.+)\n/.exec(String(text));
	if (!m) throw new Error(`SSE benchmark printed no result: ${text}`);
	const r = JSON.parse(m[1]);
	const { summary } = require('./lib/stats');
	const res = {
		frames: r.frames,
		bytes: r.bytes,
		events: r.bulk[0].events,
		heartbeats: r.bulk[0].heartbeats,
		bulk: { mbps: summary(r.bulk.map((x) => x.mbps)), framesPerSec: summary(r.bulk.map((x) => x.framesPerSec)), ms: summary(r.bulk.map((x) => x.ms)) },
		perFrame: { mbps: summary(r.perFrame.map((x) => x.mbps)), framesPerSec: summary(r.perFrame.map((x) => x.framesPerSec)), ms: summary(r.perFrame.map((x) => x.ms)) },
		memory: r.memory,
		memory10x: r.memory10x,
	};
	ctx.log(
		`SSE: ${r.frames} frames (${(r.bytes / 1048576).toFixed(2)} MB): ${res.bulk.mbps.median.toFixed(1)} MB/s in 64 KiB chunks, ` +
			`${res.perFrame.framesPerSec.median.toFixed(0)} frames/s one per chunk; heap over a socket ${r.memory[1].heapKb} → ${r.memory[r.memory.length - 1].heapKb} KB ` +
			`(1M frames: ${r.memory10x[1].heapKb} → ${r.memory10x[r.memory10x.length - 1].heapKb} KB)`,
	);
	return res;
}

module.exports = { benchSse, FRAMES };

if (require.main === module && process.argv[2] === 'child') {
	child(Number(process.argv[3]), Number(process.argv[4])).catch((e) => {
		console.error(e);
		process.exit(1);
	});
} else if (require.main === module) {
	benchSse({ log: console.log }, { frames: Number(process.argv[2] || 100000), runs: Number(process.argv[3] || 5) }).then((r) => console.log(JSON.stringify(r, null, 1)));
}
