// @ts-check
/**
 * JSON with integers beyond 2^53 kept exact in both directions.
 *
 * Writing: the real API writes session_id/task_id as raw 19-digit JSON numbers.
 * A value given as a BigInt is emitted as a bare number literal (string
 * templating on top of JSON.stringify), so `{"session_id":7318829475610293847}`
 * is what goes on the wire.
 *
 * Reading: clients should send ids as strings, but a raw number must not be
 * silently rounded by our own parser either; integer literals that a double
 * cannot hold come back as BigInt. The request record therefore shows exactly
 * what the client sent (string vs number).
 */

const RAW_MARK = '\u0000raw:';
const RAW_PATTERN = /"\\u0000raw:(-?\d+)"/g;

/**
 * @param {unknown} value
 * @param {number} [indent]
 * @returns {string}
 */
function stringify(value, indent) {
	const text = JSON.stringify(
		value,
		(_key, v) => (typeof v === 'bigint' ? RAW_MARK + v.toString() : v),
		indent,
	);
	return text === undefined ? 'null' : text.replace(RAW_PATTERN, '$1');
}

/**
 * JSON.parse that returns unsafe integers as BigInt instead of rounding them.
 * @param {string} text
 * @returns {any}
 */
function parseLossless(text) {
	// Fast path: no run of 16+ digits means no integer can be unsafe.
	if (!/\d{16}/.test(text)) return JSON.parse(text);
	let out = '';
	let last = 0;
	let i = 0;
	const n = text.length;
	while (i < n) {
		const c = text.charCodeAt(i);
		if (c === 34) {
			// skip a string literal, honouring escapes
			i++;
			while (i < n) {
				const d = text.charCodeAt(i);
				if (d === 92) i += 2;
				else if (d === 34) {
					i++;
					break;
				} else i++;
			}
			continue;
		}
		if (c === 45 || (c >= 48 && c <= 57)) {
			const start = i;
			if (c === 45) i++;
			while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
			const intEnd = i;
			let isInteger = true;
			while (i < n && /[.eE+\-0-9]/.test(text[i])) {
				isInteger = false;
				i++;
			}
			if (isInteger) {
				const literal = text.slice(start, intEnd);
				if (!Number.isSafeInteger(Number(literal))) {
					// written as a JSON escape: a raw NUL is not allowed inside a JSON string
					out += text.slice(last, start) + '"\\u0000raw:' + literal + '"';
					last = intEnd;
				}
			}
			continue;
		}
		i++;
	}
	out += text.slice(last);
	return JSON.parse(out, (_key, v) =>
		typeof v === 'string' && v.startsWith(RAW_MARK) ? BigInt(v.slice(RAW_MARK.length)) : v,
	);
}

/**
 * An id as the server keeps it: clients may send it as a string or (wrongly but
 * losslessly) as a number literal.
 * @param {unknown} value
 * @returns {string | null}
 */
function idString(value) {
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'bigint') return value.toString();
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

module.exports = { stringify, parseLossless, idString };
