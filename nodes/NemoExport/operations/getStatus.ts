import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { inputError, type NemoClient } from '../../shared/client';
import { deliverRender, readOptions, renderFields } from '../../shared/n8n';
import { deliveryFormat, readDeliveryFormat } from './format';

/** Get Status: one look at a render; when it is complete, the file or URL as with Export and Wait. */

const show = { show: { operation: ['getStatus'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Render ID',
		name: 'renderId',
		type: 'string',
		default: '={{ $json.renderId }}',
		required: true,
		displayOptions: show,
		description: 'The render to check, from Start Export. By default the renderId field of the input item.',
	},
	{ ...deliveryFormat, displayOptions: show, description: 'What to output when the render is complete' },
];

export async function execute(context: IExecuteFunctions, client: NemoClient, itemIndex: number, signal: AbortSignal): Promise<INodeExecutionData> {
	const renderId = String(context.getNodeParameter('renderId', itemIndex, '') ?? '').trim();
	if (!/^[\w.-]{1,200}$/.test(renderId)) {
		throw inputError(
			renderId ? `"${renderId.slice(0, 60)}" is not a render id.` : 'Render ID is empty (the expression evaluated to nothing).',
			'renderId',
			'Map the renderId field from a Nemo Export "Start Export" output.',
		);
	}
	const status = await client.getRenderStatus(renderId, signal);
	if (status.status !== 'completed') return { json: renderFields(status) };
	return deliverRender(context, client, status, {
		delivery: readDeliveryFormat(context, itemIndex),
		options: readOptions(context, itemIndex),
		signal,
	});
}
