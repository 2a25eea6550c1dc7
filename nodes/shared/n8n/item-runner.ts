import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { cancelledError } from '../client';
import { errorItem, isCancellation, toNodeError } from './node-errors';

/**
 * Runs a node's work for every input item, several at once, and returns the outputs in input
 * order, each paired to its input item. Under "Continue On Fail" a failed item becomes an error
 * item in its place and the others go on; otherwise the first failure (in item order) stops the
 * node, the items still running are aborted, and the error names the item.
 */

export interface ItemWork {
	itemIndex: number;
	/** Fires when the execution is stopped, or when another item failed the node. */
	signal: AbortSignal;
}

export type ItemResult = INodeExecutionData | INodeExecutionData[];

export async function runItems(
	context: IExecuteFunctions,
	work: (item: ItemWork) => Promise<ItemResult>,
	options: { concurrency: number },
): Promise<INodeExecutionData[][]> {
	const count = context.getInputData().length;
	const continueOnFail = context.continueOnFail();
	const executionSignal = context.getExecutionCancelSignal();
	const stopAll = new AbortController();
	const signal = executionSignal ? AbortSignal.any([executionSignal, stopAll.signal]) : stopAll.signal;

	const results: INodeExecutionData[][] = new Array(count);
	const failures = new Map<number, unknown>();
	let next = 0;

	const worker = async () => {
		while (next < count && !signal.aborted) {
			const itemIndex = next++;
			try {
				// Each item listens on a signal of its own: on the shared one, a few listeners per item
				// at once pass Node's limit of 10 and log a (false) "possible memory leak" warning.
				const output = await work({ itemIndex, signal: AbortSignal.any([signal]) });
				results[itemIndex] = (Array.isArray(output) ? output : [output]).map((entry) => ({
					...entry,
					pairedItem: entry.pairedItem ?? { item: itemIndex },
				}));
			} catch (error) {
				if (continueOnFail && !signal.aborted) {
					results[itemIndex] = [errorItem(context.getNode(), error, itemIndex)];
				} else {
					failures.set(itemIndex, error);
					if (!isCancellation(error)) stopAll.abort();
				}
			}
		}
	};
	const workers = Math.max(1, Math.min(Math.floor(options.concurrency) || 1, count));
	await Promise.all(Array.from({ length: workers }, worker));

	if (executionSignal?.aborted) throw toNodeError(context.getNode(), cancelledError(), firstIndex(failures) ?? 0);
	const failed = firstRealFailure(failures);
	if (failed) throw toNodeError(context.getNode(), failed.error, failed.itemIndex);
	return [results.flat()];
}

function firstIndex(failures: Map<number, unknown>): number | undefined {
	return failures.size ? Math.min(...failures.keys()) : undefined;
}

/** The first failure in item order that is not merely an abort caused by another failure. */
function firstRealFailure(failures: Map<number, unknown>): { itemIndex: number; error: unknown } | undefined {
	const ordered = [...failures.entries()].sort(([a], [b]) => a - b);
	const real = ordered.find(([, error]) => !isCancellation(error)) ?? ordered[0];
	return real ? { itemIndex: real[0], error: real[1] } : undefined;
}
