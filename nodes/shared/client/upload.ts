import { PassThrough, type Readable, Transform } from 'node:stream';
import { FormData } from './vendor';
import type { ApiCaller, RawBody } from './api-caller';
import { APP_NAME, type MediaKind } from './constants';
import { NemoApiError, formatDuration, inputError, truncate } from './errors';
import { type FileToUpload, checkContent, checkFileBeforeUpload } from './media-files';
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
	const stall = new StallWatch(options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS);
	const signal = AbortSignal.any([stall.signal, ...(options.signal ? [options.signal] : [])]);
	try {
		const data = await api.call({
			method: 'POST',
			path: `/api/upload-video/${APP_NAME}/me/${encodeURIComponent(sessionId)}`,
			operation: files.length === 1 ? `upload of "${files[0].fileName}"` : `upload of ${files.length} files`,
			signal,
			headersTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
			bodyTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
			body: () => multipartBody(files, kinds, stall),
		});
		return readUploadedFiles(data);
	} catch (error) {
		if (stall.fired && !options.signal?.aborted) {
			throw new NemoApiError(`The upload stalled: no data moved for ${formatDuration(stall.timeoutMs)}.`, {
				kind: 'timeout',
				operation: 'upload',
				description: 'The connection to NemoVideo stopped taking data. Try again later.',
			});
		}
		throw error;
	} finally {
		stall.stop();
	}
}

/**
 * Every check of a file that needs no request: its name, size and first bytes. Run before a
 * session is created, so a bad file costs nothing and leaves nothing behind; uploadFiles runs
 * the same checks again on what it actually sends.
 */
export async function checkFile(file: FileToUpload): Promise<void> {
	const kind = checkFileBeforeUpload(file);
	const content = await checkContent(await openForReading(file), file, kind);
	content.destroy();
}

/** Uploads by URL: the service downloads the files. Only http(s) URLs are accepted. */
export async function uploadUrls(api: ApiCaller, sessionId: string, urls: Array<{ url: string; field: string; label: string }>, options: UploadOptions = {}): Promise<UploadedFile[]> {
	if (urls.length === 0) return [];
	const checked = urls.map((entry) => checkMediaUrl(entry.url, entry.field, entry.label));
	const data = await api.call({
		method: 'POST',
		path: `/api/upload-video/${APP_NAME}/me/${encodeURIComponent(sessionId)}`,
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

async function multipartBody(files: FileToUpload[], kinds: MediaKind[], stall: StallWatch): Promise<RawBody> {
	const form = new FormData();
	for (const [index, file] of files.entries()) {
		const content = await checkContent(await openForReading(file), file, kinds[index]);
		form.append('files', content, {
			filename: file.fileName,
			contentType: file.mimeType,
			knownLength: file.size,
		});
	}
	// Measured before piping: form-data forgets its parts as it streams them.
	const headers = form.getHeaders() as Record<string, string>;
	// A known Content-Length lets the service refuse an oversized upload before reading it.
	if (files.every((file) => file.size !== undefined) && form.hasKnownLength()) {
		headers['content-length'] = String(form.getLengthSync());
	}
	const body = new PassThrough({ highWaterMark: UPLOAD_CHUNK_BYTES });
	// form-data is a legacy stream: forward its errors, or the request would wait forever.
	form.once('error', (error) => body.destroy(error));
	const meter = stall.meter();
	meter.once('error', (error) => body.destroy(error));
	form.pipe(meter).pipe(body);
	return { stream: body, headers };
}

/**
 * The file's content, whose read failures (n8n's binary store lost the file, a disk error) are
 * input errors naming the file: as they are, they would reach the user as a "network error"
 * with advice about the Base URL.
 */
async function openForReading(file: FileToUpload): Promise<Readable> {
	const unreadable = (error: unknown) =>
		new NemoApiError(`${file.label} ("${file.fileName}") could not be read: ${truncate(error instanceof Error ? error.message : String(error), 200)}`, {
			kind: 'input',
			field: file.field,
			description: "n8n could not read the file from its binary data (it may have been deleted or moved). Run the node that produced the file again.",
		});
	let source: Readable;
	try {
		source = await file.open();
	} catch (error) {
		throw unreadable(error);
	}
	const out = new PassThrough();
	source.once('error', (error) => out.destroy(unreadable(error)));
	out.once('close', () => {
		if (!source.destroyed) source.destroy();
	});
	source.pipe(out);
	return out;
}

/** Fires its signal when no byte passed through its meter for `timeoutMs`. */
class StallWatch {
	private readonly controller = new AbortController();
	private lastProgress = Date.now();
	private timer?: NodeJS.Timeout;
	fired = false;

	constructor(readonly timeoutMs: number) {}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	meter(): Transform {
		this.lastProgress = Date.now();
		this.stop();
		this.timer = setInterval(() => {
			if (Date.now() - this.lastProgress > this.timeoutMs) {
				this.fired = true;
				this.stop();
				this.controller.abort(new Error('upload stalled'));
			}
		}, Math.min(1_000, this.timeoutMs));
		this.timer.unref();
		return new Transform({
			transform: (chunk, _encoding, callback) => {
				this.lastProgress = Date.now();
				callback(null, chunk);
			},
			flush: (callback) => {
				// All bytes are out: from here on, the answer timeout applies, not the stall watch.
				this.stop();
				callback();
			},
		});
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
	}
}
