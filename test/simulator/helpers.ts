// Shared helpers for the simulator's own tests. They talk to it with Node's
// global fetch only (no dependency on our client, written in parallel).

export interface Credits {
	available: number;
	frozen: number;
	total: number;
}

export interface RequestRecord {
	seq: number;
	origin: 'api' | 'cdn';
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	json: any;
	bodyBytes: number;
	status: number | null;
	endpoint: string | null;
	startedAt: number;
	endedAt: number | null;
	aborted: boolean;
	faults: string[];
}

export interface MessageRecord {
	sessionId: string;
	text: string;
	userId: string;
	at: number;
	intent: string;
	silent: boolean;
	form: 'simple' | 'agent';
	cost: number;
}

export interface Sim {
	url: string;
	cdnUrl: string;
	dataDir: string;
	config: Record<string, any>;
	requests: RequestRecord[];
	messages: MessageRecord[];
	configure(patch: Record<string, unknown>): Record<string, any>;
	addFault(rule: Record<string, unknown>): any;
	clearFaults(): void;
	addToken(token: string, options?: { credits?: number; userId?: string }): { token: string; userId: string };
	expireToken(token: string): void;
	credits(token: string): Credits;
	session(sessionId: string): any;
	render(id: string): any;
	reset(): void;
	close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const simulator = require('../../simulator') as { startSimulator(options?: Record<string, unknown>): Promise<Sim> };

export const startSimulator = simulator.startSimulator;

export const ATTRIBUTION = {
	'X-Skill-Source': 'n8n-nodes-nemovideo',
	'X-Skill-Version': '0.1.0',
	'X-Skill-Platform': 'n8n',
};

export interface CallResult {
	status: number;
	text: string;
	body: any;
	headers: Headers;
}

export interface CallOptions {
	token?: string;
	json?: unknown;
	body?: any;
	headers?: Record<string, string>;
	attribution?: boolean;
}

export async function call(sim: Sim, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
	const headers: Record<string, string> = {};
	if (options.attribution !== false) Object.assign(headers, ATTRIBUTION);
	if (options.token) headers.Authorization = `Bearer ${options.token}`;
	let body = options.body;
	if (options.json !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = JSON.stringify(options.json);
	}
	Object.assign(headers, options.headers);
	const res = await fetch(sim.url + path, { method, headers, body });
	const text = await res.text();
	let parsed: any;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = undefined;
	}
	return { status: res.status, text, body: parsed, headers: res.headers };
}

let tokenCounter = 0;
export function newToken(sim: Sim, credits = 100): string {
	const token = `nmv_usr_test_${process.pid}_${++tokenCounter}_${Math.random().toString(36).slice(2)}`;
	sim.addToken(token, { credits });
	return token;
}

/** Creates a session and returns its id read from the raw JSON text (19 digits). */
export async function newSession(sim: Sim, token: string): Promise<string> {
	const r = await call(sim, 'POST', '/api/tasks/me/with-session/nemo_agent', { token, json: { task_name: 'project', language: 'en' } });
	const m = /"session_id"\s*:\s*(\d+)/.exec(r.text);
	if (r.status !== 200 || !m) throw new Error(`session create failed: ${r.status} ${r.text}`);
	return m[1];
}

export interface UploadFile {
	name: string;
	data: Buffer | string;
	field?: string;
}

export async function upload(sim: Sim, token: string, sid: string, files: UploadFile[]): Promise<CallResult> {
	const form = new FormData();
	for (const f of files) form.append(f.field || 'files', new Blob([typeof f.data === 'string' ? Buffer.from(f.data) : f.data]), f.name);
	return call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, { token, body: form });
}

export const FAKE_VIDEO = 'fake video bytes for the simulator';
export const FAKE_IMAGE = 'fake image bytes for the simulator';
export const FAKE_AUDIO = 'fake audio bytes for the simulator';

export interface SseFrame {
	id?: string;
	data?: string;
	comment?: string;
}

/** A small SSE frame parser (enough for our own test streams). */
export function parseSse(raw: string): SseFrame[] {
	const frames: SseFrame[] = [];
	for (const block of raw.split(/\r?\n\r?\n/)) {
		if (!block) continue;
		const frame: SseFrame = {};
		for (const line of block.split(/\r?\n/)) {
			if (line.startsWith(':')) frame.comment = line.slice(1).trim();
			else if (line.startsWith('id:')) frame.id = line.slice(3).trim();
			else if (line.startsWith('data:')) frame.data = (frame.data === undefined ? '' : frame.data + '\n') + line.slice(5).replace(/^ /, '');
		}
		frames.push(frame);
	}
	return frames;
}

/** Events that parse as JSON. */
export function jsonEvents(frames: SseFrame[]): any[] {
	const out: any[] = [];
	for (const f of frames) {
		if (!f.data) continue;
		try {
			out.push(JSON.parse(f.data));
		} catch {
			// not JSON: left to the test
		}
	}
	return out;
}

/** Final user-facing text of a stream in either form (agent partials replaced by the final event). */
export function streamText(events: any[]): string {
	const pieces: string[] = [];
	let partial = '';
	for (const e of events) {
		if (e.type === 'text') pieces.push(e.content);
		else if (e.content && Array.isArray(e.content.parts)) {
			const text = e.content.parts.map((p: any) => (typeof p.text === 'string' ? p.text : '')).join('');
			if (!text) continue;
			if (e.partial) partial += text;
			else {
				pieces.push(text);
				partial = '';
			}
		}
	}
	if (partial) pieces.push(partial);
	return pieces.join(' ');
}

export function toolEvents(events: any[]): any[] {
	return events.filter(
		(e) =>
			e.type === 'tool_call' ||
			e.type === 'tool_result' ||
			(e.content && e.content.parts && e.content.parts.some((p: any) => p.functionCall || p.functionResponse)),
	);
}

export interface StreamResult {
	status: number;
	contentType: string | null;
	raw: string;
	frames: SseFrame[];
	events: any[];
	error?: Error;
}

export function messageBody(sid: string, text: string) {
	return { app_name: 'nemo_agent', user_id: 'me', session_id: sid, new_message: { parts: [{ text }] } };
}

/** Sends one /run_sse message and reads the stream to its end (or its break). */
export async function sendMessage(sim: Sim, token: string, sid: string, text: string): Promise<StreamResult> {
	const res = await fetch(`${sim.url}/run_sse`, {
		method: 'POST',
		headers: { ...ATTRIBUTION, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
		body: JSON.stringify(messageBody(sid, text)),
	});
	const { text: raw, error } = await readAll(res);
	const frames = parseSse(raw);
	return { status: res.status, contentType: res.headers.get('content-type'), raw, frames, events: jsonEvents(frames), error };
}

/** Reads a body as text, keeping what arrived before an error (a dropped stream). */
export async function readAll(res: Response): Promise<{ text: string; error?: Error }> {
	const decoder = new TextDecoder();
	let text = '';
	const reader = res.body!.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			text += decoder.decode(value, { stream: true });
		}
	} catch (err) {
		return { text, error: err as Error };
	}
	return { text: text + decoder.decode() };
}

export async function state(sim: Sim, token: string, sid: string): Promise<any> {
	const r = await call(sim, 'GET', `/api/state/nemo_agent/me/${sid}/latest`, { token });
	if (r.status !== 200) throw new Error(`state failed: ${r.status} ${r.text}`);
	return r.body.data.state;
}

/** A session with a fake video and image (and audio) uploaded. */
export async function sessionWithMedia(sim: Sim, token: string, kinds: Array<'video' | 'image' | 'audio'> = ['video', 'image', 'audio']): Promise<string> {
	const sid = await newSession(sim, token);
	const names = { video: ['clip.mp4', FAKE_VIDEO], image: ['face.png', FAKE_IMAGE], audio: ['voice.mp3', FAKE_AUDIO] } as const;
	const r = await upload(
		sim,
		token,
		sid,
		kinds.map((k) => ({ name: names[k][0], data: names[k][1] })),
	);
	if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${r.text}`);
	return sid;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A streamed multipart body of `size` generated bytes (never held in memory). */
export function multipartStream(boundary: string, filename: string, size: number, chunkSize = 256 * 1024): ReadableStream<Uint8Array> {
	const head = Buffer.from(
		`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
	);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
	const block = Buffer.alloc(chunkSize, 0x11);
	let sent = 0;
	let stage = 0;
	return new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				if (stage === 0) {
					controller.enqueue(head);
					stage = 1;
					return;
				}
				if (stage === 1) {
					const n = Math.min(chunkSize, size - sent);
					if (n > 0) {
						controller.enqueue(block.subarray(0, n));
						sent += n;
						return;
					}
					stage = 2;
				}
				if (stage === 2) {
					controller.enqueue(tail);
					stage = 3;
					return;
				}
				controller.close();
			},
		},
		{ highWaterMark: 1 },
	);
}
