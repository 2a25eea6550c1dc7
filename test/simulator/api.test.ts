// The simulator's plain JSON endpoints: tokens, sessions, credits, state,
// envelopes, raw 19-digit ids, auth errors, and the admin API.
import { ATTRIBUTION, call, newSession, newToken, Sim, startSimulator, upload, FAKE_VIDEO } from './helpers';

let sim: Sim;
beforeAll(async () => {
	sim = await startSimulator({ seed: 7 });
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure({ envelope: 'mixed', tokensPerIp: 1000 });
});

describe('anonymous token', () => {
	it('issues an nmv_usr_ token with 100 credits, the same one again for the same client id', async () => {
		const first = await call(sim, 'POST', '/api/auth/anonymous-token', { headers: { 'X-Client-Id': 'client-a' } });
		expect(first.status).toBe(200);
		expect(first.body).toMatchObject({ code: 0, message: 'ok' });
		const data = first.body.data;
		expect(data.token).toMatch(/^nmv_usr_[a-z0-9]{20,}$/);
		expect(data.credits).toBe(100);
		expect(typeof data.user_id).toBe('string');
		expect(Date.parse(data.expires_at) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
		const again = await call(sim, 'POST', '/api/auth/anonymous-token', { headers: { 'X-Client-Id': 'client-a' } });
		expect(again.body.data.token).toBe(data.token);
		const other = await call(sim, 'POST', '/api/auth/anonymous-token', { headers: { 'X-Client-Id': 'client-b' } });
		expect(other.body.data.token).not.toBe(data.token);
		expect(sim.credits(data.token)).toEqual({ available: 100, frozen: 0, total: 100 });
	});

	it('answers 400 without X-Client-Id', async () => {
		const r = await call(sim, 'POST', '/api/auth/anonymous-token');
		expect(r.status).toBe(400);
		expect(r.body).toMatchObject({ code: 400 });
		expect(r.body.message).toMatch(/X-Client-Id/);
	});

	it('caps distinct client ids per IP with 429 (known ids still work)', async () => {
		const s2 = await startSimulator({ tokensPerIp: 2, anonymousCredits: 30 });
		try {
			const get = (id: string) => call(s2, 'POST', '/api/auth/anonymous-token', { headers: { 'X-Client-Id': id } });
			expect((await get('x1')).status).toBe(200);
			expect((await get('x2')).body.data.credits).toBe(30);
			const third = await get('x3');
			expect(third.status).toBe(429);
			expect(third.body.code).toBe(429);
			expect(third.headers.get('retry-after')).toBe('30');
			expect((await get('x1')).status).toBe(200);
		} finally {
			await s2.close();
		}
	});

	it('gives a new token for the same client id once the old one expired', async () => {
		const a = await call(sim, 'POST', '/api/auth/anonymous-token', { headers: { 'X-Client-Id': 'client-exp' } });
		sim.expireToken(a.body.data.token);
		const b = await call(sim, 'POST', '/api/auth/anonymous-token', { headers: { 'X-Client-Id': 'client-exp' } });
		expect(b.body.data.token).not.toBe(a.body.data.token);
		expect(b.body.data.user_id).toBe(a.body.data.user_id);
	});
});

describe('sessions and raw 19-digit ids', () => {
	it('writes session_id and task_id as raw JSON numbers that JSON.parse cannot keep', async () => {
		const token = newToken(sim);
		const r = await call(sim, 'POST', '/api/tasks/me/with-session/nemo_agent', { token, json: { task_name: 'project', language: 'en' } });
		expect(r.status).toBe(200);
		const sid = /"session_id":(\d{19})[,}]/.exec(r.text)![1];
		const tid = /"task_id":(\d{19})[,}]/.exec(r.text)![1];
		expect(BigInt(sid)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
		expect(String(r.body.data.session_id)).not.toBe(sid); // naive JSON.parse loses digits
		expect(String(r.body.data.task_id)).not.toBe(tid);
		expect(r.body.data.user_id).toBeTruthy();
		// the string id works everywhere; the rounded one is an unknown session
		expect((await call(sim, 'GET', `/api/state/nemo_agent/me/${sid}/latest`, { token })).status).toBe(200);
		const rounded = await call(sim, 'GET', `/api/state/nemo_agent/me/${String(r.body.data.session_id)}/latest`, { token });
		expect(rounded.status).toBe(404);
		expect(rounded.text).toMatch(/Session not found/);
		expect(sim.session(sid).taskName).toBe('project');
	});

	it('state carries the raw session id and an empty draft for a new session', async () => {
		const token = newToken(sim);
		const sid = await newSession(sim, token);
		const r = await call(sim, 'GET', `/api/state/nemo_agent/me/${sid}/latest`, { token });
		expect(r.text).toContain(`"session_id":${sid}`);
		expect(r.body.success).toBe(true); // mixed: state uses the success envelope
		expect(r.body.data.task_name).toBe('project');
		expect(r.body.data.state).toEqual({
			draft: { t: [] },
			video_infos: [],
			canvas_config: expect.any(Object),
			video_analyses: [],
			generated_media: [],
		});
	});

	it("another user's session is 1002", async () => {
		const owner = newToken(sim);
		const stranger = newToken(sim);
		const sid = await newSession(sim, owner);
		const r = await call(sim, 'GET', `/api/state/nemo_agent/me/${sid}/latest`, { token: stranger });
		expect(r.status).toBe(404);
		expect(r.body).toEqual({ success: false, error: expect.stringMatching(/Session not found.*\(1002\)$/) });
		const up = await upload(sim, stranger, sid, [{ name: 'a.mp4', data: FAKE_VIDEO }]);
		expect(up.status).toBe(404);
	});
});

describe('auth', () => {
	it('missing, malformed, unknown and expired tokens get 1001 (HTTP 401)', async () => {
		const token = newToken(sim);
		const cases: Record<string, string>[] = [{}, { Authorization: 'Token abc' }, { Authorization: 'Bearer nmv_usr_unknown' }];
		for (const headers of cases) {
			const r = await call(sim, 'GET', '/api/credits/balance/simple', { headers });
			expect(r.status).toBe(401);
			expect(r.body.code).toBe(1001);
		}
		expect((await call(sim, 'GET', '/api/credits/balance/simple', { token })).status).toBe(200);
		sim.expireToken(token);
		const expired = await call(sim, 'GET', '/api/credits/balance/simple', { token });
		expect(expired.status).toBe(401);
		expect(expired.body).toMatchObject({ code: 1001, data: null });
	});

	it('unknown endpoints are 404 and wrong methods 405', async () => {
		expect((await call(sim, 'GET', '/api/nope')).status).toBe(404);
		expect((await call(sim, 'GET', '/run_sse')).status).toBe(405);
	});
});

describe('credits', () => {
	it('reports {available, frozen, total}', async () => {
		const token = newToken(sim, 42);
		const r = await call(sim, 'GET', '/api/credits/balance/simple', { token });
		expect(r.body).toEqual({ code: 0, message: 'ok', data: { available: 42, frozen: 0, total: 42 } });
	});
});

describe('envelopes', () => {
	it("'code' wraps everything as {code, message, data}", async () => {
		sim.configure({ envelope: 'code' });
		const token = newToken(sim);
		const sid = await newSession(sim, token);
		const s = await call(sim, 'GET', `/api/state/nemo_agent/me/${sid}/latest`, { token });
		expect(s.body).toMatchObject({ code: 0, message: 'ok', data: { task_name: 'project' } });
		const u = await upload(sim, token, sid, [{ name: 'a.mp4', data: FAKE_VIDEO }]);
		expect(u.body).toMatchObject({ code: 0, data: { session_state_applied: true } });
		const err = await call(sim, 'GET', `/api/state/nemo_agent/me/1234567890123456789/latest`, { token });
		expect(err.body).toMatchObject({ code: 1002, data: null });
	});

	it("'success' wraps everything as {success, data} / {success:false, error}", async () => {
		sim.configure({ envelope: 'success' });
		const token = newToken(sim);
		const c = await call(sim, 'GET', '/api/credits/balance/simple', { token });
		expect(c.body).toEqual({ success: true, data: { available: 100, frozen: 0, total: 100 } });
		const t = await call(sim, 'POST', '/api/auth/anonymous-token', { headers: { 'X-Client-Id': 'env-s' } });
		expect(t.body.success).toBe(true);
		const bad = await call(sim, 'GET', '/api/credits/balance/simple', { token: 'nope' });
		expect(bad.status).toBe(401);
		expect(bad.body).toEqual({ success: false, error: expect.stringContaining('(1001)') });
	});

	it("'mixed' uses a fixed envelope per endpoint", async () => {
		const token = newToken(sim);
		const sid = await newSession(sim, token);
		expect((await call(sim, 'GET', '/api/credits/balance/simple', { token })).body).toHaveProperty('code', 0);
		expect((await call(sim, 'GET', `/api/state/nemo_agent/me/${sid}/latest`, { token })).body).toHaveProperty('success', true);
		expect((await upload(sim, token, sid, [{ name: 'a.mp4', data: FAKE_VIDEO }])).body).toHaveProperty('success', true);
	});
});

describe('request record', () => {
	it('records method, path, query, lower-case headers, JSON body, bytes and status', async () => {
		const token = newToken(sim);
		await call(sim, 'POST', '/api/tasks/me/with-session/nemo_agent?x=1', { token, json: { task_name: 'rec', language: 'de' } });
		const rec = sim.requests[sim.requests.length - 1];
		expect(rec).toMatchObject({
			origin: 'api',
			method: 'POST',
			path: '/api/tasks/me/with-session/nemo_agent',
			query: { x: '1' },
			json: { task_name: 'rec', language: 'de' },
			status: 200,
			endpoint: 'session',
		});
		expect(rec.headers.authorization).toBe(`Bearer ${token}`);
		expect(rec.headers['x-skill-source']).toBe(ATTRIBUTION['X-Skill-Source']);
		expect(rec.bodyBytes).toBe(Buffer.byteLength(JSON.stringify({ task_name: 'rec', language: 'de' })));
		expect(rec.endedAt).toBeGreaterThanOrEqual(rec.startedAt);
	});

	it('keeps a session id sent as a raw number exactly (as BigInt) and still finds the session', async () => {
		const token = newToken(sim);
		const sid = await newSession(sim, token);
		const res = await fetch(`${sim.url}/api/render/proxy/lambda`, {
			method: 'POST',
			headers: { ...ATTRIBUTION, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: `{"id":"render_rawnum","sessionId":${sid},"draft":{"t":[]}}`,
		});
		expect(res.status).toBe(400); // empty draft, but the session was found (no 1002)
		const rec = sim.requests[sim.requests.length - 1];
		expect(typeof rec.json.sessionId).toBe('bigint');
		expect(rec.json.sessionId.toString()).toBe(sid);
	});
});

describe('admin API', () => {
	it('configures, adds and clears faults, lists requests and messages, adds tokens, resets', async () => {
		const admin = (method: string, path: string, json?: unknown) =>
			fetch(`${sim.url}/__sim/${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) }).then(
				async (r) => ({ status: r.status, body: (await r.json()) as any }),
			);
		const info = await admin('GET', '');
		expect(info.body).toMatchObject({ url: sim.url, cdnUrl: sim.cdnUrl });
		const cfg = await admin('POST', 'config', { sseDurationMs: 123, envelope: 'code' });
		expect(cfg.body).toMatchObject({ sseDurationMs: 123, envelope: 'code' });
		expect(sim.config.sseDurationMs).toBe(123);
		expect((await admin('POST', 'config', { nope: 1 })).status).toBe(400);
		expect((await admin('POST', 'config', { silentRate: 2 })).body.error).toMatch(/silentRate/);

		expect((await admin('POST', 'tokens', { token: 'nmv_usr_admin', credits: 7 })).status).toBe(201);
		expect((await admin('GET', 'credits?token=nmv_usr_admin')).body).toEqual({ available: 7, frozen: 0, total: 7 });

		const rule = await admin('POST', 'faults', { endpoint: 'credits', code: 1001, times: 'Infinity' });
		expect(rule.status).toBe(201);
		expect(rule.body.times).toBe('Infinity');
		expect((await admin('POST', 'faults', { endpoint: 'bogus', code: 1 })).status).toBe(400);
		expect((await call(sim, 'GET', '/api/credits/balance/simple', { token: 'nmv_usr_admin' })).status).toBe(401);
		expect((await call(sim, 'GET', '/api/credits/balance/simple', { token: 'nmv_usr_admin' })).status).toBe(401);
		expect((await admin('GET', 'faults')).body[0]).toMatchObject({ endpoint: 'credits', hits: 2 });
		await admin('DELETE', 'faults');
		expect((await call(sim, 'GET', '/api/credits/balance/simple', { token: 'nmv_usr_admin' })).status).toBe(200);

		const reqs = await admin('GET', 'requests');
		expect(reqs.body.length).toBe(3);
		expect(reqs.body.every((r: RequestLike) => !r.path.startsWith('/__sim'))).toBe(true);
		const since = await admin('GET', `requests?since=${reqs.body[1].seq}`);
		expect(since.body.length).toBe(1);
		expect((await admin('GET', 'messages')).body).toEqual([]);
		expect((await admin('GET', 'stats')).body.memory.rss).toBeGreaterThan(0);

		await admin('POST', 'tokens/expire', { token: 'nmv_usr_admin' });
		expect((await call(sim, 'GET', '/api/credits/balance/simple', { token: 'nmv_usr_admin' })).status).toBe(401);
		await admin('POST', 'reset');
		expect(sim.requests.length).toBe(0);
		expect(sim.config.sseDurationMs).toBe(123); // reset keeps config
		sim.configure({ sseDurationMs: 200 });
	});

	it('shows a session record', async () => {
		const token = newToken(sim);
		const sid = await newSession(sim, token);
		const r = await fetch(`${sim.url}/__sim/sessions/${sid}`).then((x) => x.text());
		expect(r).toContain(`"sessionId": "${sid}"`);
	});
});

interface RequestLike {
	path: string;
}
