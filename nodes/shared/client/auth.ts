import { createHash, randomUUID } from 'node:crypto';
import { NemoApiError } from './errors';
import { registerSecret } from './redact';
import type { HttpTransport } from './transport';
import { asRecord, asString } from './values';

/**
 * Where the bearer token comes from: the credential's Access Token, or, when that is empty,
 * a free anonymous trial token got from the service with our client id.
 *
 * The service gives one anonymous token per client id per 7 days and only a few per network
 * address, so the same credential must always use the same client id and reuse its token:
 * tokens are cached process-wide by (API origin, client id), and concurrent items share one
 * request for it.
 */

interface CachedToken {
	token: string;
	userId?: string;
	/** ms since epoch; undefined when the service did not say. */
	expiresAt?: number;
}

const anonymousTokens = new Map<string, CachedToken>();
const pendingTokenRequests = new Map<string, Promise<CachedToken>>();

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

	constructor(
		transport: HttpTransport,
		source: TokenSource,
		private readonly requestAnonymousToken: (signal?: AbortSignal) => Promise<unknown>,
	) {
		const token = source.accessToken?.trim();
		this.configuredToken = token ? token : undefined;
		registerSecret(this.configuredToken);
		this.cacheKey = `${transport.origin}|${source.clientId}`;
	}

	get usesConfiguredToken(): boolean {
		return this.configuredToken !== undefined;
	}

	/** The anonymous user's id, known once a trial token was obtained (for the registration link). */
	get anonymousUserId(): string | undefined {
		return this.configuredToken ? undefined : anonymousTokens.get(this.cacheKey)?.userId;
	}

	async getToken(signal?: AbortSignal): Promise<string> {
		if (this.configuredToken) return this.configuredToken;
		const cached = anonymousTokens.get(this.cacheKey);
		if (cached && !isExpiring(cached)) return cached.token;
		return (await this.fetchAnonymousToken(signal)).token;
	}

	/**
	 * Called when the service rejected `rejectedToken` (1001). Returns a new token, or undefined
	 * when there is nothing to refresh (a configured token is the user's to fix).
	 */
	async refreshAfterRejection(rejectedToken: string, signal?: AbortSignal): Promise<string | undefined> {
		if (this.configuredToken) return undefined;
		const cached = anonymousTokens.get(this.cacheKey);
		// Another item may have refreshed it already.
		if (cached && cached.token !== rejectedToken) return cached.token;
		anonymousTokens.delete(this.cacheKey);
		return (await this.fetchAnonymousToken(signal)).token;
	}

	private fetchAnonymousToken(signal?: AbortSignal): Promise<CachedToken> {
		const pending = pendingTokenRequests.get(this.cacheKey);
		if (pending) return pending;
		const request = this.requestAnonymousToken(signal)
			.then((data) => {
				const record = asRecord(data);
				const token = asString(record.token);
				if (!token) {
					throw new NemoApiError('NemoVideo did not return a trial token.', {
						kind: 'protocol',
						operation: 'getting a trial token',
						description: 'Try again later, or set an Access Token in the Nemo API credential.',
					});
				}
				registerSecret(token);
				const entry: CachedToken = { token, userId: asString(record.user_id), expiresAt: parseExpiry(record.expires_at) };
				anonymousTokens.set(this.cacheKey, entry);
				return entry;
			})
			.finally(() => pendingTokenRequests.delete(this.cacheKey));
		pendingTokenRequests.set(this.cacheKey, request);
		return request;
	}
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

function isExpiring(entry: CachedToken): boolean {
	return entry.expiresAt !== undefined && entry.expiresAt - EXPIRY_MARGIN_MS <= Date.now();
}

function parseExpiry(value: unknown): number | undefined {
	if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
	if (typeof value === 'string' && value) {
		if (/^\d+$/.test(value)) return parseExpiry(Number(value));
		const parsed = Date.parse(value);
		return Number.isNaN(parsed) ? undefined : parsed;
	}
	return undefined;
}
