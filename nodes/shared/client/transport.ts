import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { type Unwrapped, unwrapEnvelope } from './envelope';
import { NemoApiError, cancelledError, during, truncate } from './errors';
import { parseJsonKeepingBigIds, toJsonText } from './json';
import { ProxyRoutingDispatchers } from './proxy';
import { type RateLimitOptions, type RateLimiter, retryAfterMs } from './rate-limit';

/**
 * HTTP to the NemoVideo API with undici: one place for the base URL, the headers every request
 * carries, timeouts, cancellation, and turning transport failures into clear errors.
 * It knows nothing of tokens' lifecycles or retries: see api-caller.ts for those.
 */

export interface Attribution {
	/** X-Skill-Source: names this package. */
	source: string;
	/** X-Skill-Version: this package's version. */
	version: string;
	/** X-Skill-Platform: where it runs. */
	platform: string;
}

export interface TransportOptions {
	baseUrl: string;
	attribution: Attribution;
	/** Plain http:// is refused for any host but loopback unless this is set. */
	allowInsecureHttp?: boolean;
	/** Sent as X-Client-Id on every request (the anonymous-token endpoint requires it). */
	clientId?: string;
	/** Time to wait for response headers on ordinary calls. */
	headersTimeoutMs?: number;
	/** Longest silence between body chunks on ordinary calls. */
	bodyTimeoutMs?: number;
	/**
	 * Injected by tests and benchmarks; by default each transport has its own keep-alive pools,
	 * direct or through the proxy the environment names (see proxy.ts).
	 */
	dispatcher?: Dispatcher;
	/** The token's limiter (rate-limit.ts): turns for every authorized API request, 429s sent again. */
	rateLimiter?: RateLimiter;
	rateLimit?: RateLimitOptions;
}

export interface ApiRequest {
	method: 'GET' | 'POST';
	/** Path on the API origin, starting with '/'. */
	path: string;
	/** What the user would call this step, for messages: "upload", "render status", … */
	operation: string;
	json?: unknown;
	/** A raw body (multipart upload) with its own headers. */
	body?: Readable;
	headers?: Record<string, string>;
	/** Bearer token. Only ever sent to the API origin. */
	token?: string;
	signal?: AbortSignal;
	headersTimeoutMs?: number;
	bodyTimeoutMs?: number;
	/** Keep the answer's numbers exactly as written (the draft goes back to the render): see json.ts. */
	exactNumbers?: boolean;
	/** false: a 429 is handed back at once (render polling has its own backoff). */
	retryRateLimit?: boolean;
}

export interface JsonAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	outcome: Unwrapped;
	/** A 429 the rate limiter already waited out and sent again, as often as it may. */
	rateLimitRetried?: boolean;
}

export interface StreamAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Dispatcher.ResponseData['body'];
	/** The URL that finally answered (after redirects). */
	url: string;
	/** A 429 the rate limiter already waited out and sent again, as often as it may. */
	rateLimitRetried?: boolean;
}

/** JSON answers are small; anything bigger than this is not the API talking. */
const MAX_JSON_BYTES = 32 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export class HttpTransport {
	readonly baseUrl: string;
	readonly origin: string;
	private readonly basePath: string;
	private readonly injectedDispatcher?: Dispatcher;
	private readonly routing = new ProxyRoutingDispatchers();
	private basePrivate?: Promise<boolean>;

	constructor(private readonly options: TransportOptions) {
		const base = normalizeBaseUrl(options.baseUrl, options.allowInsecureHttp ?? false);
		this.baseUrl = base.href.replace(/\/$/, '');
		this.origin = base.origin;
		this.basePath = base.pathname.replace(/\/$/, '');
		this.injectedDispatcher = options.dispatcher;
	}

	get clientId(): string | undefined {
		return this.options.clientId;
	}

	urlFor(path: string): string {
		return `${this.origin}${this.basePath}${path}`;
	}

	/** Sends a request and reads a JSON answer. API-level errors are returned, not thrown. */
	async requestJson(request: ApiRequest): Promise<JsonAnswer> {
		const answer = await this.send(request, 'application/json');
		if (answer.status >= 300 && answer.status < 400) {
			// API calls never follow redirects: the bearer token must not travel to wherever it points.
			answer.body.resume();
			const location = header(answer.headers, 'location');
			throw new NemoApiError(`NemoVideo answered ${request.operation} with a redirect (HTTP ${answer.status}${location ? ` to ${truncate(location, 120)}` : ''}).`, {
				kind: 'protocol',
				httpStatus: answer.status,
				operation: request.operation,
				description: 'Check the Base URL in the Nemo API credential (for example https:// instead of http://, or the exact host).',
			});
		}
		const text = await readTextCapped(answer.body, MAX_JSON_BYTES, request, this.origin);
		return {
			status: answer.status,
			headers: answer.headers,
			outcome: interpretJsonText(text, answer, request.operation, { exactNumbers: request.exactNumbers }),
			rateLimitRetried: answer.rateLimitRetried,
		};
	}

	/** Sends a request and hands back the body as a stream (SSE, downloads). */
	async requestStream(request: ApiRequest, accept: string): Promise<StreamAnswer> {
		return this.send(request, accept);
	}

	/**
	 * GETs an absolute URL (a CDN output URL, or our /download endpoint), following redirects.
	 * The bearer token goes only to the API origin: never to a CDN, and never across a
	 * redirect to another origin.
	 */
	async fetchUrl(
		url: string,
		options: { token?: string; signal?: AbortSignal; operation: string; headersTimeoutMs?: number; bodyTimeoutMs?: number },
	): Promise<StreamAnswer> {
		let current = new URL(url);
		for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
			await this.checkDownloadTarget(current, options.operation);
			const sameOrigin = current.origin === this.origin;
			const answer = await this.dispatch(
				{
					method: 'GET',
					path: current.pathname + current.search,
					operation: options.operation,
					token: sameOrigin ? options.token : undefined,
					signal: options.signal,
					headersTimeoutMs: options.headersTimeoutMs,
					bodyTimeoutMs: options.bodyTimeoutMs,
				},
				current,
				'*/*',
			);
			const location = header(answer.headers, 'location');
			if (answer.status >= 300 && answer.status < 400 && location) {
				answer.body.resume();
				current = new URL(location, current);
				continue;
			}
			return answer;
		}
		throw new NemoApiError(`Too many redirects ${during(options.operation)}.`, { kind: 'protocol', operation: options.operation });
	}

	async close(): Promise<void> {
		await this.routing.close();
	}

	/**
	 * A URL the service gave us (an output URL, a redirect) is fetched only where the Base URL
	 * could reach anyway: never a private, loopback or link-local address (a cloud's metadata
	 * service at 169.254.169.254, the n8n host's own ports) unless the Base URL is one itself (a
	 * local simulator, a service on the same network), and never plain http:// when the Base URL is https://.
	 */
	private async checkDownloadTarget(url: URL, operation: string): Promise<void> {
		const refuse = (why: string, description: string) =>
			new NemoApiError(`Refused to download from ${url.protocol === 'http:' && why.startsWith('plain') ? url.origin : url.hostname.replace(/^\[|\]$/g, '')} ${during(operation)}: ${why}.`, {
				kind: 'protocol',
				operation,
				description,
			});
		if (url.protocol !== 'https:' && url.protocol !== 'http:') {
			throw new NemoApiError(`Refused to download from a ${url.protocol} URL ${during(operation)}.`, { kind: 'protocol', operation });
		}
		if (url.origin === this.origin) return;
		if (url.protocol === 'http:' && this.baseUrl.startsWith('https:')) {
			throw refuse('plain http:// where the Base URL is https://', 'NemoVideo (or something between it and n8n) pointed to an unencrypted address. Try again later; if it persists, check the Base URL and any proxy in between.');
		}
		this.basePrivate ??= resolvesToPrivate(new URL(this.baseUrl).hostname).then((found) => found !== undefined);
		if (await this.basePrivate) return;
		const privateAddress = await resolvesToPrivate(url.hostname);
		if (privateAddress !== undefined) {
			throw refuse(
				`it is a private, loopback or link-local address (${privateAddress}), and the Base URL is not`,
				'A public service should never point there. Nothing was fetched from it. If NemoVideo really runs on your own network, use its address as the Base URL of the Nemo API credential.',
			);
		}
	}

	private send(request: ApiRequest, accept: string): Promise<StreamAnswer> {
		return this.dispatch(request, new URL(this.urlFor(request.path)), accept);
	}

	/**
	 * Rate limits (issue 14, rate-limit.ts): an authorized request to the API origin waits for its
	 * turn on the token's limiter; a 429 is waited out and sent again when its body can be sent
	 * again (JSON or none; a streamed upload goes back to the caller, which makes its body anew).
	 */
	private async dispatch(request: ApiRequest, url: URL, accept: string): Promise<StreamAnswer> {
		const limiter = this.options.rateLimiter;
		const limits = this.options.rateLimit;
		if (!limiter || !limits || !request.token || url.origin !== this.origin) return this.dispatchOnce(request, url, accept);
		const kind = accept === 'text/event-stream' ? 'stream' : 'call';
		const replayable = request.body === undefined && request.retryRateLimit !== false;
		for (let retries = 0; ; retries++) {
			const permit = await limiter.acquire(kind, request.signal, request.operation);
			let answer: StreamAnswer;
			try {
				answer = await this.dispatchOnce(request, url, accept);
			} catch (error) {
				permit.release();
				throw error;
			}
			// An event stream counts as a begun message whatever its status (it may have been taken and
			// charged): never sent again here; the caller reads the session state instead.
			const begun = kind === 'stream' && (header(answer.headers, 'content-type') ?? '').includes('text/event-stream');
			if (answer.status !== 429 || begun) {
				if (answer.status < 300) limiter.accepted(permit);
				if (kind === 'stream' && answer.status < 300) releaseWhenClosed(answer.body, permit.release);
				else permit.release();
				return answer;
			}
			limiter.refused(permit, retryAfterMs(header(answer.headers, 'retry-after'), { defaultWaitMs: limits.defaultWaitMs, maxWaitMs: limits.maxWaitMs }));
			permit.release();
			if (!replayable || retries >= limits.maxRetries) return { ...answer, rateLimitRetried: replayable };
			answer.body.resume();
		}
	}

	private async dispatchOnce(request: ApiRequest, url: URL, accept: string): Promise<StreamAnswer> {
		const headers: Record<string, string> = {
			accept,
			'x-skill-source': this.options.attribution.source,
			'x-skill-version': this.options.attribution.version,
			'x-skill-platform': this.options.attribution.platform,
			...request.headers,
		};
		if (url.origin === this.origin) {
			if (this.options.clientId) headers['x-client-id'] = this.options.clientId;
			if (request.token) headers.authorization = `Bearer ${request.token}`;
		}
		let body: string | Readable | undefined = request.body;
		if (request.json !== undefined) {
			body = toJsonText(request.json);
			headers['content-type'] = 'application/json';
		}
		// undici's AbortSignal support rejects with a generic AbortError; we want our own message.
		if (request.signal?.aborted) throw cancelledError(request.operation);
		try {
			const dispatcher = this.injectedDispatcher ?? this.routing.forOrigin(url.origin);
			const response = await dispatcher.request({
				origin: url.origin,
				path: url.pathname + url.search,
				method: request.method,
				headers,
				body,
				signal: request.signal,
				headersTimeout: request.headersTimeoutMs ?? this.options.headersTimeoutMs ?? 60_000,
				bodyTimeout: request.bodyTimeoutMs ?? this.options.bodyTimeoutMs ?? 60_000,
			});
			return { status: response.statusCode, headers: response.headers, body: response.body, url: url.href };
		} catch (error) {
			throw transportError(error, request.operation, url.origin, request.signal);
		}
	}
}

/** A stream holds its slot of the limiter until its body is read to the end, fails or is destroyed. */
function releaseWhenClosed(body: StreamAnswer['body'], release: () => void): void {
	body.once('close', release);
	body.once('end', release);
	body.once('error', release);
}

/** Validates the Base URL of the credential: https, or http only for loopback unless allowed. */
export function normalizeBaseUrl(raw: string, allowInsecureHttp: boolean): URL {
	const text = (raw ?? '').trim();
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new NemoApiError(`The Base URL "${truncate(text, 100)}" is not a valid URL.`, {
			kind: 'input',
			field: 'baseUrl',
			description: 'Use the form https://mega-api-prod.nemovideo.ai in the Nemo API credential.',
		});
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new NemoApiError(`The Base URL must start with https:// (got ${url.protocol}).`, {
			kind: 'input',
			field: 'baseUrl',
			description: 'Use the form https://mega-api-prod.nemovideo.ai in the Nemo API credential.',
		});
	}
	if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowInsecureHttp) {
		throw new NemoApiError(`The Base URL uses plain http:// for ${url.hostname}, which would send the token unencrypted.`, {
			kind: 'input',
			field: 'baseUrl',
			description: 'Use https://, or tick "Allow Insecure HTTP" in the Nemo API credential if this host is on a network you trust.',
		});
	}
	url.search = '';
	url.hash = '';
	return url;
}

/** Loopback, private (RFC 1918, unique-local), link-local, carrier-grade NAT and unspecified addresses. */
const PRIVATE_ADDRESSES = new BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
	PRIVATE_ADDRESSES.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE_ADDRESSES.addSubnet(network, prefix, 'ipv6');

function isPrivateAddress(address: string): boolean {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped) return PRIVATE_ADDRESSES.check(mapped[1], 'ipv4');
	return PRIVATE_ADDRESSES.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The first private address `hostname` is or resolves to, if any. A name that does not resolve
 * here (e.g. only a proxy can) is let through: the request itself then fails or goes via the proxy.
 */
async function resolvesToPrivate(hostname: string): Promise<string | undefined> {
	const host = hostname.replace(/^\[|\]$/g, '');
	if (isIP(host)) return isPrivateAddress(host) ? host : undefined;
	try {
		const addresses = await lookup(host, { all: true, verbatim: true });
		return addresses.map((entry) => entry.address).find(isPrivateAddress);
	} catch {
		return undefined;
	}
}

export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads a JSON answer: HTML pages and broken JSON become protocol errors (thrown); API errors
 * (an error envelope, or an error status) are returned for the caller to recover or report.
 */
export function interpretJsonText(
	text: string,
	answer: Pick<StreamAnswer, 'status' | 'headers'>,
	operation: string,
	options: { exactNumbers?: boolean } = {},
): Unwrapped {
	const contentType = header(answer.headers, 'content-type') ?? '';
	const trimmed = text.trimStart();
	if (trimmed === '') {
		if (answer.status >= 400) return { ok: false, code: answer.status };
		return { ok: true, data: undefined };
	}
	if (contentType.includes('html') || trimmed.startsWith('<')) {
		throw new NemoApiError(
			`NemoVideo answered ${operation} with a web page (HTTP ${answer.status}) instead of data: usually a gateway or proxy error.`,
			{
				kind: 'protocol',
				httpStatus: answer.status,
				operation,
				description: 'Try again in a few minutes. If it persists, check the Base URL in the Nemo API credential.',
			},
		);
	}
	let parsed: unknown;
	try {
		parsed = parseJsonKeepingBigIds(text, options);
	} catch {
		throw new NemoApiError(`NemoVideo's answer to ${operation} (HTTP ${answer.status}) was not valid JSON.`, {
			kind: 'protocol',
			httpStatus: answer.status,
			operation,
			description: 'The answer was cut off or garbled. Try again; if it persists, the service may be having problems.',
			// Cut off or garbled on the way: a read that is repeated anyway (polling) tolerates it like a 5xx.
			transient: true,
		});
	}
	const outcome = unwrapEnvelope(parsed);
	if (answer.status >= 400) {
		return outcome.ok ? { ok: false, code: answer.status } : { ...outcome, code: outcome.code ?? answer.status };
	}
	return outcome;
}

async function readTextCapped(
	body: StreamAnswer['body'],
	maxBytes: number,
	request: ApiRequest,
	origin: string,
): Promise<string> {
	const chunks: Buffer[] = [];
	let total = 0;
	try {
		for await (const chunk of body) {
			total += chunk.length;
			if (total > maxBytes) {
				body.destroy();
				throw new NemoApiError(`NemoVideo's answer to ${request.operation} was larger than ${maxBytes} bytes.`, {
					kind: 'protocol',
					operation: request.operation,
				});
			}
			chunks.push(chunk as Buffer);
		}
	} catch (error) {
		if (error instanceof NemoApiError) throw error;
		throw transportError(error, request.operation, origin, request.signal);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** Maps undici/Node network failures to a message that says what happened and what to do. */
export function transportError(error: unknown, operation: string, origin: string, signal?: AbortSignal): NemoApiError {
	if (error instanceof NemoApiError) return error;
	if (signal?.aborted) return cancelledError(operation);
	const code = errorCode(error);
	const description = (text: string) => ({ operation, description: text, cause: error });
	switch (code) {
		case 'ECONNREFUSED':
			return new NemoApiError(`Could not connect to ${origin} ${during(operation)} (connection refused).`, {
				kind: 'network',
				...description('Check the Base URL in the Nemo API credential, and that the service is reachable from this n8n.'),
			});
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return new NemoApiError(`The host of ${origin} could not be found ${during(operation)} (DNS lookup failed).`, {
				kind: 'network',
				...description('Check the Base URL in the Nemo API credential for typos, and this machine\'s DNS.'),
			});
		case 'UND_ERR_HEADERS_TIMEOUT':
		case 'UND_ERR_CONNECT_TIMEOUT':
		case 'ETIMEDOUT':
			return new NemoApiError(`NemoVideo did not answer ${operation} in time.`, {
				kind: 'timeout',
				...description('The service is slow or unreachable. Try again later.'),
			});
		case 'UND_ERR_BODY_TIMEOUT':
			return new NemoApiError(`NemoVideo stopped sending data ${during(operation)} (the answer stalled).`, {
				kind: 'timeout',
				...description('The connection stalled. Try again later.'),
			});
		case 'ECONNRESET':
		case 'EPIPE':
		case 'UND_ERR_SOCKET':
		case 'UND_ERR_CLOSED':
			return new NemoApiError(`The connection to ${origin} was cut ${during(operation)}.`, {
				kind: 'network',
				...description('A network problem or a restart on the service side. Try again.'),
			});
		default: {
			const message = error instanceof Error ? error.message : String(error);
			return new NemoApiError(`Network error ${during(operation)}: ${truncate(message, 200)}`, {
				kind: 'network',
				...description('Check the Base URL in the Nemo API credential and the network, then try again.'),
			});
		}
	}
}

function errorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && code !== 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
			if (code !== 'UND_ERR' ) return code;
		}
		// AggregateError (happy eyeballs) carries the real reasons in `errors`.
		const inner = (current as { errors?: unknown[] }).errors;
		if (Array.isArray(inner) && inner.length > 0) {
			current = inner[0];
			continue;
		}
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}
