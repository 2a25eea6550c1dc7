// Export: render start validation, the pending -> processing -> completed
// lifecycle in all three status shapes, cancel, the authenticated download and
// the CDN output URL, and a large synthetic output streamed without buffering.
import { ATTRIBUTION, call, newToken, sessionWithMedia, Sim, sleep, startSimulator, state } from './helpers';

let sim: Sim;
let token: string;
let sid: string;
let draft: any;
let counter = 0;
const newId = () => `render_${Date.now()}_${++counter}`;

beforeAll(async () => {
	sim = await startSimulator();
	token = newToken(sim);
	sid = await sessionWithMedia(sim, token);
	draft = (await state(sim, token, sid)).draft;
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure({ renderMs: 150, renderStatusShape: 'rotate', outputSizeBytes: 64 * 1024 });
});

function start(id: string, body: Record<string, unknown> = {}, headers?: Record<string, string>) {
	return call(sim, 'POST', '/api/render/proxy/lambda', {
		token,
		json: { id, sessionId: sid, draft, output: { format: 'mp4', quality: 'high' }, ...body },
		headers,
	});
}

const status = (id: string, t = token) => call(sim, 'GET', `/api/render/proxy/lambda/${id}`, { token: t });

/** Reads status fields from any of the three shapes. */
function normalise(body: any): { status: string; progress: number; url: string | null; error?: string } {
	if (body.success && body.data) return { status: body.data.status, progress: body.data.progress, url: body.data.outputUrl, error: body.data.error };
	return { status: body.status, progress: body.progress, url: body.output ? body.output.url ?? null : null, error: body.error ?? undefined };
}

async function pollToEnd(id: string) {
	const seen: ReturnType<typeof normalise>[] = [];
	for (let i = 0; i < 200; i++) {
		const s = normalise((await status(id)).body);
		seen.push(s);
		if (!['pending', 'processing'].includes(s.status)) return seen;
		await sleep(20);
	}
	throw new Error('render did not finish');
}

describe('render lifecycle', () => {
	it('goes pending -> processing (rising) -> completed with an output on the CDN, and costs no credits', async () => {
		sim.configure({ renderMs: 800 }); // pending lasts 80 ms: room for a loaded machine
		const before = sim.credits(token);
		const id = newId();
		const r = await start(id);
		expect(r.status).toBe(200);
		expect(r.body).toEqual({ success: true, data: { id, taskId: id, status: 'pending' } });
		const seen = await pollToEnd(id);
		const statuses = seen.map((s) => s.status);
		expect(statuses[0]).toBe('pending');
		expect(statuses).toContain('processing');
		expect(statuses[statuses.length - 1]).toBe('completed');
		const progress = seen.map((s) => s.progress);
		expect([...progress].sort((a, b) => a - b)).toEqual(progress);
		expect(seen[seen.length - 1].url).toBe(`${sim.cdnUrl}/renders/${id}.mp4`);
		expect(sim.credits(token)).toEqual(before);
	});

	it('serves the output by /download (auth) and on the CDN (no auth): a real ftyp box, Content-Length, ranges', async () => {
		const id = newId();
		await start(id);
		await pollToEnd(id);
		const res = await fetch(`${sim.url}/api/render/proxy/${id}/download`, { headers: { Authorization: `Bearer ${token}` } });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('video/mp4');
		expect(res.headers.get('content-length')).toBe(String(64 * 1024));
		const bytes = Buffer.from(await res.arrayBuffer());
		expect(bytes.length).toBe(64 * 1024);
		expect(bytes.subarray(4, 12).toString('latin1')).toBe('ftypisom');
		expect(bytes.subarray(36, 40).toString('latin1')).toBe('mdat');
		const cdn = Buffer.from(await (await fetch(`${sim.cdnUrl}/renders/${id}.mp4`)).arrayBuffer());
		expect(cdn.equals(bytes)).toBe(true);
		const range = await fetch(`${sim.cdnUrl}/renders/${id}.mp4`, { headers: { Range: 'bytes=100-199' } });
		expect(range.status).toBe(206);
		expect(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
		expect((await call(sim, 'GET', `/api/render/proxy/${id}/download`)).status).toBe(401);
		const cdnRequests = sim.requests.filter((q) => q.origin === 'cdn');
		expect(cdnRequests.length).toBe(2);
		expect(cdnRequests.some((q) => 'authorization' in q.headers)).toBe(false);
	});

	it('streams a large synthetic output without holding it', async () => {
		sim.configure({ outputSizeBytes: 64 * 1024 * 1024, renderMs: 0 });
		const id = newId();
		await start(id);
		const res = await fetch(`${sim.url}/api/render/proxy/${id}/download`, { headers: { Authorization: `Bearer ${token}` } });
		expect(res.headers.get('content-length')).toBe(String(64 * 1024 * 1024));
		let total = 0;
		const reader = res.body!.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.length;
		}
		expect(total).toBe(64 * 1024 * 1024);
	});

	it('cancels a running render', async () => {
		sim.configure({ renderMs: 5000 });
		const id = newId();
		await start(id);
		const c = await call(sim, 'POST', `/api/render/proxy/lambda/${id}/cancel`, { token });
		expect(c.body).toEqual({ success: true, data: { id, status: 'cancelled' } });
		expect(normalise((await status(id)).body).status).toBe('cancelled');
		expect((await call(sim, 'POST', `/api/render/proxy/lambda/${id}/cancel`, { token })).status).toBe(409);
		expect((await call(sim, 'GET', `/api/render/proxy/${id}/download`, { token })).status).toBe(409);
	});
});

describe('status shapes', () => {
	it('shape 1: top level {status, progress, output:{url, duration, size}, error}', async () => {
		sim.configure({ renderStatusShape: 1, renderMs: 0 });
		const id = newId();
		await start(id);
		expect((await status(id)).body).toEqual({
			status: 'completed',
			progress: 100,
			output: { url: `${sim.cdnUrl}/renders/${id}.mp4`, duration: 10, size: 64 * 1024 },
			error: null,
		});
	});

	it('shape 2: {success, data:{id, status, progress, outputUrl, createdAt, completedAt}}', async () => {
		sim.configure({ renderStatusShape: 2, renderMs: 10_000 });
		const id = newId();
		await start(id);
		const pending = (await status(id)).body;
		expect(pending).toEqual({
			success: true,
			data: { id, status: 'pending', progress: 0, outputUrl: null, createdAt: expect.any(String), completedAt: null },
		});
		sim.configure({ renderMs: 0 });
		const id2 = newId();
		await start(id2);
		const done = (await status(id2)).body.data;
		expect(done).toMatchObject({ status: 'completed', progress: 100, outputUrl: `${sim.cdnUrl}/renders/${id2}.mp4` });
		expect(Date.parse(done.completedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
	});

	it('shape 3: {taskId, status, progress, output:{url}}', async () => {
		sim.configure({ renderStatusShape: 3, renderMs: 0 });
		const id = newId();
		await start(id);
		expect((await status(id)).body).toEqual({ taskId: id, status: 'completed', progress: 100, output: { url: `${sim.cdnUrl}/renders/${id}.mp4` } });
	});

	it("'rotate' changes the shape on every request", async () => {
		sim.configure({ renderMs: 0 });
		const id = newId();
		await start(id);
		const bodies = [];
		for (let i = 0; i < 4; i++) bodies.push((await status(id)).body);
		expect('output' in bodies[0] && 'error' in bodies[0]).toBe(true);
		expect(bodies[1].success).toBe(true);
		expect(bodies[2].taskId).toBe(id);
		expect('error' in bodies[3]).toBe(true);
	});
});

describe('render start validation', () => {
	it('answers 402 when any attribution header is missing', async () => {
		for (const missing of Object.keys(ATTRIBUTION)) {
			const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
			for (const [k, v] of Object.entries(ATTRIBUTION)) if (k !== missing) headers[k] = v;
			const res = await fetch(`${sim.url}/api/render/proxy/lambda`, { method: 'POST', headers, body: JSON.stringify({ id: newId(), sessionId: sid, draft }) });
			expect(res.status).toBe(402);
			expect(((await res.json()) as any).error).toContain(missing.toLowerCase());
		}
	});

	it('refuses a reused id; a new id works', async () => {
		const id = newId();
		expect((await start(id)).status).toBe(200);
		const again = await start(id);
		expect(again.status).toBe(409);
		expect(again.body.error).toMatch(/already used/);
		expect((await start(newId())).status).toBe(200);
	});

	it('refuses an empty or missing draft, an unknown session and a non-mp4 format', async () => {
		const empty = await start(newId(), { draft: { t: [{ id: 'x', tt: 0, sg: [] }] } });
		expect(empty.status).toBe(400);
		expect(empty.body.error).toMatch(/no segments/);
		expect((await start(newId(), { draft: undefined })).status).toBe(400);
		const malformed = await start(newId(), { draft: { t: [{ tt: 0, sg: [{ st: 0, m: {} }] }] } });
		expect(malformed.body.error).toMatch(/t\[0\]\.sg\[0\] needs numeric st and d/);
		expect((await start(newId(), { sessionId: '1234567890123456789' })).status).toBe(404);
		expect((await start(newId(), { output: { format: 'gif' } })).status).toBe(400);
		expect((await start(newId(), { sessionId: undefined, session_id: sid })).body.error).toMatch(/camelCase/);
	});

	it("hides other users' renders", async () => {
		sim.configure({ renderMs: 0 });
		const id = newId();
		await start(id);
		const stranger = newToken(sim);
		expect((await status(id, stranger)).status).toBe(404);
		expect((await call(sim, 'GET', `/api/render/proxy/${id}/download`, { token: stranger })).status).toBe(404);
		expect((await status('render_never_started')).status).toBe(404);
	});
});
