/**
 * The client core against the simulator, over real HTTP and real SSE: every endpoint, both
 * envelopes and event forms, the silent-edit fallback, dropped-stream recovery, re-auth, 429,
 * cancellation, and the error advice.
 */
import { NemoApiError } from '../../nodes/shared/client';
import { FAST_TIMINGS, type Simulator, startSimulator } from '../support/simulator';
import { clientFor, elapsed, failure, fakeFile, freshTokens, sessionWithMedia } from './helpers';
import { downloadToBuffer } from '../support/n8n-http';

let sim: Simulator;

beforeAll(async () => {
	sim = await startSimulator(FAST_TIMINGS);
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure({ ...FAST_TIMINGS, silentRate: 0, eventForm: 'mixed', envelope: 'mixed', renderStatusShape: 'rotate' });
	freshTokens();
});

/** The free trial token (trial tokens cannot export: the tests that export use a registered account's). */
const TRIAL = { accessToken: '' };
const apiRequests = () => sim.requests.filter((request) => request.origin === 'api');

describe('auth', () => {
	it('gets an anonymous token once per client id and reuses it across clients', async () => {
		const a = clientFor(sim, { ...TRIAL, clientId: 'b1f0c1de-0000-4000-8000-000000000001' });
		const b = clientFor(sim, { ...TRIAL, clientId: 'b1f0c1de-0000-4000-8000-000000000001' });
		await Promise.all([a.getCredits(), a.getCredits(), b.getCredits()]);
		const tokenRequests = apiRequests().filter((r) => r.path === '/api/auth/anonymous-token');
		expect(tokenRequests).toHaveLength(1);
		expect(tokenRequests[0].headers['x-client-id']).toBe('b1f0c1de-0000-4000-8000-000000000001');
		await Promise.all([a.close(), b.close()]);
	});

	it('derives the same client id from the same seed', () => {
		const a = clientFor(sim, { ...TRIAL, clientIdSeed: 'credential-42' });
		const b = clientFor(sim, { ...TRIAL, clientIdSeed: 'credential-42' });
		expect(a.clientId).toBe(b.clientId);
		expect(a.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});

	it('on 1001 gets a new trial token and retries once', async () => {
		const client = clientFor(sim, TRIAL);
		await client.getCredits();
		const first = apiRequests().find((r) => r.path === '/api/credits/balance/simple')!.headers.authorization as string;
		sim.expireToken(first.replace('Bearer ', ''));
		const balance = await client.getCredits();
		expect(balance.available).toBeGreaterThan(0);
		expect(apiRequests().filter((r) => r.path === '/api/auth/anonymous-token')).toHaveLength(2);
		await client.close();
	});

	it('reports a rejected configured token clearly, without retrying or leaking it', async () => {
		const client = clientFor(sim, { accessToken: '  nmv_usr_not_a_real_token_123  ' });
		const error = await failure(client.getCredits());
		expect(error).toBeInstanceOf(NemoApiError);
		expect(error.code).toBe(1001);
		expect(error.message).toMatch(/access token was rejected/);
		expect(error.description).toMatch(/Access Token field/);
		expect(JSON.stringify({ m: error.message, d: error.description })).not.toContain('nmv_usr_not_a_real_token_123');
		// Trimmed before use: the request carried the token without the stray spaces.
		expect(apiRequests()[0].headers.authorization).toBe('Bearer nmv_usr_not_a_real_token_123');
		expect(apiRequests().filter((r) => r.path === '/api/auth/anonymous-token')).toHaveLength(0);
		await client.close();
	});

	it('uses a configured token as it is', async () => {
		sim.addToken('nmv_usr_configured_abcdef', { credits: 500 });
		const client = clientFor(sim, { accessToken: 'nmv_usr_configured_abcdef' });
		expect(await client.getCredits()).toEqual({ available: 500, frozen: 0, total: 500 });
		await client.close();
	});

	it('retries once after a 400 from the token endpoint', async () => {
		sim.addFault({ endpoint: 'token', code: 400 });
		const client = clientFor(sim, TRIAL);
		await client.getCredits();
		expect(apiRequests().filter((r) => r.path === '/api/auth/anonymous-token')).toHaveLength(2);
		await client.close();
	});
});

describe('envelopes and ids', () => {
	it.each(['code', 'success'])('works with the %s envelope everywhere', async (envelope) => {
		sim.configure({ envelope });
		const client = clientFor(sim);
		const { sessionId } = await client.createSession();
		expect(sessionId).toMatch(/^\d{19}$/);
		// The 19-digit id came as a bare JSON number and is still exact: the state endpoint knows it.
		const state = await client.getState(sessionId);
		expect(state.sessionId).toBe(sessionId);
		expect(state.timeline.ready).toBe(false);
		expect((await client.getCredits()).available).toBeGreaterThan(0);
		await client.close();
	});

	it('sends the attribution headers on every API request and the bearer only to the API origin', async () => {
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		await client.sendMessage(sessionId, 'swap the face in the video with the reference photo');
		const state = await client.getState(sessionId);
		const { renderId } = await client.startRender(sessionId, state.draft);
		const status = await client.waitForRender(renderId);
		await downloadToBuffer(client, status);
		for (const request of apiRequests()) {
			expect(request.headers['x-skill-source']).toBe('n8n-nodes-nemovideo');
			expect(request.headers['x-skill-version']).toBe('test');
			expect(request.headers['x-skill-platform']).toBe('n8n');
		}
		const cdn = sim.requests.filter((r) => r.origin === 'cdn');
		expect(cdn.length).toBeGreaterThan(0);
		for (const request of cdn) expect(request.headers.authorization).toBeUndefined();
		await client.close();
	});
});

describe('upload', () => {
	it('uploads several files in one streaming multipart request', async () => {
		const client = clientFor(sim);
		const { sessionId } = await client.createSession();
		const files = await client.uploadFiles(sessionId, [fakeFile('clip.mp4', 100_000), fakeFile('face.jpg', 2000)]);
		expect(files.map((f) => [f.fileName, f.fileType])).toEqual([
			['clip.mp4', 'video'],
			['face.jpg', 'image'],
		]);
		expect(files[0].url).toMatch(new RegExp(`^${sim.cdnUrl}`));
		const upload = apiRequests().find((r) => r.path.startsWith('/api/upload-video/'))!;
		expect(String(upload.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
		expect(Number(upload.headers['content-length'])).toBeGreaterThan(102_000);
		const state = await client.getState(sessionId);
		expect(state.timeline.summary).toMatch(/^Timeline \(1 track\): 1\. Video: clip\.mp4/);
		await client.close();
	});

	it('uploads by URL with the documented JSON body', async () => {
		const client = clientFor(sim);
		const source = clientFor(sim);
		const { sessionId: other } = await source.createSession();
		const [hosted] = await source.uploadFiles(other, [fakeFile('hosted.mp4')]);
		const { sessionId } = await client.createSession();
		const files = await client.uploadUrls(sessionId, [{ url: hosted.url!, field: 'videoUrl', label: 'Video URL' }]);
		expect(files).toHaveLength(1);
		const request = apiRequests().filter((r) => r.path === `/api/upload-video/nemo_agent/me/${sessionId}`).pop()!;
		expect(request.json).toEqual({ urls: [hosted.url], source_type: 'url' });
		await Promise.all([client.close(), source.close()]);
	});

	it('refuses bad files before sending a byte', async () => {
		const client = clientFor(sim);
		const { sessionId } = await client.createSession();
		const before = apiRequests().length;
		await expect(client.uploadFiles(sessionId, [fakeFile('notes.txt')])).rejects.toThrow(/not a type NemoVideo accepts \(\.txt\)/);
		await expect(client.uploadFiles(sessionId, [{ ...fakeFile('big.mp4'), size: 600 * 1024 * 1024 }])).rejects.toThrow(/over NemoVideo's 500 MB limit/);
		await expect(client.uploadFiles(sessionId, [{ ...fakeFile('empty.mp4'), size: 0 }])).rejects.toThrow(/is empty \(0 bytes\)/);
		const pdf = { ...fakeFile('report.mp4'), open: () => require('node:stream').Readable.from([Buffer.from('%PDF-1.4 hello world')]) };
		await expect(client.uploadFiles(sessionId, [pdf])).rejects.toThrow(/its content is a PDF document/);
		await expect(client.uploadUrls(sessionId, [{ url: 'file:///etc/passwd', field: 'videoUrl', label: 'Video URL' }])).rejects.toThrow(/file: which is not allowed/);
		await expect(client.uploadUrls(sessionId, [{ url: 'not a url', field: 'videoUrl', label: 'Video URL' }])).rejects.toThrow(/not a valid URL/);
		expect(apiRequests().length).toBe(before);
		await client.close();
	});

	it('explains the service refusing a type (4001) or size (4002)', async () => {
		const client = clientFor(sim);
		const { sessionId } = await client.createSession();
		sim.addFault({ endpoint: 'upload', code: 4001 });
		const typeError = await failure(client.uploadFiles(sessionId, [fakeFile('clip.mp4')]));
		expect(typeError.code).toBe(4001);
		expect(typeError.description).toMatch(/Accepted types: video \(mp4/);
		sim.addFault({ endpoint: 'upload', code: 4002 });
		const sizeError = await failure(client.uploadFiles(sessionId, [fakeFile('clip.mp4')]));
		expect(sizeError.code).toBe(4002);
		expect(sizeError.description).toMatch(/Compress or trim/);
		await client.close();
	});

	it('replaces a session it created and never used when the service lost it (1002)', async () => {
		const client = clientFor(sim);
		const session = await client.openSession(undefined);
		sim.addFault({ endpoint: 'upload', code: 1002 });
		const files = await client.inSession(session, (id) => client.uploadFiles(id, [fakeFile('clip.mp4')]));
		expect(files).toHaveLength(1);
		expect(apiRequests().filter((r) => r.path === '/api/tasks/me/with-session/nemo_agent')).toHaveLength(2);
		// A session given by the user is never silently replaced.
		const given = { sessionId: session.sessionId, createdHere: false, used: false };
		sim.addFault({ endpoint: 'upload', code: 1002 });
		await expect(client.inSession(given, (id) => client.uploadFiles(id, [fakeFile('clip.mp4')]))).rejects.toMatchObject({ code: 1002 });
		await client.close();
	});
});

describe('messages (SSE)', () => {
	it.each(['simple', 'agent'])('collects the reply text in the %s event form, sent exactly once', async (eventForm) => {
		sim.configure({ eventForm });
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		const result = await client.sendMessage(sessionId, 'Swap the face in the video with the face in the reference photo.');
		expect(result.replied).toBe(true);
		expect(result.message.length).toBeGreaterThan(0);
		expect(result.message).not.toMatch(/\bclick\b/i);
		expect(result.changes.join(' ')).toMatch(/face swapped with face\.jpg/);
		expect(result.timeline.summary).toMatch(/face swapped with face\.jpg/);
		expect(sim.messages.filter((m) => m.sessionId === sessionId)).toHaveLength(1);
		const sse = apiRequests().find((r) => r.path === '/run_sse')!;
		expect(sse.json).toEqual({
			app_name: 'nemo_agent',
			user_id: 'me',
			session_id: sessionId,
			new_message: { parts: [{ text: 'Swap the face in the video with the face in the reference photo.' }] },
		});
		expect(sse.headers.accept).toBe('text/event-stream');
		await client.close();
	});

	it('summarises the state change when an edit closes without text', async () => {
		sim.configure({ silentRate: 1 });
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		const result = await client.sendMessage(sessionId, 'Replace the audio track with the uploaded audio. Remove the original audio completely (mute it).');
		expect(result.replied).toBe(false);
		expect(result.message).toMatch(/^Done\. Changes: .*added track 2\. Audio: voice\.mp3/);
		expect(result.message).toMatch(/muted/);
		await client.close();
	});

	it('recovers from a dropped stream by polling the state, never re-sending', async () => {
		sim.addFault({ endpoint: 'sse', cutAfterEvents: 2 });
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		const result = await client.sendMessage(sessionId, 'swap the face in the video with the reference photo');
		expect(result.recoveredFrom).toBe('dropped stream');
		expect(result.message).toMatch(/dropped; the outcome was read from the session/);
		expect(result.changes.join(' ')).toMatch(/face swapped/);
		expect(sim.messages).toHaveLength(1);
		expect(apiRequests().filter((r) => r.path === '/run_sse')).toHaveLength(1);
		await client.close();
	});

	it('reports a dropped stream with no change, without re-sending', async () => {
		sim.addFault({ endpoint: 'sse', cutAfterEvents: 1 });
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		const error = await failure(client.sendMessage(sessionId, 'hello there'));
		expect(error).toBeInstanceOf(NemoApiError);
		expect(error.message).toMatch(/did not change in 3 checks/);
		expect(error.description).toMatch(/not sent again/);
		expect(apiRequests().filter((r) => r.path === '/run_sse')).toHaveLength(1);
		await client.close();
	});

	it('a message refused before its stream opened (1001, 429) is sent once more, as the API doc says; 2001 is reported', async () => {
		const client = clientFor(sim, TRIAL);
		const sessionId = await sessionWithMedia(client);
		for (const code of [1001, 429]) {
			sim.addFault({ endpoint: 'sse', code });
			await client.sendMessage(sessionId, 'swap the face');
		}
		expect(apiRequests().filter((r) => r.path === '/run_sse')).toHaveLength(4);
		expect(sim.messages).toHaveLength(2);
		sim.addFault({ endpoint: 'sse', code: 2001 });
		const error = await failure(client.sendMessage(sessionId, 'swap the face'));
		expect(error.code).toBe(2001);
		expect(error.message).toMatch(/did not accept the instruction for session \d+ .*so it was not charged/);
		expect(apiRequests().filter((r) => r.path === '/run_sse')).toHaveLength(5);
		expect(sim.messages).toHaveLength(2);
		await client.close();
	});

	it('a trial token refused an export (402) is told so, with the registration link that ties the trial to the new account; the refusal is remembered (issue 19 point 1)', async () => {
		const client = clientFor(sim, TRIAL);
		const sessionId = await sessionWithMedia(client);
		const state = await client.getState(sessionId);
		// the simulator's default, as NemoVideo's newest documents say: trial tokens cannot export
		expect(client.exportRefusal()).toBeUndefined();
		const error = await failure(client.startRender(sessionId, state.draft));
		expect(error.message).toMatch(/NemoVideo blocked the export on the free plan \(402\)/);
		expect(error.description).toMatch(/^Trial tokens cannot export .* Register at https:\/\/nemovideo\.com\/register\?bind=[\w-]+: that link ties this trial's work to the new account/);
		// remembered for this token (export-refusals.ts), and not submitted again with a new id
		expect(client.exportRefusal()).toEqual({ trialUserId: expect.stringMatching(/\w/), at: expect.any(Number) });
		expect(apiRequests().filter((r) => r.path === '/api/render/proxy/lambda')).toHaveLength(1);
		await client.close();
	});

	it('gives the registration link when an anonymous user is out of credits', async () => {
		const client = clientFor(sim, TRIAL);
		const sessionId = await sessionWithMedia(client);
		sim.addFault({ endpoint: 'sse', code: 2001 });
		const error = await failure(client.sendMessage(sessionId, 'swap the face'));
		expect(error.message).toMatch(/Out of NemoVideo credits \(code 2001\)/);
		expect(error.description).toMatch(/https:\/\/nemovideo\.com\/register\?bind=[\w-]+/); // issue 19 point 6: the newest documents' link
		await client.close();
	});

	it('surfaces an error the agent reports mid-stream', async () => {
		sim.addFault({ endpoint: 'sse', errorEvent: { error: 'GPU node unavailable' } });
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		await expect(client.sendMessage(sessionId, 'swap the face')).rejects.toThrow(/editor reported an error: GPU node unavailable/);
		expect(sim.messages).toHaveLength(1);
		await client.close();
	});

	it('stops at the keep-alive-only limit and then checks the state', async () => {
		sim.configure({ sseDurationMs: 5_000 });
		sim.addFault({ endpoint: 'sse', heartbeatsOnlyMs: 5_000 });
		const client = clientFor(sim, { streamLimits: { heartbeatOnlyLimitMs: 300 } });
		const sessionId = await sessionWithMedia(client);
		const start = process.hrtime.bigint();
		const error = await failure(client.sendMessage(sessionId, 'hello'));
		expect(error).toBeInstanceOf(NemoApiError);
		expect(error.message).toMatch(/only keep-alives/);
		expect(elapsed(start)).toBeLessThan(3_000);
		expect(sim.messages).toHaveLength(1);
		await client.close();
	});

	it('stops streaming promptly when cancelled', async () => {
		sim.configure({ sseDurationMs: 20_000 });
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 200);
		const start = process.hrtime.bigint();
		const error = await failure(client.sendMessage(sessionId, 'swap the face', controller.signal));
		expect(error.kind).toBe('cancelled');
		expect(elapsed(start)).toBeLessThan(1_200);
		await client.close();
	});
});

describe('render', () => {
	async function readyDraft(client: ReturnType<typeof clientFor>) {
		const sessionId = await sessionWithMedia(client, ['clip.mp4']);
		return { sessionId, draft: (await client.getState(sessionId)).draft };
	}

	it.each([1, 2, 3])('polls status shape %s to completion and downloads the MP4', async (shape) => {
		sim.configure({ renderStatusShape: shape });
		const client = clientFor(sim);
		const { sessionId, draft } = await readyDraft(client);
		const { renderId } = await client.startRender(sessionId, draft);
		expect(renderId).toMatch(/^render_\d+_[0-9a-f]{8}$/);
		const start = apiRequests().find((r) => r.path === '/api/render/proxy/lambda')!;
		expect(start.json).toMatchObject({ id: renderId, sessionId, draft, output: { format: 'mp4', quality: 'high' } });
		const status = await client.waitForRender(renderId);
		expect(status.status).toBe('completed');
		expect(status.outputUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
		const download = await downloadToBuffer(client, status);
		const mp4 = download.bytes;
		expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
		expect(download.usedFallback).toBe(false);
		await client.close();
	});

	it('a render "completed" whose URL comes two polls later: waits for it instead of the /download fallback (issue 19 point 5)', async () => {
		sim.addFault({ endpoint: 'renderStart', urlAfterPolls: 2 });
		const client = clientFor(sim);
		const { sessionId, draft } = await readyDraft(client);
		const { renderId } = await client.startRender(sessionId, draft);
		const seen: string[] = [];
		const status = await client.waitForRender(renderId, { onStatus: (s) => seen.push(`${s.status}${s.outputUrl ? '+url' : ''}`) });
		expect(status.outputUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
		expect(seen.slice(-3)).toEqual(['completed', 'completed', 'completed+url']);
		const download = await downloadToBuffer(client, status);
		expect(download.usedFallback).toBe(false);
		await client.close();
	});

	it('retries a failed submit once with a new id', async () => {
		sim.addFault({ endpoint: 'renderStart', status: 500, body: '{"code":500,"message":"busy"}' });
		const client = clientFor(sim);
		const { sessionId, draft } = await readyDraft(client);
		const { renderId } = await client.startRender(sessionId, draft);
		const submits = apiRequests().filter((r) => r.path === '/api/render/proxy/lambda');
		expect(submits).toHaveLength(2);
		expect((submits[0].json as { id: string }).id).not.toBe((submits[1].json as { id: string }).id);
		expect((submits[1].json as { id: string }).id).toBe(renderId);
		await client.close();
	});

	it('says 402 is a plan issue, not credits (a registered account\'s token)', async () => {
		sim.addFault({ endpoint: 'renderStart', code: 402 });
		sim.addToken('nmv_usr_plan_limit_account_0001', { credits: 1000 });
		const client = clientFor(sim, { accessToken: 'nmv_usr_plan_limit_account_0001' });
		const { sessionId, draft } = await readyDraft(client);
		const error = await failure(client.startRender(sessionId, draft));
		expect(error.code).toBe(402);
		expect(error.description).toMatch(/^This account's plan cannot export \(a plan limit, not a lack of credits\): upgrade the plan/);
		expect(apiRequests().filter((r) => r.path === '/api/render/proxy/lambda')).toHaveLength(1);
		await client.close();
	});

	it('tolerates a few 5xx and 429 answers while polling', async () => {
		sim.configure({ renderMs: 400 });
		sim.addFault({ endpoint: 'renderStatus', status: 503, times: 2 });
		sim.addFault({ endpoint: 'renderStatus', code: 429, after: 2, times: 1 });
		const client = clientFor(sim);
		const { sessionId, draft } = await readyDraft(client);
		const { renderId } = await client.startRender(sessionId, draft);
		expect((await client.waitForRender(renderId)).status).toBe('completed');
		await client.close();
	});

	it('reports failed, vanished and stuck renders', async () => {
		const client = clientFor(sim);
		const { sessionId, draft } = await readyDraft(client);
		sim.addFault({ endpoint: 'renderStart', renderFails: 'codec error' });
		const failed = await client.startRender(sessionId, draft);
		await expect(client.waitForRender(failed.renderId)).rejects.toThrow(/failed: codec error/);

		sim.addFault({ endpoint: 'renderStart', renderVanishes: true });
		const vanished = await client.startRender(sessionId, draft);
		await expect(client.waitForRender(vanished.renderId)).rejects.toThrow(/no longer known to NemoVideo/);

		sim.addFault({ endpoint: 'renderStart', renderStuck: true });
		const stuck = await client.startRender(sessionId, draft);
		const error = await failure(client.waitForRender(stuck.renderId, { timeoutMs: 300 }));
		expect(error.kind).toBe('timeout');
		expect(error.description).toMatch(/Get Status/);
		await client.close();
	});

	it('falls back to /download when there is no output URL or it fails', async () => {
		const client = clientFor(sim);
		const { sessionId, draft } = await readyDraft(client);
		for (const fault of [{ completedWithoutUrl: true }, { outputUrlFails: true }]) {
			sim.addFault({ endpoint: 'renderStart', ...fault });
			const { renderId } = await client.startRender(sessionId, draft);
			const status = await client.waitForRender(renderId);
			const download = await downloadToBuffer(client, status);
			const bytes = download.bytes.length;
			expect(download.usedFallback).toBe(true);
			expect(bytes).toBeGreaterThan(0);
			expect(download.url).toContain(`/api/render/proxy/${renderId}/download`);
		}
		await client.close();
	});

	it('cancels the render when the wait is cancelled', async () => {
		sim.configure({ renderMs: 20_000 });
		const client = clientFor(sim);
		const { sessionId, draft } = await readyDraft(client);
		const { renderId } = await client.startRender(sessionId, draft);
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 150);
		const start = process.hrtime.bigint();
		await expect(client.waitForRender(renderId, { signal: controller.signal })).rejects.toMatchObject({ kind: 'cancelled' });
		expect(elapsed(start)).toBeLessThan(1_000);
		expect(apiRequests().some((r) => r.path === `/api/render/proxy/lambda/${renderId}/cancel`)).toBe(true);
		await client.close();
	});
});

describe('rate limits and transport', () => {
	it('waits after a 429 and sends again, up to 6 times (rate-limit.ts); a 7th 429 is reported', async () => {
		const client = clientFor(sim);
		sim.addFault({ endpoint: 'credits', code: 429, times: 6 });
		expect((await client.getCredits()).available).toBeGreaterThan(0);
		sim.addFault({ endpoint: 'credits', code: 429, times: 7 });
		const before = apiRequests().length;
		const error = await failure(client.getCredits());
		expect(error.code).toBe(429);
		expect(error.description).toMatch(/Items at Once/);
		expect(apiRequests().slice(before).filter((r) => r.path.startsWith('/api/credits'))).toHaveLength(7);
		await client.close();
	});

	it('sends a message refused with 429 (not accepted, not charged) again after the wait, and it counts once', async () => {
		const client = clientFor(sim);
		const sessionId = await sessionWithMedia(client);
		sim.addFault({ endpoint: 'sse', code: 429, times: 2 });
		const result = await client.sendMessage(sessionId, 'swap the face');
		expect(result.changes.length + result.message.length).toBeGreaterThan(0);
		expect(apiRequests().filter((r) => r.path === '/run_sse').map((r) => r.status)).toEqual([429, 429, 200]);
		expect(sim.messages).toHaveLength(1);
		await client.close();
	});

	it('explains an HTML error page and malformed JSON', async () => {
		const client = clientFor(sim);
		await client.getCredits();
		sim.addFault({ endpoint: 'credits', status: 502, body: '<html><body>Bad Gateway</body></html>', contentType: 'text/html' });
		await expect(client.getCredits()).rejects.toThrow(/with a web page \(HTTP 502\) instead of data/);
		sim.addFault({ endpoint: 'credits', malformedJson: true });
		await expect(client.getCredits()).rejects.toThrow(/was not valid JSON/);
		await client.close();
	});

	it('refuses plain http to a non-loopback host unless allowed', () => {
		expect(() => clientFor(sim, { baseUrl: 'http://nemo.example.com' })).toThrow(/plain http:\/\//);
		expect(() => clientFor(sim, { baseUrl: 'http://nemo.example.com', allowInsecureHttp: true })).not.toThrow();
		expect(() => clientFor(sim, { baseUrl: 'ftp://x' })).toThrow(/must start with https/);
		expect(clientFor(sim, { baseUrl: `${sim.url}/` }).baseUrl).toBe(sim.url);
	});

	it('says so when nothing listens at the Base URL', async () => {
		const client = clientFor(sim, { baseUrl: 'http://127.0.0.1:1' });
		await expect(client.getCredits()).rejects.toThrow(/connection refused/);
		await client.close();
	});
});
