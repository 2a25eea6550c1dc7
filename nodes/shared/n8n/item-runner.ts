import type { IExecuteFunctions, INodeExecutionData, NodeApiError, NodeOperationError } from 'n8n-workflow';
import { amendError, cancelledError, isNemoApiError, redactSecrets, truncate } from '../client';
import { errorItem, isCancellation, toNodeError } from './node-errors';

/**
 * Runs a node's work for every input item, several at once, and returns the outputs in input
 * order, each paired to its input item. The batch rules, all here:
 * - Items of the same session run one after another, in input order (each edit then sees the
 *   state the one before it left, and reports only its own change); items of different sessions
 *   run at once, up to the concurrency.
 * - Under "Continue On Fail" a failed item becomes an error item in its place and the others go on.
 * - Otherwise the first failure stops the batch: no new item starts, and items that have not sent
 *   their instruction yet are aborted; items whose instruction went out (charged) finish, and the
 *   node's error names them with their sessions (and renders), so nothing is sent twice to recover.
 * - Whenever an item that sent its instruction fails, its error message names the session it went to.
 */

export interface ItemWork {
	itemIndex: number;
	/**
	 * Fires when the execution is stopped, or when another item failed the node while this one had
	 * not yet sent its instruction. After `instructionSent`, only a stopped execution fires it.
	 */
	signal: AbortSignal;
	/** Call just before sending a charged instruction: from then on, this item is finished rather than aborted. */
	instructionSent: (sessionId: string) => void;
	/** The service refused it (a 429) and it waits for its turn: not sent, so a stop aborts it again. */
	instructionNotSent: () => void;
}

export type ItemResult = INodeExecutionData | INodeExecutionData[];

export interface RunOptions {
	concurrency: number;
	/** The session an item works in, when known before it runs: items of one session run in order. */
	sessionOf?: (itemIndex: number) => string | undefined;
}

interface ItemState {
	/** Aborts this item (stopped execution, or another item failed before this one sent). */
	controller: AbortController;
	/** The session its charged instruction went to, once sent. */
	sentTo?: string;
}

export async function runItems(context: IExecuteFunctions, work: (item: ItemWork) => Promise<ItemResult>, options: RunOptions): Promise<INodeExecutionData[][]> {
	const count = context.getInputData().length;
	const continueOnFail = context.continueOnFail();
	const executionSignal = context.getExecutionCancelSignal();
	const limit = Math.max(1, Math.min(Math.floor(options.concurrency) || 1, count));
	const sessions = Array.from({ length: count }, (_, itemIndex) => safely(() => options.sessionOf?.(itemIndex)));

	const results: INodeExecutionData[][] = new Array(count);
	const failures = new Map<number, unknown>();
	const items = new Map<number, ItemState>();
	const waiting = Array.from({ length: count }, (_, itemIndex) => itemIndex);
	const busySessions = new Set<string>();
	let stopping = false;

	/** Stops the batch: nothing new starts; items that have not sent their instruction are aborted. */
	const stop = () => {
		stopping = true;
		for (const state of items.values()) if (state.sentTo === undefined) state.controller.abort();
	};
	const onExecutionStop = () => {
		stopping = true;
		for (const state of items.values()) state.controller.abort();
	};
	executionSignal?.addEventListener('abort', onExecutionStop, { once: true });
	if (executionSignal?.aborted) onExecutionStop();

	const runOne = async (itemIndex: number) => {
		const state: ItemState = { controller: new AbortController() };
		items.set(itemIndex, state);
		const instructionSent = (sessionId: string) => (state.sentTo = sessionId);
		const instructionNotSent = () => {
			state.sentTo = undefined;
			if (stopping) state.controller.abort();
		};
		try {
			const output = await work({ itemIndex, signal: state.controller.signal, instructionSent, instructionNotSent });
			results[itemIndex] = (Array.isArray(output) ? output : [output]).map((entry) => ({
				...entry,
				pairedItem: entry.pairedItem ?? { item: itemIndex },
			}));
		} catch (caught) {
			const error = state.sentTo === undefined ? caught : namingSession(caught, state.sentTo);
			if (continueOnFail && !executionSignal?.aborted) {
				results[itemIndex] = [errorItem(context.getNode(), error, itemIndex)];
			} else {
				failures.set(itemIndex, error);
				if (!isCancellation(error)) stop();
			}
		}
	};

	/** The first waiting item whose session is free: input order overall, and within each session. */
	const takeNext = (): number | undefined => {
		const position = waiting.findIndex((itemIndex) => !busySessions.has(sessions[itemIndex] ?? ''));
		return position < 0 ? undefined : waiting.splice(position, 1)[0];
	};

	// Starts items while there is room, and again each time one ends; done when none runs.
	// (Anything that paces item starts, such as a rate limiter, belongs here, around runOne.)
	await new Promise<void>((resolve) => {
		let running = 0;
		const launch = () => {
			while (!stopping && running < limit) {
				const itemIndex = takeNext();
				if (itemIndex === undefined) break;
				const session = sessions[itemIndex];
				if (session) busySessions.add(session);
				running++;
				const finished = () => {
					running--;
					if (session) busySessions.delete(session);
					launch();
				};
				runOne(itemIndex).catch((error: unknown) => failures.set(itemIndex, error)).finally(finished);
			}
			if (running === 0) resolve();
		};
		launch();
	});
	executionSignal?.removeEventListener('abort', onExecutionStop);

	const batch = { items, results, failures, count };
	if (executionSignal?.aborted) {
		// Stopped by the user: the report covers every item, the one the error is filed under too.
		const first = firstIndex(failures) ?? 0;
		throw withBatchReport(toNodeError(context.getNode(), cancelledError(), first), -1, batch);
	}
	const failed = firstRealFailure(failures);
	// The report goes on the node error, whatever failed (an n8n expression error too): charged items must be named.
	if (failed) throw withBatchReport(toNodeError(context.getNode(), failed.error, failed.itemIndex), failed.itemIndex, batch);
	return [results.flat()];
}

function safely<T>(read: () => T): T | undefined {
	try {
		return read();
	} catch {
		// A parameter that cannot be read fails the item itself, with its own clear error.
		return undefined;
	}
}

/**
 * The error of an item whose instruction went out, naming the session it went to in its message
 * (n8n keeps only the message in an error item's json, and that is what a workflow can read).
 */
function namingSession(error: unknown, sessionId: string): unknown {
	if (!isNemoApiError(error) || error.kind === 'cancelled' || error.message.includes(sessionId)) return error;
	return amendError(error, {
		message: `The instruction was sent to session ${sessionId}.`,
		description: 'Check that session (e.g. with Nemo Export on it) before sending the instruction again: a new send is charged again.',
	});
}

/**
 * The node's error, with what happened to the other items of the batch: which ones finished
 * (with their sessions and renders), which ones failed too, which ones were stopped after their
 * instruction went out, and which ones never sent anything, so the user re-runs only what is needed.
 */
function withBatchReport<E extends NodeApiError | NodeOperationError>(error: E, reported: number, batch: { items: Map<number, ItemState>; results: INodeExecutionData[][]; failures: Map<number, unknown>; count: number }): E {
	// One item: its own error says all, except after a Stop, which says nothing of the session it sent to.
	if (batch.count < 2 && reported !== -1) return error;
	const finished: string[] = [];
	const failed: string[] = [];
	const stoppedAfterSending: string[] = [];
	const notDone: string[] = [];
	for (let itemIndex = 0; itemIndex < batch.count; itemIndex++) {
		if (itemIndex === reported) continue;
		const output = batch.results[itemIndex]?.[0]?.json;
		const failure = batch.failures.get(itemIndex);
		const sentTo = batch.items.get(itemIndex)?.sentTo;
		if (output) {
			const facts = [output.sessionId && `session ${String(output.sessionId)}`, output.renderId && `render ${String(output.renderId)}`].filter(Boolean);
			finished.push(`item ${itemIndex}${facts.length ? ` (${facts.join(', ')})` : ''}`);
		} else if (failure !== undefined && !isCancellation(failure)) {
			failed.push(`item ${itemIndex} (${truncate(redactSecrets(failure instanceof Error ? failure.message : String(failure)), 200)})`);
		} else if (sentTo !== undefined) {
			stoppedAfterSending.push(`item ${itemIndex} (session ${sentTo})`);
		} else notDone.push(`item ${itemIndex}`);
	}
	const parts: string[] = [];
	if (finished.length) parts.push(`Items that finished before the node stopped (don't send them again): ${finished.join(', ')}.`);
	if (failed.length) parts.push(`Items that failed too: ${failed.join('; ')}.`);
	if (stoppedAfterSending.length) parts.push(`Items stopped after their instruction was sent (and charged): ${stoppedAfterSending.join(', ')}; check those sessions before sending again.`);
	if (notDone.length) parts.push(`Items not started, or stopped before they sent anything: ${notDone.join(', ')}.`);
	if (parts.length) error.description = [error.description, ...parts].filter(Boolean).join(' ');
	return error;
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
