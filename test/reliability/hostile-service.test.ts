/**
 * A service (or a proxy, CDN or attacker in between) that misbehaves on purpose (issue 12): the
 * client must stay within its memory, keep the token secret, and never pass off a wrong file.
 * The hostile answers come from a gateway in front of the simulator (raw-servers.ts proxyServer)
 * that answers some paths itself; everything else is the simulator's.
 */
import type http from 'node:http';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NemoApiError } from '../../nodes/shared/client';
import { clientFor, freshTokens, sessionWithMedia } from '../client/helpers';
import { type Simulator, startSimulator } from '../support/simulator';
import { withNode } from '../harness';
import { runNodes, singleNode, swapItem } from '../nodes/support';
import { tokenForms } from './leak-scan';
import { serialise } from './leak-sink';
import { type LocalServer, endToEndHeaders, forward, proxyServer } from './raw-servers';
import { MATRIX_TIMINGS, setTuning, sleep } from './support';
import { downloadToBuffer, n8nHttp } from '../support/n8n-http';

let sim: Simulator;
const servers: LocalServer[] = [];

beforeAll(async () => {
	sim = await startSimulator(MATRIX_TIMINGS);
	setTuning();
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure(MATRIX_TIMINGS);
	freshTokens();
});
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A gateway to the simulator whose /run_sse is answered by `stream` instead. With `editFirst`, the
 * simulator gets the message first and makes its edit (its own answer is dropped), so a node that
 * requires a change (Face Swap: issue 11) sees one, and only the reply text is hostile.
 */
async function gatewayWithStream(stream: (response: http.ServerResponse) => void, options: { editFirst?: boolean } = {}): Promise<LocalServer> {
	const gateway = await proxyServer(sim.url, (request, response) => {
		if (request.url !== '/run_sse') return false;
		const answer = () => {
			response.writeHead(200, { 'content-type': 'text/event-stream' });
			stream(response);
		};
		if (!options.editFirst) {
			request.resume();
			answer();
			return true;
		}
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const forwarded = httpRequest(`${sim.url}/run_sse`, { method: 'POST', headers: endToEndHeaders(request) }, (simAnswer) => {
				simAnswer.resume();
				simAnswer.on('end', answer);
			});
			forwarded.end(Buffer.concat(chunks));
		});
		return true;
	});
	servers.push(gateway);
	return gateway;
}

/** Writes `next()` chunks as fast as the reader takes them, until it returns undefined or the reader goes. */
function pump(response: http.ServerResponse, next: () => string | undefined): void {
	const write = () => {
		for (;;) {
			if (response.destroyed) return;
			const chunk = next();
			if (chunk === undefined) {
				response.end();
				return;
			}
			if (!response.write(chunk)) {
				response.once('drain', write);
				return;
			}
		}
	};
	write();
}

const live = () => {
	const memory = process.memoryUsage();
	return { rss: memory.rss, data: memory.heapUsed + memory.external };
};
const MB = 1024 * 1024;

describe('the SSE stream (points 2 and 8)', () => {
	it('bare-CR line endings: the last event is not lost at the end of the stream', async () => {
		const gateway = await gatewayWithStream((response) => {
			response.end('data: {"type":"text","content":"First words."}\r\rdata: {"type":"text","content":"Last words."}\r\r');
		});
		const client = clientFor(sim, { baseUrl: gateway.url });
		const sessionId = await sessionWithMedia(client);
		const result = await client.sendMessage(sessionId, 'make it brighter');
		expect(result.message).toContain('First words.');
		expect(result.message).toContain('Last words.');
		await client.close();
	});

	it('1 MB text events with fresh ids: the text kept is capped at 256 KB with a note', async () => {
		const event = (n: number) => `id: e${n}\ndata: ${JSON.stringify({ type: 'text', content: `${n}:${'x'.repeat(MB)}` })}\n\n`;
		let sent = 0;
		const gateway = await gatewayWithStream((response) => pump(response, () => (sent < 24 ? event(sent++) : undefined)));
		const client = clientFor(sim, { baseUrl: gateway.url });
		const sessionId = await sessionWithMedia(client);
		const result = await client.sendMessage(sessionId, 'make it brighter');
		expect(sent).toBe(24);
		expect(result.message.length).toBeLessThan(256 * 1024 + 300);
		expect(result.message).toMatch(/\(The editor's reply was longer than 256 KB; the rest was left out\.\)$/);
		await client.close();
	});

	it('an endless stream of 1 MB text events is ended at its cap and reported; memory stays flat', async () => {
		let sentBytes = 0;
		const totalCap = 400 * MB;
		const chunk = `data: ${JSON.stringify({ type: 'text', content: 'y'.repeat(MB) })}\n\n`;
		const gateway = await gatewayWithStream((response) =>
			pump(response, () => {
				if (sentBytes >= totalCap) return undefined;
				sentBytes += chunk.length;
				return chunk;
			}),
		);
		const client = clientFor(sim, { baseUrl: gateway.url });
		const sessionId = await sessionWithMedia(client);
		global.gc?.();
		const before = live();
		const peak = { ...before };
		const sampler = setInterval(() => {
			const now = live();
			peak.rss = Math.max(peak.rss, now.rss);
			peak.data = Math.max(peak.data, now.data);
		}, 10);
		const error = (await client.sendMessage(sessionId, 'make it brighter').then(
			(result) => new Error(`succeeded, with ${result.message.length} characters of message`),
			(caught: unknown) => caught,
		)) as NemoApiError;
		clearInterval(sampler);
		const growth = { rss: (peak.rss - before.rss) / MB, data: (peak.data - before.data) / MB };
		process.stdout.write(
			`hostile SSE: ${(sentBytes / MB).toFixed(0)} MB sent before the client stopped reading; peak growth: RSS ${growth.rss.toFixed(1)} MB, heap + buffers ${growth.data.toFixed(1)} MB\n`,
		);
		expect(error).toBeInstanceOf(NemoApiError);
		expect(error.message).toMatch(/The editor's event stream passed 64 MB, the most one message may send; it was closed\./);
		expect(error.description).toMatch(/not sent again/);
		expect(sentBytes).toBeLessThan(totalCap);
		expect(growth.data).toBeLessThan(48);
		await client.close();
	});
});

describe('numbers in the draft (point 5)', () => {
	const DRAFT_TEXT =
		'{"t":[{"tt":0,"sg":[{"id":7318829475610293999,"st":0,"d":5000,"m":{"name":"clip.mp4"}}]}],"seed":9007199254740993,"gain":0.1000000000000000055511151231257827,"scale":1.0,"tiny":1e-400,"ts":1733000000123,"neg":-12345678901234567890}';

	it('round-trip to the render byte-faithful, while ids in outputs stay strings', async () => {
		let renderBody = '';
		const gateway = await proxyServer(sim.url, (request, response) => {
			if (request.method === 'GET' && request.url?.startsWith('/api/state/')) {
				request.resume();
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(`{"code":0,"message":"ok","data":{"session_id":7318829475610293847,"task_id":7318829475610293848,"state":{"draft":${DRAFT_TEXT}}}}`);
				return true;
			}
			if (request.method === 'POST' && request.url === '/api/render/proxy/lambda') {
				const chunks: Buffer[] = [];
				request.on('data', (chunk: Buffer) => chunks.push(chunk));
				request.on('end', () => {
					renderBody = Buffer.concat(chunks).toString('utf8');
					response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"data":{"status":"pending"}}');
				});
				return true;
			}
			return false;
		});
		servers.push(gateway);
		const client = clientFor(sim, { baseUrl: gateway.url });
		const state = await client.getState('7318829475610293847');
		expect(state.sessionId).toBe('7318829475610293847');
		expect(state.taskId).toBe('7318829475610293848');
		expect(state.timeline.tracks[0].segments[0]).toMatchObject({ id: '7318829475610293999', durationMs: 5000, name: 'clip.mp4' });
		await client.startRender(state.sessionId, state.draft);
		expect(renderBody).toContain(`"draft":${DRAFT_TEXT}`);
		await client.close();
	});
});

describe('service text in outputs and errors (point 1)', () => {
	/** A token that is not token-shaped and changes under every encoding. */
	const TOKEN = 'pk+Live/9q"Zr\\w=tok&en#12';
	const FACE_SWAP = { videoSource: 'binary', videoBinaryProperty: 'data', faceSource: 'binary', faceBinaryProperty: 'face' };
	const echoes = [
		`raw ${TOKEN}`,
		`url ${encodeURIComponent(TOKEN)}`,
		`json ${JSON.stringify({ token: TOKEN })}`,
		`basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
		`base64 ${Buffer.from(TOKEN).toString('base64')}`,
		`header Authorization: Bearer ${TOKEN}`,
	];
	const TRACEBACK = [
		'Render failed: ffmpeg exited with code 1',
		'Traceback (most recent call last):',
		'  File "/srv/render/worker.py", line 88, in run',
		`    response = session.post(url, headers={"Authorization": "Bearer ${TOKEN}"})`,
		'  File "/srv/render/encode.py", line 12, in encode',
		'    raise RuntimeError(stderr)',
		`RuntimeError: moov atom not found; request headers were Authorization: Bearer ${TOKEN}`,
		'x'.repeat(5000),
	].join('\n');

	beforeEach(() => sim.addToken(TOKEN, { credits: 100_000 }));

	async function runNode(type: Parameters<typeof singleNode>[0], parameters: Record<string, unknown>, baseUrl = sim.url) {
		const result = await runNodes(withNode(singleNode(type, parameters), 'Nemo', { onError: 'continueRegularOutput' }), {
			credentials: { baseUrl, accessToken: TOKEN },
			inputItems: [swapItem(0)],
		});
		const items = result.nodeOutput('Nemo');
		await result.cleanup();
		const everything = serialise(result.run);
		const leaked = tokenForms(TOKEN).filter((form) => everything.includes(form));
		return { items, leaked };
	}

	it('a reply that echoes the token in every encoding: masked in the output item', async () => {
		const gateway = await gatewayWithStream((response) => {
			response.end(`data: ${JSON.stringify({ type: 'text', content: `Done. ${echoes.join('; ')}.` })}\n\n`);
		}, { editFirst: true });
		const { items, leaked } = await runNode('n8n-nodes-nemovideo.nemoFaceSwap', { ...FACE_SWAP, result: 'none' }, gateway.url);
		expect(items[0].json.error).toBeUndefined();
		expect(items[0].json.message).toMatch(/^Done\. raw \[redacted\]; url \[redacted\];/);
		expect(leaked).toEqual([]);
	});

	it('a failed render with a traceback and an Authorization line: the error item is masked, summarised and capped', async () => {
		sim.addFault({ endpoint: 'renderStart', renderFails: TRACEBACK });
		const { items, leaked } = await runNode('n8n-nodes-nemovideo.nemoFaceSwap', { ...FACE_SWAP, result: 'binary' });
		const error = String(items[0].json.error);
		expect(error).toMatch(/The export render_\S+ failed: Render failed: ffmpeg exited with code 1/);
		expect(error).toContain('(a stack trace of 5 lines was left out)');
		expect(error).toContain('RuntimeError: moov atom not found');
		expect(error.length).toBeLessThan(1000);
		expect(leaked).toEqual([]);
	});

	it('Get Status of a failed render: the error field of the output item is masked, summarised and capped', async () => {
		const client = clientFor(sim, { accessToken: TOKEN });
		const sessionId = await sessionWithMedia(client);
		const state = await client.getState(sessionId);
		sim.addFault({ endpoint: 'renderStart', renderFails: TRACEBACK });
		const { renderId } = await client.startRender(sessionId, state.draft);
		await client.close();
		await sleep(200);
		const { items, leaked } = await runNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', render: 'id', renderId, output: 'url' });
		expect(items[0].json).toMatchObject({ renderId, status: 'failed' });
		const error = String(items[0].json.error);
		expect(error).toContain('(a stack trace of 5 lines was left out)');
		expect(error.length).toBeLessThanOrEqual(600);
		expect(leaked).toEqual([]);
	});
});

/** A finished render of a fresh session, and the client that made it. */
async function finishedRender(options: Parameters<typeof clientFor>[1] = {}) {
	const client = clientFor(sim, options);
	const sessionId = await sessionWithMedia(client);
	const state = await client.getState(sessionId);
	const { renderId } = await client.startRender(sessionId, state.draft);
	const status = await client.waitForRender(renderId);
	return { client, status };
}

const HTML_PAGE = '<!doctype html><html><head><title>Access denied</title></head><body>CDN error page</body></html>';

describe('the downloaded video is checked (point 4)', () => {
	it('an HTML page at the output URL is not saved as the MP4: the /download endpoint is used instead', async () => {
		const { client, status } = await finishedRender();
		sim.addFault({ endpoint: 'cdn', status: 200, body: HTML_PAGE, contentType: 'text/html', times: 5 });
		const download = await downloadToBuffer(client, status);
		expect(download.usedFallback).toBe(true);
		expect(download.contentType).toBe('video/mp4');
		expect(download.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
		await client.close();
	});

	it('an HTML page at both: a clear error, nothing passed off as the video', async () => {
		const { client, status } = await finishedRender();
		sim.addFault({ endpoint: 'cdn', status: 200, body: HTML_PAGE, contentType: 'text/html', times: 5 });
		sim.addFault({ endpoint: 'download', status: 200, body: HTML_PAGE, contentType: 'application/octet-stream', times: 5 });
		const error = await downloadToBuffer(client, status).then(
			() => undefined,
			(caught: unknown) => caught as NemoApiError,
		);
		expect(error).toBeInstanceOf(NemoApiError);
		expect(error?.message).toMatch(/^The finished video could not be downloaded: the output URL sent a web page \(text\/html\), not a video, and the download endpoint sent a web page or XML document, not a video\.$/);
		expect(error?.description).toMatch(/Get Status/);
		await client.close();
	});

	it('n8n failing to store the video (its disk full) is said so, and not retried from the other address (review of issue 18)', async () => {
		const { client, status } = await finishedRender();
		sim.reset();
		const error = await client
			.download(status, async () => {
				throw new Error('ENOSPC: no space left on device');
			})
			.then(
				() => undefined,
				(caught: unknown) => caught as NemoApiError,
			);
		expect(error?.message).toBe('n8n could not store the downloaded video: ENOSPC: no space left on device');
		expect(error?.isTransient).toBe(false);
		// The advice names the render to fetch once the store works again.
		expect(error?.description).toContain(`Nemo Export, operation "Get Status", render id ${status.renderId}`);
		// Followed (Get Status reads the same render and downloads it): the video arrives whole.
		const again = await downloadToBuffer(client, await client.getRenderStatus(status.renderId));
		expect(again.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
		expect(sim.requests.filter((request) => request.endpoint === 'download')).toHaveLength(0);
		await client.close();
	});

	it('the binary gets the real MIME type, whatever the server labels it', async () => {
		const { client, status } = await finishedRender();
		const cdn = await proxyServer(sim.cdnUrl, (request, response) => {
			request.resume();
			response.writeHead(200, { 'content-type': 'application/octet-stream' });
			response.end(Buffer.concat([Buffer.from('\x1a\x45\xdf\xa3', 'latin1'), Buffer.alloc(2048, 3)]));
			return true;
		});
		servers.push(cdn);
		const download = await downloadToBuffer(client, { ...status, outputUrl: `${cdn.url}/render.webm` });
		expect(download.usedFallback).toBe(false);
		expect(download.contentType).toBe('video/webm');
		await client.close();
	});
});

describe('service-supplied URLs to private addresses (point 6)', () => {
	/**
	 * A Base URL that looks public, served by the local simulator: n8n's helper sends every request
	 * through the forward proxy HTTP_PROXY names (as for a user behind a proxy), and this one
	 * delivers every host name's requests to this machine, on the port asked for.
	 */
	let nameProxy: Server;
	const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
	beforeAll(async () => {
		nameProxy = createServer((request, response) => {
			const target = new URL(request.url ?? '/');
			forward(request, response, { host: '127.0.0.1', port: target.port || 80, path: target.pathname + target.search });
		});
		await new Promise<void>((resolve) => nameProxy.listen(0, '127.0.0.1', resolve));
		process.env.HTTP_PROXY = `http://127.0.0.1:${(nameProxy.address() as AddressInfo).port}`;
		// Loopback addresses still go direct (the simulator's CDN, a refused target's own check).
		process.env.NO_PROXY = '127.0.0.1,localhost';
	});
	afterAll(async () => {
		for (const [name, value] of Object.entries(saved)) {
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
		}
		await new Promise((resolve) => nameProxy.close(resolve));
	});
	const publicLooking = (server: { url: string }) => `http://api.nemo-hostile.test:${new URL(server.url).port}`;

	it('an output URL on loopback is refused when the Base URL is public; the /download endpoint is used', async () => {
		const { client, status } = await finishedRender({ baseUrl: publicLooking(sim), allowInsecureHttp: true });
		expect(status.outputUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
		sim.reset();
		const download = await downloadToBuffer(client, status);
		expect(download.usedFallback).toBe(true);
		expect(sim.requests.filter((request) => request.origin === 'cdn')).toHaveLength(0);
		await client.close();
	});

	it('a redirect from /download to 169.254.169.254 is refused, with a clear error', async () => {
		const gateway = await proxyServer(sim.url, (request, response) => {
			if (!/\/download$/.test(request.url ?? '')) return false;
			response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' }).end();
			return true;
		});
		servers.push(gateway);
		const { client, status } = await finishedRender({ baseUrl: publicLooking(gateway), allowInsecureHttp: true });
		const error = await downloadToBuffer(client, { ...status, outputUrl: undefined }).then(
			() => undefined,
			(caught: unknown) => caught as NemoApiError,
		);
		expect(error).toBeInstanceOf(NemoApiError);
		expect(error?.message).toBe(
			'Refused to download from 169.254.169.254 while downloading the video: it is a private, loopback or link-local address (169.254.169.254), and the Base URL is not.',
		);
		await client.close();
	});

	it.each([
		['http://[::1]:9/clip.mp4', '::1'],
		['http://[::ffff:127.0.0.1]:9/clip.mp4', '::ffff:7f00:1'],
		['http://10.1.2.3/clip.mp4', '10.1.2.3'],
		['http://172.20.0.1/clip.mp4', '172.20.0.1'],
		['http://192.168.1.1/clip.mp4', '192.168.1.1'],
		['http://100.64.0.1/clip.mp4', '100.64.0.1'],
		['http://[fd00::1]/clip.mp4', 'fd00::1'],
		['http://[fe80::1]/clip.mp4', 'fe80::1'],
		['http://localhost:9/clip.mp4', 'localhost'],
		['http://0.0.0.0:9/clip.mp4', '0.0.0.0'],
		// review of issue 18: a trailing dot, IPv4 inside IPv6 (compatible, NAT64, 6to4), benchmarking, multicast
		['http://localhost.:9/clip.mp4', 'localhost'],
		['http://[::7f00:1]/clip.mp4', '::7f00:1'],
		['http://[64:ff9b::a9fe:a9fe]/clip.mp4', '64:ff9b::a9fe:a9fe'],
		['http://[2002:a9fe:a9fe::]/clip.mp4', '2002:a9fe:a9fe::'],
		['http://198.18.0.1/clip.mp4', '198.18.0.1'],
		['http://224.0.0.1/clip.mp4', '224.0.0.1'],
	])('an output URL %s is refused before any request when the Base URL is public', async (outputUrl, shown) => {
		const { client, status } = await finishedRender({ baseUrl: publicLooking(sim), allowInsecureHttp: true });
		const download = await downloadToBuffer(client, { ...status, outputUrl });
		expect(download.usedFallback).toBe(true);
		const { HttpTransport } = await import('../../nodes/shared/client/transport');
		const transport = new HttpTransport({ baseUrl: publicLooking(sim), allowInsecureHttp: true, attribution: { source: 's', version: 'v', platform: 'p' }, http: n8nHttp() });
		const error = await transport.fetchUrl(outputUrl, { operation: 'downloading the video' }).then(
			() => undefined,
			(caught: unknown) => caught as NemoApiError,
		);
		expect(error?.message).toContain(`a private, loopback or link-local address (${shown})`);
		await client.close();
	});

	it('plain http:// is refused where the Base URL is https://', async () => {
		const { HttpTransport } = await import('../../nodes/shared/client/transport');
		const transport = new HttpTransport({ baseUrl: 'https://api.nemo-hostile.test', attribution: { source: 's', version: 'v', platform: 'p' }, http: n8nHttp() });
		const error = await transport.fetchUrl('http://cdn.nemo-hostile.test/render.mp4', { operation: 'downloading the video' }).then(
			() => undefined,
			(caught: unknown) => caught as NemoApiError,
		);
		expect(error?.message).toBe('Refused to download from http://cdn.nemo-hostile.test while downloading the video: plain http:// where the Base URL is https://.');
		await transport.close();
	});

	it('with a loopback Base URL (the local simulator), loopback outputs are fetched as before', async () => {
		const { client, status } = await finishedRender();
		const download = await downloadToBuffer(client, status);
		expect(download.usedFallback).toBe(false);
		await client.close();
	});
});

describe('"Video URL" when the service gives no public URL (point 7)', () => {
	const TOKEN = 'nmv_usr_hostile_url_option_0007';
	beforeEach(() => sim.addToken(TOKEN, { credits: 100_000 }));

	async function exportWithoutPublicUrl(options: Record<string, unknown>) {
		const client = clientFor(sim, { accessToken: TOKEN });
		const sessionId = await sessionWithMedia(client);
		await client.close();
		sim.addFault({ endpoint: 'renderStart', completedWithoutUrl: true, times: 5 });
		const result = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'exportAndWait', session: 'id', sessionId, output: 'url', options }), {
			credentials: { baseUrl: sim.url, accessToken: TOKEN },
		});
		const items = result.nodeOutput('Nemo');
		await result.cleanup();
		return items;
	}

	it('by default, the output says so instead of passing off the bearer-protected /download address as the video URL', async () => {
		const [item] = await exportWithoutPublicUrl({});
		expect(item.json.videoUrl).toBeUndefined();
		expect(item.json.downloadUrl).toMatch(/\/api\/render\/proxy\/render_\S+\/download$/);
		expect(item.json.note).toBe(
			'NemoVideo gave no public URL for this video. downloadUrl works only with the Nemo API token, so do not hand it to others: to get the file itself, set Options > If No Public URL to "Download the File".',
		);
		expect(item.binary).toBeUndefined();
	});

	it('with "Download the File", the MP4 comes back as binary data', async () => {
		const [item] = await exportWithoutPublicUrl({ ifNoPublicUrl: 'download' });
		expect(item.json.videoUrl).toBeUndefined();
		expect(item.binary?.data?.mimeType).toBe('video/mp4');
		expect(item.json.note).toBe('NemoVideo gave no public URL for this video, so the file was downloaded instead.');
	});
});

describe('GUI talk, worded for the Result setting (point 9)', () => {
	it.each([
		['none', "Swapped the face. To get the video, run Nemo Export on this session, or set this node's Result to export it."],
		['url', "Swapped the face. The exported video is in this node's output."],
	])('Result %s', async (resultSetting, message) => {
		const gateway = await gatewayWithStream((response) => {
			response.end(`data: ${JSON.stringify({ type: 'text', content: 'Swapped the face. 请点击右上角的导出按钮。' })}\n\n`);
		}, { editFirst: true });
		const result = await runNodes(
			singleNode('n8n-nodes-nemovideo.nemoFaceSwap', { videoSource: 'binary', videoBinaryProperty: 'data', faceSource: 'binary', faceBinaryProperty: 'face', result: resultSetting }),
			{ credentials: { baseUrl: gateway.url, accessToken: sim.register({ credits: 10_000 }).token }, inputItems: [swapItem(0)] },
		);
		const [item] = result.nodeOutput('Nemo');
		await result.cleanup();
		expect(item.json.message).toBe(message);
	});
});
