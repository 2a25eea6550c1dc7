/**
 * The service wraps answers in one of two envelopes; this unwraps both.
 *   {"code": 0, "message": "...", "data": {...}}        code 0 = success
 *   {"success": true, "data": {...}} / {"success": false, "error": "..."}
 * Some endpoints (render status shape 1 and 3) answer with no envelope at all.
 */

export type Unwrapped =
	| { ok: true; data: unknown }
	| { ok: false; code?: number; message?: string };

export function unwrapEnvelope(body: unknown): Unwrapped {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: true, data: body };
	const record = body as Record<string, unknown>;

	if ('code' in record && isCode(record.code)) {
		const code = Number(record.code);
		if (code === 0) return { ok: true, data: 'data' in record ? record.data : record };
		return { ok: false, code, message: textOf(record.message ?? record.msg ?? record.error) };
	}
	if (typeof record.success === 'boolean') {
		if (record.success) return { ok: true, data: 'data' in record ? record.data : record };
		const errorCode = record.code ?? record.errorCode ?? (isRecord(record.error) ? record.error.code : undefined);
		return {
			ok: false,
			code: isCode(errorCode) ? Number(errorCode) : undefined,
			message: textOf(record.error ?? record.message ?? record.errorMessage),
		};
	}
	if ('error' in record && record.error && !('status' in record)) {
		return { ok: false, code: isCode(record.errorCode) ? Number(record.errorCode) : undefined, message: textOf(record.error) };
	}
	return { ok: true, data: record };
}

function isCode(value: unknown): boolean {
	return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value;
	if (isRecord(value) && typeof value.message === 'string') return value.message;
	return JSON.stringify(value);
}

/**
 * The API's error code when the answer did not carry one in a `code` field: the
 * `{"success": false, "error": "..."}` envelope has only words and an HTTP status. The words
 * may end with the code ("File too large (4002)"), or name the problem; the status says the rest.
 */
export function inferErrorCode(httpStatus: number, message: string | undefined): number {
	const text = message ?? '';
	// A 429 is a rate limit whatever its words say ("… Reuse your client id; retry in 30 seconds",
	// "retry after (120)").
	if (httpStatus === 429) return 429;
	const written = /\((\d{3,4})\)\s*$/.exec(text) ?? /\b(?:code|error)[\s:=#]*(\d{4})\b/i.exec(text);
	if (written) return Number(written[1]);
	if (/client.?id/i.test(text)) return 400;
	if (/token.*(invalid|expired)|(invalid|expired).*token|unauthori[sz]ed/i.test(text) || httpStatus === 401) return 1001;
	if (/session.*not found/i.test(text)) return 1002;
	if (/insufficient credits|out of credits|not enough credits/i.test(text)) return 2001;
	if (/unsupported (file|media)? ?type|file type/i.test(text) || httpStatus === 415) return 4001;
	if (/too large|exceeds? .*(size|limit)/i.test(text) || httpStatus === 413) return 4002;
	if (/rate limit|too many requests/i.test(text)) return 429;
	return httpStatus;
}
