import { createHash, randomUUID } from 'node:crypto';
import { NemoApiError, TRIAL_TOKEN_OPERATION, cancelledError } from './errors';
import { registerSecret } from './redact';
import type { HttpTransport } from './transport';
import { asRecord, asString } from './values';

/**
 * Where the bearer token comes from: the credential's Access Token, or, when that is empty,
 * a free anonymous trial token got from the service with our client id.
 *
 * The service gives one anonymous token per client id per 7 days and only a few per network
 * address, so a trial token must be kept and reused, not asked for again. Inside n8n it is kept
 * by n8n itself (a `TrialTokenStore` over the credential's preAuthentication: encrypted in the
 * credential store, shared by every process, worker and restart); tokens are also cached
 * process-wide by (API origin, client id). A new one is asked for only when none is kept, it
 * expires, or the service rejected it (1001); concurrent callers share one request for it.
 */

export interface TrialToken {
	token: string;
	userId?: string;
	/** ms since epoch; undefined when the service did not say. */
	expiresAt?: number;
}

/** Keeps trial tokens beyond this process (n8n: the credential store, see nodes/shared/n8n). */
export interface TrialTokenStore {
	/** The kept token, if any. */
	read(): TrialToken | undefined;
	/** Gets a new token from the service and keeps it in place of the old one. */
	renew(reason: TrialTokenRenewal): Promise<TrialToken>;
}

/** Why a new trial token is asked for: the only three reasons there are. */
export type TrialTokenRenewal = 'none kept' | 'expired' | 'rejected by the service (1001)';

const anonymousTokens = new Map<string, TrialToken>();
const pendingTokenRequests = new Map<string, Promise<TrialToken>>();

/** Refresh a little before the service's stated expiry, so a long batch never sends a dead token. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export interface TokenSource {
	/** Trimmed; empty or undefined means anonymous. */
	accessToken?: string;
	clientId: string;
}

export class TokenProvider {
	private readonly configuredToken?: string;
	private readonly cacheKey: string;
	private readonly origin: string;

	/**
	 * @param requestAnonymousToken asks the service for a token (its answer's `data`); used when
	 *   no store is given. Called without any caller's signal: the request is shared.
	 */
	constructor(
		transport: HttpTransport,
		source: TokenSource,
		private readonly requestAnonymousToken: () => Promise<unknown>,
		private readonly store?: TrialTokenStore,
		private readonly log: (level: 'debug' | 'info', message: string, meta?: Record<string, unknown>) => void = () => undefined,
	) {
		const token = source.accessToken?.trim();
		this.configuredToken = token ? token : undefined;
		registerSecret(this.configuredToken);
		this.origin = transport.origin;
		this.cacheKey = `${transport.origin}|${source.clientId}`;
	}

	/**
	 * Whose exports these are, for export-refusals.ts: a configured token by itself (at this
	 * origin), a trial by origin and client id (a renewed trial token is the same trial user's).
	 * Kept in this process only; never shown.
	 */
	get exportIdentity(): string {
		return this.configuredToken ? `${this.origin}|token|${this.configuredToken}` : this.cacheKey;
	}

	get usesConfiguredToken(): boolean {
		return this.configuredToken !== undefined;
	}

	/** The anonymous user's id, known once a trial token was obtained (for the registration link). */
	get anonymousUserId(): string | undefined {
		return this.configuredToken ? undefined : this.known()?.userId;
	}

	async getToken(signal?: AbortSignal): Promise<string> {
		if (this.configuredToken) return this.configuredToken;
		const known = this.known();
		if (known && !isExpiring(known)) return known.token;
		return (await this.newAnonymousToken(known ? 'expired' : 'none kept', signal)).token;
	}

	/**
	 * Called when the service rejected `rejectedToken` (1001). Returns a new token, or undefined
	 * when there is nothing to refresh (a configured token is the user's to fix).
	 */
	async refreshAfterRejection(rejectedToken: string, signal?: AbortSignal): Promise<string | undefined> {
		if (this.configuredToken) return undefined;
		const known = this.known();
		// Another item (or run) may have renewed it already.
		if (known && known.token !== rejectedToken && !isExpiring(known)) return known.token;
		anonymousTokens.delete(this.cacheKey);
		return (await this.newAnonymousToken('rejected by the service (1001)', signal)).token;
	}

	/** The newest token this process knows of: its own cache, else the store's. */
	private known(): TrialToken | undefined {
		const cached = anonymousTokens.get(this.cacheKey);
		if (cached) return cached;
		const kept = this.store?.read();
		if (!kept?.token) return undefined;
		registerSecret(kept.token);
		anonymousTokens.set(this.cacheKey, kept);
		return kept;
	}

	/**
	 * One request per (origin, client id) at a time, shared by every caller, and carrying none of
	 * their signals: one execution being stopped must not cancel the request another one waits
	 * for. Each caller stops waiting on its own signal at once.
	 */
	private newAnonymousToken(reason: TrialTokenRenewal, signal?: AbortSignal): Promise<TrialToken> {
		let request = pendingTokenRequests.get(this.cacheKey);
		if (!request) {
			const fetched = this.store ? this.store.renew(reason) : this.requestAnonymousToken().then(parseTrialTokenAnswer);
			request = fetched
				.then((entry) => {
					registerSecret(entry.token);
					anonymousTokens.set(this.cacheKey, entry);
					this.log('info', `NemoVideo trial token ${reason === 'none kept' ? 'obtained' : 'renewed'} (${reason})${this.store ? ', kept in the credential' : ''}`, {
						reason,
						expiresAt: entry.expiresAt === undefined ? undefined : new Date(entry.expiresAt).toISOString(),
					});
					return entry;
				})
				.finally(() => pendingTokenRequests.delete(this.cacheKey));
			pendingTokenRequests.set(this.cacheKey, request);
		}
		return untilAborted(request, signal, TRIAL_TOKEN_OPERATION);
	}
}

/** Reads the token endpoint's `data`: {token, user_id, expires_at}. */
export function parseTrialTokenAnswer(data: unknown): TrialToken {
	const record = asRecord(data);
	const token = asString(record.token);
	if (!token) {
		throw new NemoApiError('NemoVideo did not return a trial token.', {
			kind: 'protocol',
			operation: TRIAL_TOKEN_OPERATION,
			description: 'Try again later, or set an Access Token in the Nemo API credential.',
		});
	}
	registerSecret(token);
	return { token, userId: asString(record.user_id), expiresAt: parseExpiry(record.expires_at) };
}

/** `promise`, or a `cancelled` error as soon as `signal` fires (the promise itself goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, operation: string): Promise<T> {
	if (!signal) return promise;
	if (signal.aborted) return Promise.reject(cancelledError(operation));
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(cancelledError(operation));
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}

/**
 * A stable client id for a credential: the same credential always yields the same id, on every
 * worker and every run, so the service hands back the same trial token instead of a new one.
 */
export function deriveClientId(seed: string): string {
	const hex = createHash('sha256').update(`n8n-nodes-nemovideo:${seed}`).digest('hex');
	// Shaped as a UUID (version 5 style, RFC 4122 variant), since the service expects one.
	const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function randomClientId(): string {
	return randomUUID();
}

/** Forget every cached trial token (tests that restart the simulator use this). */
export function clearTokenCache(): void {
	anonymousTokens.clear();
}

/** Whether a token is expired or about to (within the margin the client renews at). */
export function isExpiring(entry: TrialToken): boolean {
	return entry.expiresAt !== undefined && entry.expiresAt - EXPIRY_MARGIN_MS <= Date.now();
}

export function parseExpiry(value: unknown): number | undefined {
	if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
	if (typeof value === 'string' && value) {
		if (/^\d+$/.test(value)) return parseExpiry(Number(value));
		const parsed = Date.parse(value);
		return Number.isNaN(parsed) ? undefined : parsed;
	}
	return undefined;
}
