import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NemoApiError, type NemoClient, SESSION_NOT_FOUND_ADVICE, isNemoApiError, redactDeep, settle } from '../client';
import { createNemoClient } from './client-factory';
import { type ItemResult, type ItemWork, runItems } from './item-runner';
import { readFromInputOrId, readItemsAtOnce } from './parameters';

/**
 * What every Nemo node's execute() does: one client for the run, the items through it several
 * at once, the client closed at the end. A node passes only its per-item work.
 */
export async function executeNemoNode(
	context: IExecuteFunctions,
	work: (client: NemoClient, item: ItemWork) => Promise<ItemResult>,
	/** `canStartNewSession`: the node's Session parameter offers New Session (see sessionParameters). */
	options: { canStartNewSession?: boolean } = {},
): Promise<INodeExecutionData[][]> {
	let client: NemoClient;
	try {
		client = await createNemoClient(context);
	} catch (error) {
		// A credential the client refuses (a bad Base URL, plain http:// to another host) fails every
		// item alike. Through the item runner, so that it names the item and Continue On Fail still
		// gives one error item per input item instead of failing the workflow and dropping them all.
		return runItems(context, () => Promise.reject(error), { concurrency: 1 });
	}
	const inputs = context.getInputData();
	try {
		return await runItems(context, async (item) => {
			const done = await settle(work(client, item));
			if (!done.ok) throw withSessionAdvice(context, item.itemIndex, done.error, options.canStartNewSession === true);
			return keepInputBinary(redactedJson(done.value), inputs[item.itemIndex]);
		}, {
			concurrency: readItemsAtOnce(context),
			// Items that name the same session run one after another (see item-runner.ts).
			sessionOf: (itemIndex) => sessionOfItem(context, itemIndex),
		});
	} finally {
		await client.close();
	}
}

/**
 * A session the service does not know (1002): the advice names the field the id came from and
 * only the Session options this node has (issue 21, 2.5: Export and Edit have no New Session).
 */
function withSessionAdvice(context: IExecuteFunctions, itemIndex: number, error: unknown, canStartNew: boolean): unknown {
	if (!isNemoApiError(error) || error.code !== 1002) return error;
	const choice = safely(() => context.getNodeParameter('session', itemIndex, 'none') as string);
	// A session this node started itself in this run keeps the core's advice: no field gave its id.
	if ((choice !== 'fromInput' && choice !== 'id') || !safely(() => sessionKey(readFromInputOrId(context, itemIndex, choice, 'sessionId')))) return error;
	const field = choice === 'fromInput' ? 'the sessionId field of the input item' : 'Session ID';
	const newSession = canStartNew ? ' Or choose Session → New Session to start a new one.' : '';
	return new NemoApiError(error.message, {
		kind: error.kind,
		code: error.code,
		httpStatus: error.httpStatus,
		operation: error.operation,
		field: choice === 'fromInput' ? 'session' : 'sessionId',
		// The core's general sentence gives way to this one; what an earlier step added stays.
		description: [`Check ${field}: sessions expire and belong to the token that made them, so it must come from an earlier Nemo node's output that used this same Nemo API credential.${newSession}`, error.description?.replace(SESSION_NOT_FOUND_ADVICE, '').trim()].filter(Boolean).join(' '),
	});
}

function safely<T>(read: () => T): T | undefined {
	try {
		return read();
	} catch {
		return undefined;
	}
}

/** The session an item works in, as its Session choice says (none for New Session, or a node without one). */
function sessionOfItem(context: IExecuteFunctions, itemIndex: number): string | undefined {
	const choice = context.getNodeParameter('session', itemIndex, 'none') as string;
	if (choice !== 'fromInput' && choice !== 'id') return undefined;
	return sessionKey(readFromInputOrId(context, itemIndex, choice, 'sessionId'));
}

function sessionKey(raw: unknown): string | undefined {
	const text = typeof raw === 'number' || typeof raw === 'string' ? String(raw).trim() : '';
	return text || undefined;
}

/**
 * The last net for secrets: every string of every output item's JSON is redacted once more here,
 * at the edge, whatever path it took from the service (service words are also filtered where
 * they are read: redact.ts serviceText).
 */
function redactedJson(result: ItemResult): ItemResult {
	const redact = (item: INodeExecutionData): INodeExecutionData => ({ ...item, json: redactDeep(item.json) });
	return Array.isArray(result) ? result.map(redact) : redact(result);
}

/**
 * Output items keep the input item's binary properties (a new file of the same name wins), so a
 * chain like Upload → Face Swap → Audio Replace can still reach the face photo and the audio
 * the first node received. In filesystem mode these are references, not copies.
 */
function keepInputBinary(result: ItemResult, input: INodeExecutionData | undefined): ItemResult {
	if (!input?.binary) return result;
	const keep = (item: INodeExecutionData): INodeExecutionData => ({ ...item, binary: { ...input.binary, ...item.binary } });
	return Array.isArray(result) ? result.map(keep) : keep(result);
}
