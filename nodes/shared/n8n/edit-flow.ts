import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import {
	type FileToUpload,
	type MessageResult,
	type NemoClient,
	type UploadedFile,
	NemoApiError,
	acceptedKinds,
	amendError,
	checkFileKind,
	exportRefusedAdvice,
	inputError,
	checkMediaUrl,
	isNemoApiError,
	settle,
	truncate,
} from '../client';
import { fileFromBinaryProperty } from './binary';
import { exportSession } from './export-flow';
import type { ItemWork } from './item-runner';
import type { CommonOptions, MediaInput, ResultDelivery } from './parameters';
import type { MediaKind } from '../client/constants';
import { type SentRecord, sentLedger } from './sent-ledger';

/**
 * The flow behind Face Swap, Audio Replace and Edit: put the media into a session, send one
 * instruction, and optionally export. Node files only read their parameters and describe
 * the instruction; everything else happens here, the same way for all three.
 */

export interface EditRequest extends ItemWork {
	/** An existing session, or undefined to start one. */
	sessionId?: string;
	inputs: MediaInput[];
	/** The instruction, written once the uploaded files' names are known. */
	instruction: (files: Record<string, UploadedFile | undefined>) => string;
	delivery: ResultDelivery;
	options: CommonOptions;
	/**
	 * The edit this node exists for (a face swap, an audio replacement): when the session is
	 * unchanged after the instruction, the item fails instead of reporting success (and exporting
	 * the untouched video). Without it (Nemo Edit), an unchanged session is a warning in the output.
	 */
	expectedChange?: { what: string; whatToCheck: string };
}

export async function runEdit(context: IExecuteFunctions, client: NemoClient, request: EditRequest): Promise<INodeExecutionData> {
	const { itemIndex, signal } = request;
	// n8n's Retry On Fail runs this again: an instruction an earlier try sent is never sent again.
	const ledger = sentLedger(context);
	const earlier = ledger.get(itemIndex);
	if (earlier) return await continueEarlierTry(context, client, request, earlier);

	// Check every input before creating a session or sending a byte.
	refuseOneFileForTwoInputs(request.inputs);
	const files: Array<{ key: string; file: FileToUpload }> = [];
	const urls: Array<{ key: string; url: string; field: string; label: string }> = [];
	for (const input of request.inputs) {
		if (input.source === 'binary') {
			const field = `${input.key}BinaryProperty`;
			const file = await fileFromBinaryProperty(context, itemIndex, input.propertyName, field, { label: input.label, purpose: `for the ${input.label.toLowerCase()}` });
			checkFileKind(file, input.accepts);
			files.push({ key: input.key, file });
		} else if (input.source === 'url') {
			const field = `${input.key}Url`;
			const label = `${input.label} URL`;
			urls.push({ key: input.key, url: checkMediaUrl(input.url, field, label), field, label });
		}
	}

	if (request.delivery === 'none') return await editInSession(context, client, request, files, urls);
	// A token whose exports NemoVideo refused (402) would pay for an edit it cannot export; while a
	// token's exports are not known in this process, one item at a time learns them (export-refusals.ts).
	hintTrialTokenExports(context, client);
	const endTurn = await client.exportTurn(signal);
	try {
		refuseKnownExportRefusal(client);
		return await editInSession(context, client, request, files, urls);
	} finally {
		endTurn();
	}
}

/** The item's media into its session, the instruction, and the export when the Result asks for one. */
async function editInSession(
	context: IExecuteFunctions,
	client: NemoClient,
	request: EditRequest,
	files: Array<{ key: string; file: FileToUpload }>,
	urls: Array<{ key: string; url: string; field: string; label: string }>,
): Promise<INodeExecutionData> {
	const { itemIndex, signal } = request;
	const ledger = sentLedger(context);
	const session = await client.openSession(request.sessionId, signal);
	const uploaded: Record<string, UploadedFile | undefined> = {};
	if (files.length > 0) {
		const result = await client.inSession(session, (id) => client.uploadFiles(id, files.map((entry) => entry.file), { signal }), signal);
		files.forEach((entry, index) => (uploaded[entry.key] = result[index]));
	}
	if (urls.length > 0) {
		const result = await client.inSession(session, (id) => client.uploadUrls(id, urls, { signal }), signal);
		urls.forEach((entry, index) => (uploaded[entry.key] = result[index]));
	}

	// A URL's file is known once the service fetched it (uploads cost nothing): still before the instruction.
	for (const entry of urls) {
		const input = request.inputs.find((candidate) => candidate.key === entry.key);
		const fileType = uploaded[entry.key]?.fileType as MediaKind | undefined;
		if (input && fileType && ['video', 'image', 'audio'].includes(fileType) && !input.accepts.includes(fileType)) {
			throw inputError(
				`${entry.label} points to ${fileType === 'image' ? 'an image' : fileType === 'audio' ? 'an audio file' : 'a video'} ("${uploaded[entry.key]?.fileName}"); it must be ${acceptedKinds(input.accepts)}. Nothing was sent to the editor.`,
				entry.field,
				`Accepted here: ${acceptedKinds(input.accepts, true)}. The file was uploaded to session ${session.sessionId}, which costs nothing.`,
			);
		}
	}

	const instruction = request.instruction(uploaded);
	// The agent's "click Export" is reworded for this node: it exports the video itself, or not.
	const wording = { exported: request.delivery !== 'none' };
	const outcome = await client.inSession(session, (id) => client.sendMessage(id, instruction, signal, { onSending: (sending) => (sending ? (request.instructionSent(id), ledger.sent(itemIndex, id)) : (request.instructionNotSent(), ledger.notSent(itemIndex))), wording }), signal);
	if (outcome.questions?.length) return askedInstead(outcome, session.sessionId, instruction, request);
	const unchanged = whenNothingChanged(outcome, session.sessionId, request.expectedChange);

	const json: IDataObject = {
		sessionId: session.sessionId,
		instruction,
		message: outcome.message,
		replied: outcome.replied,
		changes: outcome.changes,
		timeline: outcome.timeline.summary,
	};
	if (outcome.recoveredFrom) {
		json.recoveredFrom = outcome.recoveredFrom;
		context.logger.info(`NemoVideo edit stream of session ${session.sessionId} ended early (${outcome.recoveredFrom}); the outcome was read from the session state, nothing was sent again`, {
			node: context.getNode().name,
			itemIndex,
			sessionId: session.sessionId,
		});
	}
	if (!outcome.replied && outcome.changes.length === 0) {
		// Shown on the canvas only when it needs a look: a silent edit that changed the timeline is
		// normal (about 30% of edits close without a word; "message" then summarises the changes).
		context.addExecutionHints({
			message: `Item ${itemIndex}: NemoVideo finished the edit without a reply and the timeline summary shows no change; "message" and "changes" say what the session state shows.`,
			type: 'warning',
			location: 'outputPane',
		});
	}
	const warning = [outcome.warning, unchanged].filter(Boolean).join(' ');
	if (warning) json.warning = warning;
	const uploadedFiles = Object.values(uploaded).filter((file): file is UploadedFile => file !== undefined);
	if (uploadedFiles.length > 0) json.uploadedFiles = uploadedFiles.map(uploadedFileJson);

	ledger.edited(itemIndex, json);
	if (request.delivery === 'none') return { json };
	return await exportAfterEdit(context, client, { ...request, delivery: request.delivery }, json, session.sessionId, outcome);
}

/**
 * An item whose instruction an earlier try of this node sent (n8n's Retry On Fail): not sent
 * again. If that edit finished, the item goes on from there (a fresh read of the session, then
 * the export); if its outcome is not known, the item fails, naming the session.
 */
async function continueEarlierTry(context: IExecuteFunctions, client: NemoClient, request: EditRequest, earlier: SentRecord): Promise<INodeExecutionData> {
	const { sessionId } = earlier;
	request.instructionSent(sessionId);
	if (!earlier.edit) {
		throw new NemoApiError(`The instruction was sent to session ${sessionId} in an earlier try of this node, and how it ended is not known; it was not sent again.`, {
			kind: 'api',
			operation: 'the edit',
			description: `n8n's Retry On Fail ran the node again; sending the instruction again would be charged again. Look at session ${sessionId} (e.g. Nemo Export on it) before you run it once more.`,
		});
	}
	const json: IDataObject = { ...earlier.edit, note: 'The instruction was sent in an earlier try of this node (n8n\'s Retry On Fail); this try did not send it again.' };
	if (request.delivery === 'none') return { json };
	const state = await client.getState(sessionId, request.signal);
	return await exportAfterEdit(context, client, { ...request, delivery: request.delivery }, json, sessionId, state);
}

async function exportAfterEdit(
	context: IExecuteFunctions,
	client: NemoClient,
	request: EditRequest & { delivery: Exclude<ResultDelivery, 'none'> },
	json: IDataObject,
	sessionId: string,
	edited: Pick<MessageResult, 'draft' | 'timeline' | 'taskId'> & { changed?: boolean },
): Promise<INodeExecutionData> {
	const exporting = await settle(
		exportSession(context, client, {
			itemIndex: request.itemIndex,
			sessionId,
			draft: edited.draft,
			timeline: edited.timeline,
			taskId: edited.taskId,
			delivery: request.delivery,
			options: request.options,
			signal: request.signal,
		}),
	);
	if (!exporting.ok) {
		// The instruction was sent (and charged) and the edit is in the session: running this node
		// again would send it again. Say where the edit is, so the export alone can be repeated.
		const { error } = exporting;
		if (!isNemoApiError(error) || error.kind === 'cancelled') throw error;
		// A plan that cannot export (a trial token: 402): Nemo Export with the same token would be
		// refused again, so the export's own advice (register with the trial's bind link, then
		// Nemo Export on this session) comes first.
		const exportRefused = error.code === 402;
		throw amendError(error, {
			// Nemo Edit exports an unchanged session too (with a warning): then there is no edit to speak of.
			message: edited.changed === false ? `The instruction was sent (and charged) to session ${sessionId}, but nothing changed in the session.` : `The edit itself is done (and charged) in session ${sessionId}.`,
			...(exportRefused
				? { descriptionAfter: 'Do not run this node again for it: that would send, and charge, the instruction again.' }
				: { description: `To get the video, run Nemo Export on session ${sessionId} rather than this node again in a new execution (which would send, and charge, the instruction again).` }),
		});
	}
	const exported = exporting.value;
	return { json: { ...json, ...exported.json }, binary: exported.binary };
}

/**
 * The editor asked instead of acting (NemoVideo's `ask_question`, "awaiting input"): nothing
 * changed, so nothing is exported. The question and its options reach the user with how to answer:
 * Nemo Edit outputs them; a node made for one edit (Face Swap, Audio Replace) fails, naming them.
 */
function askedInstead(outcome: MessageResult, sessionId: string, instruction: string, request: EditRequest): INodeExecutionData {
	const questions = (outcome.questions ?? []).map((question) => ({
		question: question.prompt,
		options: question.options,
		...(question.allowMultiple ? { allowMultiple: true } : {}),
	}));
	const asked = questions.map((question) => `"${question.question}"${question.options.length ? ` (options: ${question.options.map((option) => `"${option}"`).join(', ')})` : ''}`).join('; ');
	const howToAnswer = `Answer with Nemo Edit on session ${sessionId} (Session: By ID), e.g. the instruction "${questions[0]?.options[0] ?? 'your answer'}"; it is sent as a new instruction.`;
	if (request.expectedChange) {
		throw new NemoApiError(`NemoVideo's editor asked a question instead of doing the ${request.expectedChange.what} in session ${sessionId}: ${asked}.`, {
			kind: 'api',
			operation: 'the edit',
			description: `Nothing changed and nothing was exported. ${howToAnswer}`,
		});
	}
	return { json: { sessionId, instruction, message: outcome.message, replied: outcome.replied, changes: [], timeline: outcome.timeline.summary, questions, howToAnswer } };
}

const hintedTrialExports = new WeakSet<object>();

/**
 * On the canvas, once per node run: a Result that exports meets a trial token (no Access Token),
 * which NemoVideo's documents say cannot export; the edit would be charged first.
 */
function hintTrialTokenExports(context: IExecuteFunctions, client: NemoClient): void {
	if (!client.usesTrialToken || hintedTrialExports.has(context)) return;
	hintedTrialExports.add(context);
	context.addExecutionHints({
		type: 'warning',
		location: 'outputPane',
		message:
			"This node's Result exports, but the Nemo API credential has no Access Token, so it runs on NemoVideo's trial token, which NemoVideo's documents say cannot export (the edit is charged first). Set a registered account's Access Token in the credential, or set Result to \"Don't Export (Keep Editing)\".",
	});
}

/**
 * NemoVideo refused this token's exports before (export-refusals.ts): an item whose Result
 * exports fails before its session, upload and instruction, with the way forward. Editing
 * without exporting still works, and says so.
 */
function refuseKnownExportRefusal(client: NemoClient): void {
	const refusal = client.exportRefusal();
	if (!refusal) return;
	const trial = client.usesTrialToken;
	throw new NemoApiError(
		`NemoVideo refuses exports with this ${trial ? 'trial token' : 'token'} (402: free plan export blocked, answered at ${new Date(refusal.at).toISOString()} in this n8n process), so this item's instruction was not sent and nothing was charged.`,
		{
			kind: 'api',
			code: 402,
			operation: 'the edit',
			field: 'result',
			description: `${exportRefusedAdvice({ trial, trialUserId: refusal.trialUserId ?? client.trialUserId, rerun: true })} To edit without exporting, set Result to "Don't Export (Keep Editing)".`,
		},
	);
}

/** One file (the same binary property, or the same URL) cannot be two of an instruction's inputs. */
function refuseOneFileForTwoInputs(inputs: MediaInput[]): void {
	const seen = new Map<string, MediaInput>();
	for (const input of inputs) {
		const where = input.source === 'binary' ? `binary property "${input.propertyName.trim()}"` : input.source === 'url' ? `URL ${truncate(input.url.trim(), 120)}` : undefined;
		if (!where) continue;
		const other = seen.get(where);
		if (other) {
			throw inputError(
				`${other.label} and ${input.label} are the same file (${where}); they must be two different files.`,
				input.source === 'binary' ? `${input.key}BinaryProperty` : `${input.key}Url`,
				`Give the ${input.label.toLowerCase()} its own ${input.source === 'binary' ? 'binary property' : 'URL'}: ${acceptedKinds(input.accepts)}.`,
			);
		}
		seen.set(where, input);
	}
}

/**
 * Nothing reports success for an edit that did not happen: an unchanged session fails a node
 * made for one edit (before any export), and is a warning for Nemo Edit.
 */
function whenNothingChanged(outcome: MessageResult, sessionId: string, expected: EditRequest['expectedChange']): string | undefined {
	if (outcome.changed) return undefined;
	const said = outcome.replied ? `the editor replied "${truncate(outcome.message, 300)}"` : 'the editor closed without a word';
	if (!expected) return `The instruction was sent, but nothing in the session changed (${said}; the timeline and media are as before).`;
	throw new NemoApiError(`The ${expected.what} instruction was sent to session ${sessionId}, but nothing changed in the session: ${said}, and the timeline and media are as before.`, {
		kind: 'api',
		operation: 'the edit',
		description: `No export was started. ${expected.whatToCheck} Sending the instruction again is charged again: look at session ${sessionId} first (e.g. Nemo Export on it).`,
	});
}

export function uploadedFileJson(file: UploadedFile): IDataObject {
	const json: IDataObject = { fileName: file.fileName, fileType: file.fileType };
	if (file.url) json.url = file.url;
	if (file.durationSec !== undefined) json.durationSec = file.durationSec;
	if (file.width !== undefined) json.width = file.width;
	if (file.height !== undefined) json.height = file.height;
	if (file.fps !== undefined) json.fps = file.fps;
	return json;
}
