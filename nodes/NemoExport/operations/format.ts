import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** How a finished render is handed over: the MP4 as binary data, or only its URL. */
export const deliveryFormat: INodeProperties = {
	displayName: 'Output',
	name: 'output',
	type: 'options',
	options: [
		{ name: 'Video File (Binary)', value: 'binary', description: 'Download the MP4 into the item as binary data' },
		{ name: 'Video URL', value: 'url', description: 'Only the download URL of the MP4' },
	],
	default: 'binary',
};

export function readDeliveryFormat(context: IExecuteFunctions, itemIndex: number): 'binary' | 'url' {
	return context.getNodeParameter('output', itemIndex, 'binary') as 'binary' | 'url';
}
