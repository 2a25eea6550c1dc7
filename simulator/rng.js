// @ts-check
/**
 * Seeded pseudo-random numbers (mulberry32). Behaviour that a test may want to
 * reproduce (silent edits, event form in 'mixed' mode, text chunking) draws from
 * this so the same seed and the same request sequence give the same stream.
 * Identifiers (tokens, session ids) do NOT use it: two simulators started with
 * the same seed must still never hand out the same token.
 */

/**
 * @param {number} seed
 * @returns {() => number} a function returning floats in [0, 1)
 */
function createRng(seed) {
	let a = (Number(seed) >>> 0) || 0x9e3779b9;
	return function next() {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * @param {() => number} rng
 * @param {number} min inclusive
 * @param {number} max inclusive
 */
function randInt(rng, min, max) {
	return min + Math.floor(rng() * (max - min + 1));
}

module.exports = { createRng, randInt };
