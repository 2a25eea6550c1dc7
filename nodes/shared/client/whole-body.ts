import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header';

/**
 * Lets an answer framed by Content-Length finish although its reader is slow and the other side
 * closes the connection straight after the last byte, as tinyproxy does once it has relayed an
 * answer (without Connection: close), and as some servers and CDNs do.
 *
 * Why: undici pauses its parser whenever the body stream is full (backpressure). Paused on the
 * body's very last bytes, the parser has not yet completed the message; the close then arrives
 * with nothing left to read, and undici 7 (client-h1.js, onHttpSocketEnd) fails the request with
 * "other side closed" although every byte was received. So the chunk that completes the body
 * is never allowed to pause the parser: the message completes at once, and at most that one
 * chunk (one socket read) sits in the body stream beyond its high-water mark. Every earlier chunk
 * still pauses as usual, so memory stays flat however large the file.
 */
export const finishWholeBodies: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) =>
	dispatch(options, new FinishWholeBodyHandler(handler as Dispatcher.DispatchHandler));

class FinishWholeBodyHandler implements Dispatcher.DispatchHandler {
	private expectedBytes?: number;
	private receivedBytes = 0;

	constructor(private readonly inner: Dispatcher.DispatchHandler) {}

	onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
		this.inner.onRequestStart?.(controller, context);
	}

	onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
		this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
	}

	onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
		const length = Number(headers['content-length']);
		this.expectedBytes = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
		this.receivedBytes = 0;
		this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
	}

	onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
		this.receivedBytes += chunk.length;
		const completesBody = this.expectedBytes !== undefined && this.receivedBytes >= this.expectedBytes;
		this.inner.onResponseData?.(completesBody ? withoutPause(controller) : controller, chunk);
	}

	onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
		this.inner.onResponseEnd?.(controller, trailers);
	}

	onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
		this.inner.onResponseError?.(controller, error);
	}
}

function withoutPause(controller: Dispatcher.DispatchController): Dispatcher.DispatchController {
	return {
		get aborted() {
			return controller.aborted;
		},
		get paused() {
			return controller.paused;
		},
		get reason() {
			return controller.reason;
		},
		rawHeaders: controller.rawHeaders,
		rawTrailers: controller.rawTrailers,
		abort: (reason) => controller.abort(reason),
		pause: () => undefined,
		resume: () => controller.resume(),
	};
}
