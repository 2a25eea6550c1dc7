// @ts-check
/**
 * Fault injection rules. A rule names an endpoint (or '*'), skips `after`
 * matching requests, then hits the next `times` of them with its action.
 * Several rules may hit the same request; their actions are merged, the rule
 * added first winning on a conflicting key.
 */

const ENDPOINTS = Object.freeze([
	'token',
	'session',
	'upload',
	'sse',
	'credits',
	'state',
	'renderStart',
	'renderStatus',
	'renderCancel',
	'download',
	'cdn',
	'*',
]);

/** Action keys and a check for each value. */
/** @type {Record<string, (v: unknown) => boolean>} */
const ACTIONS = {
	// any endpoint
	code: (v) => Number.isInteger(v),
	status: (v) => Number.isInteger(v) && /** @type {number} */ (v) >= 100 && /** @type {number} */ (v) <= 599,
	message: (v) => typeof v === 'string',
	body: (v) => typeof v === 'string',
	contentType: (v) => typeof v === 'string',
	malformedJson: (v) => v === true,
	delayHeadersMs: (v) => typeof v === 'number' && v >= 0,
	stallBodyMs: (v) => typeof v === 'number' && v >= 0,
	reset: (v) => v === true,
	resetAfterBytes: (v) => typeof v === 'number' && v >= 0,
	hang: (v) => v === true,
	cutBodyAfterBytes: (v) => Number.isInteger(v) && /** @type {number} */ (v) >= 0,
	endlessBody: (v) => v === true,
	closeAfterBody: (v) => v === true,
	// sse
	cutAfterEvents: (v) => Number.isInteger(v) && /** @type {number} */ (v) >= 0,
	truncateEvent: (v) => v === true,
	unknownEventType: (v) => v === true,
	hugeEventBytes: (v) => Number.isInteger(v) && /** @type {number} */ (v) > 0,
	invalidUtf8: (v) => v === true,
	duplicateEvents: (v) => v === true,
	errorEvent: (v) => !!v && typeof v === 'object' && !Array.isArray(v),
	trailingErrorEvent: (v) => !!v && typeof v === 'object' && !Array.isArray(v),
	askQuestion: (v) => v === true || (!!v && typeof v === 'object' && !Array.isArray(v)),
	heartbeatsOnlyMs: (v) => typeof v === 'number' && v >= 0,
	noEdit: (v) => v === true,
	// render
	renderFails: (v) => typeof v === 'string' || v === true,
	renderStuck: (v) => v === true,
	renderVanishes: (v) => v === true,
	completedWithoutUrl: (v) => v === true,
	urlAfterPolls: (v) => Number.isInteger(v) && /** @type {number} */ (v) >= 0,
	outputUrlFails: (v) => v === true,
};

/**
 * @typedef {object} FaultRule
 * @property {number} id
 * @property {string} endpoint
 * @property {number} times
 * @property {number} after
 * @property {Record<string, any>} action
 * @property {number} seen  matching requests so far
 * @property {number} hits  requests this rule acted on so far
 */

/** JSON has no Infinity: accept "Infinity", null or -1 from the admin API. */
/** @param {unknown} v */
function parseTimes(v) {
	if (v === undefined) return 1;
	if (v === Infinity || v === 'Infinity' || v === 'infinity' || v === null || v === -1) return Infinity;
	if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
	throw new TypeError(`fault times must be a non-negative integer or Infinity, got ${JSON.stringify(v)}`);
}

class FaultBook {
	constructor() {
		/** @type {FaultRule[]} */
		this.rules = [];
		this.nextId = 1;
	}

	/**
	 * @param {Record<string, any>} input
	 * @returns {FaultRule}
	 */
	add(input) {
		if (!input || typeof input !== 'object') throw new TypeError('a fault rule must be an object');
		const { endpoint, times, after, ...action } = input;
		if (!ENDPOINTS.includes(endpoint)) {
			throw new TypeError(`fault endpoint must be one of ${ENDPOINTS.join(', ')}, got ${JSON.stringify(endpoint)}`);
		}
		const afterN = after === undefined ? 0 : after;
		if (!Number.isInteger(afterN) || afterN < 0) throw new TypeError('fault after must be an integer >= 0');
		const keys = Object.keys(action);
		if (keys.length === 0) throw new TypeError('a fault rule needs an action (code, status, reset, ...)');
		for (const key of keys) {
			const check = ACTIONS[key];
			if (!check) throw new TypeError(`unknown fault action "${key}" (known: ${Object.keys(ACTIONS).join(', ')})`);
			if (!check(action[key])) throw new TypeError(`bad value for fault action ${key}: ${JSON.stringify(action[key])}`);
		}
		/** @type {FaultRule} */
		const rule = { id: this.nextId++, endpoint, times: parseTimes(times), after: afterN, action, seen: 0, hits: 0 };
		this.rules.push(rule);
		return rule;
	}

	clear() {
		this.rules.length = 0;
	}

	/**
	 * Counts one request to `endpoint` against every rule and returns the merged
	 * action of the rules that hit it (an empty object when none).
	 * @param {string} endpoint
	 * @returns {Record<string, any>}
	 */
	take(endpoint) {
		/** @type {Record<string, any>} */
		const merged = {};
		for (const rule of this.rules) {
			if (rule.endpoint !== endpoint && rule.endpoint !== '*') continue;
			rule.seen++;
			if (rule.seen <= rule.after || rule.hits >= rule.times) continue;
			rule.hits++;
			for (const [key, value] of Object.entries(rule.action)) {
				if (!(key in merged)) merged[key] = value;
			}
		}
		return merged;
	}

	/** Rules as plain JSON (Infinity written as "Infinity"). */
	list() {
		return this.rules.map((r) => ({ ...r, times: r.times === Infinity ? 'Infinity' : r.times }));
	}
}

module.exports = { FaultBook, ENDPOINTS, FAULT_ACTIONS: Object.keys(ACTIONS) };
