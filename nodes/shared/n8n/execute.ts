import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
} from 'n8n-workflow';
import { NemoClient, type TrialTokenStore, isNemoApiError, redactDeep, redactSecrets } from '../client';
import { keptTrialToken } from './trial-token';
import { isExpiring } from '../client/auth';
import { clientOptionsFromCredential, createNemoClient } from './client-factory';
import { type ItemResult, type ItemWork, runItems } from './item-runner';
import { readFromInputOrId, readItemsAtOnce } from './parameters';

/**
 * What every Nemo node's execute() does: one client for the run, the items through it several
 * at once, the client closed at the end. A node passes only its per-item work.
 */
export async function executeNemoNode(
	context: IExecuteFunctions,
	work: (client: NemoClient, item: ItemWork) => Promise<ItemResult>,
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
		return await runItems(context, async (item) => keepInputBinary(redactedJson(await work(client, item)), inputs[item.itemIndex]), {
			concurrency: readItemsAtOnce(context),
			// Items that name the same session run one after another (see item-runner.ts).
			sessionOf: (itemIndex) => sessionOfItem(context, itemIndex),
		});
	} finally {
		await client.close();
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

/** The Test's answer where a trial token is needed: it is the next run's to get (see testNemoCredential). */
class TrialTokenNeeded extends Error {}
const NO_TRIAL_TOKEN_YET =
	'Reached NemoVideo. No trial token yet: the first run gets one (free credits) and n8n keeps it in this credential; the balance shows here after that.';
const TRIAL_TOKEN_RENEWED_ON_RUN =
	'Reached NemoVideo. The trial token n8n keeps has expired or was rejected: the next run gets a new one and keeps it; the balance shows here after that.';

/** The credential dialog's "Test": reads the balance with the token there is; never asks for a trial token. */
export async function testNemoCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	let client: NemoClient | undefined;
	try {
		const data = credential.data ?? {};
		// The trial token n8n keeps for this credential is used, never asked for: a test cannot
		// write the credential, so a token it got would be lost, and the service gives one per
		// client id per 7 days: the first run would then be refused its own.
		const trialTokens: TrialTokenStore = {
			read: () => keptTrialToken(data),
			renew: async () => {
				throw new TrialTokenNeeded();
			},
		};
		client = new NemoClient({ ...clientOptionsFromCredential(data, credential.id ?? credential.name ?? 'default'), trialTokens });
		const kept = keptTrialToken(data);
		if (!String(data.accessToken ?? '').trim() && (!kept || isExpiring(kept))) {
			await client.checkServiceAnswers();
			return { status: 'OK', message: kept ? TRIAL_TOKEN_RENEWED_ON_RUN : NO_TRIAL_TOKEN_YET };
		}
		const balance = await client.getCredits();
		return { status: 'OK', message: `Connected: ${balance.available} credits available.` };
	} catch (error) {
		// The kept trial token was rejected (1001): the next run gets a new one and keeps it.
		if (error instanceof TrialTokenNeeded) return { status: 'OK', message: TRIAL_TOKEN_RENEWED_ON_RUN };
		const message = isNemoApiError(error)
			? `${error.message}${error.description ? ` ${error.description}` : ''}`
			: redactSecrets(error instanceof Error ? error.message : String(error));
		return { status: 'Error', message };
	} finally {
		await client?.close();
	}
}
