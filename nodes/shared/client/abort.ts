import { cancelledError } from './errors';
import type { Sleep } from './http';

/**
 * Cancellable waits and watchdogs built on the one wait the core is handed, n8n-workflow's
 * `sleep` (a plain timer n8n owns): no Node timer of our own. A wait is cut into short steps so a
 * stop is noticed within WAIT_STEP_MS, and a wait that was stopped leaves at most one step behind.
 */

/** The longest step of a wait: how late at most a stop or a watchdog is noticed. */
export const WAIT_STEP_MS = 250;

/** Waits `ms`, or rejects with a `cancelled` error as soon as the signal fires. */
export async function pause(sleep: Sleep, ms: number, signal?: AbortSignal, operation?: string): Promise<void> {
	throwIfAborted(signal, operation);
	const until = Date.now() + ms;
	for (let left = ms; left > 0; left = until - Date.now()) {
		await untilAborted(sleep(Math.min(left, WAIT_STEP_MS)), signal);
		throwIfAborted(signal, operation);
	}
}

export function throwIfAborted(signal: AbortSignal | undefined, operation?: string): void {
	if (signal?.aborted) throw cancelledError(operation);
}

/** Waits for `promise`, or rejects with a `cancelled` error as soon as the signal fires. */
export async function waitUnlessStopped(promise: Promise<void>, signal: AbortSignal | undefined, operation?: string): Promise<void> {
	throwIfAborted(signal, operation);
	await untilAborted(promise, signal);
	throwIfAborted(signal, operation);
}

/** `promise`, or an earlier end when `signal` fires (the promise then runs on, unwatched). */
function untilAborted(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
	if (!signal) return promise;
	return new Promise((resolve) => {
		const done = () => {
			signal.removeEventListener('abort', done);
			resolve();
		};
		signal.addEventListener('abort', done, { once: true });
		promise.then(done, done);
	});
}

/**
 * A controller that fires when any of the given signals fires. `dispose` removes its listeners
 * (the signals of a long n8n execution outlive our calls).
 */
export function linkedController(signals: Array<AbortSignal | undefined>): { controller: AbortController; dispose: () => void } {
	const controller = new AbortController();
	const cleanups: Array<() => void> = [];
	for (const signal of signals) {
		if (!signal) continue;
		if (signal.aborted) {
			controller.abort(signal.reason);
			break;
		}
		const onAbort = () => controller.abort(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
		cleanups.push(() => signal.removeEventListener('abort', onAbort));
	}
	return { controller, dispose: () => cleanups.forEach((cleanup) => cleanup()) };
}

/**
 * Deadlines checked on n8n's sleep: each `arm(name, ms)` sets (or moves) a deadline; when one
 * passes, `onExpire(name)` runs once and the watch stops. `stop()` ends the watch; its last step
 * ends within WAIT_STEP_MS. Used for the edit stream's limits, an upload's stall, a download's
 * silence and a status read's share of the export timeout.
 */
export class Watchdog<Name extends string = string> {
	private readonly deadlines = new Map<Name, number>();
	private running = true;
	private onExpire: (name: Name) => void;
	expired?: Name;

	constructor(
		private readonly sleep: Sleep,
		onExpire: (name: Name) => void,
	) {
		this.onExpire = onExpire;
		void this.watch();
	}

	arm(name: Name, ms: number): void {
		if (ms === Infinity || !(ms >= 0)) this.deadlines.delete(name);
		else this.deadlines.set(name, Date.now() + ms);
	}

	disarm(name: Name): void {
		this.deadlines.delete(name);
	}

	/** Ends the watch. Its last step may run on for up to WAIT_STEP_MS: it holds nothing of the caller's by then. */
	stop(): void {
		this.running = false;
		this.deadlines.clear();
		this.onExpire = () => undefined;
	}

	private async watch(): Promise<void> {
		while (this.running) {
			const now = Date.now();
			let next = Infinity;
			for (const [name, deadline] of this.deadlines) {
				if (deadline <= now) {
					this.running = false;
					this.expired = name;
					this.onExpire(name);
					return;
				}
				next = Math.min(next, deadline);
			}
			await this.sleep(Math.max(1, Math.min(next - now, WAIT_STEP_MS)));
		}
	}
}
