import { pause } from './abort';
import type { ApiCaller } from './api-caller';
import { APP_NAME } from './constants';
import { NemoApiError, amendError, isNemoApiError, settle } from './errors';
import { type GuiWording, translateGuiText } from './gui-text';
import { type AgentQuestion, MAX_TEXT_CHARS } from './agent-events';
import { serviceText } from './redact';
import { DEFAULT_STREAM_LIMITS, type StreamLimits, type StreamOutcome, readAgentStream } from './message-stream';
import { type SessionState, getSessionState } from './session-state';
import { type Timeline, describeChanges } from './timeline';

/**
 * Sends one instruction to a session's editing agent and reports what it did.
 *
 * The message is sent at most once: every accepted send is charged. (An answer that is not an
 * event stream is a refusal, retried by the API doc's rules in ApiCaller.openMessageStream.)
 * The state is read before sending
 * (which also proves the token and session, so their recoveries happen before any charge), and
 * after the stream closes. When the agent closes without a word (about 30% of edits), the
 * difference between the two states is the answer. When the stream drops or stalls, the state
 * is polled (30 s, then every 60 s, up to 5 unchanged polls) instead of sending again.
 */

export interface RecoveryOptions {
	firstPollDelayMs: number;
	pollIntervalMs: number;
	maxUnchangedPolls: number;
}

export const DEFAULT_RECOVERY: RecoveryOptions = { firstPollDelayMs: 30_000, pollIntervalMs: 60_000, maxUnchangedPolls: 5 };

export interface MessageResult {
	/** What the agent said (translated for n8n), or a summary of the changes when it said nothing. */
	message: string;
	/** Whether the agent replied with text. */
	replied: boolean;
	/** What changed in the timeline, in words. */
	changes: string[];
	timeline: Timeline;
	/** The draft after the edit, as the export wants it. */
	draft: unknown;
	/** The session's task (NemoVideo's web app opens the work by task and session). */
	taskId?: string;
	/** Whether anything in the session (draft or media) differs from before the instruction. */
	changed: boolean;
	/** The stream ended abnormally and the outcome was read from the session state instead. */
	recoveredFrom?: 'dropped stream' | 'stalled stream';
	/** The editor reported an error after working normally, and the session changed: its words, for the output. */
	warning?: string;
	/** The editor asked instead of acting (nothing changed): its questions, for the user to answer. */
	questions?: AgentQuestion[];
}

export interface SendMessageOptions {
	signal?: AbortSignal;
	/** Called just before the message goes out (after the state read that precedes it). */
	/** The instruction went out (true), or the service refused it and it is not sent for now (false). */
	onSending?: (sending: boolean) => void;
	limits?: StreamLimits;
	recovery?: RecoveryOptions;
	/** How the agent's GUI talk is reworded: for a node that exports the result itself, or not. */
	wording?: GuiWording;
}

const NOT_RESENT = 'The message was not sent again, to avoid a second charge.';

export async function sendMessage(api: ApiCaller, sessionId: string, text: string, options: SendMessageOptions = {}): Promise<MessageResult> {
	const { signal } = options;
	const limits = options.limits ?? DEFAULT_STREAM_LIMITS;
	const before = await getSessionState(api, sessionId, signal);

	const streamed = await settle(
		(async () => {
			const answer = await api.openMessageStream({
				method: 'POST',
				path: '/run_sse',
				operation: 'sending the instruction',
				refersTo: `session ${sessionId}`,
				json: { app_name: APP_NAME, user_id: 'me', session_id: sessionId, new_message: { parts: [{ text }] } },
				signal,
				headersTimeoutMs: limits.openTimeoutMs,
				bodyTimeoutMs: limits.heartbeatOnlyLimitMs,
				inFlight: options.onSending,
			});
			return await readAgentStream(answer, { limits, signal, sleep: api.transport.sleep });
		})(),
	);
	const outcome = streamed.ok ? streamed.value : outcomeOfUnopenedStream(streamed.error, sessionId);

	if (outcome.agentError) {
		const reported = serviceText(translateGuiText(outcome.agentError.message), 300);
		const failed = () =>
			new NemoApiError(`The NemoVideo editor reported an error: ${reported}`, {
				kind: 'api',
				operation: 'the edit',
				description: `${NOT_RESENT} Check the instruction and the session's media, then try again.`,
			});
		// NemoVideo's newest skill: an error at the end of an otherwise normal stream ("I encountered a
		// temporary issue") may be backend noise after an edit that was applied and charged. The
		// session decides: changed, the edit happened (a warning carries the service's words); unchanged, it failed.
		if (outcome.toolCalls === 0 && outcome.text.trim() === '') throw failed();
		const after = await stateAfterEdit(api, sessionId, options);
		if (after.fingerprint === before.fingerprint) throw failed();
		return { ...resultFrom(outcome.text, before, after, undefined, options.wording), warning: `The editor reported an error after the edit, but the session changed as asked: ${reported}` };
	}
	if (outcome.end !== 'closed') return recoverFromBrokenStream(api, sessionId, before, outcome, options);

	const after = await stateAfterEdit(api, sessionId, options);
	const result = resultFrom(outcome.text, before, after, undefined, options.wording);
	if (outcome.questions?.length && !result.changed) return { ...result, questions: outcome.questions.map((question) => ({ ...question, prompt: serviceText(translateGuiText(question.prompt, options.wording), 500), options: question.options.map((option) => serviceText(option, 200)) })) };
	return result;
}

/**
 * The state once the edit is done. The message is charged by now, so a read that fails on the
 * way (a 5xx, a garbled answer, a cut connection) must not fail the item, whose re-run would send
 * the instruction again: it is read again, as the recovery polls do. If it never succeeds, the
 * error says that the instruction went through.
 */
async function stateAfterEdit(api: ApiCaller, sessionId: string, options: SendMessageOptions): Promise<SessionState> {
	const recovery = options.recovery ?? DEFAULT_RECOVERY;
	for (let failures = 0; ; ) {
		const read = await settle(getSessionState(api, sessionId, options.signal));
		if (read.ok) return read.value;
		const { error } = read;
		if (!isNemoApiError(error) || error.kind === 'cancelled') throw error;
		if (!error.isTransient || ++failures > recovery.maxUnchangedPolls) {
			throw amendError(error, {
				message: `The instruction itself was sent to session ${sessionId} and the edit finished.`,
				description: `${NOT_RESENT} Check the session's timeline (e.g. with Nemo Export or Nemo Edit on session ${sessionId}) before sending the instruction again.`,
			});
		}
		await pause(api.transport.sleep, failures === 1 ? recovery.firstPollDelayMs : recovery.pollIntervalMs, options.signal, 'the edit');
	}
}

/**
 * What a failure before or while the event stream opened means. No event stream and an API
 * refusal: the service did not accept the message. A failure that may have reached the service:
 * a dropped stream, whose outcome the session state tells.
 */
function outcomeOfUnopenedStream(error: unknown, sessionId: string): StreamOutcome {
	if (!isNemoApiError(error)) throw error;
	if (error.kind === 'cancelled') throw error;
	if (error.kind === 'api') {
		// No event stream: the service refused the message (after the recoveries the API doc allows).
		throw amendError(error, { message: `NemoVideo did not accept the instruction for session ${sessionId} (no event stream opened), so it was not charged.` });
	}
	if (!mayHaveReachedTheService(error)) throw withNote(error, NOT_RESENT);
	// No stream, but the request may have been received: find out from the state.
	return { end: 'dropped', text: '', toolCalls: 0, heartbeats: 0, events: 0, problem: error };
}

function resultFrom(text: string, before: SessionState, after: SessionState, recoveredFrom?: MessageResult['recoveredFrom'], wording?: GuiWording): MessageResult {
	const changes = describeChanges(before.timeline, after.timeline);
	const replied = text.trim() !== '';
	let message: string;
	// The reply is capped while it streams (message-stream.ts); its note must not be cut here.
	if (replied) message = serviceText(translateGuiText(text, wording), MAX_TEXT_CHARS + 200);
	else if (changes.length > 0) message = `Done. Changes: ${changes.join('; ')}.`;
	else if (before.fingerprint !== after.fingerprint) message = 'Done. The session changed (its media), but the timeline did not.';
	else message = 'The editor finished without a reply, and the timeline did not change.';
	return { message, replied, changes, timeline: after.timeline, draft: after.draft, taskId: after.taskId ?? before.taskId, changed: before.fingerprint !== after.fingerprint, recoveredFrom };
}

async function recoverFromBrokenStream(
	api: ApiCaller,
	sessionId: string,
	before: SessionState,
	outcome: StreamOutcome,
	options: SendMessageOptions,
): Promise<MessageResult> {
	const recovery = options.recovery ?? DEFAULT_RECOVERY;
	const how = outcome.end === 'timedOut' ? 'stalled stream' : 'dropped stream';
	let previous = before.fingerprint;
	let unchangedPolls = 0;
	let pollFailures = 0;
	await pause(api.transport.sleep, recovery.firstPollDelayMs, options.signal, 'the edit');
	for (;;) {
		const read = await settle(getSessionState(api, sessionId, options.signal));
		let now: SessionState | undefined;
		if (read.ok) {
			now = read.value;
			pollFailures = 0;
		} else if (!isNemoApiError(read.error) || !read.error.isTransient || ++pollFailures > recovery.maxUnchangedPolls) {
			throw read.error;
		}
		if (now) {
			if (now.fingerprint === before.fingerprint) {
				if (++unchangedPolls >= recovery.maxUnchangedPolls) break;
			} else if (now.fingerprint === previous) {
				// Changed, and settled since the last poll: that is the edit's outcome.
				const result = resultFrom(outcome.text, before, now, how, options.wording);
				result.message = `${result.message}\n(The connection to the editor ${outcome.end === 'timedOut' ? 'stalled' : 'dropped'}; the outcome was read from the session. ${NOT_RESENT})`;
				return result;
			}
			previous = now.fingerprint;
		}
		await pause(api.transport.sleep, recovery.pollIntervalMs, options.signal, 'the edit');
	}
	const reason = outcome.problem?.message ?? 'The stream ended early.';
	throw new NemoApiError(`${reason} The session did not change in ${unchangedPolls} checks afterwards.`, {
		kind: outcome.end === 'timedOut' ? 'timeout' : 'network',
		operation: 'the edit',
		description: `${NOT_RESENT} The edit may still appear later (it may have been charged): check the session's timeline before sending the instruction again.`,
	});
}

/** Errors after which the instruction may have reached the service (not a refused connection or an API refusal). */
function mayHaveReachedTheService(error: NemoApiError): boolean {
	if (error.kind === 'api' || error.kind === 'input') return false;
	return !/connection refused|could not be found/.test(error.message);
}

function withNote(error: NemoApiError, note: string): NemoApiError {
	if (error.kind === 'cancelled') return error;
	return new NemoApiError(error.message, {
		kind: error.kind,
		code: error.code,
		httpStatus: error.httpStatus,
		operation: error.operation,
		field: error.field,
		description: `${note} ${error.description ?? ''}`.trim(),
	});
}
