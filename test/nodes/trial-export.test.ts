/**
 * Issue 19 point 1: trial tokens cannot export. NemoVideo's newest documents give anonymous
 * (trial) tokens the read, write and upload scopes only: an export answers 402 "free plan export
 * blocked", after the charged edit. The simulator refuses them by default. Through the nodes in
 * n8n's engine: the item says the edit is done and charged, names its session and a way forward
 * that reaches it (the trial's bind link, then Nemo Export with the new account's token; the
 * simulator imitates the bind), and a token pays for at most one instruction to learn it.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { withNode } from '../harness';
import { type Simulator, FAST_TIMINGS, startSimulator } from '../support/simulator';
import { pairedIndexes, runNodes, singleNode, swapItem, useFastClientTuning } from './support';

let sim: Simulator;

beforeAll(async () => {
	useFastClientTuning();
	sim = await startSimulator(FAST_TIMINGS);
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	// sim.reset() keeps the configuration: every test starts from the documents' default
	sim.configure({ ...FAST_TIMINGS, silentRate: 0, trialExport: 'refused' });
});

/** Face Swap under Continue On Fail: every item's outcome is in the output. */
const faceSwap = (result: 'binary' | 'url' | 'none') =>
	withNode(singleNode('n8n-nodes-nemovideo.nemoFaceSwap', { videoSource: 'binary', videoBinaryProperty: 'data', faceSource: 'binary', faceBinaryProperty: 'face', result }), 'Nemo', { onError: 'continueRegularOutput' });
const exportSession = (sessionId: string) => singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'exportAndWait', session: 'id', sessionId, result: 'binary' });
const credits = () => singleNode('n8n-nodes-nemovideo.nemoCredits', {});
const description = (item: INodeExecutionData) => (item.error as { description?: string } | undefined)?.description ?? '';
const renderStarts = () => sim.requests.filter((request) => request.method === 'POST' && request.path === '/api/render/proxy/lambda');
/** A trial credential of its own (its own client id, so its own trial user). */
const trialCredential = () => ({ baseUrl: sim.url, accessToken: '', clientId: `trial-export-${Math.random()}` });

describe('a trial token meets an export (issue 19 point 1)', () => {
	it('the item says the edit is done and charged, names its session, the bind link, Nemo Export and the web app; the next item is not sent', async () => {
		const trial = trialCredential();
		const result = await runNodes(faceSwap('binary'), { credentials: trial, inputItems: [swapItem(0), swapItem(1)] });
		const [first, second] = result.nodeOutput('Nemo');
		expect(pairedIndexes(result.nodeOutput('Nemo'))).toEqual([0, 1]);

		expect(first.json.error).toMatch(/^Item index 0: NemoVideo blocked the export on the free plan \(402\) while starting the export\..* The edit itself is done \(and charged\) in session (\d{19})\.$/);
		const sessionId = /in session (\d{19})\.$/.exec(String(first.json.error))![1];
		const stored = result.storedCredentials('nemoApi') as Record<string, unknown>;
		const trialUserId = String(stored.trialUserId);
		expect(trialUserId).toMatch(/\w/);
		const taskId = (sim.session(sessionId) as { taskId: string }).taskId;
		expect(description(first)).toBe(
			`Trial tokens cannot export (NemoVideo's plan rule, not a lack of credits). Register at https://nemovideo.com/register?bind=${trialUserId}: that link ties this trial's work, session ${sessionId} included, to the new account. ` +
				`Then put the new account's Access Token in the Nemo API credential and run Nemo Export on session ${sessionId}. ` +
				`Or open the work in NemoVideo's web app and export it there (log in first): https://nemovideo.com/workspace/task/${taskId}?session=${sessionId}. ` +
				'Do not run this node again for it: that would send, and charge, the instruction again.',
		);
		// The second item learned from the first: refused before its session, upload and instruction.
		expect(second.json.error).toMatch(/^Item index 1: NemoVideo refuses exports with this trial token \(402: free plan export blocked, answered at .* in this n8n process\), so this item's instruction was not sent and nothing was charged\.$/);
		expect(description(second)).toBe(
			`Trial tokens cannot export (NemoVideo's plan rule, not a lack of credits). Register at https://nemovideo.com/register?bind=${trialUserId}: that link ties this trial's work to the new account. ` +
				`Then put the new account's Access Token in the Nemo API credential and run this node again (nothing was sent for this item). To edit without exporting, set Result to "Don't Export (Keep Editing)".`,
		);
		expect(sim.messages).toHaveLength(1);
		expect(renderStarts()).toHaveLength(1); // not submitted again with a new id either
		// The trial paid for the one swap.
		expect(sim.credits(String(stored.trialToken)).total).toBe(FAST_TIMINGS.anonymousCredits - 100);
		// On the canvas: the Result exports, the credential has no Access Token.
		expect(result.runData.Nemo[0].hints).toEqual([expect.objectContaining({ type: 'warning', message: expect.stringMatching(/no Access Token, so it runs on NemoVideo's trial token, which NemoVideo's documents say cannot export/) })]);
		await result.cleanup();
	});

	it('the advice works: an account registered without the bind link cannot reach the session (1002); with it, Nemo Export makes the MP4', async () => {
		const result = await runNodes(faceSwap('binary'), { credentials: trialCredential(), inputItems: [swapItem(0)] });
		const [item] = result.nodeOutput('Nemo');
		await result.cleanup();
		const sessionId = /session (\d{19}) included/.exec(description(item))![1];
		const bind = /register\?bind=([^:\s]+):/.exec(description(item))![1];

		// A new account on its own: the session belongs to the trial's user.
		const stranger = sim.register({ credits: 1000 });
		const refused = await runNodes(exportSession(sessionId), { credentials: { baseUrl: sim.url, accessToken: stranger.token } });
		expect(refused.error?.message).toMatch(/session was not found .*\(code 1002\)/);
		await refused.cleanup();

		// Following the advice: register with the link (the simulator imitates the bind), then Nemo Export on the session.
		const account = sim.register({ bind: decodeURIComponent(bind), credits: 1000 });
		const exported = await runNodes(exportSession(sessionId), { credentials: { baseUrl: sim.url, accessToken: account.token } });
		expect(exported.error).toBeUndefined();
		const [video] = exported.nodeOutput('Nemo');
		expect(video.json.sessionId).toBe(sessionId);
		expect(video.binary?.data?.mimeType).toBe('video/mp4');
		expect(sim.messages).toHaveLength(1); // the edit was never sent again
		await exported.cleanup();
	});

	it('Nemo Export with the trial token: refused, and the advice names the session and its web-app link', async () => {
		const trial = trialCredential();
		const edited = await runNodes(faceSwap('none'), { credentials: trial, inputItems: [swapItem(0)] });
		const sessionId = String(edited.nodeOutput('Nemo')[0].json.sessionId);
		const kept = edited.storedCredentials('nemoApi') as Record<string, unknown>;
		await edited.cleanup();
		const result = await runNodes(exportSession(sessionId), { credentials: kept });
		expect(result.error?.message).toMatch(/NemoVideo blocked the export on the free plan \(402\)/);
		expect((result.error as { description?: string }).description).toMatch(
			new RegExp(`^Trial tokens cannot export .* run Nemo Export on session ${sessionId}\\. Or open the work in NemoVideo's web app .*: https://nemovideo\\.com/workspace/task/\\d+\\?session=${sessionId}\\.$`),
		);
		await result.cleanup();
	});

	it('a later run with the same trial token: an exporting item fails before its instruction; one that does not export still edits; Nemo Credits says so', async () => {
		const trial = trialCredential();
		const first = await runNodes(faceSwap('url'), { credentials: trial, inputItems: [swapItem(0)] });
		expect(first.nodeOutput('Nemo')[0].json.error).toMatch(/free plan \(402\)/);
		const kept = first.storedCredentials('nemoApi') as Record<string, unknown>;
		await first.cleanup();
		expect(sim.messages).toHaveLength(1);

		// runNodes starts each run with an empty trial-token cache: the token comes from the credential, as in n8n.
		const later = await runNodes(faceSwap('binary'), { credentials: kept, inputItems: [swapItem(1)] });
		expect(later.nodeOutput('Nemo')[0].json.error).toMatch(/^Item index 0: NemoVideo refuses exports with this trial token \(402/);
		expect(sim.messages).toHaveLength(1);
		expect(sim.requests.filter((request) => /with-session|upload-video/.test(request.path))).toHaveLength(2); // the first run's only
		await later.cleanup();

		const keepEditing = await runNodes(faceSwap('none'), { credentials: kept, inputItems: [swapItem(2)] });
		expect(keepEditing.nodeOutput('Nemo')[0].json.error).toBeUndefined();
		expect(keepEditing.nodeOutput('Nemo')[0].json.changes).toEqual([expect.stringMatching(/face swapped/)]);
		expect(sim.messages).toHaveLength(2);
		await keepEditing.cleanup();

		const balance = await runNodes(credits(), { credentials: kept });
		const [facts] = balance.nodeOutput('Nemo');
		expect(facts.json).toMatchObject({ tokenType: 'trial', exportsRefused: true });
		expect(facts.json.tokenNote).toMatch(/^NemoVideo refused exports with this token \(402\)\. Trial tokens cannot export .*register\?bind=/);
		await balance.cleanup();
	});

	it('a new token (the Access Token set) is not refused: the memory is per token', async () => {
		const trial = trialCredential();
		const first = await runNodes(faceSwap('url'), { credentials: trial, inputItems: [swapItem(0)] });
		expect(first.nodeOutput('Nemo')[0].json.error).toMatch(/free plan \(402\)/);
		await first.cleanup();
		const account = sim.register({ credits: 1000 });
		const result = await runNodes(faceSwap('url'), { credentials: { ...trial, accessToken: account.token }, inputItems: [swapItem(1)] });
		const [item] = result.nodeOutput('Nemo');
		expect(item.json.error).toBeUndefined();
		expect(item.json.videoUrl).toEqual(expect.any(String));
		expect(result.runData.Nemo[0].hints ?? []).toEqual([]);
		await result.cleanup();
	});

	it('Nemo Credits tells a trial token from an account before any export', async () => {
		const trial = await runNodes(credits(), { credentials: trialCredential() });
		expect(trial.nodeOutput('Nemo')[0].json).toMatchObject({ tokenType: 'trial', tokenNote: expect.stringMatching(/^A trial token: NemoVideo's documents say it can upload and edit, but not export\. .*register\?bind=/) });
		expect(trial.nodeOutput('Nemo')[0].json.exportsRefused).toBeUndefined();
		await trial.cleanup();
		const account = await runNodes(credits(), { credentials: { baseUrl: sim.url, accessToken: sim.register({ credits: 10 }).token } });
		expect(account.nodeOutput('Nemo')[0].json).toEqual({ available: 10, frozen: 0, total: 10, tokenType: 'account' });
		await account.cleanup();
	});

	it("with the older documents' service (trial exports allowed), a trial's face swaps export as before (the first export ends the one-at-a-time learning)", async () => {
		sim.configure({ trialExport: 'allowed' });
		const result = await runNodes(faceSwap('url'), { credentials: trialCredential(), inputItems: [0, 1, 2].map(swapItem) });
		const items = result.nodeOutput('Nemo');
		expect(items.map((item) => item.json.error)).toEqual([undefined, undefined, undefined]);
		expect(items.map((item) => typeof item.json.videoUrl)).toEqual(['string', 'string', 'string']);
		expect(sim.messages).toHaveLength(3);
		await result.cleanup();
	});

	it('a trial token renewed (1001) is the same trial user: its refusal stays, and no instruction is paid again', async () => {
		const first = await runNodes(faceSwap('url'), { credentials: trialCredential(), inputItems: [swapItem(0)] });
		const kept = first.storedCredentials('nemoApi') as Record<string, unknown>;
		await first.cleanup();
		sim.expireToken(String(kept.trialToken));
		const renewed = await runNodes(credits(), { credentials: kept });
		const fresh = renewed.storedCredentials('nemoApi') as Record<string, unknown>;
		expect(fresh.trialToken).not.toBe(kept.trialToken);
		await renewed.cleanup();
		const later = await runNodes(faceSwap('url'), { credentials: fresh, inputItems: [swapItem(1)] });
		expect(later.nodeOutput('Nemo')[0].json.error).toMatch(/refuses exports with this trial token \(402/);
		expect(sim.messages).toHaveLength(1);
		await later.cleanup();
	});
});

describe("a registered account whose plan cannot export (NemoVideo's plugin: rendering needs a paid plan)", () => {
	const account = (plan: 'free' | 'paid' = 'free') => ({ baseUrl: sim.url, accessToken: sim.register({ credits: 10_000, plan }).token });

	it('pays for one instruction to learn it, not one per item running at once; the others fail before theirs', async () => {
		const result = await runNodes(faceSwap('binary'), { credentials: account(), inputItems: [0, 1, 2].map(swapItem) });
		const items = result.nodeOutput('Nemo');
		expect(pairedIndexes(items)).toEqual([0, 1, 2]);
		expect(items[0].json.error).toMatch(/blocked the export on the free plan \(402\).* The edit itself is done \(and charged\) in session \d{19}\.$/);
		expect(description(items[0])).toMatch(/^This account's plan cannot export \(a plan limit, not a lack of credits\): upgrade the plan on nemovideo\.com, then run Nemo Export on session \d{19} \(an export this token makes lifts the refusal\)\./);
		for (const item of items.slice(1)) expect(item.json.error).toMatch(/refuses exports with this token \(402: .*\), so this item's instruction was not sent and nothing was charged\.$/);
		expect(sim.messages).toHaveLength(1);
		expect(result.runData.Nemo[0].hints ?? []).toEqual([]); // not a trial token
		await result.cleanup();
	});

	it('an export the token makes later lifts the refusal (the plan was upgraded): the next edit is sent and exported', async () => {
		const credentials = account('paid');
		sim.addFault({ endpoint: 'renderStart', code: 402, times: 1 }); // refused once, as before an upgrade
		const refused = await runNodes(faceSwap('url'), { credentials, inputItems: [swapItem(0)] });
		const sessionId = /in session (\d{19})\.$/.exec(String(refused.nodeOutput('Nemo')[0].json.error))![1];
		await refused.cleanup();
		const exported = await runNodes(exportSession(sessionId), { credentials });
		expect(exported.error).toBeUndefined();
		await exported.cleanup();
		const next = await runNodes(faceSwap('url'), { credentials, inputItems: [swapItem(1)] });
		expect(next.nodeOutput('Nemo')[0].json.error).toBeUndefined();
		expect(sim.messages).toHaveLength(2);
		await next.cleanup();
	});

	it("the learning ends with the service's answer to the export, not with the render: the next item does not wait for it", async () => {
		sim.configure({ renderMs: 1500 });
		const result = await runNodes(faceSwap('url'), { credentials: account('paid'), inputItems: [0, 1].map(swapItem) });
		expect(result.nodeOutput('Nemo').map((item) => item.json.error)).toEqual([undefined, undefined]);
		const [firstSend, secondSend] = sim.requests.filter((request) => request.path === '/run_sse').map((request) => request.startedAt);
		const firstRender = renderStarts()[0].startedAt;
		expect(secondSend).toBeGreaterThanOrEqual(firstRender - 5); // waited for the export's answer
		expect(secondSend - firstSend).toBeLessThan(1000); // but not for the 1.5 s render
		await result.cleanup();
	});

	it("Nemo Edit whose instruction changed nothing, then a refused export: says nothing changed, not that an edit is done", async () => {
		const credentials = account();
		const upload = await runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data' }), { credentials, inputItems: [swapItem(0)] });
		const sessionId = String(upload.nodeOutput('Nemo')[0].json.sessionId);
		await upload.cleanup();
		sim.addFault({ endpoint: 'sse', noEdit: true });
		const result = await runNodes(withNode(singleNode('n8n-nodes-nemovideo.nemoEdit', { session: 'id', sessionId, instruction: 'make it nicer', result: 'url' }), 'Nemo', { onError: 'continueRegularOutput' }), { credentials });
		expect(result.nodeOutput('Nemo')[0].json.error).toMatch(new RegExp(`The instruction was sent \\(and charged\\) to session ${sessionId}, but nothing changed in the session\\.$`));
		await result.cleanup();
	});
});
