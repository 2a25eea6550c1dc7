/**
 * The anonymous trial token as n8n keeps it: the credential's preAuthentication fills its hidden
 * `trialToken` field, n8n persists it (test/harness's credentials helper does what n8n's does),
 * and every later run, in any process, uses it instead of asking the service again.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@n8n/backend-common';
import { type Simulator, FAST_TIMINGS } from '../support/simulator';
import { NODE_TYPES, runNodes, singleNode, useNodeSimulator } from './support';
import { testCredentials } from '../harness';
import { NemoApi } from '../../credentials/NemoApi.credentials';
import { requestTrialToken } from '../../nodes/shared/n8n/trial-token';
import { clearTokenCache } from '../../nodes/shared/client';
import { httpRequest as n8nHttpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';

const env = useNodeSimulator({ repeatTokenRequest: 'same' });
let sim: Simulator;
beforeEach(() => ({ sim } = env));

const tokenRequests = () => sim.requests.filter((r) => r.path === '/api/auth/anonymous-token').length;
const credits = () => singleNode('n8n-nodes-nemovideo.nemoCredits', {});

describe('the trial token n8n keeps', () => {
	it('is got once, stored in the credential, and reused by the next runs even when the service answers a repeat request with 429', async () => {
		// "1 token / client / 7 days": a repeat request for a still-valid token is refused.
		sim.configure({ repeatTokenRequest: '429' });
		// a client id the simulator has not seen in this file's other tests
		let stored: Record<string, unknown> = { baseUrl: sim.url, accessToken: '', clientId: randomUUID() };
		for (let run = 1; run <= 5; run++) {
			// runNodes starts each run with an empty in-process cache, as a new `n8n execute` does
			const result = await runNodes(credits(), { credentials: stored });
			expect(result.error).toBeUndefined();
			expect(result.nodeOutput('Nemo')[0].json.available).toBe(FAST_TIMINGS.anonymousCredits);
			stored = result.storedCredentials('nemoApi') as Record<string, unknown>;
			expect(String(stored.trialToken)).toMatch(/^nmv_usr_/);
			// the output never carries it
			expect(JSON.stringify(result.nodeOutput('Nemo'))).not.toContain(String(stored.trialToken));
		}
		expect(tokenRequests()).toBe(1);
	});

	it('is renewed once when the service rejects it (1001), and the new one is kept', async () => {
		const first = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: '' } });
		expect(first.error).toBeUndefined();
		const kept = first.storedCredentials('nemoApi') as Record<string, unknown>;
		sim.expireToken(String(kept.trialToken));
		const second = await runNodes(credits(), { credentials: kept });
		expect(second.error).toBeUndefined();
		const renewed = second.storedCredentials('nemoApi') as Record<string, unknown>;
		expect(renewed.trialToken).not.toBe(kept.trialToken);
		expect(String(renewed.trialToken)).toMatch(/^nmv_usr_/);
		expect(tokenRequests()).toBe(2);
	});

	it('tells the operator in n8n\'s log when it was obtained and renewed, never the token itself', async () => {
		const lines: string[] = [];
		const spies = (['info', 'debug'] as const).map((level) =>
			jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, message: string, meta?: object) {
				lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
			}),
		);
		try {
			const first = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: '' } });
			const kept = first.storedCredentials('nemoApi') as Record<string, unknown>;
			sim.expireToken(String(kept.trialToken));
			const second = await runNodes(credits(), { credentials: kept });
			const renewed = second.storedCredentials('nemoApi') as Record<string, unknown>;
			const ours = lines.filter((line) => line.includes('NemoVideo'));
			expect(ours).toEqual(
				expect.arrayContaining([
					expect.stringMatching(/^info NemoVideo trial token obtained \(none kept\), kept in the credential/),
					expect.stringMatching(/^info NemoVideo rejected the token while reading the credit balance \(code 1001\); retrying once with a new trial token/),
					expect.stringMatching(/^info NemoVideo trial token renewed \(rejected by the service \(1001\)\), kept in the credential/),
				]),
			);
			for (const token of [kept.trialToken, renewed.trialToken]) expect(lines.join('\n')).not.toContain(String(token));
		} finally {
			for (const spy of spies) spy.mockRestore();
		}
	});

	it('is used by the credential\'s Test button instead of asking again', async () => {
		sim.configure({ repeatTokenRequest: '429' });
		const first = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: '', clientId: randomUUID() } });
		expect(first.error).toBeUndefined();
		const kept = first.storedCredentials('nemoApi') as Record<string, unknown>;
		const tested = await testCredentials({ type: 'nemoApi', data: kept as never, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(tested).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(tokenRequests()).toBe(1);
		const balanceReads = sim.requests.filter((r) => r.path === '/api/credits/balance/simple');
		expect(balanceReads.every((r) => r.headers.authorization === `Bearer ${String(kept.trialToken)}`)).toBe(true);
	});

	it('is got by the Test button of a new credential and kept there (n8n stores what the preAuthentication returns): the first run uses it, no second request', async () => {
		// n8n tests a credential when it is saved, before any run has kept a token
		sim.configure({ repeatTokenRequest: '429' });
		const fresh = { baseUrl: sim.url, accessToken: '', clientId: randomUUID() };
		const { testCredentialsKeeping } = await import('../harness/credential-test');
		const { answer: tested, stored } = await testCredentialsKeeping({ type: 'nemoApi', data: fresh as never, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(tested).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(tokenRequests()).toBe(1);
		expect(String(stored?.trialToken)).toMatch(/^nmv_usr_/);
		const run = await runNodes(credits(), { credentials: stored as never });
		expect(run.error).toBeUndefined();
		expect(run.nodeOutput('Nemo')[0].json.available).toBe(FAST_TIMINGS.anonymousCredits);
		expect(tokenRequests()).toBe(1);
	});

	it('fails the Test button of a new credential whose Base URL is not NemoVideo (nothing listening, or a web page)', async () => {
		const page = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>'));
		await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = page.address() as AddressInfo;
			for (const baseUrl of ['http://127.0.0.1:9', `http://127.0.0.1:${port}`]) {
				const tested = await testCredentials({ type: 'nemoApi', data: { baseUrl, accessToken: '', clientId: randomUUID() } as never, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
				expect(tested.status).toBe('Error');
			}
		} finally {
			page.close();
		}
		expect(sim.requests.filter((r) => r.path === '/api/auth/anonymous-token' && r.status === 200)).toHaveLength(0);
	});

	it('refused for a reason no other process can fix (the per-network cap): asked for once more after the wait, then a clear error', async () => {
		sim.configure({ tokensPerIp: 0 });
		const run = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: '', clientId: randomUUID() } });
		expect(run.error?.message).toMatch(/refused a new free trial token \(429\)/);
		expect(run.error?.description).toMatch(/Set an Access Token/);
		expect(sim.requests.filter((r) => r.path === '/api/auth/anonymous-token').map((r) => r.status)).toEqual([429, 429]);
	});

	it('is renewed by the Test button when the kept one has expired or was rejected, and the new one is kept: the next run uses it', async () => {
		sim.configure({ repeatTokenRequest: '429' });
		const first = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: '', clientId: randomUUID() } });
		const kept = first.storedCredentials('nemoApi') as Record<string, unknown>;
		sim.expireToken(String(kept.trialToken));
		clearTokenCache(); // as in another process: only what n8n keeps
		const { testCredentialsKeeping } = await import('../harness/credential-test');
		const { answer: tested, stored } = await testCredentialsKeeping({ type: 'nemoApi', data: kept as never, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(tested).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(stored?.trialToken).not.toBe(kept.trialToken);
		expect(tokenRequests()).toBe(2);
		clearTokenCache();
		const run = await runNodes(credits(), { credentials: stored as never });
		expect(run.error).toBeUndefined();
		expect(tokenRequests()).toBe(2);
	});


	it('renewing a rejected token never takes that same token back from n8n\'s store, and a 429 is still waited out and asked once more (review of f747002)', async () => {
		const first = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: '', clientId: randomUUID() } });
		const kept = first.storedCredentials('nemoApi') as Record<string, unknown>;
		sim.expireToken(String(kept.trialToken));
		sim.addFault({ endpoint: 'token', code: 429, times: 1 });
		clearTokenCache();
		const run = await runNodes(credits(), { credentials: kept });
		expect(run.error).toBeUndefined();
		const renewed = run.storedCredentials('nemoApi') as Record<string, unknown>;
		expect(renewed.trialToken).not.toBe(kept.trialToken);
		expect(sim.requests.filter((r) => r.path === '/api/auth/anonymous-token').map((r) => r.status)).toEqual([200, 429, 200]);
	});

	it('asked for by another caller of the preAuthentication (n8n\'s HTTP Request node with this credential): a 429 is waited out and asked once more', async () => {
		sim.addFault({ endpoint: 'token', code: 429, times: 1 });
		const fields = await requestTrialToken({ httpRequest: n8nHttpRequest }, { baseUrl: sim.url, accessToken: '', clientId: randomUUID(), tuning: JSON.stringify({ retry: { rateLimitWaitMs: 50 } }) });
		expect(String(fields.trialToken)).toMatch(/^nmv_usr_/);
		expect(sim.requests.filter((r) => r.path === '/api/auth/anonymous-token').map((r) => r.status)).toEqual([429, 200]);
	});

	it('is not asked for when an Access Token is set', async () => {
		sim.addToken('nmv_usr_configured_token', { credits: 50 });
		const result = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: 'nmv_usr_configured_token' } });
		expect(result.error).toBeUndefined();
		expect(result.nodeOutput('Nemo')[0].json.available).toBe(50);
		expect(tokenRequests()).toBe(0);
	});
});

describe('stopping one execution while others wait for the same trial token (issue 11 case 6)', () => {
	it('stops the stopped ones at once and leaves the shared request to the others', async () => {
		sim.addFault({ endpoint: 'token', delayHeadersMs: 2_500 });
		const credentials = { baseUrl: sim.url, accessToken: '' };
		const first = new AbortController();
		const joiner = new AbortController();
		const started = Date.now();
		// The first run makes the token request; the others join it.
		const firstRun = runNodes(credits(), { credentials, signal: first.signal });
		await new Promise((resolve) => setTimeout(resolve, 150));
		const otherRun = runNodes(credits(), { credentials });
		const joinerRun = runNodes(credits(), { credentials, signal: joiner.signal });
		await new Promise((resolve) => setTimeout(resolve, 300));
		const stoppedAt = Date.now();
		first.abort();
		joiner.abort();
		const ended: Record<string, number> = {};
		const [firstResult, joinerResult] = await Promise.all([
			firstRun.then((r) => ((ended.first = Date.now()), r)),
			joinerRun.then((r) => ((ended.joiner = Date.now()), r)),
		]);
		expect(firstResult.status).toBe('canceled');
		expect(joinerResult.status).toBe('canceled');
		expect(ended.first - stoppedAt).toBeLessThanOrEqual(1_000);
		expect(ended.joiner - stoppedAt).toBeLessThanOrEqual(1_000);

		const other = await otherRun;
		expect(other.error).toBeUndefined();
		expect(other.nodeOutput('Nemo')[0].json.available).toBe(FAST_TIMINGS.anonymousCredits);
		expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
		expect(tokenRequests()).toBe(1);
	});
});
