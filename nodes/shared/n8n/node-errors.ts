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
		httpCode: error.httpStatus !== undefined ? String(error.httpStatus) : undefined,
		itemIndex,
	});
}

/** The item that stands in for a failed input item under "Continue On Fail". */
export function errorItem(error: unknown, itemIndex: number): INodeExecutionData {
	const json: JsonObject = { error: '' };
	if (isNemoApiError(error)) {
		json.error = messageFor(error, itemIndex);
		if (error.description) json.description = error.description;
		if (error.code !== undefined) json.code = error.code;
		if (error.field) json.field = error.field;
		json.kind = error.kind;
	} else if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		json.error = redactSecrets(error.message);
		if (error.description) json.description = redactSecrets(error.description);
	} else {
		json.error = `Item index ${itemIndex}: ${redactSecrets(error instanceof Error ? error.message : String(error))}`;
	}
	json.itemIndex = itemIndex;
	return { json, pairedItem: { item: itemIndex } };
}

/** Input errors name the item (and the field, in their text); service errors name the item too. */
function messageFor(error: NemoApiError, itemIndex: number): string {
	return `Item index ${itemIndex}: ${error.message}`;
}

export function isCancellation(error: unknown): boolean {
	return error instanceof NemoApiError && error.kind === 'cancelled';
}
