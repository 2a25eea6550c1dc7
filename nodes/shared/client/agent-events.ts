import { asArray, asRecord, asString } from './values';

/**
 * The editing agent's stream events, in either documented form, as one small union.
 *   simple:          {"type":"text","content":"…"} / tool_call / tool_result / heartbeat
 *   agent framework: {"content":{"parts":[{"text"}|{"functionCall"}|{"functionResponse"}],"role":"model"},
 *                     "author","partial","turnComplete","id","timestamp"}
 *   errors:          {"error":"…"} or {"errorCode":…,"errorMessage":"…"}
 * Tool calls and results are internal: only their names are kept, never their payloads.
 */

export type AgentEvent =
	| { kind: 'text'; text: string; partial: boolean; id?: string }
	| { kind: 'toolCall'; name: string; id?: string }
	| { kind: 'toolResult'; name: string; id?: string }
	| { kind: 'heartbeat' }
	| { kind: 'error'; message: string; code?: string }
	/** `garbled`: the payload was not valid JSON (e.g. an event cut off mid-way). */
	| { kind: 'unknown'; garbled?: boolean };

/** Turns one SSE `data:` payload into zero or more events. Empty data is a keep-alive. */
export function parseAgentEvents(data: string): AgentEvent[] {
	if (data.trim() === '') return [{ kind: 'heartbeat' }];
	let payload: unknown;
	try {
		payload = JSON.parse(data);
	} catch {
		// A truncated or garbled event: nothing a user should see; the stream's end decides.
		return [{ kind: 'unknown', garbled: true }];
	}
	const event = asRecord(payload);
	const id = asString(event.id);

	const errorText = asString(event.error) ?? asString(event.errorMessage) ?? asString(asRecord(event.error).message);
	if (errorText !== undefined || event.errorCode !== undefined) {
		return [{ kind: 'error', message: errorText ?? 'unknown error', code: asString(event.errorCode) }];
	}

	switch (event.type) {
		case 'text':
			return [{ kind: 'text', text: asString(event.content) ?? asString(event.text) ?? '', partial: event.partial === true, id }];
		case 'tool_call':
			return [{ kind: 'toolCall', name: asString(event.name) ?? 'tool', id }];
		case 'tool_result':
			return [{ kind: 'toolResult', name: asString(event.name) ?? 'tool', id }];
		case 'heartbeat':
		case 'ping':
		case 'keepalive':
			return [{ kind: 'heartbeat' }];
	}

	const content = asRecord(event.content);
	const parts = asArray(content.parts);
	if (parts.length > 0) {
		const partial = event.partial === true;
		return parts.map((rawPart): AgentEvent => {
			const part = asRecord(rawPart);
			if (typeof part.text === 'string') {
				// A model's internal reasoning is not for the user.
				if (part.thought === true) return { kind: 'unknown' };
				return { kind: 'text', text: part.text, partial, id };
			}
			if (part.functionCall) return { kind: 'toolCall', name: asString(asRecord(part.functionCall).name) ?? 'tool', id };
			if (part.functionResponse) return { kind: 'toolResult', name: asString(asRecord(part.functionResponse).name) ?? 'tool', id };
			return { kind: 'unknown' };
		});
	}
	if (typeof event.content === 'string' && event.type === undefined) {
		return [{ kind: 'text', text: event.content, partial: event.partial === true, id }];
	}
	return [{ kind: 'unknown' }];
}

/**
 * Collects the user-facing text of a stream. Agent frameworks stream partial chunks and then
 * repeat the whole text in a final event; duplicated events repeat an id. Both would otherwise
 * show the user the same words twice.
 */
export class TextCollector {
	private readonly finished: string[] = [];
	private pending = '';
	private readonly seenIds = new Set<string>();

	add(event: Extract<AgentEvent, { kind: 'text' }>): void {
		if (event.id) {
			const key = `${event.partial ? 'p' : 'f'}:${event.id}:${event.text}`;
			if (this.seenIds.has(key)) return;
			this.seenIds.add(key);
		}
		if (event.partial) {
			this.pending += event.text;
			return;
		}
		if (this.pending && (event.text.includes(this.pending) || this.pending.includes(event.text))) {
			this.finished.push(event.text.length >= this.pending.length ? event.text : this.pending);
		} else {
			if (this.pending) this.finished.push(this.pending);
			this.finished.push(event.text);
		}
		this.pending = '';
	}

	text(): string {
		const all = this.pending ? [...this.finished, this.pending] : this.finished;
		return all.map((part) => part.trim()).filter(Boolean).join('\n');
	}
}
