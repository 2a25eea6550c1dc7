import { Watchdog, pause } from './abort';
import type { TokenProvider } from './auth';
import { basePathDoublesApi, notNemoVideoError } from './base-url';
import { inferErrorCode } from './envelope';
import { NemoApiError, apiError, cancelledError, during, isNemoApiError, settle } from './errors';
import { type MultipartForm, readChunks } from './http';
import { DEFAULT_MAX_RATE_LIMIT_RETRIES } from './rate-limit';
import {
	type ApiRequest,
	type HttpTransport,
	type JsonAnswer,
	type StreamAnswer,
	header,
	interpretJsonText,
} from './transport';

/**
 * Authorized calls with the recoveries the API doc prescribes, each at most once per call:
 * - 1001 / HTTP 401: get a new anonymous token and retry (a configured token is reported);
 * - 400 (missing X-Client-Id): retry with the client id;
 * - 429: wait (30 s by default, or the server's Retry-After) and retry.
 * Anything else becomes a NemoApiError with advice. A message to the editing stream gets the
 * same recoveries only while its answer is not an event stream (the service did not accept it);
 * once a stream has opened, the message counts as sent and is never sent again (see
 * openMessageStream and send-message.ts).
 */

export interface RetryOptions {
	/** How long to wait after a 429 before the one retry. */
	rateLimitWaitMs: number;
	/** Upper bound on a server's Retry-After. */
	maxRateLimitWaitMs: number;
	/** Times the rate limiter sends a refused (429) request again before it fails (rate-limit.ts). */
	maxRateLimitRetries: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
	rateLimitWaitMs: 30_000,
	maxRateLimitWaitMs: 120_000,
	maxRateLimitRetries: DEFAULT_MAX_RATE_LIMIT_RETRIES,
};

export interface CallRequest extends Omit<ApiRequest, 'token' | 'form'> {
	/** A multipart body, made anew for each attempt (its files are opened anew). */
	form?: () => Promise<MultipartForm>;
	/** false for the token endpoint itself. */
	authorized?: boolean;
	/** false where the caller has its own backoff (render polling) and must not wait 30 s. */
	retryRateLimit?: boolean;
}

/** Where the client tells the operator what it did on its own (n8n: the node's logger). Never a token. */
export type ClientLog = (level: 'debug' | 'info', message: string, meta?: Record<string, unknown>) => void;

export class ApiCaller {
	constructor(
		readonly transport: HttpTransport,
		readonly tokens: TokenProvider,
		private readonly retry: RetryOptions,
		readonly log: ClientLog = () => undefined,
	) {}

	/** Calls the API and returns the unwrapped `data`. */
	async call(request: CallRequest): Promise<unknown> {
		const attempt = await this.firstAttempt(request);
		for (;;) {
			const form = request.form ? await request.form() : undefined;
			const answer = await this.transport.requestJson({ ...request, token: attempt.token, form });
			if (answer.outcome.ok) return answer.outcome.data;
			if (await this.recover(answer, attempt, request)) continue;
			throw this.errorFor(answer, request);
		}
	}

	/**
	 * Sends a message whose answer is an event stream (`/run_sse`) and returns the open stream.
	 * An answer that is not an event stream (an error status, a JSON error body) means the
	 * service did not accept the message: it gets the recoveries of call() (a new trial token,
	 * a 429 wait, the client id; each once), read with a small cap since nothing but an error is
	 * expected. Once a stream has opened, the message counts as sent: the caller never sends it
	 * again. An error answer cut before its end leaves that unknown: it is thrown as a network
	 * error, after which the caller reads the session state instead of sending again.
	 */
	async openMessageStream(request: Omit<ApiRequest, 'token'>): Promise<StreamAnswer> {
		const attempt = await this.firstAttempt(request);
		for (;;) {
			const answer = await this.transport.requestStream({ ...request, token: attempt.token }, 'text/event-stream');
			const contentType = header(answer.headers, 'content-type') ?? '';
			if (contentType.includes('text/event-stream')) {
				if (answer.status < 300) return answer;
				// A stream has begun, whatever the status says: the message may have been taken, so it is never sent again.
				answer.close();
				throw new NemoApiError(`NemoVideo answered the instruction with HTTP ${answer.status} and an event stream.`, {
					kind: 'protocol',
					httpStatus: answer.status,
					operation: request.operation,
					description: TAKEN_UNKNOWN,
				});
			}

			const rejection = await this.readRejection(answer, request);
			if (rejection.outcome.ok) {
				throw new NemoApiError('NemoVideo answered the instruction without opening an event stream.', {
					kind: 'protocol',
					httpStatus: answer.status,
					operation: request.operation,
					description: "The instruction was not sent again, to avoid a second charge. Check the session's timeline, then try again.",
				});
			}
			// Refused: the service does not have the instruction, now or while a recovery waits.
			request.inFlight?.(false);
			if (await this.recover(rejection, attempt, request)) continue;
			throw this.errorFor(rejection, request);
		}
	}

	private async firstAttempt(request: { authorized?: boolean; signal?: AbortSignal }): Promise<Attempt> {
		const token = request.authorized === false ? undefined : await this.tokens.getToken(request.signal);
		return { token, refreshedToken: false, retriedRateLimit: false, retriedClientId: false };
	}

	/**
	 * The API doc's recoveries for a failed answer, each at most once per call: true when the
	 * request should be sent once more (with `attempt.token`), false when the error stands.
	 */
	private async recover(answer: JsonAnswer, attempt: Attempt, request: Pick<CallRequest, 'authorized' | 'retryRateLimit' | 'signal' | 'operation'>): Promise<boolean> {
		const code = codeOf(answer);
		if ((code === 1001 || answer.status === 401) && attempt.token && !attempt.refreshedToken) {
			attempt.refreshedToken = true;
			this.log('info', `NemoVideo rejected the token ${during(request.operation)} (code ${code}); retrying once with a new trial token`, { operation: request.operation, code });
			const fresh = await this.tokens.refreshAfterRejection(attempt.token, request.signal);
			if (fresh) {
				attempt.token = fresh;
				return true;
			}
		}
		// (issue 14) a 429 the rate limiter already sent again as often as it may is not retried here
		if (code === 429 && !attempt.retriedRateLimit && request.retryRateLimit !== false && !answer.rateLimitRetried) {
			attempt.retriedRateLimit = true;
			const waitMs = this.rateLimitWait(answer);
			this.log('info', `NemoVideo rate-limited ${request.operation} (429); retrying once in ${Math.round(waitMs / 1000)} s`, { operation: request.operation, waitMs });
			await pause(this.transport.sleep, waitMs, request.signal, request.operation);
			return true;
		}
		if (code === 400 && this.transport.clientId && !attempt.retriedClientId && (request.authorized === false || mentionsClientId(answer))) {
			// The transport always sends our client id; one retry covers a proxy that dropped it.
			attempt.retriedClientId = true;
			this.log('info', `NemoVideo answered ${request.operation} with 400 (client id); retrying once`, { operation: request.operation });
			return true;
		}
		return false;
	}

	/** Reads a non-stream answer to a message: an error, up to a cap (an endless body is not read to its end). */
	private async readRejection(answer: StreamAnswer, request: Omit<ApiRequest, 'token'>): Promise<JsonAnswer> {
		if (isGatewayStatus(answer.status)) {
			// A gateway or CDN in front of the service says it got no (timely) answer: the service may
			// have taken the instruction, whatever the body's type, so it is never called a refusal.
			answer.close();
			throw new NemoApiError(`A gateway in front of NemoVideo answered the instruction with HTTP ${answer.status} instead of an event stream.`, {
				kind: 'network',
				httpStatus: answer.status,
				operation: request.operation,
				description: TAKEN_UNKNOWN,
			});
		}
		const chunks: Buffer[] = [];
		let total = 0;
		let overflow = false;
		// An error answer that stops, or trickles on, is not waited for past the body timeout.
		const silenceMs = request.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
		const watchdog = new Watchdog<'silence' | 'whole'>(this.transport.sleep, () => answer.close());
		watchdog.arm('silence', silenceMs);
		watchdog.arm('whole', 2 * silenceMs);
		const read = await settle(
			(async () => {
				for await (const chunk of readChunks(answer.body, answer.signal, () => cancelledError(request.operation))) {
					watchdog.arm('silence', silenceMs);
					chunks.push(chunk);
					total += chunk.length;
					if (total > MAX_REJECTION_BYTES) {
						overflow = true;
						answer.close();
						break;
					}
				}
			})(),
		);
		watchdog.stop();
		if (!read.ok) {
			if (request.signal?.aborted) throw cancelledError(request.operation);
			const how = watchdog.expired ? `stalled before its end (nothing for ${Math.round(silenceMs / 1000)} s, or not done in ${Math.round((2 * silenceMs) / 1000)} s)` : 'was cut before its end';
			throw new NemoApiError(`NemoVideo answered the instruction with HTTP ${answer.status}, and the answer ${how}.`, {
				kind: 'network',
				httpStatus: answer.status,
				operation: request.operation,
				description: TAKEN_UNKNOWN,
				cause: read.error,
			});
		}
		const refused = (): JsonAnswer => ({ status: answer.status, headers: answer.headers, outcome: { ok: false, code: answer.status }, rateLimitRetried: answer.rateLimitRetried });
		if (overflow) {
			// Past the cap, only the status says anything.
			if (isRefusalStatus(answer.status)) return refused();
			throw new NemoApiError(`NemoVideo answered the instruction with HTTP ${answer.status} and more than ${MAX_REJECTION_BYTES / 1024} KB that are not an event stream.`, {
				kind: 'protocol',
				httpStatus: answer.status,
				operation: request.operation,
				description: TAKEN_UNKNOWN,
			});
		}
		const text = Buffer.concat(chunks).toString('utf8');
		const interpreted = await settle(Promise.resolve().then(() => interpretJsonText(text, answer, request.operation)));
		if (interpreted.ok) return { status: answer.status, headers: answer.headers, outcome: interpreted.value, rateLimitRetried: answer.rateLimitRetried };
		// A page or text instead of a JSON error: the status alone says the message was refused (see isRefusalStatus).
		if (isNemoApiError(interpreted.error) && isRefusalStatus(answer.status)) return refused();
		throw interpreted.error;
	}

	/**
	 * GETs a download from the API origin with the bearer token. A GET repeats safely, so it gets
	 * the recoveries of call(): HTTP 401 (1001) → a new trial token, 429 → wait; each once. Any
	 * other answer, error or not, is handed back for the caller to read or report.
	 */
	async download(url: string, options: { signal?: AbortSignal; operation: string }): Promise<StreamAnswer> {
		let token = await this.tokens.getToken(options.signal);
		let refreshedToken = false;
		let retriedRateLimit = false;
		for (;;) {
			const answer = await this.transport.fetchUrl(url, { token, signal: options.signal, operation: options.operation });
			if (answer.status === 401 && !refreshedToken) {
				refreshedToken = true;
				const fresh = await this.tokens.refreshAfterRejection(token, options.signal);
				if (fresh) {
					answer.close();
					token = fresh;
					continue;
				}
			}
			if (answer.status === 429 && !retriedRateLimit && !answer.rateLimitRetried) {
				retriedRateLimit = true;
				answer.close();
				await pause(this.transport.sleep, this.rateLimitWait({ status: answer.status, headers: answer.headers, outcome: { ok: false } }), options.signal, options.operation);
				continue;
			}
			return answer;
		}
	}

	errorFor(answer: JsonAnswer, request: Pick<ApiRequest, 'operation' | 'method' | 'path' | 'refersTo'>): NemoApiError {
		const { operation } = request;
		const outcome = answer.outcome;
		const code = codeOf(answer);
		// "Not found" on a call about no id, or through a Base URL that doubles /api: the address is wrong, not an id.
		const place = this.transport.placeOf(request);
		if (code === 404 && (!request.refersTo || basePathDoublesApi(place.basePath))) return notNemoVideoError(answer, operation, place);
		return apiError(code, {
			operation,
			httpStatus: answer.status,
			serviceMessage: outcome.ok ? undefined : outcome.message,
			usingConfiguredToken: this.tokens.usesConfiguredToken,
			anonymousUserId: this.tokens.anonymousUserId,
		});
	}

	private rateLimitWait(answer: JsonAnswer): number {
		const retryAfter = Number(header(answer.headers, 'retry-after'));
		if (Number.isFinite(retryAfter) && retryAfter >= 0) {
			return Math.min(retryAfter * 1000, this.retry.maxRateLimitWaitMs);
		}
		return this.retry.rateLimitWaitMs;
	}
}

/** The recoveries one call has used so far, and the token it sends. */
interface Attempt {
	token?: string;
	refreshedToken: boolean;
	retriedRateLimit: boolean;
	retriedClientId: boolean;
}

/** An error status without a readable error: the service refused the message (API doc, 2026-12). */
function isRefusalStatus(status: number): boolean {
	return status >= 400 && !isGatewayStatus(status);
}

/**
 * 502, 503, 504 and Cloudflare's 520-527: what a gateway or CDN answers when the service behind
 * it did not answer (in time). The service may have the request all the same.
 */
function isGatewayStatus(status: number): boolean {
	return status === 502 || status === 503 || status === 504 || (status >= 520 && status <= 527);
}

const TAKEN_UNKNOWN = 'Whether the service took the instruction is not known: the session state is checked instead of sending it again.';

/** How long an error answer may fall silent when the request names no body timeout. */
const DEFAULT_BODY_TIMEOUT_MS = 60_000;

/** An error answer to a message is a few hundred bytes; past this, it is not the API talking. */
const MAX_REJECTION_BYTES = 64 * 1024;

/** The API error code of a failed answer, from its code field, its words, or its HTTP status. */
function codeOf(answer: JsonAnswer): number {
	if (answer.outcome.ok) return answer.status;
	const { code, message } = answer.outcome;
	// NemoVideo's CLI gateway answers an invalid token with 1010 or 1011 (HTTP 401): the same as 1001.
	if (code === 1010 || code === 1011) return 1001;
	// A code equal to the HTTP status came from the status, not the body: read the words too.
	if (code !== undefined && code !== answer.status) return code;
	return inferErrorCode(answer.status, message);
}

function mentionsClientId(answer: JsonAnswer): boolean {
	return !answer.outcome.ok && /client.?id/i.test(answer.outcome.message ?? '');
}
