/**
 * A batch against a service that rate-limits per token (simulator `rateLimit`): the items share
 * one limiter (nodes/shared/client/rate-limit.ts), so a batch at 20 at once against a limit of
 * 5 concurrent edits finishes every item, each instruction sent once, and never holds more than
 * 5 edit streams open after the first refusals.
 */
import type { Simulator } from '../support/simulator';
import { withNode } from '../harness';
import { exportOnce, pairedIndexes, runNodes, swapItem, useNodeSimulator, workflowFixture } from './support';

const env = useNodeSimulator({ rateLimit: null });
let sim: Simulator;
let credentials: Record<string, unknown>;
beforeEach(() => ({ sim, credentials } = env));

const batch = (itemsAtOnce: number) =>
	withNode(workflowFixture('batch-face-swap'), 'Nemo Face Swap', {
		onError: 'continueRegularOutput',
		parameters: { options: { itemsAtOnce } },
	});

/** The most /run_sse requests the simulator answered 200 that were open at the same moment. */
function maxAcceptedStreamsAtOnce(): number {
	const streams = sim.requests.filter((r) => r.endpoint === 'sse' && r.status === 200);
	let most = 0;
	for (const a of streams) {
		most = Math.max(most, streams.filter((b) => b.startedAt! <= a.startedAt! && (b.endedAt ?? Infinity) > a.startedAt!).length);
	}
	return most;
}

it('20 face swaps at 20 at once against a limit of 5 concurrent edits: all 20 done, in order, each sent once', async () => {
	sim.configure({ sseDurationMs: 250, rateLimit: { concurrentStreams: 5, retryAfterSec: 0.1 } });
	const inputs = Array.from({ length: 20 }, (_, i) => swapItem(i));
	const result = await runNodes(batch(20), { credentials, inputItems: inputs });
	expect(result.error).toBeUndefined();
	const items = result.nodeOutput('Nemo Face Swap');
	const failed = items.filter((item) => item.json.error).map((item) => `${pairedIndexes([item])[0]}: ${item.json.error}`);
	expect(failed).toEqual([]);
	expect(pairedIndexes(items)).toEqual(inputs.map((_, i) => i));
	for (const item of items) expect(item.json.videoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/renders\//);
	const refused = sim.requests.filter((r) => r.endpoint === 'sse' && r.status === 429).length;
	expect(refused).toBeGreaterThan(0); // the limit was met...
	expect(sim.messages).toHaveLength(20); // ...and every instruction went through exactly once
	expect(maxAcceptedStreamsAtOnce()).toBeLessThanOrEqual(5);
	await result.cleanup();
});

it('rides out a requests-per-minute limit: every item done', async () => {
	sim.configure({ rateLimit: { requestsPerMinute: 25, windowMs: 600 } });
	const inputs = Array.from({ length: 8 }, (_, i) => swapItem(i));
	const result = await runNodes(batch(8), { credentials, inputItems: inputs });
	const items = result.nodeOutput('Nemo Face Swap');
	expect(items.filter((item) => item.json.error).map((item) => item.json.error)).toEqual([]);
	expect(sim.requests.some((r) => r.status === 429)).toBe(true);
	expect(sim.messages).toHaveLength(8);
	await result.cleanup();
});

it('fails an item after the documented number of retries (6) when the service keeps refusing, and says so', async () => {
	// Another n8n (or script) holds the token's only edit slot for the whole run: waiting cannot help.
	sim.configure({ rateLimit: { concurrentStreams: 1, retryAfterSec: 0.05 }, sseDurationMs: 4000 });
	const token = 'nmv_usr_rate_limited_test';
	sim.addToken(token, { credits: 1000 });
	const sessionId = await fetch(`${sim.url}/api/tasks/me/with-session/nemo_agent`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: '{}',
	}).then(async (r) => JSON.parse(await r.text().then((t) => t.replace(/"session_id":(\d+)/, '"session_id":"$1"'))).data.session_id as string);
	const elsewhere = await fetch(`${sim.url}/run_sse`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
		body: JSON.stringify({ app_name: 'nemo_agent', user_id: 'me', session_id: sessionId, new_message: { parts: [{ text: 'hello' }] } }),
	});
	expect(elsewhere.status).toBe(200);
	const result = await runNodes(batch(1), { credentials: { baseUrl: sim.url, accessToken: token }, inputItems: [swapItem(0)] });
	const [item] = result.nodeOutput('Nemo Face Swap');
	expect(String(item.json.error)).toMatch(/rate limiting requests \(429\) while sending the instruction/);
	// its first try and 6 retries, all refused; none of them reached the editor or cost anything
	expect(sim.requests.filter((r) => r.endpoint === 'sse' && r.status === 429)).toHaveLength(7);
	expect(sim.messages).toHaveLength(1); // only the other client's
	await elsewhere.body?.cancel();
	await result.cleanup();
}, 20_000);

it('holds 70 edits open at once at Items at Once 70 (the connection pool does not cap what the items may run)', async () => {
	await exportOnce(credentials); // exports known: all 70 start at once (export-refusals.ts)
	sim.reset();
	sim.configure({ sseDurationMs: 2500, heartbeatIntervalMs: 500 });
	const inputs = Array.from({ length: 70 }, (_, i) => swapItem(i));
	const result = await runNodes(batch(70), { credentials, inputItems: inputs });
	const items = result.nodeOutput('Nemo Face Swap');
	expect(items.filter((item) => item.json.error)).toEqual([]);
	expect(maxAcceptedStreamsAtOnce()).toBe(70);
	await result.cleanup();
}, 30_000);

it('instructions still waiting for a rate-limit turn are stopped with the batch when another item fails: "sent" means the service has it (issue 20 point 4)', async () => {
	// One edit at a time, and a long pause after each refusal: items 1 and 2 are refused (429) and
	// wait in the limiter while item 0's edit runs; item 0 then fails (its export fails), with no
	// Continue On Fail, so the batch stops. The token's exports are known first, so the three items
	// start side by side (until then one exporting item at a time learns them).
	await exportOnce(credentials);
	sim.reset();
	sim.configure({ sseDurationMs: 300, rateLimit: { concurrentStreams: 1, retryAfterSec: 2 } });
	sim.addFault({ endpoint: 'renderStart', renderFails: 'GPU node unavailable', times: 1 });
	const workflow = withNode(workflowFixture('batch-face-swap'), 'Nemo Face Swap', { onError: 'stopWorkflow', parameters: { options: { itemsAtOnce: 3 } } });
	// The refused items wait out the whole Retry-After (the usual test tuning caps it at 0.2 s).
	const tuning = JSON.parse(String(credentials.tuning ?? '{}')) as { retry?: Record<string, number> };
	tuning.retry = { ...tuning.retry, maxRateLimitWaitMs: 5_000 };
	const result = await runNodes(workflow, { credentials: { ...credentials, tuning: JSON.stringify(tuning) }, inputItems: [0, 1, 2].map(swapItem) });
	const error = result.nodeError('Nemo Face Swap')!;
	expect(error.message).toMatch(/^Item index \d+: .*GPU node unavailable/);
	await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the limiter's pause: nothing more goes out
	expect(sim.messages).toHaveLength(1);
	expect(sim.requests.filter((r) => r.endpoint === 'sse' && r.status === 200)).toHaveLength(1);
	// Whichever item got the one edit slot failed; the other two never sent theirs and are named so.
	const failedItem = Number(/^Item index (\d+):/.exec(error.message)?.[1]);
	const others = [0, 1, 2].filter((index) => index !== failedItem).map((index) => `item ${index}`).join(', ');
	expect(error.description).toMatch(new RegExp(`Items not started, or stopped before they sent anything: ${others}\\.$`));
	await result.cleanup();
});
