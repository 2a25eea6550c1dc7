// @ts-check
/**
 * The simulator's tunable behaviour. Everything a test may want to change per
 * test lives here and can be changed at any time (startSimulator options,
 * sim.configure(), POST /__sim/config). Unknown keys are rejected so a typo in a
 * test fails loudly instead of silently testing the defaults.
 */

/**
 * @typedef {object} SimConfig
 * @property {number} sseDurationMs        how long a /run_sse stream stays open
 * @property {number | null} generateDurationMs  stream length for "generate" messages (null: sseDurationMs)
 * @property {number} heartbeatIntervalMs  keep-alive spacing inside a stream
 * @property {number} renderMs             pending -> processing -> completed over this long
 * @property {number} responseDelayMs      every API response is delayed by this much
 * @property {number} silentRate           share of edits that stream no text at all (0..1)
 * @property {'simple' | 'agent' | 'mixed'} eventForm
 * @property {'code' | 'success' | 'mixed'} envelope
 * @property {1 | 2 | 3 | 'rotate'} renderStatusShape
 * @property {number} seed                 seeds the behaviour RNG (reseeded when set)
 * @property {number} outputSizeBytes      size of a synthetic render output (fast media)
 * @property {number} maxUploadBytes       upload limit (4002 above it)
 * @property {number} tokensPerIp          distinct anonymous client ids per IP (429 above it)
 * @property {number} anonymousCredits     credits of a new anonymous user
 * @property {number} creditsPerMessage    cost of one /run_sse message
 * @property {number} faceSwapCredits      cost of a face swap message that is applied
 * @property {'refused' | 'allowed'} trialExport  exports with an anonymous (trial) token: refused with 402, as NemoVideo's newest documents say (trial scopes are read, write, upload), or allowed, as its older ones did
 * @property {'fast' | 'ffmpeg'} media     fake media (unit tests) or real ffprobe/ffmpeg
 * @property {number} tokenTtlMs           anonymous token lifetime (7 days)
 * @property {'same' | '429'} repeatTokenRequest  a second token request for a client id whose token is still valid: the same token, or 429 ("1 token / client / 7 days", as the skill document lists)
 * @property {boolean} agentFinalText      agent form: after partial text chunks, repeat the whole text as one final non-partial event (as agent servers do)
 * @property {number} urlFetchTimeoutMs    timeout for downloading one URL upload
 * @property {number} maxRecordedRequests  oldest request records are dropped beyond this (long benchmarks)
 * @property {import('./rate-limits').RateLimitConfig | null} rateLimit  per-token limits (rate-limits.js); null: none
 */

const { validRateLimit } = require('./rate-limits');

/** @type {SimConfig} */
const DEFAULTS = Object.freeze({
	sseDurationMs: 200,
	generateDurationMs: null,
	heartbeatIntervalMs: 50,
	renderMs: 300,
	responseDelayMs: 0,
	silentRate: 0.3,
	eventForm: 'mixed',
	envelope: 'mixed',
	renderStatusShape: 'rotate',
	seed: 1,
	outputSizeBytes: 64 * 1024,
	maxUploadBytes: 500 * 1024 * 1024,
	tokensPerIp: 10,
	anonymousCredits: 100,
	// NemoVideo's newest documents (2026-12): about 100 credits per generation (a face swap is one),
	// about 50 per editing session; a trial has 100.
	creditsPerMessage: 50,
	faceSwapCredits: 100,
	// NemoVideo's newest documents (2026-12): a trial token has the read, write and upload scopes
	// only; its exports answer 402 "free plan export blocked".
	trialExport: 'refused',
	media: 'fast',
	tokenTtlMs: 7 * 24 * 3600 * 1000,
	repeatTokenRequest: 'same',
	agentFinalText: true,
	urlFetchTimeoutMs: 10_000,
	maxRecordedRequests: 100_000,
	rateLimit: null,
});

/** @param {unknown} v */
const nonNegative = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
/** @param {unknown} v */
const positive = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
/** @param {readonly unknown[]} values */
const oneOf = (values) => /** @param {unknown} v */ (v) => values.includes(v);

/** @type {Record<keyof SimConfig, [(v: unknown) => boolean, string]>} */
const VALIDATORS = {
	sseDurationMs: [nonNegative, 'a number >= 0'],
	generateDurationMs: [(v) => v === null || nonNegative(v), 'a number >= 0 or null'],
	heartbeatIntervalMs: [positive, 'a number > 0'],
	renderMs: [nonNegative, 'a number >= 0'],
	responseDelayMs: [nonNegative, 'a number >= 0'],
	silentRate: [(v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number between 0 and 1'],
	eventForm: [oneOf(['simple', 'agent', 'mixed']), "'simple', 'agent' or 'mixed'"],
	envelope: [oneOf(['code', 'success', 'mixed']), "'code', 'success' or 'mixed'"],
	renderStatusShape: [oneOf([1, 2, 3, 'rotate']), "1, 2, 3 or 'rotate'"],
	seed: [(v) => typeof v === 'number' && Number.isFinite(v), 'a number'],
	outputSizeBytes: [(v) => Number.isSafeInteger(v) && /** @type {number} */ (v) >= 64, 'an integer >= 64'],
	maxUploadBytes: [positive, 'a number > 0'],
	tokensPerIp: [nonNegative, 'a number >= 0'],
	anonymousCredits: [nonNegative, 'a number >= 0'],
	creditsPerMessage: [nonNegative, 'a number >= 0'],
	faceSwapCredits: [nonNegative, 'a number >= 0'],
	trialExport: [oneOf(['refused', 'allowed']), "'refused' or 'allowed'"],
	media: [oneOf(['fast', 'ffmpeg']), "'fast' or 'ffmpeg'"],
	tokenTtlMs: [positive, 'a number > 0'],
	repeatTokenRequest: [oneOf(['same', '429']), "'same' or '429'"],
	agentFinalText: [(v) => typeof v === 'boolean', 'a boolean'],
	urlFetchTimeoutMs: [positive, 'a number > 0'],
	maxRecordedRequests: [positive, 'a number > 0'],
	rateLimit: [validRateLimit, 'null or { concurrentStreams?, requestsPerMinute?, windowMs?, retryAfterSec? } of numbers >= 0'],
};

/**
 * Checks a partial config; throws a readable error naming the bad key.
 * @param {Record<string, unknown>} patch
 * @returns {Partial<SimConfig>}
 */
function validateConfigPatch(patch) {
	if (!patch || typeof patch !== 'object' || Array.isArray(patch)) {
		throw new TypeError('config must be an object');
	}
	for (const [key, value] of Object.entries(patch)) {
		if (!Object.prototype.hasOwnProperty.call(VALIDATORS, key)) {
			throw new TypeError(
				`unknown simulator config key "${key}" (known: ${Object.keys(VALIDATORS).join(', ')})`,
			);
		}
		const [ok, expected] = VALIDATORS[/** @type {keyof SimConfig} */ (key)];
		if (!ok(value)) throw new TypeError(`config ${key} must be ${expected}, got ${JSON.stringify(value)}`);
	}
	return /** @type {Partial<SimConfig>} */ (patch);
}

/** @param {Record<string, unknown>} [patch] @returns {SimConfig} */
function createConfig(patch = {}) {
	return { ...DEFAULTS, ...validateConfigPatch(patch) };
}

const CONFIG_KEYS = Object.freeze(Object.keys(DEFAULTS));

module.exports = { DEFAULTS, CONFIG_KEYS, createConfig, validateConfigPatch };
