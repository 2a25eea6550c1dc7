import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { inputError, type NemoClient } from '../../shared/client';
import { deliverRender, isEmpty, readFromInputOrId, readOptions, renderFields } from '../../shared/n8n';
import { deliveryFormat, readDeliveryFormat } from './format';

/** Get Status: one look at a render; when it is complete, the file or URL as with Export and Wait. */

const show = { show: { exportOperation: ['getStatus'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Render',
		name: 'render',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'From Input Item', value: 'fromInput', description: 'The renderId field of the input item (the output of Start Export)' },
			{ name: 'By ID', value: 'id', description: 'Enter a render ID, or map one with an expression' },
		],
		default: 'fromInput',
		displayOptions: show,
		description: 'The render to check',
	},
	{
		displayName: 'Render ID',
		name: 'renderId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. render_1796166302986_33b07ce4',
		displayOptions: { show: { ...show.show, render: ['id'] } },
		description: 'ID of the render (the renderId field of a Start Export output)',
	},
	{ ...deliveryFormat, displayOptions: show, description: 'What to output when the render is complete' },
];

export async function execute(context: IExecuteFunctions, client: NemoClient, itemIndex: number, signal: AbortSignal): Promise<INodeExecutionData> {
	const choice = context.getNodeParameter('render', itemIndex, 'fromInput') as string;
	const raw = readFromInputOrId(context, itemIndex, choice, 'renderId');
	const renderId = isEmpty(raw) ? '' : String(raw).trim();
	if (!/^[\w.-]{1,200}$/.test(renderId)) {
		const empty = choice === 'fromInput' ? 'The input item has no renderId field.' : 'Render ID is empty (the expression evaluated to nothing).';
		throw inputError(
			renderId ? `"${renderId.slice(0, 60)}" is not a render id.` : empty,
			choice === 'fromInput' && !renderId ? 'render' : 'renderId',
			'Connect this node after a Nemo Export "Start Export" (its output has renderId), or choose Render → By ID.',
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
