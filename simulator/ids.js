// @ts-check
/**
 * Identifier formats of the real service. Session and task ids are 19-digit
 * decimal numbers: always above Number.MAX_SAFE_INTEGER and chosen so that a
 * round trip through a JS number changes them, so a client that JSON.parses
 * them naively is caught at once (its next request names an unknown session).
 */
const crypto = require('node:crypto');

const ALPHANUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** @param {number} length */
function randomAlphanumeric(length) {
	const bytes = crypto.randomBytes(length);
	let out = '';
	for (let i = 0; i < length; i++) out += ALPHANUM[bytes[i] % ALPHANUM.length];
	return out;
}

/** A 19-digit id (string) that a float64 cannot represent. */
function bigDecimalId() {
	for (;;) {
		const bytes = crypto.randomBytes(19);
		let s = String(1 + (bytes[0] % 8)); // 1..8: stays below 2^63 like a signed snowflake id
		for (let i = 1; i < 19; i++) s += String(bytes[i] % 10);
		if (String(Number(s)) !== s) return s;
	}
}

function userToken() {
	return `nmv_usr_${randomAlphanumeric(32)}`;
}

/** @param {string} prefix */
function shortId(prefix) {
	return `${prefix}_${randomAlphanumeric(10)}`;
}

function uuid() {
	return crypto.randomUUID();
}

module.exports = { bigDecimalId, userToken, shortId, uuid, randomAlphanumeric };
