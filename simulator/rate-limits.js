// @ts-check
/**
 * Per-token limits like a real API gateway's (config `rateLimit`, off by default):
 * - `concurrentStreams`: at most N `/run_sse` edit streams open at once per token (the service's
 *   "concurrent jobs"); one more is refused with 429 before any event, `Retry-After: retryAfterSec`.
 * - `requestsPerMinute`: at most N API requests per token in any `windowMs` (60 s) sliding window;
 *   beyond it 429 with `Retry-After` = seconds until the oldest request leaves the window.
 * Refused requests do not count against the window, and charge nothing. Requests without a bearer
 * token (the trial-token endpoint) are not limited here (it has its own per-address cap).
 */
const { ApiError } = require('./errors');

/**
 * @typedef {object} RateLimitConfig
 * @property {number} [concurrentStreams]   open edit streams per token (0 or absent: no limit)
 * @property {number} [requestsPerMinute]   requests per token per window (0 or absent: no limit)
 * @property {number} [windowMs]            the window of requestsPerMinute (default 60000)
 * @property {number} [retryAfterSec]       Retry-After of a refused stream (default 2)
 */

/** @param {unknown} v */
function validRateLimit(v) {
	if (v === null) return true;
	if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
	const known = ['concurrentStreams', 'requestsPerMinute', 'windowMs', 'retryAfterSec'];
	return Object.entries(v).every(([k, n]) => known.includes(k) && typeof n === 'number' && Number.isFinite(n) && n >= 0);
}

class RateLimits {
	constructor() {
		/** @type {Map<string, number>} open edit streams per token */
		this.open = new Map();
		/** @type {Map<string, number[]>} accepted request times per token, oldest first */
		this.recent = new Map();
		/** refusals so far, by reason (benchmarks and tests read them) */
		this.refused = { streams: 0, requests: 0 };
	}

	/**
	 * Admits a request or throws the 429. An admitted stream holds its slot until the response closes.
	 * @param {import('./http-io').Ctx} ctx
	 * @param {RateLimitConfig | null} limits
	 */
	admit(ctx, limits) {
		if (!limits) return;
		const auth = String(ctx.req.headers.authorization || '');
		const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
		if (!token) return;
		const now = Date.now();
		const perMinute = limits.requestsPerMinute || 0;
		if (perMinute > 0) {
			const windowMs = limits.windowMs || 60_000;
			const times = (this.recent.get(token) || []).filter((t) => t > now - windowMs);
			this.recent.set(token, times);
			if (times.length >= perMinute) {
				this.refused.requests++;
				const retryAfter = Math.max(1, Math.ceil((times[0] + windowMs - now) / 1000));
				throw new ApiError(429, `Rate limited: at most ${perMinute} requests per minute for this token, retry in ${retryAfter} seconds`, {
					headers: { 'Retry-After': String(retryAfter) },
				});
			}
			times.push(now);
		}
		const streams = limits.concurrentStreams || 0;
		if (ctx.endpoint !== 'sse' || streams <= 0) return;
		const open = this.open.get(token) || 0;
		if (open >= streams) {
			this.refused.streams++;
			const retryAfter = String(limits.retryAfterSec ?? 2);
			throw new ApiError(429, `Rate limited: at most ${streams} edits at once for this token, retry in ${retryAfter} seconds`, {
				headers: { 'Retry-After': retryAfter },
			});
		}
		this.open.set(token, open + 1);
		ctx.res.once('close', () => {
			const left = (this.open.get(token) || 1) - 1;
			if (left > 0) this.open.set(token, left);
			else this.open.delete(token);
		});
	}

	/** Open streams per token right now (tests: the limit held). */
	openStreams() {
		return Object.fromEntries(this.open);
	}

	reset() {
		this.recent.clear();
		this.refused = { streams: 0, requests: 0 };
	}
}

module.exports = { RateLimits, validRateLimit };
