/**
 * The token-leak sink. Everything our nodes and client emit during the test run (node outputs,
 * error items, thrown errors, console output) and every token in use (configured tokens, and
 * every token the simulators issued or received) is appended here, one JSON line at a time, to
 * a file per jest worker. global-teardown.ts reads all of them at the end of `npm test` and
 * fails the run if any token appears in anything emitted.
 *
 * The run helpers feed it with one line each (test/nodes/support.ts `runNodes`,
 * test/client/helpers.ts `clientFor`); setup-after-env.ts adds console output and the tokens of
 * every simulator. Outside a jest run with the global setup (no NEMO_LEAK_SINK_DIR) it does nothing.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';

export const SINK_DIR_ENV = 'NEMO_LEAK_SINK_DIR';

/** One line of a sink file. `token` lines are what to look for; the rest is where. */
export type SinkRecord = { kind: 'token'; token: string } | { kind: 'emitted'; source: string; file: string; text: string };

function sinkFile(): string | undefined {
	const dir = process.env[SINK_DIR_ENV];
	if (!dir) return undefined;
	return path.join(dir, `worker-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}.jsonl`);
}

function currentTestFile(): string {
	const state = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect?.getState?.();
	return state?.testPath ? path.relative(process.cwd(), state.testPath) : 'unknown';
}

function append(record: SinkRecord): void {
	const file = sinkFile();
	if (!file) return;
	try {
		appendFileSync(file, `${JSON.stringify(record)}\n`);
	} catch {
		// The sink must never make a test fail by itself.
	}
}

const recordedTokens = new Set<string>();

export const RUN_SOURCE = 'node run (IRun: items, error items, errors)';

/** A token in use: the final scan looks for it everywhere. */
export function recordToken(token: unknown): void {
	if (typeof token !== 'string') return;
	for (const candidate of new Set([token, token.trim()])) {
		// Very short strings would match ordinary words; tokens are long.
		if (candidate.length < 8 || recordedTokens.has(candidate)) continue;
		recordedTokens.add(candidate);
		append({ kind: 'token', token: candidate });
	}
}

/** Something the nodes or the client emitted (an output, an error, a log line). */
export function recordEmitted(source: string, value: unknown): void {
	if (!sinkFile()) return;
	append({ kind: 'emitted', source, file: currentTestFile(), text: serialise(value) });
}

/** The hook of test/harness/run-workflow.ts: a workflow run's whole IRun (every item, every error). */
export function recordRun<T extends { run: unknown }>(result: T, options: { nemoCredential: boolean }): T {
	recordEmitted(options.nemoCredential ? RUN_SOURCE : `${RUN_SOURCE}, without a Nemo credential`, result.run);
	return result;
}

/** Records the token of a credential or client options object. */
export function recordCredentialTokens(options: { accessToken?: unknown } | undefined): void {
	if (options?.accessToken !== undefined) recordToken(options.accessToken);
}

/**
 * The hook of test/client/helpers.ts: the client, with every method's result and error recorded.
 * Streams and buffers are not content we emit as text (an MP4), so they are skipped.
 */
export function watchClient<T extends object>(client: T, options?: { accessToken?: unknown }): T {
	recordCredentialTokens(options);
	return new Proxy(client, {
		get(target, property, receiver) {
			const value = Reflect.get(target, property, receiver) as unknown;
			if (typeof value !== 'function' || property === 'constructor') return value;
			return (...args: unknown[]) => {
				let result: unknown;
				try {
					result = (value as (...a: unknown[]) => unknown).apply(target, args);
				} catch (error) {
					recordEmitted(`client.${String(property)} threw`, error);
					throw error;
				}
				if (result instanceof Promise) {
					result.then(
						(resolved) => recordEmitted(`client.${String(property)} result`, resolved),
						(error: unknown) => recordEmitted(`client.${String(property)} error`, error),
					);
				} else {
					recordEmitted(`client.${String(property)} result`, result);
				}
				return result;
			};
		},
	});
}

/**
 * JSON of anything, errors included with every own property (message, stack, description,
 * cause, context, …), cycles cut, binary contents and streams left out.
 */
export function serialise(value: unknown): string {
	const seen = new WeakSet<object>();
	const walk = (item: unknown, depth: number): unknown => {
		if (item === null || item === undefined) return item;
		if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return item;
		if (typeof item === 'bigint') return item.toString();
		if (typeof item === 'function' || typeof item === 'symbol') return undefined;
		if (depth > 40) return '[deep]';
		const object = item as object;
		if (seen.has(object)) return '[cycle]';
		seen.add(object);
		if (Buffer.isBuffer(object) || ArrayBuffer.isView(object)) return '[bytes]';
		if (typeof (object as { pipe?: unknown }).pipe === 'function') return '[stream]';
		if (object instanceof Date) return object.toISOString();
		if (Array.isArray(object)) return object.map((entry) => walk(entry, depth + 1));
		const out: Record<string, unknown> = {};
		const keys = object instanceof Error ? Object.getOwnPropertyNames(object).concat(['name', 'message', 'stack', 'cause']) : Object.keys(object);
		const isBinary = 'mimeType' in object && typeof (object as { data?: unknown }).data === 'string';
		for (const key of new Set(keys)) {
			// n8n binary data (base64 file contents) is media, not text we emit.
			if (isBinary && key === 'data') continue;
			let child: unknown;
			try {
				child = (object as Record<string, unknown>)[key];
			} catch {
				continue;
			}
			out[key] = walk(child, depth + 1);
		}
		return out;
	};
	try {
		return JSON.stringify(walk(value, 0)) ?? String(value);
	} catch (error) {
		return `[unserialisable: ${String(error)}]`;
	}
}
