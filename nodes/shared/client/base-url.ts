import { DEFAULT_BASE_URL } from './constants';
import { NemoApiError, during, truncate } from './errors';

/**
 * Answers that say the Base URL is not NemoVideo's API (issue 21, 2.3): a web server's page or
 * plain text where the API always answers JSON, or "no such endpoint" on a call that names no
 * id (only a wrong address answers that). They get advice about the Base URL, with what came
 * back (status and content type, never the body). A gateway in front of the real service
 * (HTML 502/503/504, a 429 page) keeps its own handling: see isNotNemoVideoAnswer.
 */

export const BASE_URL_ADVICE = `Set the Base URL in the Nemo API credential to NemoVideo's API origin only, with no path: ${DEFAULT_BASE_URL} (the default), or the address of your own gateway or simulator. If the Base URL is right, a proxy or firewall between n8n and NemoVideo answered instead.`;

export interface ReceivedAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
}

/**
 * Whether an answer that is not NemoVideo's JSON says the Base URL points elsewhere: a status a
 * gateway gives for a service that is there but unwell (5xx, 429) does not.
 */
export function isNotNemoVideoStatus(status: number): boolean {
	return status < 500 && status !== 429;
}

/** Where the request went: the Base URL's path and the API path, to show a doubled "/api/api/". */
export interface RequestPlace {
	method?: string;
	basePath?: string;
	path?: string;
}

export function notNemoVideoError(answer: ReceivedAnswer, operation: string, place: RequestPlace = {}): NemoApiError {
	const type = contentTypeOf(answer.headers);
	const where = place.path !== undefined ? ` for ${place.method ?? 'GET'} ${truncate(`${place.basePath ?? ''}${place.path}`.split('?')[0], 120)}` : '';
	return new NemoApiError(
		`The Base URL in the Nemo API credential does not look like NemoVideo's API: ${during(operation)} it answered HTTP ${answer.status} (${type})${where}, which is not how NemoVideo's API answers.${pathHint(place)}`,
		{ kind: 'protocol', httpStatus: answer.status, operation, field: 'baseUrl', description: BASE_URL_ADVICE },
	);
}

/** A Base URL ending in /api doubles the /api every API path starts with. */
export function basePathDoublesApi(basePath: string | undefined): boolean {
	return /\/api\/?$/i.test(basePath ?? '');
}

function pathHint(place: RequestPlace): string {
	if (!basePathDoublesApi(place.basePath) || !place.path?.startsWith('/api/')) return '';
	return ' The Base URL ends with /api, and every API path starts with /api: remove it from the Base URL.';
}

/** "text/html", "no content type": the type alone, without parameters; never more than a short token. */
function contentTypeOf(headers: Record<string, string | string[] | undefined>): string {
	const raw = headers['content-type'];
	const value = (Array.isArray(raw) ? raw[0] : raw)?.split(';')[0].trim().toLowerCase() ?? '';
	if (!value) return 'no content type';
	return /^[\w.+-]{1,40}\/[\w.+-]{1,60}$/.test(value) ? value : 'an unreadable content type';
}

/** The credential's Test shows only an error's message: the advice goes into it. */
export function withAdviceInMessage(error: NemoApiError): NemoApiError {
	return new NemoApiError(`${error.message} ${error.description ?? ''}`.trim(), { kind: error.kind, httpStatus: error.httpStatus, operation: error.operation, field: error.field });
}
