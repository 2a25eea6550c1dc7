// @ts-check
'use strict';
/**
 * Workflows only the e2e tests use (the user-facing ones are in examples/): the large-file
 * memory run. Node typeVersions are ones n8n 1.123 and 2.40 both accept.
 */

/** @param {string} from @param {string} to */
const link = (from, to) => ({ [from]: { main: [[{ node: to, type: 'main', index: 0 }]] } });

/**
 * Manual Trigger → Read/Write Files from Disk (the clip, into n8n's filesystem binary store)
 * → Nemo Upload (streamed from the store) → Nemo Export (Export and Wait, the MP4 streamed back
 * into the store). Run with a small and a ~300 MB file/render to compare n8n's peak memory.
 * @param {{ id: string, file: string, credential: { id: string, name: string } }} o
 */
function largeFileWorkflow(o) {
	const cred = { nemoApi: { ...o.credential } };
	return {
		id: o.id,
		name: `e2e: large file through Nemo Upload and Nemo Export (${o.id})`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'l1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'l2',
				name: 'Read Clip',
				type: 'n8n-nodes-base.readWriteFile',
				typeVersion: 1,
				position: [200, 0],
				parameters: { fileSelector: o.file, options: { dataPropertyName: 'data' } },
			},
			{
				id: 'l3',
				name: 'Nemo Upload',
				type: 'n8n-nodes-nemovideo.nemoUpload',
				typeVersion: 1,
				position: [400, 0],
				parameters: { source: 'binary', binaryPropertyNames: 'data', sessionId: '', options: {} },
				credentials: cred,
			},
			{
				id: 'l4',
				name: 'Nemo Export',
				type: 'n8n-nodes-nemovideo.nemoExport',
				typeVersion: 1,
				position: [600, 0],
				parameters: { exportOperation: 'exportAndWait', sessionId: '={{ $json.sessionId }}', output: 'binary', options: { fileName: 'render.mp4' } },
				credentials: cred,
			},
		],
		connections: { ...link('Start', 'Read Clip'), ...link('Read Clip', 'Nemo Upload'), ...link('Nemo Upload', 'Nemo Export') },
	};
}

/**
 * The large-file workflow with n8n's own HTTP Request node in front, as the reference for
 * proxy use: under the same environment our nodes must reach the service exactly as it does.
 * @param {{ id: string, file: string, credential: { id: string, name: string }, referenceUrl: string }} o
 */
function proxyReferenceWorkflow(o) {
	const wf = largeFileWorkflow(o);
	wf.name = `e2e: HTTP Request node, then a large file through our nodes (${o.id})`;
	wf.nodes.push({
		id: 'l5',
		name: 'HTTP Request (reference)',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [100, 200],
		parameters: { url: o.referenceUrl, options: { response: { response: { neverError: true } } } },
	});
	const connections = /** @type {Record<string, any>} */ (wf.connections);
	connections.Start = { main: [[{ node: 'HTTP Request (reference)', type: 'main', index: 0 }]] };
	Object.assign(connections, link('HTTP Request (reference)', 'Read Clip'));
	return wf;
}

/**
 * Manual Trigger → Nemo Credits: the smallest run that needs a token.
 * @param {{ id: string, credential: { id: string, name: string } }} o
 */
function creditsWorkflow(o) {
	return {
		id: o.id,
		name: `e2e: Nemo Credits (${o.id})`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'c1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'c2',
				name: 'Nemo Credits',
				type: 'n8n-nodes-nemovideo.nemoCredits',
				typeVersion: 1,
				position: [200, 0],
				parameters: {},
				credentials: { nemoApi: { ...o.credential } },
			},
		],
		connections: link('Start', 'Nemo Credits'),
	};
}

/**
 * Webhook (multipart: the video as `data`, the face photo as `face`) → Nemo Face Swap (binary in,
 * the MP4 out as binary) → Respond to Webhook with that binary. In queue mode the main receives
 * the files and answers, a worker runs the swap: the binaries cross processes through n8n's
 * binary data store (queue mode needs the `database` mode for that).
 * @param {{ id: string, path: string, credential: { id: string, name: string } }} o
 */
function binaryWebhookWorkflow(o) {
	return {
		id: o.id,
		name: `e2e: binary face swap on a webhook (${o.id})`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: 'b1',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'e2e0b1a2-0000-4000-8000-00000000b1a2',
				parameters: { httpMethod: 'POST', path: o.path, responseMode: 'responseNode', options: {} },
			},
			{
				id: 'b2',
				name: 'Nemo Face Swap',
				type: 'n8n-nodes-nemovideo.nemoFaceSwap',
				typeVersion: 1,
				position: [220, 0],
				parameters: { videoSource: 'binary', videoBinaryProperty: 'data', faceSource: 'binary', faceBinaryProperty: 'face', result: 'binary', sessionId: '', options: {} },
				credentials: { nemoApi: { ...o.credential } },
			},
			{
				id: 'b3',
				name: 'Respond with the MP4',
				type: 'n8n-nodes-base.respondToWebhook',
				typeVersion: 1.1,
				position: [440, 0],
				parameters: { respondWith: 'binary', responseDataSource: 'set', inputFieldName: 'data', options: {} },
			},
		],
		connections: { ...link('Webhook', 'Nemo Face Swap'), ...link('Nemo Face Swap', 'Respond with the MP4') },
	};
}


module.exports = { largeFileWorkflow, proxyReferenceWorkflow, creditsWorkflow, binaryWebhookWorkflow };
