/**
 * Our nodes inside n8n's own execution engine (n8n-core's WorkflowExecute, via test/harness),
 * against the simulator over real HTTP and SSE.
 */
import { type Simulator, FAST_TIMINGS } from '../support/simulator';
import { testCredentials, withNode } from '../harness';
import { NemoApi } from '../../credentials/NemoApi.credentials';
import { NODE_TYPES, media, pairedIndexes, runNodes, singleNode, swapItem, useNodeSimulator, workflowFixture } from './support';

const env = useNodeSimulator();
let sim: Simulator;
let credentials: Record<string, unknown>;
beforeEach(() => ({ sim, credentials } = env));

const messagesSent = () => sim.messages.length;

describe('the chain Upload → Face Swap → Audio Replace → Export', () => {
	it.each(['default', 'filesystem'] as const)('works in one session, binary in and out (%s binary mode)', async (binaryDataMode) => {
		const result = await runNodes(workflowFixture('chain'), {
			credentials,
			binaryDataMode,
			inputItems: [{ json: {}, binary: { data: media('clip.mp4', 200_000), face: media('face.jpg'), audio: media('voice.mp3') } }],
		});
		expect(result.error).toBeUndefined();
		const [upload] = result.nodeOutput('Nemo Upload');
		const [swap] = result.nodeOutput('Nemo Face Swap');
		const [audio] = result.nodeOutput('Nemo Audio Replace');
		const [exported] = result.nodeOutput('Nemo Export');

		const sessionId = upload.json.sessionId as string;
		expect(sessionId).toMatch(/^\d{19}$/);
		expect([swap.json.sessionId, audio.json.sessionId, exported.json.sessionId]).toEqual([sessionId, sessionId, sessionId]);
		expect(upload.json.files).toEqual([expect.objectContaining({ fileName: 'clip.mp4', fileType: 'video' })]);
		expect(swap.json.changes).toEqual([expect.stringMatching(/face swapped with face\.jpg/)]);
		expect(audio.json.instruction).toMatch(/Keep the original audio at 30% volume.*Loop the new audio/);
		expect(audio.json.timeline).toMatch(/2\. Audio: voice\.mp3 \(0-10s, looped\)/);
		expect(exported.json).toMatchObject({ status: 'completed', fileName: 'result.mp4', durationSec: 10, renderId: expect.stringMatching(/^render_/) });
		expect(exported.json.timeline).toMatch(/^Timeline \(2 tracks\): 1\. Video: clip\.mp4 \(0-10s, 30%, face swapped with face\.jpg\)/);

		const video = exported.binary!.data;
		expect(video).toMatchObject({ fileName: 'result.mp4', mimeType: 'video/mp4' });
		if (binaryDataMode === 'filesystem') expect(video.id).toMatch(/^filesystem/);
		const bytes = await result.binaryBuffer(video);
		expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
		// The inputs travel along the chain, so later nodes can still use them.
		expect(Object.keys(exported.binary!).sort()).toEqual(['audio', 'data', 'face']);
		expect(messagesSent()).toBe(2);
		for (const node of ['Nemo Upload', 'Nemo Face Swap', 'Nemo Audio Replace', 'Nemo Export']) {
			expect(pairedIndexes(result.nodeOutput(node))).toEqual([0]);
		}
		await result.cleanup();
	});
});

describe('batches', () => {
	it('keeps order and pairing with several items at once', async () => {
		sim.configure({ sseDurationMs: 150 });
		const result = await runNodes(workflowFixture('batch-face-swap'), {
			credentials,
			inputItems: [0, 1, 2, 3, 4, 5].map(swapItem),
		});
		expect(result.error).toBeUndefined();
		const items = result.nodeOutput('Nemo Face Swap');
		expect(pairedIndexes(items)).toEqual([0, 1, 2, 3, 4, 5]);
		expect(items.map((item) => item.json.instruction)).toEqual(
			[0, 1, 2, 3, 4, 5].map((i) => `Swap the face in the video "clip${i}.mp4" with the face in the reference photo "face${i}.jpg".`),
		);
		for (const item of items) expect(item.json.videoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/renders\//);
		expect(new Set(items.map((item) => item.json.sessionId)).size).toBe(6);
		expect(messagesSent()).toBe(6);
		await result.cleanup();
	});

	it('turns a failing item into an error item under Continue On Fail, and goes on', async () => {
		const inputItems = [0, 1, 2, 3, 4].map(swapItem);
		delete inputItems[2].binary!.face;
		const result = await runNodes(withNode(workflowFixture('batch-face-swap'), 'Nemo Face Swap', { onError: 'continueRegularOutput' }), {
			credentials,
			inputItems,
		});
		expect(result.error).toBeUndefined();
		const items = result.nodeOutput('Nemo Face Swap');
		expect(pairedIndexes(items)).toEqual([0, 1, 2, 3, 4]);
		// n8n keeps only the message in the json of an error item; the error itself has the rest.
		expect(items[2].json).toEqual({ error: 'Item index 2: The input item has no binary property "face" for the face photo.' });
		expect(items[2].error?.description).toMatch(/This item's binary properties are: "data"/);
		expect(items[2].error?.context.itemIndex).toBe(2);
		for (const index of [0, 1, 3, 4]) expect(items[index].json.videoUrl).toBeDefined();
		expect(messagesSent()).toBe(4);
		await result.cleanup();
	});

	it('sends error items to the error output with continueErrorOutput', async () => {
		const inputItems = [0, 1, 2].map(swapItem);
		inputItems[1].binary!.face = media('face1.txt');
		const workflow = withNode(workflowFixture('batch-face-swap'), 'Nemo Face Swap', { onError: 'continueErrorOutput' });
		const result = await runNodes(workflow, { credentials, inputItems });
		const [ok, failed] = result.nodeOutputs('Nemo Face Swap');
		expect(pairedIndexes(ok)).toEqual([0, 2]);
		expect(pairedIndexes(failed)).toEqual([1]);
		expect(failed[0].json.error).toMatch(/^Item index 1: Face Photo \(binary property "face"\) \("face1\.txt"\) is not a type NemoVideo accepts \(\.txt\)/);
		await result.cleanup();
	});

	it('without Continue On Fail, fails the run with the item index and the advice', async () => {
		const inputItems = [0, 1, 2].map(swapItem);
		inputItems[1].json = { sessionId: 'not-a-session' };
		const workflow = withNode(workflowFixture('batch-face-swap'), 'Nemo Face Swap', { parameters: { session: 'fromInput' } });
		const result = await runNodes(workflow, { credentials, inputItems });
		const error = result.nodeError('Nemo Face Swap')!;
		expect(error.message).toBe('Item index 1: The session id "not-a-session" is not a NemoVideo session id (a long number).');
		expect(error.description).toMatch(/choose Session → From Input Item/);
		expect((error as unknown as { context: { itemIndex: number } }).context.itemIndex).toBe(1);
		await result.cleanup();
	});
});

describe('URL inputs (as an AI agent tool uses them)', () => {
	it('face swaps from URLs and returns the MP4 URL', async () => {
		const hosted = await runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data, face' }), {
			credentials,
			inputItems: [{ binary: { data: media('remote.mp4'), face: media('remote-face.jpg') } }],
		});
		const [video, face] = hosted.nodeOutput('Nemo')[0].json.files as Array<{ url: string }>;
		const result = await runNodes(
			singleNode('n8n-nodes-nemovideo.nemoFaceSwap', { videoSource: 'url', videoUrl: video.url, faceSource: 'url', faceUrl: face.url, result: 'url' }),
			{ credentials },
		);
		const [item] = result.nodeOutput('Nemo');
		expect(item.json.videoUrl).toMatch(/\/renders\/render_/);
		expect(item.binary).toBeUndefined();
		const upload = sim.requests.filter((r) => r.path.startsWith('/api/upload-video/')).pop()!;
		expect(upload.json).toEqual({ urls: [video.url, face.url], source_type: 'url' });
		await Promise.all([hosted.cleanup(), result.cleanup()]);
	});

	it('refuses a file: URL, naming the field', async () => {
		const result = await runNodes(
			singleNode('n8n-nodes-nemovideo.nemoFaceSwap', { videoSource: 'url', videoUrl: 'file:///etc/passwd', faceSource: 'url', faceUrl: 'https://x.test/f.jpg' }),
			{ credentials },
		);
		expect(result.nodeError('Nemo')!.message).toBe('Item index 0: Video URL uses file: which is not allowed; only http(s) URLs can be fetched by NemoVideo.');
		expect(sim.requests.filter((r) => r.path !== '/api/auth/anonymous-token')).toHaveLength(0);
		await result.cleanup();
	});
});

describe('the other nodes', () => {
	it('Nemo Edit sends any instruction to the session', async () => {
		const upload = await runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data' }), {
			credentials,
			inputItems: [{ binary: { data: media('clip.mp4') } }],
		});
		const sessionId = upload.nodeOutput('Nemo')[0].json.sessionId as string;
		const result = await runNodes(singleNode('n8n-nodes-nemovideo.nemoEdit', { instruction: 'Add the title "Urban Dreams"', result: 'none' }), {
			credentials,
			inputItems: [{ json: { sessionId } }],
		});
		const [item] = result.nodeOutput('Nemo');
		expect(item.json.sessionId).toBe(sessionId);
		expect(item.json.timeline).toBe('Timeline (2 tracks): 1. Video: clip.mp4 (0-10s) 2. Title: "Urban Dreams" (0-3s)');
		await Promise.all([upload.cleanup(), result.cleanup()]);
	});

	it('Nemo Credits reads the balance, keeps the item, and guards a batch', async () => {
		sim.addToken('nmv_usr_credits_test_token', { credits: 40 });
		const ok = await runNodes(singleNode('n8n-nodes-nemovideo.nemoCredits', { minimumAvailable: 10 }), {
			credentials: { baseUrl: sim.url, accessToken: 'nmv_usr_credits_test_token' },
			inputItems: [{ json: { clip: 'a.mp4' } }],
		});
		expect(ok.nodeOutput('Nemo')[0].json).toEqual({ clip: 'a.mp4', available: 40, frozen: 0, total: 40, tokenType: 'account' });
		const guarded = await runNodes(singleNode('n8n-nodes-nemovideo.nemoCredits', { minimumAvailable: 100 }), {
			credentials: { baseUrl: sim.url, accessToken: 'nmv_usr_credits_test_token' },
		});
		expect(guarded.nodeError('Nemo')!.message).toBe('Item index 0: Only 40 NemoVideo credits are available; this workflow requires at least 100.');
		await Promise.all([ok.cleanup(), guarded.cleanup()]);
	});

	it('Nemo Export starts a render, then gets its status and the file', async () => {
		const upload = await runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data' }), {
			credentials,
			inputItems: [{ binary: { data: media('clip.mp4') } }],
		});
		const sessionId = upload.nodeOutput('Nemo')[0].json.sessionId as string;
		const started = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'start' }), {
			credentials,
			inputItems: [{ json: { sessionId } }],
		});
		const start = started.nodeOutput('Nemo')[0].json;
		expect(start).toMatchObject({ sessionId, status: 'pending', timeline: 'Timeline (1 track): 1. Video: clip.mp4 (0-10s)' });
		const early = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', output: 'binary' }), {
			credentials,
			inputItems: [{ json: { renderId: start.renderId } }],
		});
		expect(['pending', 'processing']).toContain(early.nodeOutput('Nemo')[0].json.status);
		await new Promise((resolve) => setTimeout(resolve, FAST_TIMINGS.renderMs + 200));
		const done = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', output: 'binary' }), {
			credentials,
			inputItems: [{ json: { renderId: start.renderId } }],
		});
		const [item] = done.nodeOutput('Nemo');
		expect(item.json).toMatchObject({ renderId: start.renderId, status: 'completed' });
		expect((await done.binaryBuffer(item.binary!.data)).subarray(4, 8).toString('latin1')).toBe('ftyp');
		await Promise.all([upload.cleanup(), started.cleanup(), early.cleanup(), done.cleanup()]);
	});

	it('Nemo Export refuses a session id expression that evaluates to nothing', async () => {
		const session = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'exportAndWait', session: 'id', sessionId: '={{ $json.nothing }}' }), { credentials });
		expect(session.nodeError('Nemo')!.message).toBe('Item index 0: Session ID is empty (the expression evaluated to nothing).');
		await session.cleanup();
	});
});

describe('cancellation', () => {
	it('a stopped execution stops the stream within about a second, and nothing is re-sent', async () => {
		sim.configure({ sseDurationMs: 30_000 });
		const started = Date.now();
		const result = await runNodes(workflowFixture('batch-face-swap'), {
			credentials,
			inputItems: [swapItem(0)],
			cancelAfterMs: 400,
		});
		expect(result.status).toBe('canceled');
		expect(Date.now() - started).toBeLessThan(2_000);
		expect(messagesSent()).toBe(1);
		await result.cleanup();
	});
});

describe('the credential', () => {
	it('tests OK against the simulator (n8n\'s own test request, after the preAuthentication) and fails clearly with a bad token', async () => {
		const ok = await testCredentials({ type: 'nemoApi', data: { baseUrl: sim.url, accessToken: '' }, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(ok).toEqual({ status: 'OK', message: 'Connection successful!' });
		sim.addToken('nmv_usr_credential_test_token', { credits: 25 });
		const withToken = await testCredentials({ type: 'nemoApi', data: { baseUrl: sim.url, accessToken: 'nmv_usr_credential_test_token' }, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(withToken.status).toBe('OK');
		expect(sim.requests.filter((r) => r.path === '/api/credits/balance/simple').pop()?.headers.authorization).toBe('Bearer nmv_usr_credential_test_token');
		const bad = await testCredentials({
			type: 'nemoApi',
			data: { baseUrl: sim.url, accessToken: 'nmv_usr_wrong_token_value' },
			credentialTypes: [new NemoApi()],
			nodeTypes: NODE_TYPES,
		});
		expect(bad.status).toBe('Error');
		expect(bad.message).not.toContain('nmv_usr_wrong_token_value');
		expect(bad.message).not.toMatch(/\n\s+at /);
	});
});
