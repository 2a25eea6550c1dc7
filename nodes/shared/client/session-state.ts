import type { ApiCaller } from './api-caller';
import { APP_NAME } from './constants';
import { NemoApiError } from './errors';
import { type Timeline, decodeDraft } from './timeline';
import { asRecord, asString } from './values';

/** Sessions: creating one, and reading its state (the draft timeline and media). */

export interface NewSession {
	sessionId: string;
	taskId?: string;
	userId?: string;
}

export interface SessionState {
	sessionId: string;
	taskId?: string;
	taskName?: string;
	/** The raw draft, as the render endpoint wants it back. */
	draft: unknown;
	timeline: Timeline;
	/** A stable fingerprint of what an edit can change, to tell whether anything changed. */
	fingerprint: string;
}

export async function createSession(api: ApiCaller, options: { signal?: AbortSignal; language?: string; taskName?: string } = {}): Promise<NewSession> {
	const data = asRecord(
		await api.call({
			method: 'POST',
			path: `/api/tasks/me/with-session/${APP_NAME}`,
			operation: 'creating a session',
			json: { task_name: options.taskName ?? 'project', language: options.language ?? 'en' },
			signal: options.signal,
		}),
	);
	const sessionId = asString(data.session_id);
	if (!sessionId) {
		throw new NemoApiError('NemoVideo did not return a session id.', { kind: 'protocol', operation: 'creating a session' });
	}
	return { sessionId, taskId: asString(data.task_id), userId: asString(data.user_id) };
}

export async function getSessionState(api: ApiCaller, sessionId: string, signal?: AbortSignal): Promise<SessionState> {
	const data = asRecord(
		await api.call({
			method: 'GET',
			path: `/api/state/${APP_NAME}/me/${encodeURIComponent(sessionId)}/latest`,
			operation: 'reading the session state',
			refersTo: `session ${sessionId}`,
			// The draft goes back to the render as it came, numbers digit for digit.
			exactNumbers: true,
			signal,
		}),
	);
	const state = asRecord(data.state);
	const draft = state.draft ?? { t: [] };
	return {
		sessionId: asString(data.session_id) ?? sessionId,
		taskId: asString(data.task_id),
		taskName: asString(data.task_name),
		draft,
		timeline: decodeDraft(draft),
		fingerprint: canonicalJson([draft, state.generated_media ?? null]),
	};
}

/**
 * JSON with every object's keys sorted: the same state in another key order (a store such as a
 * JSONB column re-orders keys) has the same fingerprint, so it is not taken for an edit.
 */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map((entry) => canonicalJson(entry ?? null)).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>).filter(([, inner]) => inner !== undefined);
		entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/** A session id is the service's 19-digit number, as a string; anything else is refused early. */
export function checkSessionId(raw: unknown, field = 'sessionId'): string {
	const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
	if (!/^\d{6,30}$/.test(text)) {
		const shown = typeof raw === 'string' || typeof raw === 'number' ? `"${String(raw).slice(0, 60)}"` : typeof raw;
		throw new NemoApiError(`The session id ${shown} is not a NemoVideo session id (a long number).`, {
			kind: 'input',
			field,
			description: 'A Session ID is a long number: choose Session → From Input Item after a Nemo node, map its sessionId field, or choose New Session.',
		});
	}
	if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
		throw new NemoApiError(`The session id ${text} arrived as a number and lost its last digits.`, {
			kind: 'input',
			field,
			description: 'Pass session ids as text (the sessionId field of Nemo nodes is already text); do not convert them to numbers.',
		});
	}
	return text;
}
