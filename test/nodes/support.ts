import path from 'node:path';
import { NemoApi } from '../../credentials/NemoApi.credentials';
import { NemoAudioReplace } from '../../nodes/NemoAudioReplace/NemoAudioReplace.node';
import { NemoCredits } from '../../nodes/NemoCredits/NemoCredits.node';
import { NemoEdit } from '../../nodes/NemoEdit/NemoEdit.node';
import { NemoExport } from '../../nodes/NemoExport/NemoExport.node';
import { NemoFaceSwap } from '../../nodes/NemoFaceSwap/NemoFaceSwap.node';
import { NemoUpload } from '../../nodes/NemoUpload/NemoUpload.node';
import { clearRateLimiters, clearTokenCache } from '../../nodes/shared/client';
import { type HarnessInputItem, type RunWorkflowOptions, type WorkflowJson, loadWorkflow, runWorkflow } from '../harness';
import { FAST_CLIENT_TUNING, FAST_TIMINGS, type Simulator, startSimulator } from '../support/simulator';

/** Our six nodes under the type names a community-package install gives them. */
export const NODE_TYPES = {
	'n8n-nodes-nemovideo.nemoFaceSwap': new NemoFaceSwap(),
	'n8n-nodes-nemovideo.nemoAudioReplace': new NemoAudioReplace(),
	'n8n-nodes-nemovideo.nemoUpload': new NemoUpload(),
	'n8n-nodes-nemovideo.nemoCredits': new NemoCredits(),
	'n8n-nodes-nemovideo.nemoExport': new NemoExport(),
	'n8n-nodes-nemovideo.nemoEdit': new NemoEdit(),
};

export const TRIGGER = 'When clicking ‘Execute workflow’';

export function workflowFixture(name: string): WorkflowJson {
	return loadWorkflow(path.join(__dirname, 'workflows', `${name}.workflow.json`));
}

/** A workflow of the Manual Trigger and one of our nodes. */
export function singleNode(type: keyof typeof NODE_TYPES, parameters: Record<string, unknown>, name = 'Nemo'): WorkflowJson {
	return {
		nodes: [
			{ id: 't', name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'n',
				name,
				type,
				typeVersion: 1,
				position: [220, 0],
				parameters: parameters as never,
				credentials: { nemoApi: { id: 'nemo-cred-1', name: 'Nemo API (simulator)' } },
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: name, type: 'main', index: 0 }]] } },
	};
}

let clientTuning: Record<string, unknown> | undefined;

/**
 * Waits for the client inside the nodes, from now on: runNodes passes them in the credential's
 * hidden `tuning` field (the client factory reads it; shipped code reads no environment).
 */
export function setClientTuning(tuning: Record<string, unknown> | undefined): void {
	clientTuning = tuning;
}

/** Fast waits for the client inside the nodes. */
export function useFastClientTuning(): void {
	setClientTuning(FAST_CLIENT_TUNING);
}

/**
 * One simulator for the node tests of a file (or describe block), started once with fast client
 * waits; before each test it is reset and configured with FAST_TIMINGS, no silent edits, and
 * `config`. Read `sim` and `credentials` (a registered account's credential for it) from the returned
 * object inside tests.
 */
export function useNodeSimulator(config: Record<string, unknown> = {}): { sim: Simulator; credentials: Record<string, unknown> } {
	const env = {} as { sim: Simulator; credentials: Record<string, unknown> };
	beforeAll(async () => {
		useFastClientTuning();
		env.sim = await startSimulator(FAST_TIMINGS);
	});
	afterAll(() => env.sim.close());
	beforeEach(() => {
		env.sim.reset();
		env.sim.configure({ ...FAST_TIMINGS, silentRate: 0, ...config });
		// A registered account: NemoVideo's trial tokens cannot export (trial-export.test.ts has those).
		env.credentials = { baseUrl: env.sim.url, accessToken: env.sim.register({ credits: 10_000_000 }).token };
	});
	return env;
}

export function runNodes(
	workflow: WorkflowJson,
	options: Omit<RunWorkflowOptions, 'workflow' | 'nodeTypes' | 'credentialTypes' | 'credentials'> & { credentials: Record<string, unknown> },
) {
	clearTokenCache();
	clearRateLimiters(); // one test's 429s must not slow the next
	// Export refusals (402) stay, as in a long-running n8n: they are kept per origin and token.
	const credentials = clientTuning && options.credentials.tuning === undefined ? { ...options.credentials, tuning: JSON.stringify(clientTuning) } : options.credentials;
	return runWorkflow({
		...options,
		workflow,
		nodeTypes: NODE_TYPES,
		credentialTypes: [new NemoApi()],
		credentials: { nemoApi: credentials as never },
	});
}

/** Media with the right first bytes for its type, small enough for fast tests. */
export function media(fileName: string, bytes = 8192): { data: Buffer; fileName: string; mimeType: string } {
	const data = Buffer.alloc(bytes, 3);
	const extension = fileName.split('.').pop();
	const types: Record<string, [string, Buffer]> = {
		mp4: ['video/mp4', Buffer.from('\x00\x00\x00\x18ftypisom', 'latin1')],
		jpg: ['image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
		png: ['image/png', Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')],
		mp3: ['audio/mpeg', Buffer.from('ID3\x03', 'latin1')],
	};
	const [mimeType, magic] = types[extension ?? ''] ?? ['application/octet-stream', Buffer.alloc(0)];
	magic.copy(data);
	return { data, fileName, mimeType };
}

export function swapItem(index: number): HarnessInputItem {
	return { json: { clip: index }, binary: { data: media(`clip${index}.mp4`), face: media(`face${index}.jpg`) } };
}

export const pairedIndexes = (items: Array<{ pairedItem?: unknown }>) =>
	items.map((item) => (item.pairedItem as { item: number }).item);

/**
 * One export with these credentials, so this process knows the token can export: until it does,
 * one exporting item at a time goes ahead (nodes/shared/client/export-refusals.ts), which tests of
 * items running side by side must not meet. Leaves a session behind; reset the simulator after.
 */
export async function exportOnce(credentials: Record<string, unknown>): Promise<void> {
	const upload = await runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data' }), { credentials, inputItems: [{ json: {}, binary: { data: media('warm-up.mp4') } }] });
	const sessionId = String(upload.nodeOutput('Nemo')[0]?.json.sessionId);
	await upload.cleanup();
	const exported = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'start', session: 'id', sessionId }), { credentials });
	if (exported.error) throw exported.error;
	await exported.cleanup();
}
