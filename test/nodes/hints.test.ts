/**
 * Execution hints: what a user should see on the canvas, beside the output (n8n's node hints).
 */
import { type Simulator, FAST_TIMINGS, startSimulator } from '../support/simulator';
import { media, runNodes, singleNode, useFastClientTuning } from './support';

let sim: Simulator;

beforeAll(async () => {
	useFastClientTuning();
	sim = await startSimulator(FAST_TIMINGS);
});
afterAll(() => sim.close());

async function editOnce(silentRate: number, fault?: Record<string, unknown>) {
	sim.reset();
	sim.configure({ ...FAST_TIMINGS, silentRate });
	if (fault) sim.addFault(fault);
	const credentials = { baseUrl: sim.url, accessToken: '' };
	const upload = await runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data' }), {
		credentials,
		inputItems: [{ binary: { data: media('clip.mp4') } }],
	});
	const sessionId = upload.nodeOutput('Nemo')[0].json.sessionId as string;
	const result = await runNodes(singleNode('n8n-nodes-nemovideo.nemoEdit', { instruction: 'Add the title "Urban Dreams"', result: 'none' }), {
		credentials,
		inputItems: [{ json: { sessionId } }],
	});
	await upload.cleanup();
	return result;
}

describe('execution hints', () => {
	it('stay away from a silent edit that worked (about 30% of edits close without a word: normal, not a warning; issue 21 point 2.4)', async () => {
		const result = await editOnce(1);
		expect(result.error).toBeUndefined();
		const [item] = result.nodeOutput('Nemo');
		expect(item.json.replied).toBe(false);
		expect(item.json.message).toMatch(/^Done\. Changes: /);
		expect(result.runData.Nemo[0].hints ?? []).toEqual([]);
		await result.cleanup();
	});

	it('warn when the editor closed without a word and nothing changed', async () => {
		const result = await editOnce(1, { endpoint: 'sse', noEdit: true });
		expect(result.runData.Nemo[0].hints).toEqual([
			expect.objectContaining({ message: expect.stringMatching(/^Item 0: NemoVideo finished the edit without a reply and the timeline summary shows no change/), type: 'warning', location: 'outputPane' }),
		]);
		await result.cleanup();
	});

	it('stay away when the editor replied', async () => {
		const result = await editOnce(0);
		expect(result.nodeOutput('Nemo')[0].json.replied).toBe(true);
		expect(result.runData.Nemo[0].hints ?? []).toEqual([]);
		await result.cleanup();
	});
});

describe('the credits hint of Nemo Credits', () => {
	async function creditsFor(items: number, creditsPerItem: number) {
		sim.reset();
		sim.configure(FAST_TIMINGS);
		const token = `nmv_usr_hintcredits${items}x${creditsPerItem}`;
		sim.addToken(token, { credits: 100 });
		return runNodes(singleNode('n8n-nodes-nemovideo.nemoCredits', { creditsPerItem }), {
			credentials: { baseUrl: sim.url, accessToken: token },
			inputItems: Array.from({ length: items }, (_, index) => ({ json: { clip: index } })),
		});
	}

	it("warns on the canvas when the balance is below the batch's need, and lets the items through", async () => {
		const result = await creditsFor(3, 40);
		expect(result.error).toBeUndefined();
		expect(result.nodeOutput('Nemo').map((item) => item.json.available)).toEqual([100, 100, 100]);
		expect(result.runData.Nemo[0].hints).toEqual([
			expect.objectContaining({
				type: 'warning',
				message: '3 items need about 120 NemoVideo credits (40 each), but only 100 are available: about 2 of them can run. Top up the account before the batch.',
			}),
		]);
		await result.cleanup();
	});

	it('stays away when the balance covers the batch, or no cost per item is set', async () => {
		for (const perItem of [30, 0]) {
			const result = await creditsFor(3, perItem);
			expect(result.runData.Nemo[0].hints ?? []).toEqual([]);
			await result.cleanup();
		}
	});
});
