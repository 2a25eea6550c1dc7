import type { EventSourceMessage } from 'eventsource-parser';
import { createParser } from './vendor';
import { type AgentEvent, type AgentQuestion, MAX_TEXT_CHARS, RecentKeys, TextCollector, parseAgentEvents } from './agent-events';
import { Watchdog } from './abort';
import { cancelledError, formatDuration, NemoApiError } from './errors';
import { type Sleep, readChunks } from './http';
import type { StreamAnswer } from './transport';

/**
 * Reads the editing agent's event stream (`/run_sse`) to its end, with eventsource-parser:
 * collects the text for the user, counts tool activity, and enforces the documented limits
 * (15 min hard; 10 min of keep-alives only) and our own memory bounds (the text kept, the
 * ids remembered, the bytes one message may stream). It never sends anything: a dropped stream is
 * reported to the caller, which recovers by reading the session state, never by re-sending.
 */

export interface StreamLimits {
	/** The service's own hard limit for one message. */
	hardLimitMs: number;
	/** Only keep-alives for this long means the job is stuck. */
	heartbeatOnlyLimitMs: number;
	/** Time for the stream to open (its response headers) after the message went out. */
	openTimeoutMs: number;
	/** Bytes one event may buffer; beyond it the stream is not the agent talking. */
	maxEventBytes: number;
	/** Text kept for the user; a longer reply is cut, with a note. */
	maxTextChars: number;
	/** Bytes the whole stream may bring; past it the stream is closed and the outcome read from the session. */
	maxStreamBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
	hardLimitMs: 15 * 60_000,
	heartbeatOnlyLimitMs: 10 * 60_000,
	openTimeoutMs: 2 * 60_000,
	maxEventBytes: 16 * 1024 * 1024,
	maxTextChars: MAX_TEXT_CHARS,
	maxStreamBytes: 64 * 1024 * 1024,
};

export type StreamEnd = 'closed' | 'dropped' | 'timedOut';

export interface StreamOutcome {
	end: StreamEnd;
	text: string;
	toolCalls: number;
	heartbeats: number;
	events: number;
	/** An error the agent reported mid-stream. */
	agentError?: { message: string; code?: string };
	/** What the agent asked instead of acting (its last `ask_question`). */
	questions?: AgentQuestion[];
	/** Why the stream ended early, when it did. */
	problem?: NemoApiError;
}

export async function readAgentStream(
	answer: StreamAnswer,
	options: { limits: StreamLimits; sleep: Sleep; signal?: AbortSignal; onActivity?: (event: AgentEvent) => void },
): Promise<StreamOutcome> {
	const { limits, signal } = options;
	const collector = new TextCollector(limits.maxTextChars);
	const seenEventIds = new RecentKeys();
	const outcome: StreamOutcome = { end: 'closed', text: '', toolCalls: 0, heartbeats: 0, events: 0 };
	let timeout: NemoApiError | undefined;
	let oversized = false;
	let tooLong = false;
	/** The stream's last event was not whole JSON: if nothing follows it, the stream was cut. */
	let lastEventGarbled = false;

	// The service's limits, watched on n8n's sleep: when one passes, the exchange is closed.
	const watchdog = new Watchdog<'hard' | 'quiet'>(options.sleep, (limit) => {
		timeout =
			limit === 'hard'
				? new NemoApiError(`The edit ran longer than ${formatDuration(limits.hardLimitMs)} (the service's limit for one message).`, { kind: 'timeout', operation: 'the edit' })
				: new NemoApiError(`The edit sent only keep-alives for ${formatDuration(limits.heartbeatOnlyLimitMs)}: it looks stuck.`, { kind: 'timeout', operation: 'the edit' });
		answer.close();
	});
	watchdog.arm('hard', limits.hardLimitMs);
	const restartQuietTimer = () => watchdog.arm('quiet', limits.heartbeatOnlyLimitMs);
	restartQuietTimer();
	const onAbort = () => answer.close();
	signal?.addEventListener('abort', onAbort, { once: true });

	const handle = (message: EventSourceMessage) => {
		// A repeated SSE id is a duplicated event: count it once.
		if (message.id && seenEventIds.seen(message.id)) return;
		for (const event of parseAgentEvents(message.data)) {
			lastEventGarbled = event.kind === 'unknown' && event.garbled === true;
			outcome.events++;
			options.onActivity?.(event);
			switch (event.kind) {
				case 'heartbeat':
					outcome.heartbeats++;
					break;
				case 'text':
					collector.add(event);
					restartQuietTimer();
					break;
				case 'toolCall':
					outcome.toolCalls++;
					restartQuietTimer();
					break;
				case 'question':
					outcome.toolCalls++;
					outcome.questions = event.questions;
					restartQuietTimer();
					break;
				case 'toolResult':
					restartQuietTimer();
					break;
				case 'error':
					outcome.agentError = { message: event.message, code: event.code };
					break;
			}
		}
	};
	const parser = createParser({
		onEvent: handle,
		onError: (error) => {
			if (error.type === 'max-buffer-size-exceeded') {
				oversized = true;
				answer.close();
			}
		},
		maxBufferSize: limits.maxEventBytes,
	});

	const decoder = new TextDecoder('utf-8');
	try {
		let streamed = 0;
		let last = '';
		for await (const chunk of readChunks(answer.body, answer.signal, () => new Error('closed'))) {
			streamed += chunk.length;
			if (streamed > limits.maxStreamBytes) {
				tooLong = true;
				answer.close();
				break;
			}
			const text = decoder.decode(chunk, { stream: true });
			if (text) last = text;
			parser.feed(text);
		}
		const rest = decoder.decode();
		if (rest) last = rest;
		parser.feed(rest);
		// A bare CR may end a line (SSE allows it); the parser holds a trailing one, waiting for a
		// possible LF. The stream is over: complete it, or its last event is lost.
		if (last.endsWith('\r')) parser.feed('\n');
		// Whatever is left without its closing blank line is the last event.
		parser.reset({ consume: true });
		if (tooLong) {
			outcome.end = 'dropped';
			outcome.problem = new NemoApiError(
				`The editor's event stream passed ${Math.round(limits.maxStreamBytes / 1024 / 1024)} MB, the most one message may send; it was closed.`,
				{ kind: 'protocol', operation: 'the edit' },
			);
		} else if (lastEventGarbled) {
			outcome.end = 'dropped';
			outcome.problem = new NemoApiError('The event stream ended in the middle of an event.', { kind: 'network', operation: 'the edit' });
		}
	} catch (error) {
		if (signal?.aborted) throw cancelledError('the edit');
		if (timeout) {
			outcome.end = 'timedOut';
			outcome.problem = timeout;
		} else if (oversized) {
			outcome.end = 'dropped';
			outcome.problem = new NemoApiError(`An event in the stream was larger than ${Math.round(limits.maxEventBytes / 1024 / 1024)} MB; the stream was closed.`, { kind: 'protocol', operation: 'the edit' });
		} else {
			outcome.end = 'dropped';
			outcome.problem = new NemoApiError('The connection dropped while the edit was streaming.', { kind: 'network', operation: 'the edit', cause: error });
		}
	} finally {
		watchdog.stop();
		signal?.removeEventListener('abort', onAbort);
	}
	if (signal?.aborted) throw cancelledError('the edit');
	outcome.text = collector.text();
	return outcome;
}
