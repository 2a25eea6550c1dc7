import { type ICredentialDataDecryptedObject, type ICredentialsDecrypted, type IExecuteFunctions, type IHttpRequestHelper, sleep } from 'n8n-workflow';
import { NemoApiError, NemoClient, type TrialToken, type TrialTokenStore, deriveClientId, isNemoApiError, settle } from '../client';
import { TRIAL_TOKEN_OPERATION } from '../client/errors';
import { isExpiring, parseExpiry } from '../client/auth';
import { type Attribution, normalizeBaseUrl } from '../client/transport';
import { DEFAULT_BASE_URL } from '../client/constants';
import { withAdviceInMessage } from '../client/base-url';
import { clientOptionsFromCredential } from './client-factory';
import { DEFAULT_RETRY_OPTIONS } from '../client/api-caller';
import { n8nHttpHelpers } from './http';

/**
 * The anonymous trial token, kept by n8n: the credential's `preAuthentication` asks the service
 * for it and n8n stores the answer in the credential's hidden `trialToken` field (encrypted in
 * its credential store, shared by every process, worker and restart). n8n asks again only when
 * the field is empty; we empty it when the service rejected the token (1001) or it expired.
 */

/** The credential's hidden fields that hold the kept trial token. */
export const TRIAL_FIELDS = { token: 'trialToken', userId: 'trialUserId', expiresAt: 'trialExpiresAt' } as const;

/** What requestTrialToken threw, by the credential data it was given: n8n wraps it beyond recognition. */
const trialTokenErrors = new WeakMap<object, unknown>();
/**
 * Credential data whose token request our renew() makes (through n8n): renew() handles a 429
 * itself, looking in n8n's store first. Any other caller of the preAuthentication (n8n's HTTP
 * Request node with this credential) gets the API doc's "wait, then once more" in the request.
 */
const renewing = new WeakSet<object>();

/**
 * The credential's preAuthentication: gets a trial token with our own client (its proxy rules
 * are n8n's; its retries, timeouts and messages are those of every other call). Nothing to do
 * when an Access Token is set, nor when a trial token is kept and not about to expire: n8n runs
 * this before every credential Test too, and the service gives one token per client id per 7
 * days (renew() empties the kept token when the service rejected it, so that one is replaced).
 */
export async function requestTrialToken(helpers: IHttpRequestHelper['helpers'], credential: ICredentialDataDecryptedObject): Promise<ICredentialDataDecryptedObject> {
	const options = clientOptionsFromCredential(credential, '');
	// Checked first, with or without a token: n8n runs this before its credential Test, which
	// would otherwise send an Access Token over plain http:// to any host.
	const baseUrl = checkedBaseUrl(options.baseUrl, options.allowInsecureHttp === true);
	if (String(credential.accessToken ?? '').trim()) {
		await answersLikeNemoVideo(helpers, credential, baseUrl);
		return {};
	}
	const kept = keptTrialToken(credential);
	// A kept token is asked for again only when the service no longer takes it: n8n runs this for
	// every credential Test and after a 401, and a repeat request for a valid one is refused (429).
	if (kept && !isExpiring(kept) && (await stillAccepted(helpers, credential, kept.token))) return {};
	const client = new NemoClient({ ...options, http: n8nHttpHelpers(helpers), clientId: options.clientId?.trim() || deriveClientId(baseUrl) });
	// For renew() a 429 is not waited out here: it is most often a queue-mode worker that asked at
	// the same moment as another process, whose token n8n stores a moment later; renew() looks there first.
	const asked = await settle(client.requestTrialToken({ retryRateLimit: !renewing.has(credential) }));
	if (!asked.ok) {
		trialTokenErrors.set(credential, asked.error);
		// A wrong Base URL is most often found by the credential's Test, which shows only the message.
		if (isBaseUrlError(asked.error)) throw withAdviceInMessage(asked.error);
		throw asked.error;
	}
	const token = asked.value;
	return {
		[TRIAL_FIELDS.token]: token.token,
		[TRIAL_FIELDS.userId]: token.userId ?? '',
		[TRIAL_FIELDS.expiresAt]: token.expiresAt === undefined ? '' : new Date(token.expiresAt).toISOString(),
	};
}

/** The credential's Base URL, or an error whose message carries the advice too (n8n's Test shows only the message). */
function checkedBaseUrl(raw: string | undefined, allowInsecureHttp: boolean): string {
	let problem: NemoApiError | undefined;
	let url = '';
	try {
		url = normalizeBaseUrl(raw?.trim() || DEFAULT_BASE_URL, allowInsecureHttp).href.replace(/\/$/, '');
	} catch (error) {
		problem = error as NemoApiError;
	}
	if (problem) throw new NemoApiError(`${problem.message} ${problem.description ?? ''}`.trim(), { kind: 'input', field: 'baseUrl' });
	return url;
}

/**
 * Whether the service still takes `token` (a balance read); only its rejection (1001 / 401) says no.
 * An answer that is not NemoVideo's is thrown: the Base URL is wrong (a kept token, a changed Base URL).
 */
async function stillAccepted(helpers: IHttpRequestHelper['helpers'], credential: ICredentialDataDecryptedObject, token: string): Promise<boolean> {
	const client = new NemoClient({ ...clientOptionsFromCredential(credential, ''), accessToken: token, http: n8nHttpHelpers(helpers) });
	const read = await settle(client.getCredits());
	if (read.ok) return true;
	if (isBaseUrlError(read.error)) throw withAdviceInMessage(read.error);
	return !(isNemoApiError(read.error) && (read.error.code === 1001 || read.error.httpStatus === 401));
}

/** Base URLs that answered like NemoVideo's API in this process (an Access Token's credential is checked once). */
const nemoVideoBaseUrls = new Set<string>();

/**
 * With an Access Token, n8n's credential Test reads the balance through n8n alone, and passes for
 * any 2xx: a web server's home page too. One balance read with our client first tells a Base URL
 * that is not NemoVideo's API (issue 21, 2.3); anything else (a rejected token, a failure on the
 * way) is left to the Test's own request. Once per Base URL and process: n8n runs this before
 * each request n8n's HTTP Request node makes with this credential as well.
 */
async function answersLikeNemoVideo(helpers: IHttpRequestHelper['helpers'], credential: ICredentialDataDecryptedObject, baseUrl: string): Promise<void> {
	if (nemoVideoBaseUrls.has(baseUrl)) return;
	const client = new NemoClient({ ...clientOptionsFromCredential(credential, ''), http: n8nHttpHelpers(helpers) });
	const read = await settle(client.getCredits());
	if (!read.ok && isBaseUrlError(read.error)) throw withAdviceInMessage(read.error);
	if (read.ok) nemoVideoBaseUrls.add(baseUrl);
}

function isBaseUrlError(error: unknown): error is NemoApiError {
	return isNemoApiError(error) && error.field === 'baseUrl';
}

export function attributionHeaders(attribution: Attribution, clientId: string): Record<string, string> {
	return {
		'X-Client-Id': clientId,
		'X-Skill-Source': attribution.source,
		'X-Skill-Version': attribution.version,
		'X-Skill-Platform': attribution.platform,
	};
}

/** The trial token kept in the credential's hidden fields, if any. */
export function keptTrialToken(data: ICredentialDataDecryptedObject): TrialToken | undefined {
	const token = String(data[TRIAL_FIELDS.token] ?? '');
	if (!token) return undefined;
	return {
		token,
		userId: String(data[TRIAL_FIELDS.userId] ?? '') || undefined,
		expiresAt: parseExpiry(data[TRIAL_FIELDS.expiresAt]),
	};
}

/**
 * A TrialTokenStore over n8n's credential store. `renew` empties the kept token and makes one
 * authenticated request through n8n (a balance read), which runs the credential's
 * preAuthentication and persists its answer; the new token is then read from `credential`.
 * The request carries no execution's signal: it is shared by every item and execution that
 * waits for it (see TokenProvider).
 */
export function credentialTrialTokens(
	context: IExecuteFunctions,
	credential: ICredentialsDecrypted & { data: ICredentialDataDecryptedObject },
	request: { baseUrl: string; clientId: string; attribution: Attribution; credentialType: string },
): TrialTokenStore {
	const data = credential.data;
	const read = () => keptTrialToken(data);
	return {
		read,
		async renew() {
			// The token being replaced (expired or rejected) is no answer, even when n8n's store still holds it.
			const replaced = String(data[TRIAL_FIELDS.token] ?? '');
			data[TRIAL_FIELDS.token] = '';
			// The id the token is asked for with must be the one the client sends.
			data.clientId = request.clientId;
			// n8n ties a node's authenticated requests to its execution's cancel signal when the
			// caller has one; this request is shared by every execution waiting for the token, so it
			// is made through a view of the context without that signal (each waiter still stops on
			// its own signal at once: TokenProvider).
			const sharedCaller = {
				helpers: context.helpers,
				logger: context.logger,
				getNode: () => context.getNode(),
				getCredentials: async (type: string) => await context.getCredentials(type),
			} as unknown as IExecuteFunctions;
			// Only the preAuthentication before it matters: a HEAD, whose answer is ignored.
			// Resolves to what our preAuthentication threw, if it did.
			const askThroughN8n = async (): Promise<unknown> => {
				renewing.add(data);
				try {
					await context.helpers.httpRequestWithAuthentication.call(
						sharedCaller,
						request.credentialType,
						{
							method: 'HEAD',
							url: `${request.baseUrl}/api/credits/balance/simple`,
							headers: attributionHeaders(request.attribution, request.clientId),
							ignoreHttpStatusErrors: true,
							timeout: 10_000,
						},
						{ credentialsDecrypted: credential },
					);
					return undefined;
				} catch (error) {
					const ours = trialTokenErrors.get(data);
					trialTokenErrors.delete(data);
					if (ours !== undefined) return ours;
					// The probe itself failed after the token was got and kept: the token is what counts.
					if (!read()) throw nemoErrorIn(error) ?? error;
					return undefined;
				} finally {
					renewing.delete(data);
				}
			};
			const useKeptElsewhere = (found: { token: TrialToken; fields: ICredentialDataDecryptedObject }): TrialToken => {
				Object.assign(data, found.fields);
				context.logger.info('NemoVideo trial token: another n8n process got it at the same moment; using the one n8n keeps', { node: context.getNode().name });
				return found.token;
			};
			// Another n8n process (a queue-mode worker) may have asked at the same moment: the service
			// then refuses the repeat ("1 token / client / 7 days", 429), and the token the other one
			// got is in n8n's credential store a moment later. Use it rather than fail the item. A 429
			// with the store still empty gets the API doc's rule: wait (reading the store on the way),
			// then once more.
			for (let attempt = 1; ; attempt++) {
				const refused = await askThroughN8n();
				if (refused === undefined) break;
				// No other process gets a token from an address that is not NemoVideo's API.
				if (isBaseUrlError(refused)) throw refused;
				const found = await tokenKeptByAnotherProcess(context, request.credentialType, OTHER_PROCESS_LOOK_MS, replaced);
				if (found) return useKeptElsewhere(found);
				if (attempt > 1 || !isRateLimited(refused)) throw refused;
				const waitMs = { ...DEFAULT_RETRY_OPTIONS, ...clientOptionsFromCredential(data, '').retry }.rateLimitWaitMs;
				context.logger.info(`NemoVideo refused a trial token (429) and n8n keeps none yet; asking once more in ${Math.round(waitMs / 1000)} s`, { node: context.getNode().name });
				const foundWhileWaiting = await tokenKeptByAnotherProcess(context, request.credentialType, waitMs, replaced);
				if (foundWhileWaiting) return useKeptElsewhere(foundWhileWaiting);
			}
			const kept = read();
			if (!kept) {
				throw new NemoApiError('NemoVideo did not return a trial token.', {
					kind: 'protocol',
					operation: TRIAL_TOKEN_OPERATION,
					description: 'Try again later, or set an Access Token in the Nemo API credential.',
				});
			}
			return kept;
		},
	};
}

/** How long to look for a token that another process is storing (its answer came a moment earlier). */
const OTHER_PROCESS_LOOK_MS = 3_750;
/** The pauses between reads of n8n's store: quick at first, then once a second. */
const STORE_READ_PAUSES_MS = [250, 500, 1000, 2000];

function isRateLimited(error: unknown): boolean {
	return isNemoApiError(error) && (error.code === 429 || error.httpStatus === 429);
}

/**
 * Reads the credential again from n8n's store (getCredentials decrypts what the database holds now)
 * until it holds a usable trial token (not `replaced`, not expiring), for `forMs` at most.
 */
async function tokenKeptByAnotherProcess(
	context: IExecuteFunctions,
	credentialType: string,
	forMs: number,
	replaced: string,
): Promise<{ token: TrialToken; fields: ICredentialDataDecryptedObject } | undefined> {
	const until = Date.now() + forMs;
	for (let read = 0; ; read++) {
		if (read > 0) {
			const left = until - Date.now();
			if (left <= 0) return undefined;
			await sleep(Math.min(STORE_READ_PAUSES_MS[read - 1] ?? 1_000, left));
		}
		let fresh: ICredentialDataDecryptedObject;
		try {
			fresh = await context.getCredentials(credentialType);
		} catch {
			continue; // a failed read is no answer: read again until the time is up
		}
		const token = keptTrialToken(fresh);
		if (token && token.token !== replaced && !isExpiring(token)) {
			const fields = Object.fromEntries(Object.values(TRIAL_FIELDS).map((field) => [field, fresh[field]]));
			return { token, fields };
		}
	}
}

/** n8n wraps what preAuthentication threw (NodeApiError): find our own error inside. */
function nemoErrorIn(error: unknown): NemoApiError | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current; depth++) {
		if (isNemoApiError(current)) return current;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}
