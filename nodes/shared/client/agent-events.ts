import { createHash } from 'node:crypto';
import { asArray, asRecord, asString } from './values';

/**
 * The editing agent's stream events, in either documented form, as one small union.
 *   simple:          {"type":"text","content":"…"} / tool_call / tool_result / heartbeat
 *   agent framework: {"content":{"parts":[{"text"}|{"functionCall"}|{"functionResponse"}],"role":"model"},
 *                     "author","partial","turnComplete","id","timestamp"}
 *   errors:          {"error":"…"} or {"errorCode":…,"errorMessage":"…"}
 * Tool calls and results are internal: only their names are kept, never their payloads; the one
 * exception is `ask_question`, whose questions are for the user.
 */

export type AgentEvent =
	| { kind: 'text'; text: string; partial: boolean; id?: string }
	| { kind: 'toolCall'; name: string; id?: string }
	/** The agent asks instead of acting (its `ask_question` tool): the questions, for the user. */
	| { kind: 'question'; questions: AgentQuestion[]; id?: string }
	| { kind: 'toolResult'; name: string; id?: string }
	| { kind: 'heartbeat' }
	| { kind: 'error'; message: string; code?: string }
	/** `garbled`: the payload was not valid JSON (e.g. an event cut off mid-way). */
	| { kind: 'unknown'; garbled?: boolean };

export interface AgentQuestion {
	prompt: string;
	options: string[];
	allowMultiple: boolean;
}

/** The tool through which the agent asks the user (NemoVideo's CLI and MCP skill). */
const ASK_TOOL = 'ask_question';

/**
 * A tool call's event: `ask_question` carries the questions the user must answer (the one tool
 * call whose arguments are for the user); any other keeps only its name.
 */
function toolCallEvent(name: string | undefined, args: unknown, id: string | undefined): AgentEvent {
	if (name !== ASK_TOOL) return { kind: 'toolCall', name: name ?? 'tool', id };
	const raw = asRecord(args);
	const listed = asArray(raw.questions);
	const questions = (listed.length > 0 ? listed : [raw]).slice(0, 5).map((entry): AgentQuestion => {
		const question = asRecord(entry);
		return {
			prompt: (asString(question.prompt) ?? asString(question.question) ?? asString(question.text) ?? '').slice(0, 500),
			options: asArray(question.options)
				.slice(0, 20)
				.map((option) => (typeof option === 'string' ? option : asString(asRecord(option).label) ?? asString(asRecord(option).id) ?? ''))
				.filter((label) => label !== '')
				.map((label) => label.slice(0, 200)),
			allowMultiple: question.allow_multiple === true || question.allowMultiple === true,
		};
	});
	return { kind: 'question', questions: questions.filter((question) => question.prompt !== '' || question.options.length > 0), id };
}

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

	// An agent-framework event carries `"errorCode": null` or an empty `"error"` when all is well
	// (a final "Done" event among them): only a real code or words make it an error.
	const errorText = [asString(event.error), asString(event.errorMessage), asString(asRecord(event.error).message)].find((text) => text !== undefined && text.trim() !== '');
	const errorCode = event.errorCode === null || event.errorCode === undefined || event.errorCode === '' ? undefined : String(event.errorCode);
	if (errorText !== undefined || errorCode !== undefined) {
		return [{ kind: 'error', message: errorText ?? 'unknown error', code: errorCode }];
	}

	switch (event.type) {
		case 'text':
			return [{ kind: 'text', text: asString(event.content) ?? asString(event.text) ?? '', partial: event.partial === true, id }];
		case 'tool_call':
			return [toolCallEvent(asString(event.name), event.args ?? event.arguments, id)];
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
			if (part.functionCall) return toolCallEvent(asString(asRecord(part.functionCall).name), asRecord(part.functionCall).args, id);
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
 * The ids (or other keys) seen lately, to drop repeated events: kept as short hashes, and only
 * the last `capacity` of them, so a stream of fresh ids (or of big texts used as keys) cannot
 * grow our memory. Repeats come close together; an id older than that is a new event.
 */
export class RecentKeys {
	private readonly keys = new Set<string>();

	constructor(private readonly capacity = 10_000) {}

	/** True when `key` was seen lately; remembers it either way. */
	seen(key: string): boolean {
		const hash = createHash('sha1').update(key).digest('base64');
		if (this.keys.has(hash)) return true;
		this.keys.add(hash);
		if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
		return false;
	}
}

/** The most text kept from one message's stream (UTF-16 code units, ~ characters). */
export const MAX_TEXT_CHARS = 256 * 1024;

/**
 * Collects the user-facing text of a stream. Agent frameworks stream partial chunks and then
 * repeat the whole text in a final event; duplicated events repeat an id. Both would otherwise
 * show the user the same words twice. At most `maxChars` are kept: the rest of a longer reply is
 * left out, and the text says so.
 */
export class TextCollector {
	private readonly finished: string[] = [];
	private finishedChars = 0;
	private pending = '';
	private readonly seenIds = new RecentKeys();
	private truncated = false;

	constructor(private readonly maxChars = MAX_TEXT_CHARS) {}

	add(event: Extract<AgentEvent, { kind: 'text' }>): void {
		if (event.id && this.seenIds.seen(`${event.partial ? 'p' : 'f'}:${event.id}:${event.text}`)) return;
		if (event.partial) {
			this.pending += this.fit(event.text, this.finishedChars + this.pending.length);
			return;
		}
		if (this.pending && (event.text.includes(this.pending) || this.pending.includes(event.text))) {
			this.finish(event.text.length >= this.pending.length ? event.text : this.pending);
		} else {
			if (this.pending) this.finish(this.pending);
			this.finish(event.text);
		}
		this.pending = '';
	}

	text(): string {
		const all = this.pending ? [...this.finished, this.pending] : this.finished;
		const text = all.map((part) => part.trim()).filter(Boolean).join('\n');
		return this.truncated ? `${text}\n(The editor's reply was longer than ${Math.round(this.maxChars / 1024)} KB; the rest was left out.)` : text;
	}

	private finish(text: string): void {
		const kept = this.fit(text, this.finishedChars);
		if (kept === '') return;
		this.finished.push(kept);
		this.finishedChars += kept.length;
	}

	/** As much of `text` as fits after `used` characters. */
	private fit(text: string, used: number): string {
		const room = Math.max(0, this.maxChars - used);
		if (text.length <= room) return text;
		this.truncated = true;
		return text.slice(0, room);
	}
}
