import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { INodeExecutionData } from 'n8n-workflow';

import { HarnessTest, STREAM_CHUNK_SIZE } from './fixtures/HarnessTest.node';
import { HarnessTestApi } from './fixtures/HarnessTestApi.credentials';
import type { FakeApi } from './fixtures/fake-api';
import { startFakeApi } from './fixtures/fake-api';
import type { HarnessInputItem, RunWorkflowOptions } from './index';
import { harnessRootDir, loadWorkflow, runWorkflow, testCredentials, withNode } from './index';

const NODE = 'Harness Test';
const workflow = loadWorkflow(path.join(__dirname, 'fixtures/harness-test.workflow.json'));

let api: FakeApi;
beforeAll(async () => {
	api = await startFakeApi();
});
afterAll(async () => {
	await api.close();
});

/** Options shared by every run: our node, our credential, good credential data. */
function options(overrides: Partial<RunWorkflowOptions> = {}): RunWorkflowOptions {
	return {
		workflow,
		nodeTypes: { 'n8n-nodes-harness.harnessTest': new HarnessTest() },
		credentialTypes: [new HarnessTestApi()],
		credentials: { harnessTestApi: { apiKey: 'good-key', baseUrl: api.baseUrl } },
		...overrides,
	};
}

const fiveItems = (): HarnessInputItem[] => [0, 1, 2, 3, 4].map((n) => ({ json: { n } }));

const pairedIndexes = (items: INodeExecutionData[]) =>
	items.map((item) => (item.pairedItem as { item: number }).item);

async function sha256(stream: Readable): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of stream) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

describe('runWorkflow', () => {
	test('credentials arrive with type defaults; items stay in order and pair to their inputs', async () => {
		const result = await runWorkflow(options({ inputItems: fiveItems() }));

		expect(result.status).toBe('success');
		expect(result.executionOrder).toEqual(['When clicking ‘Execute workflow’', NODE, 'After']);
		const out = result.nodeOutput(NODE);
		expect(out.map((item) => item.json.input)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
		expect(out.every((item) => item.json.apiKey === 'good-key' && item.json.region === 'eu')).toBe(
			true,
		);
		expect(pairedIndexes(out)).toEqual([0, 1, 2, 3, 4]);
		// ...and the engine pairs the downstream NoOp's items too.
		expect(pairedIndexes(result.nodeOutput('After'))).toEqual([0, 1, 2, 3, 4]);
	});

	test('authenticate + preAuthentication run through httpRequestWithAuthentication', async () => {
		const loginsBefore = api.logins;
		const result = await runWorkflow(
			options({
				workflow: withNode(workflow, NODE, { parameters: { callApi: true } }),
				inputItems: fiveItems(),
			}),
		);

		expect(result.status).toBe('success');
		// One login for five requests: the token was persisted after the first.
		expect(api.logins).toBe(loginsBefore + 1);
		const token = `tok-${api.logins}`;
		expect(result.nodeOutput(NODE).map((item) => item.json.api)).toEqual(
			Array(5).fill({ user: 'ada', token }),
		);
		expect(result.storedCredentials('harnessTestApi')?.sessionToken).toBe(token);
	});

	test('a 401 makes n8n refresh the expirable token and retry', async () => {
		api.expireTokens();
		const result = await runWorkflow(
			options({
				workflow: withNode(workflow, NODE, { parameters: { callApi: true } }),
				credentials: {
					harnessTestApi: { apiKey: 'good-key', baseUrl: api.baseUrl, sessionToken: 'stale' },
				},
			}),
		);

		expect(result.status).toBe('success');
		expect(result.nodeOutput(NODE)[0].json.api).toEqual({ user: 'ada', token: `tok-${api.logins}` });
	});

	test.each(['default', 'filesystem'] as const)(
		'binary in and out in %s mode',
		async (binaryDataMode) => {
			const result = await runWorkflow(
				options({
					binaryDataMode,
					inputItems: [
						{ json: { n: 0 }, binary: { data: { data: 'hello', fileName: 'a.txt' } } },
						{ json: { n: 1 } },
						{ json: { n: 2 }, binary: { data: { data: Buffer.from('world'), mimeType: 'text/csv' } } },
					],
				}),
			);

			expect(result.status).toBe('success');
			const [first, second, third] = result.nodeOutput(NODE);
			expect(first.json).toMatchObject({ bytes: 5, text: 'hello' });
			expect(first.binary?.out).toMatchObject({ fileName: 'echo-a.txt', mimeType: 'text/plain' });
			expect((await result.binaryBuffer(first.binary!.out)).toString()).toBe('hello');
			expect(second.binary).toBeUndefined();
			expect(third.binary?.out.mimeType).toBe('text/csv');
			expect(await sha256(await result.binaryStream(third.binary!.out))).toBe(third.json.sha256);

			if (binaryDataMode === 'filesystem') {
				expect(first.binary!.out.id).toMatch(/^filesystem-v2:/);
				expect(first.json.metadata).toEqual({ fileName: 'a.txt', mimeType: 'text/plain', fileSize: 5 });
			} else {
				expect(first.binary!.out.id).toBeUndefined();
				expect(first.binary!.out.data).toBe(Buffer.from('hello').toString('base64'));
			}
		},
	);

	test('a 50 MB binary in filesystem mode is streamed from disk, not loaded', async () => {
		const size = 50 * 1024 * 1024;
		const filePath = path.join(harnessRootDir(), 'big.bin');
		const expectedHash = createHash('sha256');
		const file = createWriteStream(filePath);
		for (let mb = 0; mb < 50; mb++) {
			const chunk = Buffer.alloc(1024 * 1024, mb);
			expectedHash.update(chunk);
			if (!file.write(chunk)) await once(file, 'drain');
		}
		file.end();
		await once(file, 'finish');

		const result = await runWorkflow(
			options({
				binaryDataMode: 'filesystem',
				inputItems: [{ json: {}, binary: { data: { filePath, mimeType: 'video/mp4' } } }],
			}),
		);

		expect(result.status).toBe('success');
		const [item] = result.nodeOutput(NODE);
		const hash = expectedHash.digest('hex');
		expect(item.json).toMatchObject({ bytes: size, sha256: hash });
		// The node saw chunks of at most the size it asked getBinaryStream for.
		expect(item.json.maxChunk).toBeLessThanOrEqual(STREAM_CHUNK_SIZE);
		expect(await result.binaryMetadata(item.binary!.out)).toMatchObject({ fileSize: size });
		expect(await sha256(await result.binaryStream(item.binary!.out))).toBe(hash);
		await result.cleanup();
	});

	test('continueRegularOutput: the bad item becomes an error item, the others go on', async () => {
		const items = fiveItems();
		items[2].json = { n: 2, bad: true };
		const result = await runWorkflow(
			options({
				workflow: withNode(workflow, NODE, { onError: 'continueRegularOutput' }),
				inputItems: items,
			}),
		);

		expect(result.status).toBe('success');
		const out = result.nodeOutput(NODE);
		expect(out.map((item) => item.json.error ?? item.json.input)).toEqual([
			{ n: 0 },
			{ n: 1 },
			'Item 2 is flagged bad',
			{ n: 3 },
			{ n: 4 },
		]);
		expect(pairedIndexes(out)).toEqual([0, 1, 2, 3, 4]);
	});

	test('continueErrorOutput: the bad item goes to the error output, paired to its input', async () => {
		const items = fiveItems();
		items[2].json = { n: 2, bad: true };
		const result = await runWorkflow(
			options({
				workflow: withNode(workflow, NODE, { onError: 'continueErrorOutput' }),
				inputItems: items,
			}),
		);

		expect(result.status).toBe('success');
		const [success, errors] = result.nodeOutputs(NODE);
		expect(pairedIndexes(success)).toEqual([0, 1, 3, 4]);
		expect(errors).toHaveLength(1);
		expect(errors[0].json).toEqual({ n: 2, bad: true, error: 'Item 2 is flagged bad' });
		expect(errors[0].pairedItem).toEqual({ item: 2 });
		expect(result.nodeOutput('After')).toHaveLength(4);
		expect(result.nodeOutput('On Error')).toHaveLength(1);
	});

	test('without continueOnFail an error fails the run with its itemIndex', async () => {
		const items = fiveItems();
		items[3].json = { n: 3, bad: true };
		const result = await runWorkflow(options({ inputItems: items }));

		expect(result.status).toBe('error');
		expect(result.error?.message).toBe('Item 3 is flagged bad');
		const error = result.nodeError(NODE);
		expect(error).toMatchObject({
			name: 'NodeOperationError',
			message: 'Item 3 is flagged bad',
			description: 'The input item had bad: true',
			context: { itemIndex: 3 },
		});
		expect(result.runData.After).toBeUndefined();
	});

	test.each([
		['cancelAfterMs', () => ({ cancelAfterMs: 150 })],
		[
			'an AbortSignal',
			() => {
				const controller = new AbortController();
				setTimeout(() => controller.abort(), 150);
				return { signal: controller.signal };
			},
		],
	])('cancelling via %s stops the node through getExecutionCancelSignal', async (_how, cancel) => {
		const started = Date.now();
		const result = await runWorkflow(
			options({ workflow: withNode(workflow, NODE, { parameters: { waitMs: 30_000 } }), ...cancel() }),
		);

		expect(Date.now() - started).toBeLessThan(1000);
		expect(result.status).toBe('canceled');
		// The node's abort listener fired (it rejects with this message).
		expect(result.nodeError(NODE)?.message).toBe('Cancelled while waiting');
		expect(result.runData.After).toBeUndefined();
	});
});

describe('testCredentials', () => {
	const credentialTypes = [new HarnessTestApi()];

	test('runs the credential type test request with preAuthentication + authenticate', async () => {
		await expect(
			testCredentials({
				type: 'harnessTestApi',
				data: { apiKey: 'good-key', baseUrl: api.baseUrl },
				credentialTypes,
			}),
		).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	test('reports a failing login as an error', async () => {
		const result = await testCredentials({
			type: 'harnessTestApi',
			data: { apiKey: 'wrong', baseUrl: api.baseUrl },
			credentialTypes,
		});
		expect(result.status).toBe('Error');
	});
});
