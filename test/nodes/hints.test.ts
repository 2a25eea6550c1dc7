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

async function editOnce(silentRate: number) {
	sim.reset();
	sim.configure({ ...FAST_TIMINGS, silentRate });
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
	it('tell the user when NemoVideo finished an edit without a reply', async () => {
		const result = await editOnce(1);
		expect(result.error).toBeUndefined();
		expect(result.nodeOutput('Nemo')[0].json.replied).toBe(false);
		expect(result.runData.Nemo[0].hints).toEqual([
			expect.objectContaining({ message: expect.stringMatching(/^Item 0: NemoVideo finished the edit without a reply/), location: 'outputPane' }),
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
