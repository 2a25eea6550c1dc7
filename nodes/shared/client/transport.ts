import { linkedController, throwIfAborted, Watchdog } from './abort';
import { type Unwrapped, unwrapEnvelope } from './envelope';
import { type RequestPlace, isNotNemoVideoStatus, notNemoVideoError } from './base-url';
import { NemoApiError, cancelledError, during, settle, settleNow, truncate } from './errors';
import { type HttpHelpers, type MultipartForm, type ResponseBody, type Sleep, discard, readChunks } from './http';
import { parseJsonKeepingBigIds, toJsonText } from './json';
import { type RateLimitOptions, type RateLimiter, retryAfterMs } from './rate-limit';
import { redactSecrets } from './redact';

/**
 * HTTP to the NemoVideo API through n8n's request helper (http.ts): one place for the base URL,
 * the headers every request carries, timeouts, cancellation, and turning transport failures into
 * clear errors. It knows nothing of tokens' lifecycles or retries: see api-caller.ts for those.
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
	/** n8n's request helper and sleep (nodes/shared/n8n/http.ts). */
	http: HttpHelpers;
	/** Plain http:// is refused for any host but loopback unless this is set. */
	allowInsecureHttp?: boolean;
	/** Sent as X-Client-Id on every request (the anonymous-token endpoint requires it). */
	clientId?: string;
	/** Time to wait for response headers on ordinary calls. */
	headersTimeoutMs?: number;
	/** Longest silence between body chunks on ordinary calls. */
	bodyTimeoutMs?: number;
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
	/** A multipart upload (http.ts). */
	form?: MultipartForm;
	headers?: Record<string, string>;
	/** Bearer token. Only ever sent to the API origin. */
	token?: string;
	signal?: AbortSignal;
	/** Time allowed for the answer's headers; Infinity: the caller watches the time itself (uploads). */
	headersTimeoutMs?: number;
	bodyTimeoutMs?: number;
	/**
	 * The id this call is about ("render render_…", "session 73…"), if any: a 404 then most likely
	 * means that id does not exist for this account. A 404 on a call about no id means the
	 * endpoint is not there: the Base URL is not NemoVideo's API (base-url.ts).
	 */
	refersTo?: string;
	/** Keep the answer's numbers exactly as written (the draft goes back to the render): see json.ts. */
	exactNumbers?: boolean;
	/** false: a 429 is handed back at once (render polling has its own backoff). */
	retryRateLimit?: boolean;
	/**
	 * Told when the request goes out (true), and when the service refused it and it waits to be
	 * sent again (false): an instruction counts as sent only while the service may have it.
	 */
	inFlight?: (sending: boolean) => void;
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
	body: ResponseBody;
	/** The URL that finally answered (after redirects). */
	url: string;
	/** The exchange's own signal: fires when it is closed or the caller's signal fires. */
	signal: AbortSignal;
	/** Ends the exchange: the body and the connection under it (see readChunks). */
	close(): void;
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
	private readonly basePrivate: boolean;

	constructor(private readonly options: TransportOptions) {
		const base = normalizeBaseUrl(options.baseUrl, options.allowInsecureHttp ?? false);
		this.baseUrl = base.href.replace(/\/$/, '');
		this.origin = base.origin;
		this.basePath = base.pathname.replace(/\/$/, '');
		this.basePrivate = privateAddressOf(base.hostname) !== undefined;
	}

	get clientId(): string | undefined {
		return this.options.clientId;
	}

	/** n8n-workflow's sleep, as the adapter handed it: every wait of the client goes through it. */
	get sleep(): Sleep {
		return this.options.http.sleep;
	}

	/** Where a request goes, for the messages of base-url.ts. */
	placeOf(request: Pick<ApiRequest, 'method' | 'path'>): RequestPlace {
		return { method: request.method, basePath: this.basePath, path: request.path };
	}

	urlFor(path: string): string {
		return `${this.origin}${this.basePath}${path}`;
	}

	/** Sends a request and reads a JSON answer. API-level errors are returned, not thrown. */
	async requestJson(request: ApiRequest): Promise<JsonAnswer> {
		const answer = await this.send(request, 'application/json');
		if (answer.status >= 300 && answer.status < 400) {
			// API calls never follow redirects: the bearer token must not travel to wherever it points.
			answer.close();
			const location = header(answer.headers, 'location');
			throw new NemoApiError(`NemoVideo answered ${request.operation} with a redirect (HTTP ${answer.status}${location ? ` to ${truncate(redactSecrets(location), 120)}` : ''}).`, {
				kind: 'protocol',
				httpStatus: answer.status,
				operation: request.operation,
				description: 'Check the Base URL in the Nemo API credential (for example https:// instead of http://, or the exact host).',
			});
		}
		const text = await this.readText(answer, MAX_JSON_BYTES, request);
		return {
			status: answer.status,
			headers: answer.headers,
			outcome: interpretJsonText(text, answer, request.operation, { exactNumbers: request.exactNumbers, place: this.placeOf(request) }),
			rateLimitRetried: answer.rateLimitRetried,
		};
	}

	/** Sends a request and hands back the body as a stream (SSE, downloads). */
	async requestStream(request: ApiRequest, accept: string): Promise<StreamAnswer> {
		return this.send(request, accept);
	}

	/**
	 * GETs an absolute URL (a CDN output URL, or our /download endpoint), following redirects
	 * itself. The bearer token goes only to the API origin: never to a CDN, and never across a
	 * redirect to another origin (n8n's helper would carry it along, so it never follows one).
	 */
	async fetchUrl(
		url: string,
		options: { token?: string; signal?: AbortSignal; operation: string; headersTimeoutMs?: number },
	): Promise<StreamAnswer> {
		let current = new URL(url);
		for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
			this.checkDownloadTarget(current, options.operation);
			const sameOrigin = current.origin === this.origin;
			const answer = await this.dispatch(
				{
					method: 'GET',
					path: current.pathname + current.search,
					operation: options.operation,
					token: sameOrigin ? options.token : undefined,
					signal: options.signal,
					headersTimeoutMs: options.headersTimeoutMs,
				},
				current,
				'*/*',
			);
			const location = header(answer.headers, 'location');
			if (answer.status >= 300 && answer.status < 400 && location) {
				answer.close();
				current = new URL(location, current);
				continue;
			}
			return answer;
		}
		throw new NemoApiError(`Too many redirects ${during(options.operation)}.`, { kind: 'protocol', operation: options.operation });
	}

	/** Nothing to close: n8n's helper owns the connections. Kept so callers need not know. */
	async close(): Promise<void> {}

	/**
	 * A URL the service gave us (an output URL, a redirect) is fetched only where the Base URL
	 * could reach anyway: never a private, loopback or link-local address (a cloud's metadata
	 * service at 169.254.169.254, the n8n host's own ports) unless the Base URL is one itself (a
	 * local simulator, a service on the same network), and never plain http:// when the Base URL
	 * is https://. This guard reads the URL as written (an address, or a name such as localhost);
	 * a public-looking name that resolves to a private address is n8n's SSRF protection's to stop,
	 * where the operator turns it on (docs/security.md).
	 */
	private checkDownloadTarget(url: URL, operation: string): void {
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
		if (this.basePrivate) return;
		const privateAddress = privateAddressOf(url.hostname);
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
	 * again (JSON or none; an upload goes back to the caller, which makes its body anew).
	 */
	private async dispatch(request: ApiRequest, url: URL, accept: string): Promise<StreamAnswer> {
		const limiter = this.options.rateLimiter;
		const limits = this.options.rateLimit;
		if (!limiter || !limits || !request.token || url.origin !== this.origin) {
			request.inFlight?.(true);
			return this.dispatchOnce(request, url, accept);
		}
		const kind = accept === 'text/event-stream' ? 'stream' : 'call';
		const replayable = request.form === undefined && request.retryRateLimit !== false;
		for (let retries = 0; ; retries++) {
			const permit = await limiter.acquire(kind, this.sleep, request.signal, request.operation);
			request.inFlight?.(true);
			const sent = await settle(this.dispatchOnce(request, url, accept));
			if (!sent.ok) {
				permit.release();
				throw sent.error;
			}
			const answer = sent.value;
			// An event stream counts as a begun message whatever its status (it may have been taken and
			// charged): never sent again here; the caller reads the session state instead.
			const begun = kind === 'stream' && (header(answer.headers, 'content-type') ?? '').includes('text/event-stream');
			if (answer.status !== 429 || begun) {
				if (answer.status < 300) limiter.accepted(permit);
				// A stream holds its slot of the limiter until its body is read to the end, fails or is destroyed.
				if (kind === 'stream' && answer.status < 300) onceClosed(answer.body, permit.release);
				else permit.release();
				return answer;
			}
			limiter.refused(permit, retryAfterMs(header(answer.headers, 'retry-after'), { defaultWaitMs: limits.defaultWaitMs, maxWaitMs: limits.maxWaitMs }));
			permit.release();
			if (!replayable || retries >= limits.maxRetries) return { ...answer, rateLimitRetried: replayable };
			answer.close();
			// Refused (429): the service does not have it; until its next turn it is not sent.
			request.inFlight?.(false);
		}
	}

	/**
	 * One exchange through n8n's helper. It has its own abort controller, linked to the caller's
	 * signal: aborting it is what ends the exchange on every n8n version (see readChunks), and it
	 * is aborted when the time for the answer's headers runs out.
	 */
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
		let body: string | MultipartForm | undefined = request.form;
		if (request.json !== undefined) {
			body = toJsonText(request.json);
			headers['content-type'] = 'application/json';
		}
		throwIfAborted(request.signal, request.operation);
		const { controller, dispose } = linkedController([request.signal]);
		const watchdog = new Watchdog(this.sleep, () => controller.abort(new Error('no answer in time')));
		watchdog.arm('headers', request.headersTimeoutMs ?? this.options.headersTimeoutMs ?? 60_000);
		const sent = await settle(this.options.http.request({ method: request.method, url: url.href, headers, body, signal: controller.signal }));
		watchdog.stop();
		if (!sent.ok) {
			dispose();
			if (watchdog.expired && !request.signal?.aborted) {
				throw new NemoApiError(`NemoVideo did not answer ${request.operation} in time.`, {
					kind: 'timeout',
					operation: request.operation,
					description: 'The service is slow or unreachable. Try again later.',
				});
			}
			throw transportError(sent.error, request.operation, url.origin, request.signal);
		}
		const response = sent.value;
		// The exchange's listener on the caller's signal lives as long as its body.
		onceClosed(response.body, dispose);
		return {
			status: response.status,
			headers: response.headers,
			body: response.body,
			url: url.href,
			signal: controller.signal,
			close: () => {
				discard(response.body);
				controller.abort(new Error('closed'));
			},
		};
	}

	/** A JSON answer's text, up to `maxBytes`, its body falling silent for no longer than the body timeout. */
	private async readText(answer: StreamAnswer, maxBytes: number, request: ApiRequest): Promise<string> {
		const silenceMs = request.bodyTimeoutMs ?? this.options.bodyTimeoutMs ?? 60_000;
		const watchdog = new Watchdog(this.sleep, () => answer.close());
		watchdog.arm('silence', silenceMs);
		const chunks: Buffer[] = [];
		let total = 0;
		let tooLarge = false;
		const stalled = () =>
			new NemoApiError(`NemoVideo stopped sending data ${during(request.operation)} (the answer stalled).`, {
				kind: 'timeout',
				operation: request.operation,
				description: 'The connection stalled. Try again later.',
			});
		const read = await settle(
			(async () => {
				for await (const chunk of readChunks(answer.body, answer.signal, () => (watchdog.expired ? stalled() : cancelledError(request.operation)))) {
					watchdog.arm('silence', silenceMs);
					total += chunk.length;
					if (total > maxBytes) {
						tooLarge = true;
						answer.close();
						return;
					}
					chunks.push(chunk);
				}
			})(),
		);
		watchdog.stop();
		if (tooLarge) {
			throw new NemoApiError(`NemoVideo's answer to ${request.operation} was larger than ${maxBytes} bytes.`, {
				kind: 'protocol',
				operation: request.operation,
			});
		}
		if (!read.ok) throw transportError(read.error, request.operation, this.origin, request.signal);
		return Buffer.concat(chunks).toString('utf8');
	}
}

/** Runs `callback` once when the body has ended, failed or been destroyed. */
export function onceClosed(body: ResponseBody, callback: () => void): void {
	let called = false;
	const once = () => {
		if (called) return;
		called = true;
		callback();
	};
	body.once('close', once);
	body.once('end', once);
	body.once('error', once);
}

/** Validates the Base URL of the credential: https, or http only for loopback unless allowed. */
export function normalizeBaseUrl(raw: string, allowInsecureHttp: boolean): URL {
	const text = (raw ?? '').trim();
	const parsedUrl = settleNow(() => new URL(text));
	if (!parsedUrl.ok) {
		throw new NemoApiError(`The Base URL "${truncate(text, 100)}" is not a valid URL.`, {
			kind: 'input',
			field: 'baseUrl',
			description: 'Use the form https://mega-api-prod.nemovideo.ai in the Nemo API credential.',
		});
	}
	const url = parsedUrl.value;
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

/**
 * The address `hostname` names when it is a loopback, private (RFC 1918, unique-local),
 * link-local, carrier-grade NAT or unspecified address, or a name for this machine (localhost).
 * Only what is written is read: a name is not resolved (n8n's SSRF protection does that).
 */
export function privateAddressOf(hostname: string): string | undefined {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
	if (host === 'localhost' || host.endsWith('.localhost')) return host;
	const v4 = ipv4Octets(host) ?? ipv4Octets(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1] ?? '') ?? embeddedIpv4Octets(host);
	if (v4) return isPrivateIpv4(v4) ? host : undefined;
	const v6 = ipv6Groups(host);
	if (!v6) return undefined;
	const unspecifiedOrLoopback = v6.slice(0, 7).every((group) => group === 0) && (v6[7] === 0 || v6[7] === 1);
	const uniqueLocal = (v6[0] & 0xfe00) === 0xfc00;
	const linkOrSiteLocal = (v6[0] & 0xffc0) === 0xfe80 || (v6[0] & 0xffc0) === 0xfec0;
	const multicast = (v6[0] & 0xff00) === 0xff00;
	return unspecifiedOrLoopback || uniqueLocal || linkOrSiteLocal || multicast ? host : undefined;
}

/** Loopback, private, link-local, carrier-grade NAT, benchmarking, multicast, reserved and unspecified IPv4. */
function isPrivateIpv4([a, b]: number[]): boolean {
	return (
		a === 0 || a === 10 || a === 127 || a >= 224 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19))
	);
}

function ipv4Octets(text: string): number[] | undefined {
	const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
	if (!match) return undefined;
	const octets = match.slice(1).map(Number);
	return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/**
 * The IPv4 address an IPv6 one carries, in the hexadecimal form the URL parser writes: mapped
 * (::ffff:7f00:1), compatible (::7f00:1), NAT64 (64:ff9b::a9fe:a9fe) and 6to4 (2002:a9fe:a9fe::).
 */
function embeddedIpv4Octets(text: string): number[] | undefined {
	const groups = ipv6Groups(text);
	if (!groups) return undefined;
	const octets = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff];
	const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
	if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0) && (groups[6] !== 0 || groups[7] > 1)) return octets(groups[6], groups[7]);
	if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return octets(groups[6], groups[7]);
	if (groups[0] === 0x2002) return octets(groups[1], groups[2]);
	return undefined;
}

/** The eight 16-bit groups of an IPv6 address as the URL parser writes it (no IPv4 tail), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
	if (!text.includes(':') || !/^[0-9a-f:]+$/.test(text)) return undefined;
	const halves = text.split('::');
	if (halves.length > 2) return undefined;
	const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? parseInt(group, 16) : NaN)));
	const head = parse(halves[0]);
	const tail = halves.length === 2 ? parse(halves[1]) : [];
	const missing = 8 - head.length - tail.length;
	if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
	const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
	return groups.length === 8 && groups.every((group) => Number.isInteger(group)) ? groups : undefined;
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
	options: { exactNumbers?: boolean; place?: RequestPlace } = {},
): Unwrapped {
	const contentType = header(answer.headers, 'content-type') ?? '';
	const trimmed = text.trimStart();
	if (trimmed === '') {
		if (answer.status >= 400) return { ok: false, code: answer.status };
		return { ok: true, data: undefined };
	}
	const looksLikeHtml = contentType.includes('html') || trimmed.startsWith('<');
	// A page or text where NemoVideo always answers JSON, and not a gateway's 5xx/429: another server (issue 21, 2.3).
	if (isNotNemoVideoStatus(answer.status) && (looksLikeHtml || (!contentType.includes('json') && !/^[[{]/.test(trimmed)))) {
		throw notNemoVideoError(answer, operation, options.place);
	}
	if (looksLikeHtml) {
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
	const parsedJson = settleNow(() => parseJsonKeepingBigIds(text, options));
	if (!parsedJson.ok) {
		throw new NemoApiError(`NemoVideo's answer to ${operation} (HTTP ${answer.status}) was not valid JSON.`, {
			kind: 'protocol',
			httpStatus: answer.status,
			operation,
			description: 'The answer was cut off or garbled. Try again; if it persists, the service may be having problems.',
			// Cut off or garbled on the way: a read that is repeated anyway (polling) tolerates it like a 5xx.
			transient: true,
		});
	}
	const parsed = parsedJson.value;
	const outcome = unwrapEnvelope(parsed);
	if (answer.status >= 400) {
		return outcome.ok ? { ok: false, code: answer.status } : { ...outcome, code: outcome.code ?? answer.status };
	}
	return outcome;
}

/** Maps network failures (axios's error codes, and Node's under them) to a message that says what happened and what to do. */
export function transportError(error: unknown, operation: string, origin: string, signal?: AbortSignal): NemoApiError {
	// Our own error, raised while the helper read a body we gave it (a file that could not be read), comes back wrapped.
	const ours = ownErrorIn(error);
	if (ours) return ours;
	if (blockedBySsrfProtection(error)) {
		return new NemoApiError(`n8n's SSRF protection blocked the request to ${origin} ${during(operation)}: it is a restricted address.`, {
			kind: 'network',
			operation,
			description:
				'An n8n administrator can allow it: N8N_SSRF_ALLOWED_IP_RANGES (e.g. 127.0.0.1/32 for a local simulator) or N8N_SSRF_ALLOWED_HOSTNAMES. If the address came from NemoVideo (an output URL), nothing was fetched from it.',
			cause: error,
		});
	}
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
		case 'ETIMEDOUT':
		case 'ECONNABORTED':
			return new NemoApiError(`NemoVideo did not answer ${operation} in time.`, {
				kind: 'timeout',
				...description('The service is slow or unreachable. Try again later.'),
			});
		case 'ECONNRESET':
		case 'EPIPE':
		case 'ERR_STREAM_PREMATURE_CLOSE':
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

/** n8n 2.x's SSRF protection refused the request (SsrfBlockedIpError / SsrfBlockedHostnameError, maybe inside axios's error). */
function blockedBySsrfProtection(error: unknown): boolean {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current; depth++) {
		if (/^SsrfBlocked/.test(String((current as { name?: unknown }).name ?? ''))) return true;
		current = (current as { cause?: unknown }).cause;
	}
	return false;
}

function ownErrorIn(error: unknown): NemoApiError | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current; depth++) {
		if (current instanceof NemoApiError) return current;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

/** The first system error code (ECONNREFUSED, ETIMEDOUT, …) on the error or its causes. */
function errorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
		if (code === 'ERR_STREAM_PREMATURE_CLOSE') return code;
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
