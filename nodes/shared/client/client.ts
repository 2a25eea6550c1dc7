import { ApiCaller, type ClientLog, DEFAULT_RETRY_OPTIONS, type RetryOptions } from './api-caller';
import { TokenProvider, type TrialToken, type TrialTokenStore, deriveClientId, parseTrialTokenAnswer } from './auth';
import { waitUnlessStopped } from './abort';
import { DEFAULT_BASE_URL } from './constants';
import { type ExportRefusal, exportRefusalOf, exportTurn } from './export-refusals';
import { type CreditBalance, getCredits } from './credits';
import { TRIAL_TOKEN_OPERATION, isNemoApiError, settle } from './errors';
import type { FileToUpload } from './media-files';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './message-stream';
import {
	DEFAULT_POLLING,
	type PollingOptions,
	type RenderDownload,
	type RenderStatus,
	type StoreDownload,
	cancelRender,
	downloadRender,
	getRenderStatus,
	startRender,
	waitForRender,
} from './render';
import type { GuiWording } from './gui-text';
import { DEFAULT_RECOVERY, type MessageResult, type RecoveryOptions, sendMessage } from './send-message';
import { type NewSession, type SessionState, createSession, getSessionState } from './session-state';
import { type Attribution, HttpTransport } from './transport';
import { rateLimiterFor } from './rate-limit';
import { type UploadOptions, type UploadedFile, uploadFiles, uploadUrls } from './upload';
import type { HttpHelpers } from './http';

/**
 * The NemoVideo API client: one object per credential and execution, shared by all items.
 * It has no n8n import, so it is tested on its own against the simulator; the nodes reach it
 * through nodes/shared/n8n/.
 */

export interface NemoClientOptions {
	baseUrl?: string;
	/** Empty: the free anonymous trial token, got and reused automatically. */
	accessToken?: string;
	/** Empty: derived from `clientIdSeed`, so the same credential always has the same id. */
	clientId?: string;
	clientIdSeed?: string;
	allowInsecureHttp?: boolean;
	attribution: Attribution;
	retry?: Partial<RetryOptions>;
	streamLimits?: Partial<StreamLimits>;
	recovery?: Partial<RecoveryOptions>;
	polling?: Partial<PollingOptions>;
	/** Ordinary calls: time to the answer's headers, and the longest silence inside its body. */
	timeouts?: { headersMs?: number; bodyMs?: number };
	/** Uploads: the longest time no byte moves, and the time allowed for the answer after the last byte. */
	upload?: { stallTimeoutMs?: number; answerTimeoutMs?: number };
	/** Lines for the operator (n8n: the node's logger): retries and why, trial tokens got. Never a token. */
	log?: ClientLog;
	/** Where trial tokens are kept beyond this process (n8n's credential store); default: memory only. */
	trialTokens?: TrialTokenStore;
	/** n8n's request helper and sleep: every request and every wait goes through them (nodes/shared/n8n/http.ts). */
	http: HttpHelpers;
}

/** A session in use, and whether replacing it (on 1002) would lose anything. */
export interface SessionHandle {
	sessionId: string;
	/** Created by this run: the user has nothing in it that we did not put there. */
	createdHere: boolean;
	/** Something was put into it (upload, message): replacing it would lose that. */
	used: boolean;
}

/** The origin of a Base URL as the limiter keys it (an invalid one is refused by the transport). */
function originOf(baseUrl: string): string {
	try {
		return new URL(baseUrl).origin;
	} catch {
		return baseUrl;
	}
}

export class NemoClient {
	readonly api: ApiCaller;
	readonly clientId: string;
	private readonly streamLimits: StreamLimits;
	private readonly recovery: RecoveryOptions;
	private readonly polling: PollingOptions;
	private readonly uploadOptions: UploadOptions;

	constructor(options: NemoClientOptions) {
		this.clientId = options.clientId?.trim() || deriveClientId(options.clientIdSeed ?? options.baseUrl ?? DEFAULT_BASE_URL);
		const retry = { ...DEFAULT_RETRY_OPTIONS, ...options.retry };
		const baseUrl = options.baseUrl?.trim() || DEFAULT_BASE_URL;
		const transport = new HttpTransport({
			baseUrl,
			attribution: options.attribution,
			allowInsecureHttp: options.allowInsecureHttp,
			clientId: this.clientId,
			headersTimeoutMs: options.timeouts?.headersMs,
			bodyTimeoutMs: options.timeouts?.bodyMs,
			http: options.http,
			// issue 14: one limiter per token in the process, shared by all items and executions
			rateLimiter: rateLimiterFor(originOf(baseUrl), { accessToken: options.accessToken?.trim(), clientId: this.clientId }),
			rateLimit: { maxRetries: retry.maxRateLimitRetries, defaultWaitMs: retry.rateLimitWaitMs, maxWaitMs: retry.maxRateLimitWaitMs },
		});
		const tokens = new TokenProvider(
			transport,
			{ accessToken: options.accessToken, clientId: this.clientId },
			() => this.api.call({ method: 'POST', path: '/api/auth/anonymous-token', operation: TRIAL_TOKEN_OPERATION, authorized: false }),
			options.trialTokens,
			options.log,
		);
		this.api = new ApiCaller(transport, tokens, retry, options.log);
		this.streamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.streamLimits };
		this.recovery = { ...DEFAULT_RECOVERY, ...options.recovery };
		this.polling = { ...DEFAULT_POLLING, ...options.polling };
		this.uploadOptions = { ...options.upload };
	}

	/**
	 * Asks the service for a new anonymous trial token, with the same rules as any call (one
	 * retry after a 429 or a dropped client id). For a TrialTokenStore's renew; the token
	 * provider itself calls it only when no store is given.
	 */
	async requestTrialToken(options: { retryRateLimit?: boolean } = {}): Promise<TrialToken> {
		return parseTrialTokenAnswer(
			await this.api.call({ method: 'POST', path: '/api/auth/anonymous-token', operation: TRIAL_TOKEN_OPERATION, authorized: false, retryRateLimit: options.retryRateLimit }),
		);
	}

	get baseUrl(): string {
		return this.api.transport.baseUrl;
	}

	/** Whether this token is a trial token: no Access Token is set (the nodes then use the free trial token). */
	get usesTrialToken(): boolean {
		return !this.api.tokens.usesConfiguredToken;
	}

	/** The trial user's id, once a trial token is known (the registration link's `bind`). */
	get trialUserId(): string | undefined {
		return this.api.tokens.anonymousUserId;
	}

	/** NemoVideo's refusal of this token's exports (402), if this process has seen one (export-refusals.ts). */
	exportRefusal(): ExportRefusal | undefined {
		return exportRefusalOf(this.api.tokens.exportIdentity);
	}

	/**
	 * Before an instruction whose edit will be exported: while this token's exports are not known
	 * yet, waits for another item's export to learn them (export-refusals.ts). Returns the end of
	 * this item's turn, to call when the item ends; a no-op when there is nothing to learn.
	 */
	async exportTurn(signal?: AbortSignal): Promise<() => void> {
		const end = await exportTurn(this.api.tokens.exportIdentity, (turn) => waitUnlessStopped(turn, signal, 'the edit'));
		return end ?? (() => undefined);
	}

	getCredits(signal?: AbortSignal): Promise<CreditBalance> {
		return getCredits(this.api, signal);
	}

	createSession(signal?: AbortSignal): Promise<NewSession> {
		return createSession(this.api, { signal });
	}

	/** Uses the given session, or creates one when none is given. */
	async openSession(sessionId: string | undefined, signal?: AbortSignal): Promise<SessionHandle> {
		if (sessionId) return { sessionId, createdHere: false, used: false };
		const created = await this.createSession(signal);
		return { sessionId: created.sessionId, createdHere: true, used: false };
	}

	/**
	 * Runs `operation` in the session. If the service no longer knows the session (1002) and
	 * replacing it loses nothing (we created it and put nothing in it yet), a new session is
	 * created and the operation runs once more; otherwise the 1002 error stands.
	 */
	async inSession<T>(session: SessionHandle, operation: (sessionId: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
		const first = await settle(operation(session.sessionId));
		if (first.ok) {
			session.used = true;
			return first.value;
		}
		const { error } = first;
		if (!isNemoApiError(error) || error.code !== 1002 || !session.createdHere || session.used) throw error;
		session.sessionId = (await this.createSession(signal)).sessionId;
		const result = await operation(session.sessionId);
		session.used = true;
		return result;
	}

	getState(sessionId: string, signal?: AbortSignal): Promise<SessionState> {
		return getSessionState(this.api, sessionId, signal);
	}

	uploadFiles(sessionId: string, files: FileToUpload[], options?: UploadOptions): Promise<UploadedFile[]> {
		return uploadFiles(this.api, sessionId, files, { ...this.uploadOptions, ...options });
	}

	uploadUrls(sessionId: string, urls: Array<{ url: string; field: string; label: string }>, options?: UploadOptions): Promise<UploadedFile[]> {
		return uploadUrls(this.api, sessionId, urls, { ...this.uploadOptions, ...options });
	}

	/** Sends an instruction once and reports the outcome (see send-message.ts). */
	sendMessage(sessionId: string, text: string, signal?: AbortSignal, options: { onSending?: (sending: boolean) => void; wording?: GuiWording } = {}): Promise<MessageResult> {
		return sendMessage(this.api, sessionId, text, { signal, onSending: options.onSending, limits: this.streamLimits, recovery: this.recovery, wording: options.wording });
	}

	startRender(sessionId: string, draft: unknown, signal?: AbortSignal): Promise<{ renderId: string }> {
		return startRender(this.api, sessionId, draft, { signal });
	}

	getRenderStatus(renderId: string, signal?: AbortSignal): Promise<RenderStatus> {
		return getRenderStatus(this.api, renderId, { signal });
	}

	waitForRender(renderId: string, options: { signal?: AbortSignal; timeoutMs?: number; onStatus?: (status: RenderStatus) => void } = {}): Promise<RenderStatus> {
		const polling = options.timeoutMs ? { ...this.polling, timeoutMs: options.timeoutMs } : this.polling;
		return waitForRender(this.api, renderId, { polling, signal: options.signal, onStatus: options.onStatus });
	}

	cancelRender(renderId: string): Promise<void> {
		return cancelRender(this.api, renderId);
	}

	/** Downloads the finished video into `store` (n8n: its binary store), checked as it arrives (see render.ts). */
	download<T>(status: RenderStatus, store: StoreDownload<T>, signal?: AbortSignal): Promise<{ download: RenderDownload; stored: T }> {
		return downloadRender(this.api, status, store, signal);
	}

	/** Nothing to close since n8n's helper owns the connections; kept for callers that close a client when done. */
	close(): Promise<void> {
		return this.api.transport.close();
	}
}
