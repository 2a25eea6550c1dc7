import { type Simulator, FAST_TIMINGS, startSimulator } from '../support/simulator';
import type { NemoClient, RenderStatus } from '../../nodes/shared/client';
import { HttpTransport } from '../../nodes/shared/client/transport';
import { ATTRIBUTION, clientFor, fakeFile, freshTokens } from './helpers';
import { type ForwardProxy, startForwardProxy, viaForwardProxy } from '../support/forward-proxy';
import { downloadToBuffer, n8nHttp } from '../support/n8n-http';

/**
 * The proxy environment, as n8n's own request helper reads it (every request of the client goes
 * through it), with a real forward proxy from the npm registry (test/support/forward-proxy-server.mjs),
 * which marks what it carried with a Via header. e2e runs the same inside real n8n, with Debian's
 * tinyproxy.
 */

const PROXY_ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'];

let sim: Simulator;
let proxy: ForwardProxy;
let closingProxy: ForwardProxy;
let proxyUrl: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
	sim = await startSimulator(FAST_TIMINGS);
	proxy = await startForwardProxy();
	closingProxy = await startForwardProxy({ closeAfterAnswer: true });
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
	await closingProxy.stop();
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
 * body only after `lateMs` (a consumer busy elsewhere, e.g. n8n writing to disk), so the body
 * stream is full when the last byte of a 64 KiB body arrives.
 */
async function downloadReadLate(lateMs: number): Promise<number> {
	const client = clientFor(sim);
	const transport = new HttpTransport({ baseUrl: sim.url, attribution: ATTRIBUTION, http: n8nHttp() });
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
	// the trial token's request, then the chain on a registered account's token (trial tokens cannot export)
	const trial = clientFor(sim, { accessToken: '' });
	await trial.getCredits().finally(() => trial.close());
	const client = clientFor(sim);
	try {
		await client.getCredits();
		const status = await finishedRender(client, 256 * 1024);
		await downloadToBuffer(client, status);
	} finally {
		await client.close();
	}
}

const viaProxy = viaForwardProxy;
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
 * tinyproxy closes the connection once it has relayed an answer, without Connection: close. With
 * undici this once cut whole downloads: paused on the body's last bytes, the message was not yet
 * complete when the close arrived ("other side closed"). An exactly-64-KiB body read late fills
 * the stream on its last byte; n8n's helper must deliver it whole too.
 */
describe('a whole download followed by a close (as tinyproxy relays it)', () => {
	const SIZE = 64 * 1024;

	it('is read whole when the server closes right after the body', async () => {
		sim.configure({ outputSizeBytes: SIZE });
		sim.addFault({ endpoint: 'cdn', closeAfterBody: true });
		await expect(downloadReadLate(150)).resolves.toBe(SIZE);
		expect(sim.requests.filter((r) => r.origin === 'cdn').map((r) => r.faults)).toEqual([['closeAfterBody']]);
	});

	it('is read whole through a proxy that closes after every answer', async () => {
		process.env.HTTP_PROXY = closingProxy.url;
		sim.configure({ outputSizeBytes: SIZE });
		await expect(downloadReadLate(150)).resolves.toBe(SIZE);
		expect(sim.requests.filter((r) => r.origin === 'cdn').every(viaProxy)).toBe(true);
	});
});
