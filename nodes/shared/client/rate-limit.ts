import { createHash } from 'node:crypto';
import { pause } from './abort';
import type { Sleep } from './http';
import { cancelledError } from './errors';

/**
 * One rate limiter per token in the process, shared by every item, node and execution that uses
 * the token (n8n runs many executions in one worker). The service limits a token two ways
 * (a number of edits at once, a number of requests per minute) and says so with 429 and a
 * Retry-After. The limiter keeps a batch inside those limits instead of failing its items:
 *
 * - Edit streams (`/run_sse`) are admitted up to a concurrency limit that starts unlimited and
 *   follows AIMD: a 429 cuts it to 70% of the streams in flight (once per round: the other
 *   429s of the same burst do not cut it again), every accepted stream adds 1/limit, so it
 *   climbs back by about one per limit's worth of accepted streams.
 * - After a 429 nothing more of that kind is sent on the token until the Retry-After has passed
 *   (a refused stream holds back streams; a refused call holds back everything).
 * - A refused request is sent again, at most `maxRetries` times (README: Rate limits), then the
 *   429 reaches the caller and fails the item. A 429 means the service did not take the
 *   request: repeating it charges nothing, and an instruction refused this way was never sent.
 */

export interface RateLimitOptions {
	/** Times one refused request is sent again before the 429 fails it. */
	maxRetries: number;
	/** Wait after a 429 without a usable Retry-After. */
	defaultWaitMs: number;
	/** Upper bound on a server's Retry-After. */
	maxWaitMs: number;
}

export const DEFAULT_MAX_RATE_LIMIT_RETRIES = 6;

/** Cut of the concurrency limit on a 429 (multiplicative decrease). */
const DECREASE = 0.7;

export type RequestKind = 'stream' | 'call';

/** A turn to send one request; `release` gives the stream slot back (calls hold none). */
export interface Permit {
	readonly kind: RequestKind;
	/** The round it was admitted in: a 429 cuts the limit once per round. */
	readonly round: number;
	release(): void;
}

export class RateLimiter {
	/** Edit streams allowed at once (Infinity until the service first refuses one). */
	private streamLimit = Infinity;
	private streamsInFlight = 0;
	private round = 0;
	private streamsPausedUntil = 0;
	private allPausedUntil = 0;
	private readonly wakeups = new Set<() => void>();

	/** For tests, benchmarks and logs: the current state. */
	get state(): { streamLimit: number; streamsInFlight: number; waiting: number } {
		return { streamLimit: this.streamLimit, streamsInFlight: this.streamsInFlight, waiting: this.wakeups.size };
	}

	/** Waits for a turn: the token's pause over, and for a stream a free slot under the limit. */
	async acquire(kind: RequestKind, sleep: Sleep, signal?: AbortSignal, operation?: string): Promise<Permit> {
		for (;;) {
			if (signal?.aborted) throw cancelledError(operation);
			const pausedUntil = kind === 'stream' ? Math.max(this.allPausedUntil, this.streamsPausedUntil) : this.allPausedUntil;
			const wait = pausedUntil - Date.now();
			if (wait > 0) {
				await pause(sleep, wait, signal, operation);
				continue;
			}
			if (kind === 'call') return this.permit(kind);
			if (this.streamsInFlight < Math.max(1, Math.floor(this.streamLimit))) {
				this.streamsInFlight++;
				return this.permit(kind);
			}
			await this.nextWakeup(signal, operation);
		}
	}

	/** The service accepted the request (a stream opened): additive increase. */
	accepted(permit: Permit): void {
		if (permit.kind !== 'stream' || this.streamLimit === Infinity) return;
		// Grow only while the limit is what holds streams back, not while it sits unused.
		if (this.streamsInFlight >= Math.floor(this.streamLimit)) {
			this.streamLimit += 1 / this.streamLimit;
			this.wakeAll();
		}
	}

	/** The service refused the request with 429: multiplicative decrease (once a round), pause. */
	refused(permit: Permit, waitMs: number): void {
		const until = Date.now() + waitMs;
		if (permit.kind === 'stream') {
			if (permit.round === this.round) {
				this.streamLimit = Math.max(1, Math.min(this.streamLimit, this.streamsInFlight) * DECREASE);
				this.round++;
			}
			this.streamsPausedUntil = Math.max(this.streamsPausedUntil, until);
		} else {
			this.allPausedUntil = Math.max(this.allPausedUntil, until);
		}
	}

	private permit(kind: RequestKind): Permit {
		let released = false;
		return {
			kind,
			round: this.round,
			release: () => {
				if (released || kind !== 'stream') return;
				released = true;
				this.streamsInFlight--;
				this.wakeAll();
			},
		};
	}

	private nextWakeup(signal?: AbortSignal, operation?: string): Promise<void> {
		return new Promise((resolve, reject) => {
			const wake = () => {
				signal?.removeEventListener('abort', onAbort);
				this.wakeups.delete(wake);
				resolve();
			};
			const onAbort = () => {
				this.wakeups.delete(wake);
				reject(cancelledError(operation));
			};
			this.wakeups.add(wake);
			signal?.addEventListener('abort', onAbort, { once: true });
		});
	}

	/** Waiters re-check in the order they came (a Set iterates in insertion order). */
	private wakeAll(): void {
		for (const wake of [...this.wakeups]) wake();
	}
}

const limiters = new Map<string, RateLimiter>();

/**
 * The limiter of a token at an API origin. The trial token is not known before the first call,
 * so an anonymous client is named by its client id (one trial token per client id); a
 * configured token by a hash of it (never the token itself).
 */
export function rateLimiterFor(origin: string, identity: { accessToken?: string; clientId: string }): RateLimiter {
	const who = identity.accessToken
		? `token:${createHash('sha256').update(identity.accessToken).digest('hex').slice(0, 32)}`
		: `client:${identity.clientId}`;
	const key = `${origin}|${who}`;
	let limiter = limiters.get(key);
	if (!limiter) {
		limiter = new RateLimiter();
		limiters.set(key, limiter);
	}
	return limiter;
}

/** Forgets every limiter (tests: one test's 429s must not slow the next). */
export function clearRateLimiters(): void {
	limiters.clear();
}

/** The wait a 429 asks for: Retry-After in seconds or as an HTTP date, else the default; capped. */
export function retryAfterMs(value: string | undefined, options: Pick<RateLimitOptions, 'defaultWaitMs' | 'maxWaitMs'>): number {
	let ms = options.defaultWaitMs;
	if (value !== undefined && value.trim() !== '') {
		const seconds = Number(value);
		if (Number.isFinite(seconds) && seconds >= 0) ms = seconds * 1000;
		else if (Number.isFinite(Date.parse(value))) ms = Math.max(0, Date.parse(value) - Date.now());
	}
	return Math.min(ms, options.maxWaitMs);
}
