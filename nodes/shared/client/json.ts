import { LosslessNumber, parseLossless, stringifyLossless } from './vendor';

/**
 * JSON parsing that keeps large integers exact.
 *
 * Session and task ids are 19-digit numbers that the service may write as bare JSON numbers;
 * `JSON.parse` would round them (7318829475610293847 → 7318829475610294000) and we would then
 * talk about a session that does not exist. Integers longer than 15 digits are turned into
 * strings before parsing, so every id stays a string end to end.
 *
 * The session's draft is different: it goes back to the render as it came, and there a number
 * must stay a number, digit for digit ("seed":9007199254740993, "gain":0.1000000000000000055…,
 * "scale":1.0). Answers read with `exactNumbers` (lossless-json) keep every number that a JS
 * number would not write back the same as a LosslessNumber; `toJsonText` writes it back as it was,
 * and the readers in values.ts read it as a string (ids) or a number.
 */

const SAFE_DIGITS = 15;

export function parseJsonKeepingBigIds(text: string, options: { exactNumbers?: boolean } = {}): unknown {
	if (options.exactNumbers) return parseLossless(text, null, exactNumber);
	return JSON.parse(quoteLongIntegers(text));
}

/** A number as JS would write it back unchanged, else kept as its text. */
function exactNumber(text: string): number | LosslessNumber {
	const value = Number(text);
	return String(value) === text ? value : new LosslessNumber(text);
}

/** JSON text of a request body; numbers kept by `exactNumbers` are written exactly as they came. */
export function toJsonText(value: unknown): string {
	return stringifyLossless(value) ?? 'null';
}

export function isExactNumber(value: unknown): value is LosslessNumber {
	return value instanceof LosslessNumber;
}

/** Quotes integer literals of more than 15 digits that stand outside strings. */
export function quoteLongIntegers(text: string): string {
	// Fast path: nothing long enough to be rounded.
	if (!/\d{16}/.test(text)) return text;

	let out = '';
	let copiedUpTo = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		if (inString) {
			if (ch === 0x5c /* \ */) i++;
			else if (ch === 0x22 /* " */) inString = false;
			continue;
		}
		if (ch === 0x22) {
			inString = true;
			continue;
		}
		const startsNumber = ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39);
		if (!startsNumber) continue;

		let end = i + 1;
		while (end < text.length && /[0-9eE.+-]/.test(text[end])) end++;
		const literal = text.slice(i, end);
		const digits = literal.replace('-', '');
		if (/^\d+$/.test(digits) && digits.length > SAFE_DIGITS) {
			out += `${text.slice(copiedUpTo, i)}"${literal}"`;
			copiedUpTo = end;
		}
		i = end - 1;
	}
	return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}
