import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { combineSignals, sleep } from './abort';
import type { ApiCaller } from './api-caller';
import { NemoApiError, cancelledError, formatDuration, isNemoApiError } from './errors';
import { serviceText } from './redact';
import { peek, sniffContent } from './media-files';
import { type StreamAnswer, header, transportError } from './transport';
import { asNumber, asRecord, asString, firstDefined } from './values';

/**
 * Export: starting a render of the session's draft, polling it to the end with backoff,
 * cancelling it, and downloading the MP4 (from the output URL, or `/download` as fallback).
 */

export type RenderState = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled' | (string & {});

export interface RenderStatus {
	renderId: string;
	status: RenderState;
	/** 0–100, when the service says. */
	progress?: number;
	outputUrl?: string;
	durationSec?: number;
	sizeBytes?: number;
	error?: string;
}

export interface PollingOptions {
	/** First wait after starting; then each wait grows by `factor` up to `maxDelayMs`. */
	initialDelayMs: number;
	factor: number;
	maxDelayMs: number;
	/** Give up waiting after this long (the render may still finish). */
	timeoutMs: number;
	/** Status reads that may fail in a row (5xx, 429, network) before giving up. */
	maxConsecutiveFailures: number;
}

export const DEFAULT_POLLING: PollingOptions = {
	initialDelayMs: 1_000,
	factor: 1.5,
	maxDelayMs: 15_000,
	timeoutMs: 20 * 60_000,
	maxConsecutiveFailures: 5,
};

export function newRenderId(): string {
	return `render_${Date.now()}_${randomBytes(4).toString('hex')}`;
}

/** Starts a render. A failed submit is retried once with a NEW id, as the API requires. */
export async function startRender(
	api: ApiCaller,
	sessionId: string,
	draft: unknown,
	options: { signal?: AbortSignal; quality?: string } = {},
): Promise<{ renderId: string }> {
	const submit = async (renderId: string) => {
		await api.call({
			method: 'POST',
			path: '/api/render/proxy/lambda',
			operation: 'starting the export',
			// sessionId is camelCase here: the one exception in the API.
			json: { id: renderId, sessionId, draft, output: { format: 'mp4', quality: options.quality ?? 'high' } },
			signal: options.signal,
		});
		return { renderId };
	};
	try {
		return await submit(newRenderId());
	} catch (error) {
		if (!isNemoApiError(error) || !isWorthResubmitting(error)) throw error;
		return submit(newRenderId());
	}
}

function isWorthResubmitting(error: NemoApiError): boolean {
	if (error.kind === 'cancelled' || error.kind === 'input') return false;
	// A plan limit, credits or a bad token do not change with a new id.
	return !(error.code !== undefined && [402, 1001, 1002, 2001, 400].includes(error.code));
}

export async function getRenderStatus(api: ApiCaller, renderId: string, options: { signal?: AbortSignal; retryRateLimit?: boolean } = {}): Promise<RenderStatus> {
	const data = await api.call({
		method: 'GET',
		path: `/api/render/proxy/lambda/${encodeURIComponent(renderId)}`,
		operation: 'reading the export status',
		signal: options.signal,
		retryRateLimit: options.retryRateLimit,
	});
	return readRenderStatus(renderId, data);
}

/**
 * Accepts the three documented status shapes:
 * (1) {status, progress, output:{url, duration, size}, error}
 * (2) {success, data:{id, status, progress, outputUrl, createdAt, completedAt}} (unwrapped before here)
 * (3) {taskId, status, progress, output:{url}}
 */
export function readRenderStatus(renderId: string, data: unknown): RenderStatus {
	const record = asRecord(data);
	const output = asRecord(record.output);
	const status = (asString(record.status) ?? 'pending').toLowerCase();
	return {
		renderId: asString(record.id) ?? renderId,
		status: status === 'complete' || status === 'succeeded' || status === 'success' ? 'completed' : status,
		progress: asNumber(record.progress),
		outputUrl: firstDefined(asString(output.url), asString(record.outputUrl), asString(record.output_url), asString(record.url)) || undefined,
		durationSec: firstDefined(asNumber(output.duration), asNumber(record.duration)),
		sizeBytes: firstDefined(asNumber(output.size), asNumber(record.size)),
		error: optionalServiceText(asString(record.error) ?? asString(asRecord(record.error).message) ?? asString(record.errorMessage)),
	};
}

function optionalServiceText(text: string | undefined): string | undefined {
	return text === undefined ? undefined : serviceText(text);
}

export async function cancelRender(api: ApiCaller, renderId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
	await api.call({
		method: 'POST',
		path: `/api/render/proxy/lambda/${encodeURIComponent(renderId)}/cancel`,
		operation: 'cancelling the export',
		headersTimeoutMs: 10_000,
		bodyTimeoutMs: 10_000,
		retryRateLimit: false,
		signal: options.signal,
	});
}

/**
 * How long a stopped wait gives the best-effort cancel of its render. A stopped execution must
 * end promptly even when the service is slow to answer the cancel (it would otherwise hold the
 * stop for the cancel's 10 s timeout).
 */
const CANCEL_ON_STOP_MS = 500;

/**
 * Polls until the render completes. Short renders are noticed within about a second; long ones
 * cost few requests (the wait grows to `maxDelayMs`). A few failed reads in a row are tolerated.
 * When the signal fires (the execution was stopped), the render is cancelled too.
 */
export async function waitForRender(
	api: ApiCaller,
	renderId: string,
	options: { polling: PollingOptions; signal?: AbortSignal; onStatus?: (status: RenderStatus) => void },
): Promise<RenderStatus> {
	const { polling, signal } = options;
	const startedAt = Date.now();
	let delay = polling.initialDelayMs;
	let failures = 0;
	try {
		for (;;) {
			const remaining = polling.timeoutMs - (Date.now() - startedAt);
			if (remaining <= 0) throw renderTimeout(renderId, polling.timeoutMs);
			await sleep(Math.min(delay, remaining), signal, 'the export');
			delay = Math.min(delay * polling.factor, polling.maxDelayMs);

			let status: RenderStatus;
			// A status read may take no longer than the time left: a hanging endpoint must not stretch the Export Timeout.
			const bounded = combineSignals([signal], Math.max(1, polling.timeoutMs - (Date.now() - startedAt)));
			try {
				status = await getRenderStatus(api, renderId, { signal: bounded.signal, retryRateLimit: false });
				failures = 0;
			} catch (error) {
				if (signal?.aborted) throw cancelledError('the export');
				if (bounded.timedOut()) throw renderTimeout(renderId, polling.timeoutMs);
				if (!isNemoApiError(error)) throw error;
				if (error.code === 404 || error.httpStatus === 404) throw renderVanished(renderId);
				if (!error.isTransient || ++failures >= polling.maxConsecutiveFailures) throw error;
				continue;
			} finally {
				bounded.dispose();
			}
			options.onStatus?.(status);
			if (status.status === 'completed') return status;
			if (status.status === 'failed' || status.status === 'cancelled' || status.status === 'canceled') {
				throw new NemoApiError(`The export ${renderId} ${status.status === 'failed' ? 'failed' : 'was cancelled'}${status.error ? `: ${status.error}` : '.'}`, {
					kind: 'api',
					operation: 'the export',
					description: 'Check the timeline (the timeline field of the previous node) and export again.',
				});
			}
		}
	} catch (error) {
		if (isNemoApiError(error) && error.kind === 'cancelled') {
			// The user stopped the workflow: stop the render too, best effort and briefly.
			await cancelRender(api, renderId, { signal: AbortSignal.timeout(CANCEL_ON_STOP_MS) }).catch(() => undefined);
		}
		throw error;
	}
}

function renderTimeout(renderId: string, timeoutMs: number): NemoApiError {
	return new NemoApiError(`The export ${renderId} did not finish within ${formatDuration(timeoutMs)}.`, {
		kind: 'timeout',
		operation: 'the export',
		description: `It may still finish: use Nemo Export with the operation "Get Status" and render id ${renderId} later, or raise the timeout.`,
	});
}

function renderVanished(renderId: string): NemoApiError {
	return new NemoApiError(`The export ${renderId} is no longer known to NemoVideo (404 while waiting for it).`, {
		kind: 'api',
		code: 404,
		httpStatus: 404,
		operation: 'the export',
		description: 'Start the export again.',
	});
}

export interface RenderDownload {
	stream: Readable;
	sizeBytes?: number;
	contentType: string;
	/** Where it came from (no credentials in it). */
	url: string;
	usedFallback: boolean;
}

export function renderDownloadPath(renderId: string): string {
	return `/api/render/proxy/${encodeURIComponent(renderId)}/download`;
}

/**
 * Opens the finished MP4 as a stream: the output URL first, the `/download` endpoint if that
 * fails. What either sends is checked before it is taken for the video: its content type and
 * its first bytes (a CDN's or proxy's error page with status 200 is not an MP4).
 */
export async function openRenderDownload(api: ApiCaller, status: RenderStatus, signal?: AbortSignal): Promise<RenderDownload> {
	let firstProblem: string | undefined;
	if (status.outputUrl) {
		try {
			const answer = await api.transport.fetchUrl(status.outputUrl, { signal, operation: 'downloading the video' });
			if (answer.status >= 200 && answer.status < 300) {
				const checked = await asVideo(answer, false, signal);
				if ('download' in checked) return checked.download;
				firstProblem = `the output URL sent ${checked.problem}`;
			} else {
				answer.body.resume();
				firstProblem = `the output URL answered HTTP ${answer.status}`;
			}
		} catch (error) {
			if (isNemoApiError(error) && error.kind === 'cancelled') throw error;
			firstProblem = `the output URL failed (${isNemoApiError(error) ? error.message : String(error)})`;
		}
	}
	// The API's own endpoint: with the token, and its recoveries (a new trial token, a 429 wait).
	const answer = await api.download(api.transport.urlFor(renderDownloadPath(status.renderId)), { signal, operation: 'downloading the video' });
	if (answer.status >= 200 && answer.status < 300) {
		const checked = await asVideo(answer, true, signal);
		if ('download' in checked) return checked.download;
		throw new NemoApiError(`The finished video could not be downloaded: ${firstProblem ? `${firstProblem}, and ` : ''}the download endpoint sent ${checked.problem}.`, {
			kind: 'protocol',
			httpStatus: answer.status,
			operation: 'downloading the video',
			description: `Nothing was saved as the video. Try again later with Nemo Export, operation "Get Status" and render id ${status.renderId}; if it persists, a proxy or gateway between n8n and NemoVideo may be answering instead of the service.`,
			transient: true,
		});
	}
	answer.body.resume();
	throw new NemoApiError(
		`The finished video could not be downloaded: ${firstProblem ? `${firstProblem}, and ` : ''}the download endpoint answered HTTP ${answer.status}.`,
		{
			kind: 'api',
			httpStatus: answer.status,
			operation: 'downloading the video',
			description: `Try again later with Nemo Export, operation "Get Status" and render id ${status.renderId}.`,
		},
	);
}

/** Content types that are never the video, whatever the bytes say. */
const NOT_VIDEO_TYPE = /^(text\/|application\/(json|xml|xhtml\+xml|problem\+json|javascript))/i;

/**
 * The answer as the video download, if its content type and first bytes are a video's; else why
 * not (and the answer is closed). The MIME type is the one of the content, not the label.
 */
async function asVideo(answer: StreamAnswer, usedFallback: boolean, signal?: AbortSignal): Promise<{ download: RenderDownload } | { problem: string }> {
	const labelled = header(answer.headers, 'content-type')?.split(';')[0].trim().toLowerCase() ?? '';
	if (NOT_VIDEO_TYPE.test(labelled)) {
		answer.body.once('error', () => undefined).destroy();
		return { problem: `${/html/.test(labelled) ? 'a web page' : 'a document'} (${labelled}), not a video` };
	}
	const stream = withClearErrors(answer, 'downloading the video', signal);
	const { head, rest } = await peek(stream, 16);
	const found = sniffContent(head);
	if (!found?.videoMimeType) {
		rest.destroy();
		return { problem: head.length === 0 ? 'nothing (an empty file)' : `${found?.what ?? 'content that is not a known video format'}, not a video` };
	}
	const length = Number(header(answer.headers, 'content-length'));
	const mimeType = labelled.startsWith('video/') && found.videoMimeType === 'video/mp4' ? labelled : found.videoMimeType;
	return {
		download: {
			stream: rest,
			sizeBytes: Number.isFinite(length) && length > 0 ? length : undefined,
			contentType: mimeType,
			url: answer.url,
			usedFallback,
		},
	};
}

/**
 * The body of a download, whose failures half-way (a reset, a stall past the body timeout) are
 * NemoApiErrors that say what happened, like every other failure: the raw undici error ("other
 * side closed", "Body Timeout Error") would otherwise reach the user through n8n's binary store,
 * without advice, and callers could not tell that it is worth another try.
 */
function withClearErrors(answer: StreamAnswer, operation: string, signal?: AbortSignal): Readable {
	const out = new PassThrough();
	const origin = new URL(answer.url).origin;
	answer.body.once('error', (error) => out.destroy(transportError(error, operation, origin, signal)));
	// The reader gave up (e.g. n8n could not store the file): stop reading from the network too.
	out.once('close', () => {
		if (!answer.body.destroyed) answer.body.destroy();
	});
	answer.body.pipe(out);
	return out;
}
