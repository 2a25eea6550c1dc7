/**
 * Security, through the nodes: the bearer token goes only to the Base URL's origin (never to the
 * CDN, a media URL, or across a redirect to another origin); plain http:// is refused for any host
 * but loopback unless "Allow Insecure HTTP" is ticked; and the token stays out of outputs and
 * errors even when the service echoes it back. (Every test file's outputs, errors and console
 * output are also scanned for every token at the end of the run: see leak-sink.ts.)
 */
import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@n8n/backend-common';
import { withNode } from '../harness';
import { testCredentials } from '../harness';
import { NemoApi } from '../../credentials/NemoApi.credentials';
import { NODE_TYPES, runNodes, singleNode, swapItem } from '../nodes/support';
import { type Simulator, startSimulator } from '../support/simulator';
import { scanSinkDir } from './leak-scan';
import { serialise } from './leak-sink';
import { captureServer, proxyServer } from './raw-servers';
import { MATRIX_TIMINGS, setTuning } from './support';

let sim: Simulator;

beforeAll(async () => {
	// On every interface, so a non-loopback address of this machine reaches it too.
	sim = await startSimulator({ ...MATRIX_TIMINGS, host: '0.0.0.0' });
	setTuning();
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure(MATRIX_TIMINGS);
});

const TOKEN = 'nmv_usr_security_suite_token_0004';
const FACE_SWAP = { videoSource: 'binary', videoBinaryProperty: 'data', faceSource: 'binary', faceBinaryProperty: 'face', result: 'binary' };
const MP4 = Buffer.concat([Buffer.from('\x00\x00\x00\x18ftypisom', 'latin1'), Buffer.alloc(4096, 1)]);

async function run(type: Parameters<typeof singleNode>[0], parameters: Record<string, unknown>, options: { baseUrl?: string; accessToken?: string; allowInsecureHttp?: boolean; inputItems?: Parameters<typeof runNodes>[1]['inputItems'] } = {}) {
	const result = await runNodes(withNode(singleNode(type, parameters), 'Nemo', { onError: 'continueRegularOutput' }), {
		credentials: { baseUrl: options.baseUrl ?? sim.url, accessToken: options.accessToken ?? TOKEN, allowInsecureHttp: options.allowInsecureHttp ?? false },
		inputItems: options.inputItems,
	});
	const items = result.error ? [] : result.nodeOutput('Nemo');
	await result.cleanup();
	return { result, items };
}

const authorizationsTo = (origin: 'api' | 'cdn') => sim.requests.filter((request) => request.origin === origin).map((request) => request.headers.authorization);

describe('the bearer token goes only to the Base URL origin', () => {
	beforeEach(() => sim.addToken(TOKEN, { credits: 100_000 }));

	it('a whole face swap with the MP4 downloaded from the CDN: every API request has it, no CDN request does', async () => {
		const { items } = await run('n8n-nodes-nemovideo.nemoFaceSwap', FACE_SWAP, { inputItems: [swapItem(0)] });
		expect(items[0].json.error).toBeUndefined();
		expect(items[0].binary?.data?.mimeType).toBe('video/mp4');
		expect(authorizationsTo('api').every((value) => value === `Bearer ${TOKEN}`)).toBe(true);
		expect(authorizationsTo('cdn').length).toBeGreaterThan(0);
		expect(authorizationsTo('cdn').every((value) => value === undefined)).toBe(true);
	});

	it('media given by URL (another origin) are fetched by the service, never by us, and never get the token', async () => {
		const media = await captureServer((request, response) => {
			const isFace = request.url?.endsWith('.jpg');
			response.writeHead(200, { 'content-type': isFace ? 'image/jpeg' : 'video/mp4' });
			response.end(isFace ? Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048)]) : MP4);
		});
		try {
			const { items } = await run('n8n-nodes-nemovideo.nemoFaceSwap', {
				...FACE_SWAP,
				videoSource: 'url',
				videoUrl: `${media.url}/clip.mp4`,
				faceSource: 'url',
				faceUrl: `${media.url}/face.jpg`,
			});
			expect(items[0].json.error).toBeUndefined();
			// Fetched, by the simulator's URL fetcher (the service), without any credential of ours.
			expect(media.requests.map((request) => request.path).sort()).toEqual(['/clip.mp4', '/face.jpg']);
			for (const request of media.requests) {
				expect(request.headers.authorization).toBeUndefined();
				expect(JSON.stringify(request.headers)).not.toContain(TOKEN);
			}
		} finally {
			await media.close();
		}
	});

	it('the /download endpoint redirecting to another origin: followed, without the token', async () => {
		const elsewhere = await captureServer((_request, response) => {
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(MP4.length) });
			response.end(MP4);
		});
		// A gateway in front of the API whose /download answers with a redirect to a storage host.
		const gateway = await proxyServer(sim.url, (request, response) => {
			if (!/\/download$/.test(request.url ?? '')) return false;
			response.writeHead(302, { location: `${elsewhere.url}/storage/result.mp4?sig=abc` }).end();
			return true;
		});
		sim.addFault({ endpoint: 'renderStart', completedWithoutUrl: true, times: 5 });
		try {
			const { items } = await run('n8n-nodes-nemovideo.nemoFaceSwap', FACE_SWAP, { baseUrl: gateway.url, inputItems: [swapItem(0)] });
			expect(items[0].json.error).toBeUndefined();
			expect(items[0].binary?.data?.mimeType).toBe('video/mp4');
			expect(elsewhere.requests).toHaveLength(1);
			expect(elsewhere.requests[0].path).toBe('/storage/result.mp4?sig=abc');
			expect(elsewhere.requests[0].headers.authorization).toBeUndefined();
			expect(elsewhere.requests[0].headers['x-client-id']).toBeUndefined();
		} finally {
			await Promise.all([gateway.close(), elsewhere.close()]);
		}
	});

	it('an API call redirected to another origin is refused: nothing reaches the other origin', async () => {
		const elsewhere = await captureServer();
		const gateway = await proxyServer(sim.url, (request, response) => {
			if (!request.url?.startsWith('/api/credits')) return false;
			response.writeHead(307, { location: `${elsewhere.url}${request.url}` }).end();
			return true;
		});
		try {
			const { items } = await run('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl: gateway.url });
			expect(items[0].json.error).toMatch(/^Item index 0: NemoVideo answered reading the credit balance with a redirect \(HTTP 307 to http:\/\/127\.0\.0\.1:\d+\/api\/credits\/balance\/simple\)\.$/);
			expect((items[0].error as { description?: string }).description).toMatch(/Check the Base URL/);
			expect(elsewhere.requests).toHaveLength(0);
		} finally {
			await Promise.all([gateway.close(), elsewhere.close()]);
		}
	});
});

describe('plain http:// is refused for any host but loopback, unless ticked', () => {
	const lanAddress = Object.values(networkInterfaces())
		.flat()
		.find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
	const port = () => new URL(sim.url).port;

	it.each([
		['a LAN address', () => `http://${lanAddress ?? '192.0.2.123'}:${port()}`],
		['a host name', () => 'http://nemo.example.com'],
		['a name that starts like loopback', () => `http://127.0.0.1.nip.io:${port()}`],
		['"localhost" as a subdomain', () => `http://localhost.example.com:${port()}`],
	])('%s is refused, before any request, saying why and what to do; every item gets the error', async (_name, baseUrl) => {
		const { result, items } = await run('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl: baseUrl(), inputItems: [{ json: { a: 1 } }, { json: { a: 2 } }] });
		expect(result.error).toBeUndefined();
		expect(items).toHaveLength(2);
		items.forEach((item, index) => {
			expect(item.json.error).toMatch(new RegExp(`^Item index ${index}: The Base URL uses plain http:// for \\S+, which would send the token unencrypted\\.$`));
			expect((item.error as { description?: string }).description).toMatch(/tick "Allow Insecure HTTP" in the Nemo API credential/);
		});
		expect(sim.requests).toHaveLength(0);
	});

	it('without Continue On Fail, the node fails naming the first item', async () => {
		const result = await runNodes(singleNode('n8n-nodes-nemovideo.nemoCredits', {}), { credentials: { baseUrl: 'http://nemo.example.com', accessToken: TOKEN } });
		expect(result.nodeError('Nemo')?.message).toBe('Item index 0: The Base URL uses plain http:// for nemo.example.com, which would send the token unencrypted.');
		await result.cleanup();
	});

	it('a LAN address works when "Allow Insecure HTTP" is ticked', async () => {
		if (!lanAddress) return; // no non-loopback interface on this machine
		sim.addToken(TOKEN, { credits: 12 });
		const { items } = await run('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl: `http://${lanAddress}:${port()}`, allowInsecureHttp: true });
		expect(items[0].json).toMatchObject({ available: 12 });
		expect(sim.requests.length).toBeGreaterThan(0);
	});

	it.each([['127.0.0.1'], ['localhost'], ['127.1.2.3']])('loopback (%s) needs no tick', async (host) => {
		sim.addToken(TOKEN, { credits: 9 });
		const { items } = await run('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl: `http://${host}:${port()}` });
		expect(items[0].json).toMatchObject({ available: 9 });
	});

	it('the credential test says the same', async () => {
		const answer = await testCredentials({ type: 'nemoApi', data: { baseUrl: 'http://nemo.example.com', accessToken: TOKEN }, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(answer).toEqual({ status: 'Error', message: expect.stringMatching(/plain http:\/\/ for nemo\.example\.com.*Allow Insecure HTTP/) });
	});
});

describe('the token stays out of what the nodes emit, even when the service echoes it', () => {
	beforeEach(() => sim.addToken(TOKEN, { credits: 100_000 }));

	it.each([
		['an error message', 'credits', { code: 1001, message: `Token ${TOKEN} is invalid or expired` }, 'n8n-nodes-nemovideo.nemoCredits'],
		// times: more than the rate limiter's first try and 6 retries, so the 429 reaches the output
		['an error with the Authorization header', 'credits', { code: 429, message: `Rate limited for Authorization: Bearer ${TOKEN}`, times: 10 }, 'n8n-nodes-nemovideo.nemoCredits'],
		['an error event mid-stream', 'sse', { errorEvent: { error: `session token ${TOKEN} expired mid-stream` } }, 'n8n-nodes-nemovideo.nemoFaceSwap'],
		['a malformed answer', 'state', { status: 500, body: `{"error":"internal: token=${TOKEN}"`, contentType: 'application/json' }, 'n8n-nodes-nemovideo.nemoFaceSwap'],
	] as const)('in %s', async (_name, endpoint, fault, type) => {
		if (endpoint === 'credits' && 'code' in fault && fault.code === 1001) sim.expireToken(TOKEN);
		sim.addFault({ endpoint, ...fault });
		const { result, items } = await run(type, type === 'n8n-nodes-nemovideo.nemoCredits' ? {} : FACE_SWAP, { inputItems: [swapItem(0)] });
		expect(items[0].json.error).toEqual(expect.any(String));
		const everything = serialise(result.run);
		expect(everything).not.toContain(TOKEN);
		// Where the service's words are shown, the token in them is masked (a garbled answer is not shown at all).
		if (_name !== 'a malformed answer') expect(everything).toContain('[redacted]');
	});

	it('a token that does not look like one (any string the user pasted) is redacted too', async () => {
		const odd = 'Xy7-very-private-credential-9q';
		sim.addToken(odd, { credits: 5 });
		sim.expireToken(odd);
		sim.addFault({ endpoint: 'credits', code: 1001, message: `token "${odd}" expired` });
		const { result, items } = await run('n8n-nodes-nemovideo.nemoCredits', {}, { accessToken: odd });
		expect(items[0].json.error).toMatch(/access token was rejected/);
		expect(serialise(result.run)).not.toContain(odd);
	});

	it('the credential test never shows it', async () => {
		sim.expireToken(TOKEN);
		sim.addFault({ endpoint: 'credits', code: 1001, message: `bad token ${TOKEN}` });
		const answer = await testCredentials({ type: 'nemoApi', data: { baseUrl: sim.url, accessToken: TOKEN }, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(answer.status).toBe('Error');
		expect(answer.message).not.toContain(TOKEN);
	});
});

describe('the final leak scan (global-teardown.ts) finds a leak when there is one', () => {
	it('in an output, an error stack, a cause, or a log line', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'nemo-leak-check-'));
		const error = new Error('failed');
		Object.assign(error, { cause: { header: 'Bearer nmv_usr_planted_in_a_cause_7' } });
		await writeFile(
			path.join(dir, 'worker-1.jsonl'),
			[
				{ kind: 'token', token: 'nmv_usr_planted_in_a_cause_7' },
				{ kind: 'token', token: 'plain-secret-123456' },
				{ kind: 'emitted', source: 'node run', file: 'a.test.ts', text: serialise({ json: { ok: true } }) },
				{ kind: 'emitted', source: 'client.getCredits error', file: 'a.test.ts', text: serialise(error) },
			]
				.map((line) => JSON.stringify(line))
				.join('\n') + '\n',
		);
		await appendFile(path.join(dir, 'worker-2.jsonl'), `${JSON.stringify({ kind: 'emitted', source: 'console.log', file: 'b.test.ts', text: 'using plain-secret-123456' })}\n`);
		const scan = scanSinkDir(dir);
		await rm(dir, { recursive: true, force: true });
		expect(scan.tokens).toBe(2);
		expect(scan.records).toBe(3);
		expect(scan.leaks).toEqual([
			'a.test.ts: client.getCredits error contains the token nmv_usr_plan… (28 chars)',
			'b.test.ts: console.log contains the token plain-secret… (19 chars)',
		]);
	});

	it('in URL-encoded, JSON-escaped and base64 forms too (base64 at any offset)', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'nemo-leak-check-'));
		const token = 'Zq/+"secret\\value&7';
		const echoes = [encodeURIComponent(token), JSON.stringify(token), Buffer.from(`u:${token}`).toString('base64'), Buffer.from(`ab${token}`).toString('base64url')];
		const records = [{ kind: 'token', token }, ...echoes.map((text, index) => ({ kind: 'emitted', source: `form ${index}`, file: 'c.test.ts', text: serialise({ json: { text } }) }))];
		await writeFile(path.join(dir, 'worker-3.jsonl'), records.map((line) => JSON.stringify(line)).join('\n') + '\n');
		const scan = scanSinkDir(dir);
		await rm(dir, { recursive: true, force: true });
		expect(scan.leaks).toHaveLength(4);
		expect(scan.leaks.every((leak) => leak.endsWith('(encoded)'))).toBe(true);
	});

	it('media bytes are not scanned as text, everything else is', () => {
		const text = serialise({ binary: { data: { data: 'QUJD', mimeType: 'video/mp4', fileName: 'x.mp4' } }, json: { note: 'keep me' } });
		expect(text).toContain('keep me');
		expect(text).toContain('x.mp4');
		expect(text).not.toContain('QUJD');
	});
});

describe('secrets that are not our token (issue 20 point 5)', () => {
	beforeEach(() => sim.addToken(TOKEN, { credits: 100_000 }));
	const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4096, 2)]);
	/** What a workflow (and a webhook's answer) reads of an item, and the error n8n shows. */
	const shown = (items: Array<{ json: unknown; error?: { message?: string; description?: string | null } }>) =>
		serialise(items.map((item) => ({ json: item.json, message: item.error?.message, description: item.error?.description })));

	it('a URL input with a user and password, and a signed query string: neither reaches the error item (nor, so, a webhook\'s answer)', async () => {
		const url = 'http://alice:s3cretPassw0rd@127.0.0.1:1/clip.mp4?X-Amz-Signature=abcdef0123456789&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261205&sig=zzzSIGzzz&token=tok_12345678';
		// A rejected token on the URL upload makes the client log its retry line, which names the operation (and so the URL).
		sim.addFault({ endpoint: 'upload', code: 1001, after: 1, times: 1 });
		const logged: string[] = [];
		const spies = (['info', 'debug', 'warn'] as const).map((level) =>
			jest.spyOn(Logger.prototype, level).mockImplementation((message: string, meta?: object) => void logged.push(`${message} ${JSON.stringify(meta ?? {})}`)),
		);
		const { items } = await run('n8n-nodes-nemovideo.nemoFaceSwap', { ...FACE_SWAP, videoSource: 'url', videoUrl: url }, { inputItems: [{ json: {}, binary: { face: { data: JPEG, fileName: 'face.jpg', mimeType: 'image/jpeg' } } }] });
		const text = shown(items);
		expect(items[0].json.error).toEqual(expect.any(String));
		for (const secret of ['s3cretPassw0rd', 'alice:', 'abcdef0123456789', 'AKIAIOSFODNN7EXAMPLE', 'zzzSIGzzz', 'tok_12345678']) expect(text).not.toContain(secret);
		for (const spy of spies) spy.mockRestore();
		expect(logged.join('\n')).toMatch(/rejected the token during upload from Video URL http:\/\/\[redacted\]@127\.0\.0\.1:1\/clip\.mp4/);
		for (const secret of ['s3cretPassw0rd', 'abcdef0123456789', 'zzzSIGzzz', 'tok_12345678']) expect(logged.join('\n')).not.toContain(secret);
		expect(text).toContain('127.0.0.1:1/clip.mp4');
		// The service still got the URL as given.
		const upload = sim.requests.find((request) => request.path.startsWith('/api/upload-video/') && request.json !== undefined);
		expect((upload?.json as { urls?: string[] } | undefined)?.urls).toEqual([url]);
	});

	it('a render failure whose text carries an API key: masked in the item\'s error, the rest kept', async () => {
		sim.addFault({ endpoint: 'renderStart', renderFails: 'worker crashed\nenv RENDER_API_KEY=sk_live_51HqLyjWDarjtT1zdp7dc and password=hunter2hunter2\nexit 1' });
		const { items } = await run('n8n-nodes-nemovideo.nemoFaceSwap', FACE_SWAP, { inputItems: [swapItem(0)] });
		const text = shown(items);
		expect(items[0].json.error).toMatch(/worker crashed/);
		for (const secret of ['sk_live_51HqLyjWDarjtT1zdp7dc', 'hunter2hunter2']) expect(text).not.toContain(secret);
	});
});
