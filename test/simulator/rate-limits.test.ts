// Per-token rate limits (config `rateLimit`, off by default): concurrent edit streams and
// requests per minute, 429 with Retry-After beyond them; refused messages charge nothing.
import { ATTRIBUTION, call, messageBody, newSession, newToken, readAll, sendMessage, Sim, startSimulator } from './helpers';

let sim: Sim;
beforeAll(async () => {
	sim = await startSimulator({ seed: 3 });
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure({ rateLimit: null, sseDurationMs: 200 });
});

function openStream(token: string, sid: string) {
	return fetch(`${sim.url}/run_sse`, {
		method: 'POST',
		headers: { ...ATTRIBUTION, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
		body: JSON.stringify(messageBody(sid, 'hello')),
	});
}

it('is off by default: 8 streams of one token at once all open', async () => {
	sim.configure({ sseDurationMs: 300 });
	const token = newToken(sim, 1000);
	const sid = await newSession(sim, token);
	const answers = await Promise.all(Array.from({ length: 8 }, () => openStream(token, sid)));
	expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
	await Promise.all(answers.map((a) => readAll(a)));
});

it('refuses the stream past concurrentStreams with 429 + Retry-After, per token, and charges nothing for it', async () => {
	sim.configure({ sseDurationMs: 400, rateLimit: { concurrentStreams: 2, retryAfterSec: 3 } });
	const token = newToken(sim, 1000);
	const other = newToken(sim, 1000);
	const sid = await newSession(sim, token);
	const otherSid = await newSession(sim, other);
	const first = await Promise.all([openStream(token, sid), openStream(token, sid)]);
	expect(first.map((a) => a.status)).toEqual([200, 200]);
	const third = await call(sim, 'POST', '/run_sse', { token, json: messageBody(sid, 'hello') });
	expect(third.status).toBe(429);
	expect(third.headers.get('retry-after')).toBe('3');
	expect(third.body.message).toMatch(/at most 2 edits at once/);
	const otherToken = await openStream(other, otherSid); // another token has its own limit
	expect(otherToken.status).toBe(200);
	await Promise.all([...first, otherToken].map((a) => readAll(a)));
	expect(sim.messages).toHaveLength(3); // the refused one was not received
	// once a stream closes, its slot is free again
	const again = await sendMessage(sim, token, sid, 'hello');
	expect(again.status).toBe(200);
});

it('refuses requests past requestsPerMinute with 429 and the seconds until the window frees', async () => {
	sim.configure({ rateLimit: { requestsPerMinute: 3, windowMs: 1500 } });
	const token = newToken(sim, 1000);
	const statuses: number[] = [];
	let retryAfter: string | null = null;
	for (let i = 0; i < 5; i++) {
		const r = await call(sim, 'GET', '/api/credits/balance/simple', { token });
		statuses.push(r.status);
		if (r.status === 429) retryAfter = r.headers.get('retry-after');
	}
	expect(statuses).toEqual([200, 200, 200, 429, 429]);
	expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
	expect(Number(retryAfter)).toBeLessThanOrEqual(2);
	await new Promise((r) => setTimeout(r, 1600));
	expect((await call(sim, 'GET', '/api/credits/balance/simple', { token })).status).toBe(200);
});
