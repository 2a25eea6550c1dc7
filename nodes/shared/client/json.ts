/**
 * JSON parsing that keeps large integers exact.
 *
 * Session and task ids are 19-digit numbers that the service may write as bare JSON numbers;
 * `JSON.parse` would round them (7318829475610293847 → 7318829475610294000) and we would then
 * talk about a session that does not exist. Integers longer than 15 digits are turned into
 * strings before parsing, so every id stays a string end to end.
 */

const SAFE_DIGITS = 15;

export function parseJsonKeepingBigIds(text: string): unknown {
	return JSON.parse(quoteLongIntegers(text));
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
