/**
 * What the client core is handed to reach the network and to wait: n8n's own request helper
 * and n8n-workflow's `sleep` (nodes/shared/n8n/http.ts makes them from an execution's helpers).
 * The core itself opens no socket, starts no timer and imports no Node module for either: n8n
 * then applies its proxy settings, its SSRF protection and its request policies to every call,
 * exactly as for its own nodes, and the package passes n8n's verification scan.
 */

/** One HTTP exchange, as the core asks for it. Redirects are never followed by the helper. */
export interface HttpRequestSpec {
	method: 'GET' | 'POST';
	/** Absolute URL. */
	url: string;
	headers: Record<string, string>;
	/** JSON text, or a multipart form (see multipart.ts). */
	body?: string | MultipartForm;
	/** Ends the exchange at any point: before the answer, or while its body streams. */
	signal: AbortSignal;
	/** Longest wait for the answer's headers (the helper's `timeout`). */
	headersTimeoutMs?: number;
}

/**
 * A response body as n8n's helpers hand it over: a Node readable stream, typed by what the core
 * uses (reading it, putting the first bytes back after a look at them, destroying it).
 */
export type ResponseBody = NodeJS.ReadableStream & { destroy(error?: Error): unknown; readonly destroyed?: boolean };

export interface HttpResponse {
	status: number;
	/** Lower-case names. */
	headers: Record<string, string | string[] | undefined>;
	body: ResponseBody;
}

/** n8n-workflow's `sleep`: a plain wait, not cancellable (see abort.ts for the cancellable ones). */
export type Sleep = (ms: number) => Promise<void>;

export interface HttpHelpers {
	/** Sends the request and resolves with the answer's status and headers; the body streams. Any status is an answer. */
	request(spec: HttpRequestSpec): Promise<HttpResponse>;
	sleep: Sleep;
}

/**
 * A multipart/form-data body that axios (inside n8n's helper) streams part by part: it has the
 * shape of a spec FormData (`append`, an entries iterator, the `FormData` tag), and each file part
 * that of a Blob whose `stream()` opens the file anew on every call, so a body sent twice (n8n
 * re-sends after a 401) is whole both times. Nothing is read into memory: the size is known in
 * advance, and axios pulls the bytes as the socket takes them.
 */
export class MultipartForm {
	readonly parts: Array<[string, FilePart]> = [];

	append(name: string, part: FilePart): void {
		this.parts.push([name, part]);
	}

	entries(): IterableIterator<[string, FilePart]> {
		return this.parts[Symbol.iterator]();
	}

	[Symbol.iterator](): IterableIterator<[string, FilePart]> {
		return this.entries();
	}

	get [Symbol.toStringTag](): string {
		return 'FormData';
	}
}

export class FilePart {
	constructor(
		/** The file name sent in the part's Content-Disposition. */
		readonly name: string,
		/** Its Content-Type. */
		readonly type: string,
		/** Its exact length in bytes (the request's Content-Length is computed from it). */
		readonly size: number,
		private readonly open: () => AsyncIterable<Uint8Array>,
	) {}

	stream(): AsyncIterable<Uint8Array> {
		return this.open();
	}

	get [Symbol.toStringTag](): string {
		return 'Blob';
	}
}

/**
 * The chunks of a response body until it ends, or until `signal` fires: then the body is
 * destroyed and the read rejects at once. Waiting on the signal as well as on the body matters on
 * n8n 2.x, whose helper hands over a wrapper stream: destroying the wrapper does not reach the
 * socket, so a stalled body would otherwise keep its reader waiting for a byte that never comes.
 */
export async function* readChunks(body: ResponseBody, signal: AbortSignal, onAbort: () => Error): AsyncGenerator<Buffer> {
	const iterator = body[Symbol.asyncIterator]();
	let finished = false;
	try {
		for (;;) {
			if (signal.aborted) throw onAbort();
			const next = await new Promise<IteratorResult<string | Buffer>>((resolve, reject) => {
				const stop = () => reject(onAbort());
				signal.addEventListener('abort', stop, { once: true });
				iterator.next().then(
					(result) => {
						signal.removeEventListener('abort', stop);
						resolve(result);
					},
					(error: unknown) => {
						signal.removeEventListener('abort', stop);
						reject(error);
					},
				);
			});
			if (next.done) {
				finished = true;
				return;
			}
			yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
		}
	} finally {
		if (!finished && !body.destroyed) {
			body.on('error', () => undefined); // the destroy we ask for is no news
			body.destroy();
		}
	}
}

/** Closes a body we do not need (a redirect's, an error page past what we read): never waits for it. */
export function discard(body: ResponseBody): void {
	if (body.destroyed) return;
	body.on('error', () => undefined); // the destroy we ask for is no news
	body.destroy();
}
