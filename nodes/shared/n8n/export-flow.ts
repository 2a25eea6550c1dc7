import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { type NemoClient, type RenderStatus, type Timeline, amendError, exportRefusedAdvice, inputError, isNemoApiError, settle } from '../client';
import { binaryFromDownload } from './binary';
import type { CommonOptions } from './parameters';

/**
 * Export, shared by Nemo Export and the edit nodes' "Export and Return…" results: render the
 * session's draft to MP4, wait for it, and deliver the video as binary data or as a URL.
 */

export interface ExportRequest {
	itemIndex: number;
	sessionId: string;
	/** The draft and timeline, when the caller just read them (saves a request). */
	draft?: unknown;
	timeline?: Timeline;
	/** The session's task, when known (the web-app link of a refused export). */
	taskId?: string;
	delivery: 'binary' | 'url';
	options: CommonOptions;
	signal: AbortSignal;
}

export async function exportSession(context: IExecuteFunctions, client: NemoClient, request: ExportRequest): Promise<INodeExecutionData> {
	let { draft, timeline, taskId } = request;
	if (draft === undefined || timeline === undefined) {
		const state = await client.getState(request.sessionId, request.signal);
		draft = state.draft;
		timeline = state.timeline;
		taskId = state.taskId;
	}
	if (!timeline.ready) {
		throw inputError(
			`Nothing to export: the timeline of session ${request.sessionId} is empty.`,
			'sessionId',
			'Upload a video into the session first (Nemo Upload, or a video input of Face Swap / Audio Replace).',
		);
	}
	const started = await settle(client.startRender(request.sessionId, draft, request.signal));
	if (!started.ok) {
		const { error } = started;
		// A plan that cannot export (402): the way forward names this session, which belongs to this token's user.
		if (!isNemoApiError(error) || error.code !== 402) throw error;
		throw amendError(error, { descriptionInstead: exportRefusedAdvice({ trial: client.usesTrialToken, trialUserId: client.trialUserId, sessionId: request.sessionId, taskId }) });
	}
	const { renderId } = started.value;
	const renderStarted = Date.now();
	const status = await client.waitForRender(renderId, { signal: request.signal, timeoutMs: request.options.timeoutMinutes * 60_000 });
	logRenderTime(context, renderId, Date.now() - renderStarted);
	return deliverRender(context, client, status, {
		sessionId: request.sessionId,
		timeline,
		delivery: request.delivery,
		options: request.options,
		signal: request.signal,
	});
}

/** Renders of a short clip take a minute or two: a busy operator wants to hear of one far slower. */
const SLOW_RENDER_MS = 10 * 60_000;

function logRenderTime(context: IExecuteFunctions, renderId: string, ms: number): void {
	const meta = { node: context.getNode().name, renderId, seconds: Math.round(ms / 1000) };
	if (ms >= SLOW_RENDER_MS) context.logger.info(`NemoVideo render ${renderId} took ${Math.round(ms / 60_000)} min, slower than usual`, meta);
	else context.logger.debug(`NemoVideo render ${renderId} finished in ${Math.round(ms / 1000)} s`, meta);
}

/** Output item for a finished render: its facts, plus the MP4 as binary when asked. */
export async function deliverRender(
	context: IExecuteFunctions,
	client: NemoClient,
	status: RenderStatus,
	request: { sessionId?: string; timeline?: Timeline; delivery: 'binary' | 'url'; options: CommonOptions; signal: AbortSignal },
): Promise<INodeExecutionData> {
	const json: IDataObject = renderFields(status);
	if (request.sessionId) json.sessionId = request.sessionId;
	if (request.timeline) {
		json.timeline = request.timeline.summary;
		// Two of the three status shapes carry no duration: the timeline knows it.
		if (json.durationSec === undefined && request.timeline.durationMs > 0) json.durationSec = request.timeline.durationMs / 1000;
	}
	if (request.delivery === 'url') {
		if (status.outputUrl) {
			json.videoUrl = status.outputUrl;
			return { json };
		}
		// The /download address needs our bearer token: whoever gets a "video URL" (a webhook's
		// caller) could not fetch it. Say so, or fetch the file, as the user chose.
		if (request.options.ifNoPublicUrl !== 'download') {
			json.downloadUrl = client.api.transport.urlFor(`/api/render/proxy/${encodeURIComponent(status.renderId)}/download`);
			json.note =
				'NemoVideo gave no public URL for this video. downloadUrl works only with the Nemo API token, so do not hand it to others: to get the file itself, set Options > If No Public URL to "Download the File".';
			return { json };
		}
		json.note = 'NemoVideo gave no public URL for this video, so the file was downloaded instead.';
	}
	// One scheme for every export (issue 21, 2.6): the session names the file, the render id only when the session is not known.
	const fileName = request.options.fileName ?? `nemo-${request.sessionId ?? status.renderId}.mp4`;
	const fetchVideo = async () => {
		const { download, stored } = await client.download(status, (video) => binaryFromDownload(context, video, fileName), request.signal);
		// The MIME type is the content's, known once the first bytes were seen.
		stored.mimeType = download.contentType;
		return { download, binary: stored };
	};
	// The video is rendered and a download repeats safely: a connection cut or stalled half-way
	// is read once more, rather than failing an item whose instruction was already charged.
	const first = await settle(fetchVideo());
	if (!first.ok && (!isNemoApiError(first.error) || first.error.kind === 'cancelled' || !first.error.isTransient)) throw first.error;
	const { download, binary } = first.ok ? first.value : await fetchVideo();
	if (request.delivery !== 'url') json.videoUrl = status.outputUrl ?? download.url;
	json.fileName = fileName;
	json.sizeBytes = status.sizeBytes ?? download.sizeBytes ?? json.sizeBytes;
	return { json, binary: { [request.options.binaryPropertyOutput]: binary } };
}

export function renderFields(status: RenderStatus): IDataObject {
	const json: IDataObject = { renderId: status.renderId, status: status.status };
	if (status.progress !== undefined) json.progress = status.progress;
	if (status.outputUrl) json.videoUrl = status.outputUrl;
	if (status.durationSec !== undefined) json.durationSec = status.durationSec;
	if (status.sizeBytes !== undefined) json.sizeBytes = status.sizeBytes;
	if (status.error) json.error = status.error;
	return json;
}
