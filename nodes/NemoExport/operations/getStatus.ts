import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { DEFAULT_BASE_URL, NemoApiError, inputError, isNemoApiError, settle, type NemoClient } from '../../shared/client';
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
	const asked = await settle(client.getRenderStatus(renderId, signal));
	if (!asked.ok) throw noSuchRender(asked.error, renderId, choice) ?? asked.error;
	const status = asked.value;
	const sessionId = sessionOfRender(context, itemIndex, status.renderId);
	if (status.status !== 'completed') return { json: { ...renderFields(status), ...(sessionId ? { sessionId } : {}) } };
	return deliverRender(context, client, status, {
		sessionId,
		delivery: readDeliveryFormat(context, itemIndex),
		options: readOptions(context, itemIndex),
		signal,
	});
}

/**
 * The session a render was made from, when the input item says it: a Start Export output carries
 * both ids. It names the file as Export and Wait does (nemo-<sessionId>.mp4), and chains on; an
 * item about another render (or none) leaves it unknown, and the render id names the file.
 */
function sessionOfRender(context: IExecuteFunctions, itemIndex: number, renderId: string): string | undefined {
	const json = context.getInputData()[itemIndex]?.json ?? {};
	if (String(json.renderId ?? '').trim() !== renderId) return undefined;
	const sessionId = typeof json.sessionId === 'string' || typeof json.sessionId === 'number' ? String(json.sessionId).trim() : '';
	return /^\d{1,30}$/.test(sessionId) ? sessionId : undefined;
}

/**
 * A 404 for a render id is most likely an id this account has no render of (mistyped, from
 * another credential's export, or not a render id at all); a Base URL that is not NemoVideo's
 * fails every call alike, so that doubt comes last (issue 21, 2.5).
 */
function noSuchRender(error: unknown, renderId: string, choice: string): NemoApiError | undefined {
	if (!isNemoApiError(error) || error.code !== 404 || error.field === 'baseUrl') return undefined;
	const field = choice === 'fromInput' ? 'the renderId field of the input item' : 'Render ID';
	return new NemoApiError(`NemoVideo has no render ${renderId} for this account (HTTP 404) while reading the export status.`, {
		kind: 'api',
		code: 404,
		httpStatus: error.httpStatus,
		operation: error.operation,
		field: choice === 'fromInput' ? 'render' : 'renderId',
		description: `Check ${field}: it must be the renderId of a Nemo Export (Start Export) output, made with this same Nemo API credential (renders belong to the account that started them). If every call fails like this, the Base URL in the Nemo API credential is wrong: it should be ${DEFAULT_BASE_URL}.`,
	});
}
