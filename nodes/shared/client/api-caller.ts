import type { Readable } from 'node:stream';
import { sleep } from './abort';
import type { TokenProvider } from './auth';
import { inferErrorCode } from './envelope';
import { NemoApiError, apiError } from './errors';
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
 * Anything else becomes a NemoApiError with advice. Messages sent to the editing stream never
 * go through here: see message-stream.ts, which never repeats a send.
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

export interface RawBody {
	stream: Readable;
	/** Headers that go with this body (multipart boundary, length). */
	headers: Record<string, string>;
}

export interface CallRequest extends Omit<ApiRequest, 'token' | 'body'> {
	/** A raw body, made anew for each attempt (a stream can be read only once). */
	body?: () => Promise<RawBody>;
	/** false for the token endpoint itself. */
	authorized?: boolean;
	/** false where the caller has its own backoff (render polling) and must not wait 30 s. */
	retryRateLimit?: boolean;
}

export class ApiCaller {
	constructor(
		readonly transport: HttpTransport,
		readonly tokens: TokenProvider,
		private readonly retry: RetryOptions,
	) {}

	/** Calls the API and returns the unwrapped `data`. */
	async call(request: CallRequest): Promise<unknown> {
		let refreshedToken = false;
		let retriedRateLimit = false;
		let retriedClientId = false;
		let token = request.authorized === false ? undefined : await this.tokens.getToken(request.signal);

		for (;;) {
			const raw = request.body ? await request.body() : undefined;
			const answer = await this.transport.requestJson({
				...request,
				token,
				body: raw?.stream,
				headers: { ...request.headers, ...raw?.headers },
			});
			if (answer.outcome.ok) return answer.outcome.data;
			const code = codeOf(answer);

			if ((code === 1001 || answer.status === 401) && token && !refreshedToken) {
				refreshedToken = true;
				const fresh = await this.tokens.refreshAfterRejection(token, request.signal);
				if (fresh) {
					token = fresh;
					continue;
				}
			}
			// (issue 14) a 429 the rate limiter already sent again as often as it may is not retried here
			if (code === 429 && !retriedRateLimit && request.retryRateLimit !== false && !answer.rateLimitRetried) {
				retriedRateLimit = true;
				await sleep(this.rateLimitWait(answer), request.signal, request.operation);
				continue;
			}
			if (code === 400 && this.transport.clientId && !retriedClientId && (request.authorized === false || mentionsClientId(answer))) {
				// The transport always sends our client id; one retry covers a proxy that dropped it.
				retriedClientId = true;
				continue;
			}
			throw this.errorFor(answer, request.operation);
		}
	}

	/**
	 * Opens a streaming answer (SSE) exactly once: no retry of any kind, because the request body
	 * is a message the service charges for. An error answer is read and thrown as a NemoApiError.
	 */
	async openStreamOnce(request: Omit<ApiRequest, 'token'>, accept: string): Promise<StreamAnswer> {
		const token = await this.tokens.getToken(request.signal);
		const answer = await this.transport.requestStream({ ...request, token }, accept);
		const contentType = header(answer.headers, 'content-type') ?? '';
		if (answer.status < 300 && contentType.includes('text/event-stream')) return answer;

		// Not a stream: an error (or an unexpected JSON answer). Read it to say what went wrong.
		const chunks: Buffer[] = [];
		for await (const chunk of answer.body) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		const outcome = interpretJsonText(text, answer, request.operation);
		if (outcome.ok) {
			throw new NemoApiError('NemoVideo answered the message without opening an event stream.', {
				kind: 'protocol',
				httpStatus: answer.status,
				operation: request.operation,
				description: 'The message was not sent again, to avoid a second charge. Check the session state, then try again.',
			});
		}
		const replay: JsonAnswer = { status: answer.status, headers: answer.headers, outcome };
		if (codeOf(replay) === 1001) {
			// Not retried (never re-send a message), but the next item should not meet the same token.
			await this.tokens.refreshAfterRejection(token, request.signal).catch(() => undefined);
		}
		throw this.errorFor(replay, request.operation, { retried: false });
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
					answer.body.resume();
					token = fresh;
					continue;
				}
			}
			if (answer.status === 429 && !retriedRateLimit && !answer.rateLimitRetried) {
				retriedRateLimit = true;
				answer.body.resume();
				await sleep(this.rateLimitWait({ status: answer.status, headers: answer.headers, outcome: { ok: false } }), options.signal, options.operation);
				continue;
			}
			return answer;
		}
	}

	errorFor(answer: JsonAnswer, operation: string, options: { retried?: boolean } = {}): NemoApiError {
		const outcome = answer.outcome;
		return apiError(codeOf(answer), {
			operation,
			retried: options.retried,
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

/** The API error code of a failed answer, from its code field, its words, or its HTTP status. */
function codeOf(answer: JsonAnswer): number {
	if (answer.outcome.ok) return answer.status;
	const { code, message } = answer.outcome;
	// A code equal to the HTTP status came from the status, not the body: read the words too.
	if (code !== undefined && code !== answer.status) return code;
	return inferErrorCode(answer.status, message);
}

function mentionsClientId(answer: JsonAnswer): boolean {
	return !answer.outcome.ok && /client.?id/i.test(answer.outcome.message ?? '');
}
