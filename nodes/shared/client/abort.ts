import { cancelledError } from './errors';

/** Waits `ms`, or rejects with a `cancelled` error as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal, operation?: string): Promise<void> {
	if (signal?.aborted) return Promise.reject(cancelledError(operation));
	if (ms <= 0) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const onAbort = () => {
			clearTimeout(timer);
			reject(cancelledError(operation));
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

export function throwIfAborted(signal: AbortSignal | undefined, operation?: string): void {
	if (signal?.aborted) throw cancelledError(operation);
}

/**
 * One signal that fires when any of the given ones fires; with `timeoutMs`, also after that
 * long. `dispose` removes the listeners (signals of a long n8n execution outlive our calls).
 */
export function combineSignals(
	signals: Array<AbortSignal | undefined>,
	timeoutMs?: number,
): { signal: AbortSignal; dispose: () => void; timedOut: () => boolean } {
	const controller = new AbortController();
	let didTimeOut = false;
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
	if (timeoutMs !== undefined && timeoutMs > 0 && timeoutMs < Infinity) {
		const timer = setTimeout(() => {
			didTimeOut = true;
			controller.abort(new Error('timeout'));
		}, timeoutMs);
		cleanups.push(() => clearTimeout(timer));
	}
	return {
		signal: controller.signal,
		dispose: () => cleanups.forEach((cleanup) => cleanup()),
		timedOut: () => didTimeOut,
	};
}
