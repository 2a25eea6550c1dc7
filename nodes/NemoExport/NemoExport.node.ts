import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { executeNemoNode, optionsParameter, sessionParameters } from '../shared/n8n';
import * as exportAndWait from './operations/exportAndWait';
import * as getStatus from './operations/getStatus';
import * as start from './operations/start';

type Operation = 'exportAndWait' | 'start' | 'getStatus';

const operations = { exportAndWait, start, getStatus } as const;

export class NemoExport implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Nemo Export',
		name: 'nemoExport',
		icon: { light: 'file:../../icons/nemo-export.svg', dark: 'file:../../icons/nemo-export.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ ({exportAndWait: "Export and wait", start: "Start export", getStatus: "Get export status"})[$parameter["exportOperation"]] }}',
		description: "Render a NemoVideo session's timeline to an MP4 video",
		defaults: { name: 'Nemo Export' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'nemoApi', required: true }],
		properties: [
			// Not named "operation": n8n adds "Custom API Call" to a node's resource/operation list
			// whenever its credential declares `authenticate` (LoadNodesAndCredentials
			// .injectCustomApiCallOptions), and a raw API call does not fit an export node.
			{
				displayName: 'Operation',
				name: 'exportOperation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Export and Wait', value: 'exportAndWait', action: 'Export a session to MP4 and wait for it', description: 'Render the MP4 and wait until it is ready' },
					{ name: 'Start Export', value: 'start', action: 'Start an export', description: 'Start rendering and return the render ID at once' },
					{ name: 'Get Status', value: 'getStatus', action: 'Get the status of an export', description: 'Check a render started earlier; output the video when complete' },
				],
				default: 'exportAndWait',
			},
			...sessionParameters({ canStartNew: false, displayOptions: { show: { exportOperation: ['exportAndWait', 'start'] } } }),
			...exportAndWait.description,
			...getStatus.description,
			optionsParameter(['itemsAtOnce', 'timeoutMinutes', 'binaryPropertyOutput', 'fileName', 'ifNoPublicUrl']),
		],
	};


	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeNemoNode(this, (client, { itemIndex, signal }) => {
			const operation = this.getNodeParameter('exportOperation', itemIndex) as Operation;
			return operations[operation].execute(this, client, itemIndex, signal);
		});
	}
}
