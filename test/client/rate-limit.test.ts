/**
 * The rate limiter is per token in the process (nodes/shared/client/rate-limit.ts): two clients
 * of the same token (two executions in one n8n worker) share its limit of edits at once, and a
 * client of another token is not held back by it.
 */
import { type Simulator, FAST_TIMINGS, startSimulator } from '../support/simulator';
import { clientFor, freshTokens, sessionWithMedia } from './helpers';
import { rateLimiterFor } from '../../nodes/shared/client/rate-limit';

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator(FAST_TIMINGS);
});
afterAll(() => sim.close());
beforeEach(() => {
	freshTokens();
	sim.reset();
	sim.configure({ ...FAST_TIMINGS, silentRate: 0, sseDurationMs: 200, rateLimit: { concurrentStreams: 2, retryAfterSec: 0.05 } });
});

/** The most /run_sse requests answered 200 that were open at one moment. */
function maxAcceptedStreams(token: string): number {
	const streams = sim.requests.filter((r) => r.path === '/run_sse' && r.status === 200 && r.headers.authorization === `Bearer ${token}`);
	let most = 0;
	for (const a of streams) most = Math.max(most, streams.filter((b) => b.startedAt! <= a.startedAt! && (b.endedAt ?? Infinity) > a.startedAt!).length);
	return most;
}

it('two clients of one token share its limiter: 8 edits, all done, each sent once, at most 2 open', async () => {
	sim.addToken('nmv_usr_shared_limit', { credits: 10_000 });
	const a = clientFor(sim, { accessToken: 'nmv_usr_shared_limit' });
	const b = clientFor(sim, { accessToken: 'nmv_usr_shared_limit' });
	const sessions = await Promise.all([a, a, a, a, b, b, b, b].map((c) => sessionWithMedia(c)));
	const results = await Promise.all(sessions.map((sid, i) => (i < 4 ? a : b).sendMessage(sid, 'swap the face')));
	expect(results).toHaveLength(8);
	expect(sim.messages).toHaveLength(8);
	expect(maxAcceptedStreams('nmv_usr_shared_limit')).toBeLessThanOrEqual(2);
	expect(sim.requests.filter((r) => r.path === '/run_sse' && r.status === 429).length).toBeGreaterThan(0);
	// one limiter for the token, whichever client (client id) asks; it learned the limit
	const origin = new URL(sim.url).origin;
	const shared = rateLimiterFor(origin, { accessToken: 'nmv_usr_shared_limit', clientId: a.clientId });
	expect(rateLimiterFor(origin, { accessToken: 'nmv_usr_shared_limit', clientId: b.clientId })).toBe(shared);
	expect(shared.state.streamLimit).toBeLessThan(8);
	expect(rateLimiterFor(origin, { accessToken: 'nmv_usr_other_token', clientId: a.clientId })).not.toBe(shared);
	await Promise.all([a.close(), b.close()]);
});

it('another token is not held back by a limited one', async () => {
	sim.addToken('nmv_usr_limited', { credits: 10_000 });
	sim.addToken('nmv_usr_other', { credits: 10_000 });
	const limited = clientFor(sim, { accessToken: 'nmv_usr_limited' });
	const other = clientFor(sim, { accessToken: 'nmv_usr_other' });
	const limitedSessions = await Promise.all([1, 2, 3, 4, 5, 6].map(() => sessionWithMedia(limited)));
	const otherSessions = await Promise.all([1, 2].map(() => sessionWithMedia(other)));
	await Promise.all([
		...limitedSessions.map((sid) => limited.sendMessage(sid, 'swap the face')),
		...otherSessions.map((sid) => other.sendMessage(sid, 'swap the face')),
	]);
	const otherStreams = sim.requests.filter((r) => r.path === '/run_sse' && r.headers.authorization === 'Bearer nmv_usr_other');
	expect(otherStreams.map((r) => r.status)).toEqual([200, 200]);
	expect(sim.messages).toHaveLength(8);
	await Promise.all([limited.close(), other.close()]);
});
