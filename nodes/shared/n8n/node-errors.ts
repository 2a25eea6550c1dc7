import { NodeApiError, NodeOperationError, type INode, type INodeExecutionData, type JsonObject } from 'n8n-workflow';
import { NemoApiError, isNemoApiError, redactSecrets } from '../client';

/**
 * Errors are wrapped once, here, at the edge between the client core and n8n: a NemoApiError
 * becomes a NodeApiError (the service said no, or could not be reached) or a NodeOperationError
 * (the item's input was refused), with the item index, and the client's advice as description.
 */

export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (!isNemoApiError(error)) {
		const message = redactSecrets(error instanceof Error ? error.message : String(error));
		return new NodeOperationError(node, `Item index ${itemIndex}: ${message}`, { itemIndex });
	}
	const message = messageFor(error, itemIndex);
	if (error.kind === 'input' || error.kind === 'cancelled') {
		return new NodeOperationError(node, message, { itemIndex, description: error.description });
	}
	const summary: JsonObject = { message, kind: error.kind };
	if (error.code !== undefined) summary.code = error.code;
	if (error.httpStatus !== undefined) summary.httpStatus = error.httpStatus;
	return new NodeApiError(node, summary, {
		message,
		description: error.description,
		httpCode: error.httpStatus !== undefined && error.httpStatus >= 400 ? String(error.httpStatus) : undefined,
		itemIndex,
	});
}

/**
 * The item that stands in for a failed input item under "Continue On Fail". n8n keeps only the
 * message in its json (`{ error }`) and the error itself (description, item index) beside it;
 * "Continue (using error output)" routes such items to the error output.
 */
export function errorItem(node: INode, error: unknown, itemIndex: number): INodeExecutionData {
	const nodeError = toNodeError(node, error, itemIndex);
	return { json: { error: nodeError.message }, error: nodeError, pairedItem: { item: itemIndex } };
}

/** Input errors name the item (and the field, in their text); service errors name the item too. */
function messageFor(error: NemoApiError, itemIndex: number): string {
	return `Item index ${itemIndex}: ${error.message}`;
}

export function isCancellation(error: unknown): boolean {
	return error instanceof NemoApiError && error.kind === 'cancelled';
}
