import { randomBytes } from 'node:crypto';
import { Watchdog, linkedController, pause } from './abort';
import type { ApiCaller } from './api-caller';
import { NemoApiError, cancelledError, formatDuration, isNemoApiError, settle, truncate } from './errors';
import { rememberExportAccepted, rememberExportRefused } from './export-refusals';
import { serviceText } from './redact';
import { sniffContent } from './media-files';
import type { ResponseBody } from './http';
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
			refersTo: `session ${sessionId}`,
			// sessionId is camelCase here: the one exception in the API.
			json: { id: renderId, sessionId, draft, output: { format: 'mp4', quality: options.quality ?? 'high' } },
			signal: options.signal,
		});
		return { renderId };
	};
	const first = await settle(submit(newRenderId()));
	// What this token may export is remembered, so no later item pays an instruction to learn it.
	if (first.ok) {
		rememberExportAccepted(api.tokens.exportIdentity);
		return first.value;
	}
	if (isNemoApiError(first.error) && first.error.code === 402) rememberExportRefused(api.tokens.exportIdentity, api.tokens.anonymousUserId);
	if (!isNemoApiError(first.error) || !isWorthResubmitting(first.error)) throw first.error;
	const second = await submit(newRenderId());
	rememberExportAccepted(api.tokens.exportIdentity);
	return second;
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
		refersTo: `render ${renderId}`,
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
		refersTo: `render ${renderId}`,
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
	const waited = await settle(pollUntilDone(api, renderId, options));
	if (waited.ok) return waited.value;
	const { error } = waited;
	if (isNemoApiError(error) && error.kind === 'cancelled') {
		// The user stopped the workflow: stop the render too, best effort and briefly.
		const brief = new AbortController();
		const limit = new Watchdog(api.transport.sleep, () => brief.abort(new Error('cancel took too long')));
		limit.arm('cancel', CANCEL_ON_STOP_MS);
		await cancelRender(api, renderId, { signal: brief.signal }).catch(() => undefined);
		limit.stop();
	}
	throw error;
}

async function pollUntilDone(
	api: ApiCaller,
	renderId: string,
	options: { polling: PollingOptions; signal?: AbortSignal; onStatus?: (status: RenderStatus) => void },
): Promise<RenderStatus> {
	const { polling, signal } = options;
	const startedAt = Date.now();
	let delay = polling.initialDelayMs;
	let failures = 0;
	let urlWaits = 0;
	for (;;) {
		const remaining = polling.timeoutMs - (Date.now() - startedAt);
		if (remaining <= 0) throw renderTimeout(renderId, polling.timeoutMs);
		await pause(api.transport.sleep, Math.min(delay, remaining), signal, 'the export');
		delay = Math.min(delay * polling.factor, polling.maxDelayMs);

		// A status read may take no longer than the time left: a hanging endpoint must not stretch the Export Timeout.
		const bounded = linkedController([signal]);
		const deadline = new Watchdog(api.transport.sleep, () => bounded.controller.abort(new Error('export timeout')));
		deadline.arm('export', Math.max(1, polling.timeoutMs - (Date.now() - startedAt)));
		const read = await settle(getRenderStatus(api, renderId, { signal: bounded.controller.signal, retryRateLimit: false }));
		deadline.stop();
		bounded.dispose();
		if (!read.ok) {
			const { error } = read;
			if (signal?.aborted) throw cancelledError('the export');
			if (deadline.expired) throw renderTimeout(renderId, polling.timeoutMs);
			if (!isNemoApiError(error)) throw error;
			if (error.code === 404 || error.httpStatus === 404) throw renderVanished(renderId);
			if (!error.isTransient || ++failures >= polling.maxConsecutiveFailures) throw error;
			continue;
		}
		failures = 0;
		const status = read.value;
		options.onStatus?.(status);
		// The newest CLI waits for `completed` and an output URL: a URL may come a poll or two later.
		// Until then there may be nothing to download, so a few more reads, then /download after all.
		if (status.status === 'completed' && (status.outputUrl || ++urlWaits > COMPLETED_WITHOUT_URL_POLLS)) return status;
		if (status.status === 'completed') continue;
		if (status.status === 'failed' || status.status === 'cancelled' || status.status === 'canceled') {
			throw new NemoApiError(`The export ${renderId} ${status.status === 'failed' ? 'failed' : 'was cancelled'}${status.error ? `: ${status.error}` : '.'}`, {
				kind: 'api',
				operation: 'the export',
				description: 'Check the timeline (the timeline field of the previous node) and export again.',
			});
		}
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
	/** The video's bytes as they arrive: hand it to n8n's binary store (it is read once). */
	body: ResponseBody;
	sizeBytes?: number;
	/** The video's MIME type: the label's until the first bytes are seen, then the content's. */
	contentType: string;
	/** Where it came from (no credentials in it). */
	url: string;
	usedFallback: boolean;
}

/** Takes the video's bytes somewhere (n8n: its binary store) and resolves when all are there. */
export type StoreDownload<T> = (download: RenderDownload) => Promise<T>;

export function renderDownloadPath(renderId: string): string {
	return `/api/render/proxy/${encodeURIComponent(renderId)}/download`;
}

/** Status reads after `completed` without an output URL before the `/download` endpoint is used instead. */
const COMPLETED_WITHOUT_URL_POLLS = 3;

/** How long a download may receive nothing before it counts as stalled. */
const DOWNLOAD_SILENCE_MS = 60_000;

/**
 * Downloads the finished MP4 into `store`: from the output URL first, from the `/download`
 * endpoint if that fails. What either sends is checked as it arrives: its content type, and its
 * first bytes before any other byte is stored (a CDN's or proxy's error page with status 200 is
 * not an MP4); a body that falls silent for a minute is ended. The bytes go from n8n's helper
 * straight to n8n's store: nothing of ours sits between them but a listener that counts.
 */
export async function downloadRender<T>(api: ApiCaller, status: RenderStatus, store: StoreDownload<T>, signal?: AbortSignal): Promise<{ download: RenderDownload; stored: T }> {
	let firstProblem: string | undefined;
	if (status.outputUrl) {
		const outputUrl = status.outputUrl;
		const fromOutputUrl = await settle(
			(async () => {
				const answer = await api.transport.fetchUrl(outputUrl, { signal, operation: 'downloading the video' });
				if (answer.status >= 200 && answer.status < 300) return await takeVideo(api, status.renderId, answer, false, store, signal);
				answer.close();
				return { problem: `answered HTTP ${answer.status}` };
			})(),
		);
		// n8n could not store the file: the other address would fail the same way.
		if (!fromOutputUrl.ok && isNemoApiError(fromOutputUrl.error) && fromOutputUrl.error.operation === STORING_THE_VIDEO) throw fromOutputUrl.error;
		if (fromOutputUrl.ok) {
			const taken = fromOutputUrl.value;
			if ('stored' in taken) return taken;
			firstProblem = `the output URL ${taken.problem.startsWith('answered') ? '' : 'sent '}${taken.problem}`;
		} else {
			const { error } = fromOutputUrl;
			if (isNemoApiError(error) && error.kind === 'cancelled') throw error;
			firstProblem = `the output URL failed (${isNemoApiError(error) ? error.message : String(error)})`;
		}
	}
	// The API's own endpoint: with the token, and its recoveries (a new trial token, a 429 wait).
	const answer = await api.download(api.transport.urlFor(renderDownloadPath(status.renderId)), { signal, operation: 'downloading the video' });
	if (answer.status >= 200 && answer.status < 300) {
		const taken = await takeVideo(api, status.renderId, answer, true, store, signal);
		if ('stored' in taken) return taken;
		throw new NemoApiError(`The finished video could not be downloaded: ${firstProblem ? `${firstProblem}, and ` : ''}the download endpoint sent ${taken.problem}.`, {
			kind: 'protocol',
			httpStatus: answer.status,
			operation: 'downloading the video',
			description: `Nothing was saved as the video. Try again later with Nemo Export, operation "Get Status" and render id ${status.renderId}; if it persists, a proxy or gateway between n8n and NemoVideo may be answering instead of the service.`,
			transient: true,
		});
	}
	answer.close();
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

/** The operation of the error whose cause is n8n's binary store, not the download. */
const STORING_THE_VIDEO = 'storing the video';

/** Content types that are never the video, whatever the bytes say. */
const NOT_VIDEO_TYPE = /^(text\/|application\/(json|xml|xhtml\+xml|problem\+json|javascript))/i;

/** Why an answer is not the video, found in its first bytes while it was being stored. */
class NotAVideo extends Error {}

/**
 * Stores the answer as the video if its content type and first bytes are a video's; else says
 * why not (nothing of it is kept: the store fails on the first bytes). Failures half-way (a
 * reset, a stall) become NemoApiErrors that say what happened and that another try may work.
 */
async function takeVideo<T>(
	api: ApiCaller,
	renderId: string,
	answer: StreamAnswer,
	usedFallback: boolean,
	store: StoreDownload<T>,
	signal?: AbortSignal,
): Promise<{ download: RenderDownload; stored: T } | { problem: string }> {
	const operation = 'downloading the video';
	const labelled = header(answer.headers, 'content-type')?.split(';')[0].trim().toLowerCase() ?? '';
	if (NOT_VIDEO_TYPE.test(labelled)) {
		answer.close();
		return { problem: `${/html/.test(labelled) ? 'a web page' : 'a document'} (${labelled}), not a video` };
	}
	const length = Number(header(answer.headers, 'content-length'));
	const download: RenderDownload = {
		body: answer.body,
		sizeBytes: Number.isFinite(length) && length > 0 ? length : undefined,
		contentType: labelled.startsWith('video/') ? labelled : 'video/mp4',
		url: answer.url,
		usedFallback,
	};
	const watchdog = new Watchdog(api.transport.sleep, () => answer.close());
	watchdog.arm('silence', DOWNLOAD_SILENCE_MS);
	const onAbort = () => answer.close();
	signal?.addEventListener('abort', onAbort, { once: true });
	let received = 0;
	let head: Buffer | undefined = Buffer.alloc(0);
	let notVideo: string | undefined;
	let ended = false;
	/** The body itself failed (a reset, a cut, our not-a-video): not n8n's store. */
	let bodyFailed = false;
	answer.body.once('end', () => (ended = true));
	answer.body.once('error', () => (bodyFailed = true));
	watchBytes(answer.body, (chunk) => {
		watchdog.arm('silence', DOWNLOAD_SILENCE_MS);
		received += chunk.length;
		if (!head) return;
		head = Buffer.concat([head, chunk]);
		if (head.length < 16) return;
		notVideo = videoProblem(head, labelled, download);
		head = undefined;
		if (notVideo) answer.body.destroy(new NotAVideo(notVideo));
	});
	const stored = await settle(store(download));
	watchdog.stop();
	signal?.removeEventListener('abort', onAbort);
	if (!stored.ok) answer.close();
	// The first bytes are judged only when they are all there is: a store that failed before it
	// read anything says nothing of them.
	if (head && (stored.ok || ended)) notVideo = videoProblem(head, labelled, download);
	if (notVideo) return { problem: notVideo };
	if (!stored.ok) {
		if (signal?.aborted) throw cancelledError(operation);
		if (!bodyFailed && !watchdog.expired) {
			// n8n could not store the file (its disk or database): another download would not help.
			throw new NemoApiError(`n8n could not store the downloaded video: ${truncate(stored.error instanceof Error ? stored.error.message : String(stored.error), 200)}`, {
				kind: 'input',
				operation: STORING_THE_VIDEO,
				description: `The download itself was fine and the video is rendered: free space on (or repair) n8n's binary data storage, then get the video with Nemo Export, operation "Get Status", render id ${renderId}.`,
			});
		}
		if (watchdog.expired) {
			throw new NemoApiError(`NemoVideo stopped sending data while downloading the video (nothing for ${formatDuration(DOWNLOAD_SILENCE_MS)}).`, {
				kind: 'timeout',
				operation,
				description: 'The connection stalled. Try again later.',
			});
		}
		throw transportError(stored.error, operation, new URL(answer.url).origin, signal);
	}
	const encoded = header(answer.headers, 'content-encoding') !== undefined;
	if (!ended || (!encoded && download.sizeBytes !== undefined && received < download.sizeBytes)) {
		throw new NemoApiError(`The connection to ${new URL(answer.url).origin} was cut while downloading the video (${received} of ${download.sizeBytes ?? 'unknown'} bytes).`, {
			kind: 'network',
			operation,
			description: 'A network problem or a restart on the service side. Try again.',
		});
	}
	return { download, stored: stored.value };
}

/** Why the first bytes are not a video, if they are not; else settles the MIME type by the content. */
function videoProblem(head: Buffer, labelled: string, download: RenderDownload): string | undefined {
	const found = sniffContent(head);
	if (!found?.videoMimeType) {
		return head.length === 0 ? 'nothing (an empty file)' : `${found?.what ?? 'content that is not a known video format'}, not a video`;
	}
	download.contentType = labelled.startsWith('video/') && found.videoMimeType === 'video/mp4' ? labelled : found.videoMimeType;
	return undefined;
}

/**
 * Calls `onChunk` with every chunk the body's reader takes, whichever way n8n's store reads it
 * (piped, by 'data' listeners, or by read() calls), without reading anything itself and without
 * letting a byte go before the store reads: the body is paused first, so the counting listener
 * does not start the flow; a 'data' reader added later (n8n's in-memory store) resumes it.
 */
function watchBytes(body: ResponseBody, onChunk: (chunk: Buffer) => void): void {
	body.pause();
	body.on('data', (chunk: Buffer | string) => onChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
	body.on('newListener', (event: string) => {
		if (event === 'data') body.resume();
	});
}
