import { type Simulator, FAST_TIMINGS, startSimulator } from '../support/simulator';
import type { NemoClient, RenderStatus } from '../../nodes/shared/client';
import { HttpTransport } from '../../nodes/shared/client/transport';
import { ATTRIBUTION, clientFor, fakeFile, freshTokens } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startTinyproxy } = require('../../e2e/proxy') as { startTinyproxy: () => Promise<{ url: string; stop: () => Promise<void> }> };

/**
 * The proxy environment, read as n8n-core reads it (proxy-from-env), with a real proxy:
 * Debian's tinyproxy on loopback (scripts/install-system-packages.sh), which marks what it
 * carried with a Via header. e2e runs the same inside real n8n.
 */

const PROXY_ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'];

let sim: Simulator;
let proxy: { url: string; stop: () => Promise<void> };
let proxyUrl: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
	sim = await startSimulator(FAST_TIMINGS);
	proxy = await startTinyproxy();
	proxyUrl = proxy.url;
	for (const name of PROXY_ENV) {
		saved[name] = process.env[name];
		delete process.env[name];
	}
});

afterAll(async () => {
	for (const name of PROXY_ENV) {
		if (saved[name] === undefined) delete process.env[name];
		else process.env[name] = saved[name];
	}
	await proxy.stop();
	await sim.close();
});

afterEach(() => {
	for (const name of PROXY_ENV) delete process.env[name];
});

beforeEach(() => {
	freshTokens();
	sim.reset();
});

/** Upload, edit, render: the demo chain up to the finished render. */
async function finishedRender(client: NemoClient, clipBytes: number): Promise<RenderStatus> {
	const { sessionId } = await client.createSession();
	await client.uploadFiles(sessionId, [fakeFile('clip.mp4', clipBytes), fakeFile('face.jpg')]);
	await client.sendMessage(sessionId, 'swap the face in the video with the face in face.jpg');
	const state = await client.getState(sessionId);
	const render = await client.startRender(sessionId, state.draft);
	return client.waitForRender(render.renderId);
}

/**
 * Renders, then GETs the output URL with the transport every download uses and reads the raw
 * body only after `lateMs` (a consumer busy elsewhere, e.g. n8n writing to disk), so undici's
 * body stream (64 KiB high-water mark) is full when the last byte of a 64 KiB body arrives.
 */
async function downloadReadLate(lateMs: number): Promise<number> {
	const client = clientFor(sim);
	const transport = new HttpTransport({ baseUrl: sim.url, attribution: ATTRIBUTION });
	try {
		const status = await finishedRender(client, 64 * 1024);
		const answer = await transport.fetchUrl(String(status.outputUrl), { operation: 'downloading the video' });
		await new Promise((resolve) => setTimeout(resolve, lateMs));
		let bytes = 0;
		for await (const chunk of answer.body) bytes += (chunk as Buffer).length;
		return bytes;
	} finally {
		await transport.close();
		await client.close();
	}
}

async function runChain(): Promise<void> {
	const client = clientFor(sim);
	try {
		await client.getCredits();
		const status = await finishedRender(client, 256 * 1024);
		const download = await client.openDownload(status);
		for await (const chunk of download.stream) void chunk;
	} finally {
		await client.close();
	}
}

const viaProxy = (r: { headers: Record<string, unknown> }) => /tinyproxy/.test(String(r.headers.via ?? ''));
const carried = () => sim.requests.filter(viaProxy);

describe('proxy from the environment', () => {
	it('sends API calls, uploads, SSE and CDN downloads through HTTP_PROXY', async () => {
		process.env.HTTP_PROXY = proxyUrl;
		await runChain();
		const paths = sim.requests.map((r) => `${r.origin} ${r.method} ${r.path}`).join('\n');
		for (const kind of [/api POST \/api\/auth\/anonymous-token/, /api GET \/api\/credits/, /api POST \/api\/upload-video/, /api POST \/run_sse/, /api GET \/api\/render\/proxy\/lambda\//, /cdn GET /]) {
			expect(paths).toMatch(kind);
		}
		expect(sim.requests.filter((r) => !viaProxy(r)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
	});

	it('reads the lower-case spelling too, and ALL_PROXY', async () => {
		process.env.http_proxy = proxyUrl;
		await runChain();
		expect(carried().length).toBe(sim.requests.length);
		sim.reset();
		freshTokens();
		delete process.env.http_proxy;
		process.env.ALL_PROXY = proxyUrl;
		await runChain();
		expect(carried().length).toBe(sim.requests.length);
	});

	it('goes direct for a host in NO_PROXY, and with no proxy set', async () => {
		process.env.HTTP_PROXY = proxyUrl;
		process.env.NO_PROXY = 'localhost,127.0.0.1';
		await runChain();
		expect(sim.requests.length).toBeGreaterThan(0);
		expect(carried()).toEqual([]);
		delete process.env.HTTP_PROXY;
		delete process.env.NO_PROXY;
		sim.reset();
		freshTokens();
		await runChain();
		expect(carried()).toEqual([]);
	});
});

/**
 * tinyproxy closes the connection once it has relayed an answer, without Connection: close.
 * undici pauses its parser when the body stream is full; paused on the body's last bytes, the
 * message is not yet complete when the close arrives, and undici reports "other side closed"
 * for a body it received whole. An exactly-64-KiB body read late fills the stream on its last byte.
 */
describe('a whole download followed by a close (as tinyproxy relays it)', () => {
	const SIZE = 64 * 1024;

	it('is read whole when the server closes right after the body', async () => {
		sim.configure({ outputSizeBytes: SIZE });
		sim.addFault({ endpoint: 'cdn', closeAfterBody: true });
		await expect(downloadReadLate(150)).resolves.toBe(SIZE);
		expect(sim.requests.filter((r) => r.origin === 'cdn').map((r) => r.faults)).toEqual([['closeAfterBody']]);
	});

	it('is read whole through tinyproxy', async () => {
		process.env.HTTP_PROXY = proxyUrl;
		sim.configure({ outputSizeBytes: SIZE });
		await expect(downloadReadLate(150)).resolves.toBe(SIZE);
		expect(sim.requests.filter((r) => r.origin === 'cdn').every(viaProxy)).toBe(true);
	});
});
