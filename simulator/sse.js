// @ts-check
/**
 * POST /run_sse: one user message, answered as a text/event-stream that stays
 * open for sseDurationMs (generateDurationMs for "generate" messages) and then
 * simply closes: there is no "done" event.
 *
 * Validation happens before the stream starts (unknown session 1002, no
 * credits 2001, as JSON). Once accepted, the message is recorded once, its cost
 * is frozen, and a timed script runs on the server independently of the
 * connection: the edit is applied at the tool_result point and the credits are
 * deducted at the end even if the client went away (as with a real backend, so
 * a client must never re-send after a dropped stream).
 *
 * Keep-alives every heartbeatIntervalMs cycle through {"type":"heartbeat"},
 * empty "data:" lines and ": ping" comments. Content events come in the simple
 * form ({"type":"text"|"tool_call"|"tool_result"}) or the agent-framework form
 * ({"content":{"parts":[...]},"author","partial",...}); text in the agent form
 * may arrive as partial chunks followed by the whole text once more.
 */
const { ApiError } = require('./errors');
const { readJson } = require('./http-io');
const { planMessage } = require('./intent');
const { createRng, randInt } = require('./rng');
const { randomAlphanumeric, uuid } = require('./ids');

/** Keep-alive pattern: what each successive heartbeat tick writes. */
const HEARTBEAT_CYCLE = /** @type {const} */ (['json', 'empty', 'comment', 'json', 'empty']);

/**
 * @typedef {object} Step
 * @property {number} at ms after the stream started
 * @property {() => void} run
 * @property {boolean} [event] writes a regular event through emit() (candidates for truncateEvent)
 */

/** Writes SSE frames to one response, counting events for cutAfterEvents. */
class EventWriter {
	/**
	 * @param {import('./http-io').Ctx} ctx
	 */
	constructor(ctx) {
		this.res = ctx.res;
		this.cutAfter = typeof ctx.fault.cutAfterEvents === 'number' ? ctx.fault.cutAfterEvents : Infinity;
		this.duplicate = !!ctx.fault.duplicateEvents;
		this.events = 0;
		this.open = true;
		this.res.on('close', () => {
			this.open = false;
		});
	}

	/**
	 * @param {string | Buffer} data the data line's payload (no "data: " prefix)
	 * @param {{ id?: string, truncate?: boolean, isText?: boolean }} [opts]
	 */
	event(data, opts = {}) {
		if (!this.open) return;
		const payload = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
		const idLine = opts.id ? `id: ${opts.id}\n` : '';
		if (opts.truncate) {
			// the last event cut in the middle of its JSON, then the stream closes
			this.res.write(Buffer.concat([Buffer.from(`${idLine}data: `), payload.subarray(0, Math.max(1, Math.floor(payload.length / 2)))]));
			this.events++;
			this.res.end();
			this.open = false;
			return;
		}
		const frame = Buffer.concat([Buffer.from(`${idLine}data: `), payload, Buffer.from('\n\n')]);
		const copies = this.duplicate && opts.isText ? 2 : 1;
		for (let i = 0; i < copies && this.open; i++) {
			this.res.write(frame);
			this.events++;
			this.checkCut();
		}
	}

	emptyData() {
		if (!this.open) return;
		this.res.write('data:\n\n');
		this.events++;
		this.checkCut();
	}

	/** @param {string} text */
	comment(text) {
		if (this.open) this.res.write(`: ${text}\n\n`);
	}

	checkCut() {
		if (this.events >= this.cutAfter && this.open) {
			// a dropped stream: no end chunk, just a dead socket
			this.open = false;
			this.res.socket?.destroy();
		}
	}

	end() {
		if (this.open) {
			this.open = false;
			this.res.end();
		}
	}
}

/**
 * Serialises events in the chosen form.
 * @param {'simple' | 'agent'} form
 * @param {string} invocationId
 */
function eventFactory(form, invocationId) {
	/** @param {{ parts: object[], role?: string }} content @param {boolean} [partial] */
	const agent = (content, partial = false) => {
		const id = uuid().slice(0, 8);
		return {
			id,
			json: JSON.stringify({
				content: { parts: content.parts, role: content.role || 'model' },
				author: 'nemo_agent',
				partial,
				turnComplete: false,
				invocationId,
				id,
				timestamp: Date.now() / 1000,
			}),
		};
	};
	const plainId = () => randomAlphanumeric(8);
	return {
		/** @param {string} text @param {boolean} [partial] */
		text(text, partial = false) {
			return form === 'agent' ? agent({ parts: [{ text }] }, partial) : { id: plainId(), json: JSON.stringify({ type: 'text', content: text }) };
		},
		/** @param {string} callId @param {string} name @param {Record<string, any>} args */
		toolCall(callId, name, args) {
			return form === 'agent'
				? agent({ parts: [{ functionCall: { id: callId, name, args } }] })
				: { id: plainId(), json: JSON.stringify({ type: 'tool_call', name, args }) };
		},
		/** @param {string} callId @param {string} name @param {Record<string, any>} result */
		toolResult(callId, name, result) {
			return form === 'agent'
				? agent({ parts: [{ functionResponse: { id: callId, name, response: result } }], role: 'user' })
				: { id: plainId(), json: JSON.stringify({ type: 'tool_result', name, result }) };
		},
		/** One event line of exactly `bytes` bytes (payload + "data: " + "\n\n"). @param {number} bytes */
		huge(bytes) {
			const head =
				form === 'agent'
					? `{"content":{"parts":[{"functionResponse":{"name":"analyze_video","response":{"frames":"`
					: `{"type":"tool_result","name":"analyze_video","result":{"frames":"`;
			const tail = form === 'agent' ? `"}}}],"role":"user"},"author":"nemo_agent","partial":false}` : `"}}`;
			const fill = Math.max(0, bytes - 8 - head.length - tail.length);
			const buf = Buffer.alloc(head.length + fill + tail.length, 0x41);
			buf.write(head, 0, 'latin1');
			buf.write(tail, head.length + fill, 'latin1');
			return buf;
		},
		invalidUtf8() {
			const [before, after] =
				form === 'agent'
					? ['{"content":{"parts":[{"text":"Preview ready ', ' (see the preview panel)"}],"role":"model"},"author":"nemo_agent","partial":false}']
					: ['{"type":"text","content":"Preview ready ', ' (see the preview panel)"}'];
			return Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from(after)]);
		},
	};
}

/**
 * Splits a text into `count` chunks at spaces (agent-form partial text).
 * @param {string} text
 * @param {number} count
 */
function chunkText(text, count) {
	if (count <= 1) return [text];
	const words = text.split(/(?<= )/);
	const per = Math.ceil(words.length / count);
	const chunks = [];
	for (let i = 0; i < words.length; i += per) chunks.push(words.slice(i, i + per).join(''));
	return chunks;
}

/** POST /run_sse @param {import('./http-io').Ctx} ctx */
async function handleRunSse(ctx) {
	const { sim } = ctx;
	const user = sim.accounts.authenticate(ctx.req);
	const body = await readJson(ctx);
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		throw new ApiError(400, 'Body must be {"app_name":"nemo_agent","user_id":"me","session_id":"...","new_message":{"parts":[{"text":"..."}]}}');
	}
	if (body.app_name !== undefined && body.app_name !== 'nemo_agent') {
		throw new ApiError(400, `Unknown app_name ${JSON.stringify(body.app_name)}: use "nemo_agent"`);
	}
	if (body.session_id === undefined) throw new ApiError(400, 'session_id is required (snake_case)');
	const session = sim.sessions.get(user.userId, body.session_id);
	const parts = body.new_message && Array.isArray(body.new_message.parts) ? body.new_message.parts : null;
	if (!parts) throw new ApiError(400, 'new_message.parts must be an array of {"text": "..."}');
	const text = parts
		.map((/** @type {any} */ p) => (p && typeof p.text === 'string' ? p.text : ''))
		.join('\n')
		.trim();
	if (!text) throw new ApiError(400, 'new_message has no text');

	const plan = planMessage(text, session, sim.config);
	const balance = sim.accounts.balance(user);
	if (balance.available < plan.cost) {
		throw new ApiError(
			2001,
			`Insufficient credits: this message needs ${plan.cost} credits and ${balance.available} are available.` +
				(user.anonymous ? ` Register to get more: https://nemovideo.ai/register?bind=${user.userId}` : ' Top up to continue.'),
		);
	}
	// Exactly three draws per accepted message keep the sequence reproducible
	// whatever the config says.
	const formRoll = sim.rng();
	const silentRoll = sim.rng();
	const subRng = createRng(Math.floor(sim.rng() * 0xffffffff));
	const form = sim.config.eventForm === 'mixed' ? (formRoll < 0.5 ? 'simple' : 'agent') : sim.config.eventForm;
	const silent = plan.edit && silentRoll < sim.config.silentRate;

	sim.accounts.freeze(user, plan.cost);
	session.messageCount++;
	sim.recorder.addMessage({
		sessionId: session.sessionId,
		text,
		userId: user.userId,
		at: Date.now(),
		intent: plan.kind,
		silent,
		form,
		cost: plan.cost,
	});
	runStream(ctx, { plan, form, silent, subRng, user });
}

/**
 * @param {import('./http-io').Ctx} ctx
 * @param {{ plan: import('./intent').Plan, form: 'simple' | 'agent', silent: boolean, subRng: () => number, user: import('./accounts').User }} job
 */
function runStream(ctx, { plan, form, silent, subRng, user }) {
	const { sim, res, fault } = ctx;
	const config = sim.config;
	const lifecycle = sim.lifecycle;
	ctx.record.status = 200;
	res.writeHead(200, {
		'Content-Type': 'text/event-stream; charset=utf-8',
		'Cache-Control': 'no-cache',
		Connection: 'keep-alive',
		'X-Accel-Buffering': 'no',
	});
	res.flushHeaders();
	const out = new EventWriter(ctx);
	out.checkCut(); // cutAfterEvents: 0 drops the stream right after the headers

	const make = eventFactory(form, `e-${uuid()}`);
	const D = plan.generate && config.generateDurationMs !== null ? config.generateDurationMs : config.sseDurationMs;
	const pre = typeof fault.heartbeatsOnlyMs === 'number' ? fault.heartbeatsOnlyMs : 0;
	const stall = typeof fault.stallBodyMs === 'number' ? fault.stallBodyMs : 0;
	const stallAt = pre + 0.5 * D;
	const at = (/** @type {number} */ fraction) => {
		const t = pre + fraction * D;
		return t >= stallAt && stall > 0 ? t + stall : t;
	};
	let done = false;
	const callId = `call_${randomAlphanumeric(12)}`;

	/** @type {Step[]} */
	const steps = [];
	/** @param {number} t @param {string} textValue */
	const addText = (t, textValue) => {
		if (form === 'agent') {
			const chunks = chunkText(textValue, randInt(subRng, 1, 3));
			if (chunks.length === 1) {
				steps.push({ at: t, event: true, run: () => emit(make.text(textValue), true) });
				return;
			}
			const gap = Math.min(10, 0.02 * D);
			chunks.forEach((chunk, i) => steps.push({ at: t + i * gap, event: true, run: () => emit(make.text(chunk, true), true) }));
			if (config.agentFinalText) steps.push({ at: t + chunks.length * gap, event: true, run: () => emit(make.text(textValue), true) });
		} else {
			steps.push({ at: t, event: true, run: () => emit(make.text(textValue), true) });
		}
	};
	/** @type {Step | null} */
	let truncateTarget = null;
	/**
	 * @param {{ id: string, json: string }} ev
	 * @param {boolean} [isText]
	 */
	function emit(ev, isText = false) {
		const step = current;
		out.event(ev.json, { id: ev.id, isText, truncate: !!(step && step === truncateTarget) });
		if (step && step === truncateTarget) finish(true);
	}
	/** @type {Step | null} */
	let current = null;

	if (fault.unknownEventType) {
		steps.push({
			at: at(0.02),
			run: () => out.event(JSON.stringify({ type: 'agent_status', status: 'thinking', detail: { step: 'analyzing_request' } })),
		});
	}
	// askQuestion: the agent asks instead of acting (the newest MCP skill's "awaiting input"): its
	// last tool call is ask_question, with the questions in its arguments; nothing is edited.
	if (fault.askQuestion) {
		const asked =
			typeof fault.askQuestion === 'object'
				? fault.askQuestion
				: {
						questions: [
							{
								id: 'q1',
								prompt: 'There are two faces in the video. Which one should I replace?',
								options: [
									{ id: 'left', label: 'The person on the left' },
									{ id: 'right', label: 'The person on the right' },
								],
								allow_multiple: false,
							},
						],
					};
		steps.push({ at: at(0.3), event: true, run: () => emit(make.toolCall(callId, 'ask_question', asked)) });
	}
	// noEdit: the agent does nothing at all (no word, no tool, no change) and the stream closes normally.
	if (plan.edit && plan.tool && !fault.noEdit && !fault.askQuestion) {
		const tool = plan.tool;
		if (!silent && plan.intro) addText(at(0.05), plan.intro);
		steps.push({ at: at(0.3), event: true, run: () => emit(make.toolCall(callId, tool.name, tool.args)) });
		steps.push({
			at: at(0.6),
			event: true,
			run: () => {
				const result = plan.apply();
				emit(make.toolResult(callId, tool.name, result));
			},
		});
	}
	if (fault.malformedJson) {
		steps.push({ at: at(0.4), run: () => out.event('{"type":"text","content":"unterminated') });
	}
	if (fault.hugeEventBytes) {
		const bytes = fault.hugeEventBytes;
		steps.push({ at: at(0.45), run: () => out.event(make.huge(bytes)) });
	}
	if (fault.errorEvent) {
		const payload = fault.errorEvent;
		steps.push({
			at: at(0.5),
			run: () => {
				out.event(JSON.stringify(payload));
				finish(false);
			},
		});
	}
	if (fault.trailingErrorEvent) {
		// The newest skill: a trailing "I encountered a temporary issue" after normal replies is backend
		// noise; the edit before it was applied and is charged.
		const payload = fault.trailingErrorEvent;
		steps.push({ at: at(0.95), run: () => out.event(JSON.stringify(payload)) });
	}
	if (fault.invalidUtf8) steps.push({ at: at(0.7), run: () => out.event(make.invalidUtf8(), { isText: true }) });
	if ((!plan.edit || !silent) && !fault.noEdit && !fault.askQuestion) addText(at(0.85), plan.reply);

	steps.sort((a, b) => a.at - b.at);
	if (fault.truncateEvent) {
		for (let i = steps.length - 1; i >= 0; i--) {
			if (steps[i].event) {
				truncateTarget = steps[i];
				break;
			}
		}
	}
	const endAt = pre + D + stall;

	// heartbeats, silent during a stallBodyMs pause
	let beat = 0;
	const interval = lifecycle.setInterval(() => {
		if (done || !out.open) return;
		const elapsed = Date.now() - startedAt;
		if (stall > 0 && elapsed >= stallAt && elapsed < stallAt + stall) return;
		const kind = HEARTBEAT_CYCLE[beat++ % HEARTBEAT_CYCLE.length];
		if (kind === 'json') out.event('{"type":"heartbeat"}');
		else if (kind === 'empty') out.emptyData();
		else out.comment('ping');
	}, config.heartbeatIntervalMs);
	const startedAt = Date.now();

	/** @param {boolean} success */
	function finish(success) {
		if (done) return;
		done = true;
		lifecycle.clearInterval(interval);
		lifecycle.clearTimeout(timer);
		// a run that reached its end is charged; one that errored gives the credits back
		if (success) sim.accounts.settle(user, plan.cost);
		else sim.accounts.release(user, plan.cost);
		out.end();
	}

	// The script runs on one timer at a time, in order, the end last. Not one setTimeout() per
	// step: Node keeps one timer list per duration and, when the event loop is late, runs each
	// overdue list whole, in the order the lists' first timers fell due. Any other timer of the
	// end's duration set a little earlier (in the test process, jest's reporter debounces with
	// 100 ms timers) put the end before a reply that was due sooner, and the end cancelled the
	// reply: a clean stream without its reply after a 10 MB line (hugeEventBytes) whenever
	// writing and reading that line kept the loop busy past the reply's time.
	// Now a late loop makes steps late, never out of order or lost.
	const script = [...steps.filter((step) => step.at <= endAt), { at: endAt, run: () => finish(true) }];
	const clockStart = performance.now();
	const elapsed = () => performance.now() - clockStart;
	let next = 0;
	/** @type {NodeJS.Timeout | undefined} */
	let timer;
	function advance() {
		timer = undefined;
		// the step this timer was set for, and every later one whose time has passed too
		do {
			const step = script[next++];
			current = step;
			step.run();
			current = null;
		} while (!done && next < script.length && script[next].at <= elapsed());
		if (!done && next < script.length) timer = lifecycle.setTimeout(advance, script[next].at - elapsed());
	}
	timer = lifecycle.setTimeout(advance, script[0].at);
}

module.exports = { handleRunSse, chunkText, HEARTBEAT_CYCLE };
