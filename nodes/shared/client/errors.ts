import { ACCEPTED_TYPES_TEXT, DEFAULT_BASE_URL, REGISTRATION_URL, WEB_APP_TASK_URL } from './constants';
import { redactSecrets, serviceText } from './redact';

/**
 * What went wrong, in categories a caller can act on:
 * - `api`: the service answered with an error code or an error HTTP status;
 * - `network`: no usable answer (refused, reset, DNS, TLS);
 * - `timeout`: an answer took longer than its limit;
 * - `cancelled`: the caller's AbortSignal fired (a stopped n8n execution);
 * - `input`: the caller's input was refused before anything was sent;
 * - `protocol`: the answer could not be understood (HTML instead of JSON, bad JSON).
 */
export type NemoErrorKind = 'api' | 'network' | 'timeout' | 'cancelled' | 'input' | 'protocol';

export interface NemoErrorDetails {
	kind: NemoErrorKind;
	/** The API's error code (1001, 2001, …) or, where the service only sent a status, that status. */
	code?: number;
	httpStatus?: number;
	/** What the user can do about it. */
	description?: string;
	/** Which operation failed, in words (e.g. "upload", "render status"). */
	operation?: string;
	/** For `input` errors: the field at fault, e.g. "binaryPropertyName". */
	field?: string;
	/** Overrides the kind's default for isTransient (e.g. a garbled answer is worth another read). */
	transient?: boolean;
	cause?: unknown;
}

/**
 * The one error type of the client core. Its message says what went wrong and its description
 * says what to do; both are redacted, so it can be shown to a user as it is.
 */
export class NemoApiError extends Error {
	readonly kind: NemoErrorKind;
	readonly code?: number;
	readonly httpStatus?: number;
	readonly description?: string;
	readonly operation?: string;
	readonly field?: string;
	private readonly transient?: boolean;

	constructor(message: string, details: NemoErrorDetails) {
		super(redactSecrets(message));
		this.name = 'NemoApiError';
		this.kind = details.kind;
		this.code = details.code;
		this.httpStatus = details.httpStatus;
		this.description = details.description === undefined ? undefined : redactSecrets(details.description);
		this.operation = details.operation;
		this.field = details.field;
		this.transient = details.transient;
		// The cause may hold request objects with headers; keep only its message.
		if (details.cause instanceof Error) {
			Object.defineProperty(this, 'cause', { value: redactSecrets(details.cause.message), enumerable: false });
		}
	}

	/** True for failures worth another try when the operation is safe to repeat (polling, reads). */
	get isTransient(): boolean {
		if (this.transient !== undefined) return this.transient;
		if (this.kind === 'network' || this.kind === 'timeout') return true;
		if (this.kind === 'protocol') return this.httpStatus !== undefined && this.httpStatus >= 500;
		if (this.kind !== 'api') return false;
		return this.code === 429 || (this.httpStatus !== undefined && this.httpStatus >= 500);
	}
}

export function isNemoApiError(error: unknown): error is NemoApiError {
	return error instanceof NemoApiError;
}

/** The same error with words added to its message and its advice (errors are immutable). */
export function amendError(error: NemoApiError, add: { message?: string; description?: string; descriptionAfter?: string; descriptionInstead?: string }): NemoApiError {
	const description = [add.description, add.descriptionInstead ?? error.description, add.descriptionAfter].filter(Boolean).join(' ') || undefined;
	// The service's words may end without a full stop ("GPU node unavailable"): keep the sentences apart.
	const base = add.message && /[\p{L}\p{N}]$/u.test(error.message) ? `${error.message}.` : error.message;
	return new NemoApiError(add.message ? `${base} ${add.message}` : error.message, {
		kind: error.kind,
		code: error.code,
		httpStatus: error.httpStatus,
		operation: error.operation,
		field: error.field,
		description,
	});
}

export function cancelledError(operation?: string): NemoApiError {
	return new NemoApiError(`Cancelled${operation ? ` ${during(operation)}` : ''}: the execution was stopped.`, {
		kind: 'cancelled',
		operation,
	});
}

export function inputError(message: string, field: string, description?: string): NemoApiError {
	return new NemoApiError(message, { kind: 'input', field, description });
}

/**
 * "while getting a trial token", "during the export": operations are named either way, and a
 * message reads as a person would write it.
 */
export function during(operation: string): string {
	return `${/^[a-z]+ing\b/.test(operation) ? 'while' : 'during'} ${operation}`;
}

/** The operation name of the anonymous-token request, which some messages single out. */
export const TRIAL_TOKEN_OPERATION = 'getting a trial token';

/** The registration link that ties a trial's work (its sessions) to the new account. */
export function registrationLink(trialUserId: string | undefined): string {
	return trialUserId ? `${REGISTRATION_URL}?bind=${encodeURIComponent(trialUserId)}` : REGISTRATION_URL;
}

/** Where NemoVideo's web app opens a session's work (the user logs in there; no token in it). */
export function webAppLink(taskId: string, sessionId: string): string {
	return `${WEB_APP_TASK_URL}/${encodeURIComponent(taskId)}?session=${encodeURIComponent(sessionId)}`;
}

/**
 * What to do when NemoVideo refuses a token's exports (402). A session's work belongs to the
 * token's user: another account's token gets "session not found" for it, so the way forward for
 * a trial is the registration link with `bind`, which ties the trial's sessions to the new
 * account (or NemoVideo's web app, for that session).
 */
export function exportRefusedAdvice(o: { trial: boolean; trialUserId?: string; sessionId?: string; taskId?: string; rerun?: boolean }): string {
	const session = o.sessionId ? ` session ${o.sessionId}` : '';
	const webApp = o.sessionId && o.taskId ? ` Or open the work in NemoVideo's web app and export it there (log in first): ${webAppLink(o.taskId, o.sessionId)}.` : '';
	// Without the bind, another account's token gets "session not found" for this session.
	const sessionReachable = !o.trial || o.trialUserId !== undefined;
	const next =
		o.sessionId && sessionReachable ? `run Nemo Export on${session}` : o.rerun ? 'run this node again (nothing was sent for this item)' : 'export again';
	if (!o.trial) {
		return `This account's plan cannot export (a plan limit, not a lack of credits): upgrade the plan on nemovideo.com, then ${next} (an export this token makes lifts the refusal).${webApp}`;
	}
	const register = o.trialUserId
		? `Register at ${registrationLink(o.trialUserId)}: that link ties this trial's work${session ? `,${session} included,` : ''} to the new account.`
		: `Register at ${REGISTRATION_URL} (this trial's user id is not known, so the registration cannot take its work along).`;
	return `Trial tokens cannot export (NemoVideo's plan rule, not a lack of credits). ${register} Then put the new account's Access Token in the Nemo API credential and ${next}.${webApp}`;
}

/** The core's advice for 1002, which names no field; a node that knows the field replaces it (n8n/execute.ts). */
export const SESSION_NOT_FOUND_ADVICE = "Sessions expire and belong to the token that made them: use the session id of an earlier Nemo node's output that used this same Nemo API credential.";

/** Context that makes an API error message precise. */
export interface ApiErrorContext {
	operation: string;
	/** The anonymous user's id, for the registration link on 2001. */
	anonymousUserId?: string;
	usingConfiguredToken?: boolean;
	/** The service's own words, shown after ours. */
	serviceMessage?: string;
	httpStatus?: number;
}

/**
 * Turns an API error code into a message and advice. The table is the API doc's error table;
 * each entry says what to do, because a user seeing it at 3 a.m. in a batch has only this text.
 */
export function apiError(code: number, context: ApiErrorContext): NemoApiError {
	const { operation } = context;
	// The service ends its messages with its code ("… answered HTTP 404 (400)"); ours names the code already.
	const serviceWords = context.serviceMessage?.replace(new RegExp(`\\s*\\(${code}\\)\\s*$`), '');
	const said = serviceWords ? ` The service said: "${serviceText(serviceWords, 300)}".` : '';
	const make = (message: string, description: string) =>
		new NemoApiError(`${message}${said}`, { kind: 'api', code, httpStatus: context.httpStatus, description, operation });

	switch (code) {
		case 1001:
			return context.usingConfiguredToken
				? make(
						`The NemoVideo access token was rejected ${during(operation)} (code 1001: invalid or expired).`,
						'Paste a valid token into the Access Token field of the Nemo API credential, or leave that field empty to use a free anonymous trial token.',
					)
				: make(
						`The NemoVideo trial token was rejected ${during(operation)} (code 1001), even after getting a new one.`,
						'Try again later; if it persists, set an Access Token in the Nemo API credential.',
					);
		case 1002:
			return make(`The NemoVideo session was not found ${during(operation)} (code 1002).`, SESSION_NOT_FOUND_ADVICE);
		case 2001: {
			const link = context.anonymousUserId
				? ` Register at ${REGISTRATION_URL}?bind=${encodeURIComponent(context.anonymousUserId)} to keep this trial's work and get more credits.`
				: ' Top up your credits in your NemoVideo account.';
			return make(`Out of NemoVideo credits (code 2001) ${during(operation)}.`, `Nothing more was charged.${link}`);
		}
		case 4001:
			return make(
				`NemoVideo refused the file type ${during(operation)} (code 4001).`,
				`Accepted types: ${ACCEPTED_TYPES_TEXT}. Convert the file, or check that the binary property holds the file you meant.`,
			);
		case 4002:
			return make(
				`The file is too large for NemoVideo (code 4002) ${during(operation)}.`,
				'The limit is 500 MB per file. Compress or trim the video (e.g. lower the bitrate or cut it into parts) and try again.',
			);
		case 400:
			if (!/client.?id/i.test(context.serviceMessage ?? '')) {
				return make(
					`NemoVideo refused the request ${during(operation)} (HTTP 400: bad request).`,
					'Check the input of this item (file, URL, session ID); if it looks right, try again.',
				);
			}
			return make(
				`NemoVideo refused the request ${during(operation)} (HTTP 400: missing or bad client id).`,
				'Set a Client ID in the Nemo API credential (any UUID), or leave it empty so one is derived for you.',
			);
		case 402:
			return make(
				`NemoVideo blocked the export on the free plan (402) ${during(operation)}.`,
				exportRefusedAdvice({ trial: !context.usingConfiguredToken, trialUserId: context.anonymousUserId }),
			);
		case 404:
			return make(
				`NemoVideo answered 404 (not found) ${during(operation)}.`,
				`What this item refers to (a session or render id) does not exist for this account: check that it comes from an earlier Nemo node's output made with this same Nemo API credential. If every call fails like this, the Base URL in the Nemo API credential is wrong: it should be the API's origin only, e.g. ${DEFAULT_BASE_URL}.`,
			);
		case 429:
			if (operation === TRIAL_TOKEN_OPERATION) {
				return make(
					'NemoVideo refused a new free trial token (429): it gives one per client per 7 days and only a few per network address.',
					'n8n keeps the trial token in the Nemo API credential and asks for a new one only when the old one expired or was rejected, so this credential has used its trial. Set an Access Token in the Nemo API credential (register at nemovideo.ai), or try again in a few days.',
				);
			}
			return make(
				`NemoVideo is rate limiting requests (429) ${during(operation)}, and a retry after waiting was refused too.`,
				'Run fewer items at once (the node\'s "Items at Once" option) or wait a few minutes before running again.',
			);
		default:
			if (context.httpStatus !== undefined && context.httpStatus >= 500) {
				return make(
					`The NemoVideo service had an internal problem (HTTP ${context.httpStatus}) ${during(operation)}.`,
					'This is on the service side. Try again in a few minutes.',
				);
			}
			return make(
				`NemoVideo answered with error ${code} ${during(operation)}.`,
				'Check the input of this item; if it looks right, try again later.',
			);
	}
}

/** A limit for messages: "20 min", "1.5 min", "45 s", "0.3 s" (never "0 min" for a short one). */
export function formatDuration(ms: number): string {
	if (ms >= 60_000) return `${Number((ms / 60_000).toFixed(1))} min`;
	return `${Number((ms / 1000).toFixed(1))} s`;
}

export function truncate(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * The outcome of `work` as a value. The client core decides what a failure means after the
 * fact, outside a catch clause: n8n's rule require-node-api-error wants every error thrown from a
 * catch to be a NodeApiError or NodeOperationError, and the core, which has no n8n import, throws
 * NemoApiErrors that the n8n edge wraps once, for every item (nodes/shared/n8n/node-errors.ts).
 */
export async function settle<T>(work: Promise<T>): Promise<Settled<T>> {
	try {
		return { ok: true, value: await work };
	} catch (error) {
		return { ok: false, error };
	}
}

/** settle() for work that does not wait: the outcome of `work()` as a value. */
export function settleNow<T>(work: () => T): Settled<T> {
	try {
		return { ok: true, value: work() };
	} catch (error) {
		return { ok: false, error };
	}
}
