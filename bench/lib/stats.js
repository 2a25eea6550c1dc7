// @ts-check
'use strict';
/** Small statistics and formatting helpers for the report. */

/** @param {number[]} xs */
function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	if (!s.length) return NaN;
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * median, min, max of a series.
 * @param {number[]} xs
 */
function summary(xs) {
	return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length, values: xs };
}

/**
 * "12.3 (min 11.0, max 14.2)".
 * @param {{ median: number, min: number, max: number }} s
 * @param {number} [digits]
 * @param {string} [unit]
 */
function fmt(s, digits = 1, unit = '') {
	const f = (/** @type {number} */ x) => num(x, digits);
	return `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

/** Fixed digits; whole numbers from 10,000 up get thousands separators. @param {number} x @param {number} [digits] */
function num(x, digits = 1) {
	if (!Number.isFinite(x)) return 'n/a';
	if (digits === 0 && Math.abs(x) >= 10000) return Math.round(x).toLocaleString('en');
	return x.toFixed(digits);
}

/** @param {number} bytes */
function mib(bytes) {
	return bytes / 1024 / 1024;
}

module.exports = { median, summary, fmt, num, mib };
