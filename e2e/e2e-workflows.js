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

module.exports = { largeFileWorkflow };
