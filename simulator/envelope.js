// @ts-check
/**
 * The two response envelopes of the real API and which one each endpoint uses.
 *
 *   code:    {"code":0,"message":"ok","data":{...}}   / {"code":1001,"message":"...","data":null}
 *   success: {"success":true,"data":{...}}            / {"success":false,"error":"..."}
 *
 * In 'mixed' mode (the default) the choice is fixed per endpoint (MIXED_ENVELOPES)
 * so a client must unwrap both within one workflow. Success-envelope errors carry
 * no numeric code field (the documented shape has none): the code is in the HTTP
 * status and at the end of the error text, e.g. "... (1001)".
 */
const { stringify } = require('./json');

/** @typedef {'code' | 'success'} EnvelopeKind */

/** @type {Record<string, EnvelopeKind>} */
const MIXED_ENVELOPES = Object.freeze({
	token: 'code',
	session: 'code',
	sse: 'code',
	credits: 'code',
	upload: 'success',
	state: 'success',
	renderStart: 'success',
	renderStatus: 'code', // errors only: a found render answers in its status shape
	renderCancel: 'success',
	download: 'code',
});

/** Human text for each error code, used when a handler or fault gives none. */
/** @type {Record<number, string>} */
const DEFAULT_MESSAGES = {
	400: 'Bad request',
	402: 'Export is not available on the free plan: missing skill attribution headers',
	404: 'Not found',
	409: 'Conflict',
	429: 'Rate limited: too many requests, retry in 30 seconds',
	500: 'Internal server error',
	1001: 'Token invalid or expired',
	1002: 'Session not found',
	2001: 'Insufficient credits',
	4001: 'Unsupported file type',
	4002: 'File too large',
};

/**
 * Default HTTP status for an error code in a given envelope. 2001 is an
 * HTTP 200 with code 2001 in the code envelope (as a code-envelope API does);
 * the success envelope has no code field, so there it is an HTTP 402.
 * @param {number} code
 * @param {EnvelopeKind} kind
 */
function defaultHttpStatus(code, kind) {
	switch (code) {
		case 1001:
			return 401;
		case 1002:
			return 404;
		case 2001:
			return kind === 'code' ? 200 : 402;
		case 4001:
			return 400;
		case 4002:
			return 413;
		default:
			return code >= 400 && code <= 599 ? code : 400;
	}
}

/**
 * @param {{ envelope: 'code' | 'success' | 'mixed' }} config
 * @param {string} endpoint
 * @returns {EnvelopeKind}
 */
function envelopeFor(config, endpoint) {
	if (config.envelope === 'mixed') return MIXED_ENVELOPES[endpoint] || 'code';
	return config.envelope;
}

/**
 * @param {EnvelopeKind} kind
 * @param {unknown} data may contain BigInt values, written as raw JSON numbers
 */
function okBody(kind, data) {
	return kind === 'code'
		? stringify({ code: 0, message: 'ok', data })
		: stringify({ success: true, data });
}

/**
 * @param {EnvelopeKind} kind
 * @param {number} code
 * @param {string} [message]
 */
function errorBody(kind, code, message) {
	const text = message || DEFAULT_MESSAGES[code] || 'Error';
	return kind === 'code'
		? stringify({ code, message: text, data: null })
		: stringify({ success: false, error: `${text} (${code})` });
}

module.exports = { MIXED_ENVELOPES, DEFAULT_MESSAGES, defaultHttpStatus, envelopeFor, okBody, errorBody };
