// @ts-check
'use strict';
/**
 * A scripted stand-in for an OpenAI-compatible chat model, on loopback, so the AI Agent example
 * can run offline: no model is reachable here, but n8n's agent, its tool calling and our nodes
 * as tools are all real. Point an `openAiApi` credential's Base URL at `url`.
 *
 * It answers POST /chat/completions (plain JSON, or SSE when `stream: true`) with a fixed plan,
 * using the tools n8n offers in the request:
 *   1. no tool result yet            -> call the tool whose name/description mentions credits
 *   2. credits known, no swap yet    -> call the face-swap tool; its arguments are filled from
 *                                       the URLs in the user's message, by argument name
 *                                       (…video… gets the first URL, …face… the second)
 *   3. otherwise                     -> a final text answer quoting the tool results
 * Every request is recorded (tools offered, messages), so a test can assert what n8n sent.
 */
const http = require('node:http');

/**
 * @typedef {{ role: string, content?: any, tool_calls?: any[], tool_call_id?: string }} Message
 * @typedef {{ type: 'function', function: { name: string, description?: string, parameters?: any } }} Tool
 */

/** @param {any} content */
function text(content) {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : p.text || '')).join('');
	return content ? JSON.stringify(content) : '';
}

/**
 * The next assistant message for a conversation.
 * @param {Message[]} messages
 * @param {Tool[]} tools
 * @returns {{ content: string | null, toolCalls: Array<{ id: string, name: string, arguments: string }> }}
 */
function plan(messages, tools) {
	const user = [...messages].reverse().find((m) => m.role === 'user');
	const userText = text(user && user.content);
	const results = messages.filter((m) => m.role === 'tool').map((m) => text(m.content));
	const called = messages.flatMap((m) => (m.tool_calls || []).map((c) => c.function && c.function.name));
	const find = (/** @type {RegExp} */ re) => tools.find((t) => re.test(`${t.function.name} ${t.function.description || ''}`));
	const creditsTool = find(/credit/i);
	const swapTool = find(/swap/i);
	const seq = messages.length;

	if (creditsTool && !called.includes(creditsTool.function.name)) {
		return { content: null, toolCalls: [{ id: `call_credits_${seq}`, name: creditsTool.function.name, arguments: '{}' }] };
	}
	const urls = userText.match(/https?:\/\/[^\s"'<>]+[^\s"'<>.,;:!?)]/g) || [];
	if (swapTool && !called.includes(swapTool.function.name) && urls.length >= 2) {
		const props = Object.keys((swapTool.function.parameters && swapTool.function.parameters.properties) || {});
		/** @type {Record<string, string>} */
		const args = {};
		for (const p of props) {
			if (/video/i.test(p)) args[p] = urls[0];
			else if (/face|photo|image/i.test(p)) args[p] = urls[1];
		}
		return { content: null, toolCalls: [{ id: `call_swap_${seq}`, name: swapTool.function.name, arguments: JSON.stringify(args) }] };
	}
	const all = results.join(' ');
	// the tool's own answer (JSON, possibly escaped once more inside a string)
	const videoUrl = all.match(/videoUrl\\?"\s*:\s*\\?"(https?:\/\/[^"\\]+)/);
	const credits = all.match(/available\\?"\s*:\s*(\d+)/);
	return {
		content: [
			credits ? `You have ${credits[1]} credits available.` : null,
			videoUrl ? `Here is your face-swapped video: ${videoUrl[1]}` : null,
			results.length ? null : 'I have no tools to call.',
		]
			.filter(Boolean)
			.join(' '),
		toolCalls: [],
	};
}

/**
 * @returns {Promise<{ url: string, requests: Array<{ tools: string[], messages: Message[], stream: boolean, answer: ReturnType<typeof plan> }>, close: () => Promise<void> }>}
 */
function startFakeLlm() {
	/** @type {Array<{ tools: string[], messages: Message[], stream: boolean, answer: ReturnType<typeof plan> }>} */
	const requests = [];
	const server = http.createServer(async (req, res) => {
		const chunks = [];
		for await (const c of req) chunks.push(c);
		const path = new URL(req.url || '/', 'http://x').pathname;
		if (req.method === 'GET' && /\/models$/.test(path)) {
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', owned_by: 'e2e' }] }));
			return;
		}
		if (req.method !== 'POST' || !/\/chat\/completions$/.test(path)) {
			res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `fake LLM: no route ${req.method} ${path}` } }));
			return;
		}
		/** @type {any} */
		let body;
		try {
			body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
		} catch {
			res.writeHead(400).end('{"error":{"message":"bad json"}}');
			return;
		}
		/** @type {Message[]} */
		const messages = body.messages || [];
		/** @type {Tool[]} */
		const tools = body.tools || [];
		const answer = plan(messages, tools);
		requests.push({ tools: tools.map((t) => t.function.name), messages, stream: !!body.stream, answer });
		const id = `chatcmpl-e2e-${requests.length}`;
		const created = Math.floor(Date.now() / 1000);
		const model = body.model || 'gpt-4o-mini';
		const toolCalls = answer.toolCalls.map((c, index) => ({ index, id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
		const finish = toolCalls.length ? 'tool_calls' : 'stop';
		const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
		if (body.stream) {
			res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
			const send = (/** @type {any} */ o) => res.write(`data: ${JSON.stringify(o)}\n\n`);
			const delta = toolCalls.length ? { role: 'assistant', content: null, tool_calls: toolCalls } : { role: 'assistant', content: answer.content };
			send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: null }] });
			send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: finish }], usage });
			res.end('data: [DONE]\n\n');
			return;
		}
		const message = toolCalls.length
			? { role: 'assistant', content: null, tool_calls: toolCalls.map(({ index, ...c }) => c) }
			: { role: 'assistant', content: answer.content };
		res.writeHead(200, { 'content-type': 'application/json' }).end(
			JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finish }], usage }),
		);
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const addr = server.address();
			resolve({
				url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/v1`,
				requests,
				close: () =>
					new Promise((r) => {
						server.close(() => r(undefined));
						server.closeAllConnections();
					}),
			});
		});
	});
}

module.exports = { startFakeLlm, plan };
