import { Watchdog, linkedController } from './abort';
import type { ApiCaller } from './api-caller';
import { APP_NAME, type MediaKind } from './constants';
import { NemoApiError, formatDuration, inputError, settle, truncate } from './errors';
import { FilePart, MultipartForm } from './http';
import { type ByteSource, type FileToUpload, type PeekedBytes, checkContent, checkFileBeforeUpload } from './media-files';
import { asArray, asNumber, asRecord, asString } from './values';

/**
 * Uploads into a session: files as one streaming multipart request (field `files`), or URLs
 * that the service fetches itself. Files are checked before the first byte goes out, and
 * streamed from their source to the socket: memory does not grow with the file size.
 */

/**
 * How much of a file is read, and buffered before the socket, at a time. Measured with
 * bench/tools/ab.js on 500 MB uploads in real n8n: 1 MiB instead of 256 KiB cut the n8n process's
 * CPU per MB by about a fifth (fewer chunks through every stream stage) for ~5 MB more memory,
 * and on a 2-core machine shared with the service that CPU is throughput.
 */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

export interface UploadedFile {
	fileName: string;
	fileType: string;
	url?: string;
	durationSec?: number;
	width?: number;
	height?: number;
	fps?: number;
	hash?: string;
}

export interface UploadOptions {
	signal?: AbortSignal;
	/** Abort when no byte moved for this long (the server stopped reading). */
	stallTimeoutMs?: number;
	/** Time allowed for the answer after the last byte went out (the service probes the media). */
	answerTimeoutMs?: number;
}

const DEFAULT_STALL_TIMEOUT_MS = 120_000;
const DEFAULT_ANSWER_TIMEOUT_MS = 10 * 60_000;

export async function uploadFiles(api: ApiCaller, sessionId: string, files: FileToUpload[], options: UploadOptions = {}): Promise<UploadedFile[]> {
	if (files.length === 0) return [];
	const kinds = files.map((file) => checkFileBeforeUpload(file));
	const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
	const answerMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
	// The upload's own deadlines, on n8n's sleep: no byte taken for stallMs (the server stopped
	// reading), then, once every byte is out, answerMs for the answer (the service probes the media).
	const operation = files.length === 1 ? `upload of "${files[0].fileName}"` : `upload of ${files.length} files`;
	const { controller, dispose } = linkedController([options.signal]);
	const watchdog = new Watchdog<'stall' | 'answer'>(api.transport.sleep, () => controller.abort(new Error('upload timed out')));
	const sent = await settle(
		api.call({
			method: 'POST',
			path: `/api/upload-video/${APP_NAME}/me/${encodeURIComponent(sessionId)}`,
			operation,
			refersTo: `session ${sessionId}`,
			signal: controller.signal,
			headersTimeoutMs: Infinity,
			bodyTimeoutMs: answerMs,
			form: () => multipartForm(files, kinds, { onStart: () => watchdog.arm('stall', stallMs), onProgress: () => watchdog.arm('stall', stallMs), onEnd: () => (watchdog.disarm('stall'), watchdog.arm('answer', answerMs)) }),
		}),
	);
	watchdog.stop();
	dispose();
	if (sent.ok) return readUploadedFiles(sent.value);
	if (watchdog.expired === 'stall' && !options.signal?.aborted) {
		throw new NemoApiError(`The upload stalled: no data moved for ${formatDuration(stallMs)}.`, {
			kind: 'timeout',
			operation: 'upload',
			description: 'The connection to NemoVideo stopped taking data. Try again later.',
		});
	}
	if (watchdog.expired === 'answer' && !options.signal?.aborted) {
		throw new NemoApiError(`NemoVideo did not answer ${operation} in time.`, {
			kind: 'timeout',
			operation,
			description: `It had every byte and gave no answer for ${formatDuration(answerMs)}. The service is slow or unreachable. Try again later.`,
		});
	}
	throw sent.error;
}

/**
 * Every check of a file that needs no request: its name, size and first bytes. Run before a
 * session is created, so a bad file costs nothing and leaves nothing behind; uploadFiles runs
 * the same checks again on what it actually sends.
 */
export async function checkFile(file: FileToUpload): Promise<void> {
	const kind = checkFileBeforeUpload(file);
	const content = await checkContent(await openForReading(file), file, kind);
	await content.close();
}

/** Uploads by URL: the service downloads the files. Only http(s) URLs are accepted. */
export async function uploadUrls(api: ApiCaller, sessionId: string, urls: Array<{ url: string; field: string; label: string }>, options: UploadOptions = {}): Promise<UploadedFile[]> {
	if (urls.length === 0) return [];
	const checked = urls.map((entry) => checkMediaUrl(entry.url, entry.field, entry.label));
	const data = await api.call({
		method: 'POST',
		path: `/api/upload-video/${APP_NAME}/me/${encodeURIComponent(sessionId)}`,
		refersTo: `session ${sessionId}`,
		// Names the field (e.g. "Video URL") as well as the URL: the service's refusal names only the URL.
		operation: urls.length === 1 ? `upload from ${urls[0].label} ${truncate(checked[0], 120)}` : `upload of ${urls.map((entry) => entry.label).join(' and ')}`,
		json: { urls: checked, source_type: 'url' },
		signal: options.signal,
		headersTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
		bodyTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
	});
	return readUploadedFiles(data);
}

/** A media URL must be absolute http(s): `file:`, `data:`, `javascript:` and relative URLs are refused. */
export function checkMediaUrl(raw: unknown, field: string, label: string): string {
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (!text) throw inputError(`${label} is empty.`, field, 'Give an http(s) URL of the media file, e.g. https://example.com/clip.mp4.');
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw inputError(`${label} "${truncate(text, 120)}" is not a valid URL.`, field, 'Give an absolute http(s) URL, e.g. https://example.com/clip.mp4.');
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw inputError(
			`${label} uses ${url.protocol} which is not allowed; only http(s) URLs can be fetched by NemoVideo.`,
			field,
			'Upload the file as binary data instead, or give an http(s) URL.',
		);
	}
	return url.href;
}

export function readUploadedFiles(data: unknown): UploadedFile[] {
	return asArray(asRecord(data).files).map((entry) => {
		const file = asRecord(entry);
		return {
			fileName: asString(file.filename) ?? asString(file.name) ?? '',
			fileType: asString(file.file_type) ?? asString(file.type) ?? '',
			url: asString(file.cdn_url) ?? asString(file.url),
			durationSec: asNumber(file.duration),
			width: asNumber(file.width),
			height: asNumber(file.height),
			fps: asNumber(file.fps),
			hash: asString(file.hash),
		};
	});
}

interface UploadProgress {
	onStart(): void;
	onProgress(): void;
	onEnd(): void;
}

/**
 * The upload's multipart body (field `files`), every file checked before the request goes out.
 * Each part streams its file as the socket takes it: the first read uses the stream just
 * checked, a repeated one (n8n re-sends after a 401) opens the file anew.
 */
async function multipartForm(files: FileToUpload[], kinds: MediaKind[], progress: UploadProgress): Promise<MultipartForm> {
	const form = new MultipartForm();
	for (const [index, file] of files.entries()) {
		let checked: PeekedBytes | undefined = await checkContent(await openForReading(file), file, kinds[index]);
		const isLast = index === files.length - 1;
		const open = (): AsyncIterable<Uint8Array> => {
			const first = checked;
			checked = undefined;
			return metered(first ? first.rest : reopen(file), progress, isLast);
		};
		form.append('files', new FilePart(multipartFileName(file.fileName), file.mimeType || 'application/octet-stream', file.size ?? 0, open));
	}
	progress.onStart();
	return form;
}

async function* reopen(file: FileToUpload): AsyncGenerator<Uint8Array> {
	yield* (await openForReading(file)) as AsyncIterable<Uint8Array>;
}

async function* metered(source: AsyncIterable<Uint8Array>, progress: UploadProgress, isLast: boolean): AsyncGenerator<Uint8Array> {
	for await (const chunk of source) {
		progress.onProgress();
		yield chunk;
	}
	if (isLast) progress.onEnd();
}

/**
 * The file name as the multipart part carries it. A name with a double quote, a line break or
 * another control character cannot be written into a Content-Disposition as it is (axios would
 * send `%22`, `%0D%0A` in their place): such characters become `_`, the same substitute every time.
 */
export function multipartFileName(name: string): string {
	// eslint-disable-next-line no-control-regex
	return name.replace(/["\u0000-\u001f\u007f]/g, '_');
}

/**
 * The file's content, whose read failures (n8n's binary store lost the file, a disk error) are
 * input errors naming the file: as they are, they would reach the user as a "network error"
 * with advice about the Base URL.
 */
async function openForReading(file: FileToUpload): Promise<ByteSource> {
	const unreadable = (error: unknown) =>
		new NemoApiError(`${file.label} ("${file.fileName}") could not be read: ${truncate(error instanceof Error ? error.message : String(error), 200)}`, {
			kind: 'input',
			field: file.field,
			description: "n8n could not read the file from its binary data (it may have been deleted or moved). Run the node that produced the file again.",
		});
	let source: ByteSource;
	try {
		source = await file.open();
	} catch (error) {
		throw unreadable(error);
	}
	return (async function* readable(): AsyncGenerator<Uint8Array | string> {
		const iterator = source[Symbol.asyncIterator]();
		try {
			for (;;) {
				let next: IteratorResult<Uint8Array | string>;
				try {
					next = await iterator.next();
				} catch (error) {
					throw unreadable(error);
				}
				if (next.done) return;
				yield next.value;
			}
		} finally {
			await iterator.return?.();
		}
	})();
}
