// @ts-check
/**
 * The control API for out-of-process users (demo, benchmarks, e2e), on the API
 * origin under /__sim/. Plain JSON, no envelope, never recorded.
 *
 *   GET    /__sim/                 urls, config, data dir
 *   GET    /__sim/config           current config
 *   POST   /__sim/config           partial config            -> config
 *   GET    /__sim/faults           rules with their counters
 *   POST   /__sim/faults           one rule (times: "Infinity" allowed) -> rule
 *   DELETE /__sim/faults           clear all rules
 *   GET    /__sim/requests?since=N records with seq > N
 *   GET    /__sim/messages
 *   POST   /__sim/tokens           {token, credits, userId?}
 *   POST   /__sim/tokens/expire    {token}
 *   GET    /__sim/credits?token=T  {available, frozen, total}
 *   GET    /__sim/sessions/<sid>   a session's internal record
 *   GET    /__sim/stats            process memory and counters (benchmarks)
 *   POST   /__sim/reset            forget requests, messages, faults
 */
const { stringify } = require('./json');

/**
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<any>}
 */
async function readSmallJson(req) {
	/** @type {Buffer[]} */
	const chunks = [];
	let size = 0;
	for await (const chunk of req) {
		size += chunk.length;
		if (size > 1024 * 1024) throw new Error('admin request body too large');
		chunks.push(chunk);
	}
	const text = Buffer.concat(chunks).toString('utf8').trim();
	if (!text) return {};
	try {
		return JSON.parse(text);
	} catch {
		throw new Error('admin request body is not valid JSON');
	}
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 */
function reply(res, status, value) {
	const body = Buffer.from(stringify(value, 2));
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
	res.end(body);
}

/**
 * @param {import('./core').Core} sim
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 */
async function handleAdmin(sim, req, res, url) {
	const route = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
	try {
		const body = req.method === 'POST' || req.method === 'PUT' ? await readSmallJson(req) : undefined;
		if (route === 'GET /__sim') {
			return reply(res, 200, { url: sim.url, cdnUrl: sim.cdnUrl, dataDir: sim.storage.root, config: sim.config });
		}
		if (route === 'GET /__sim/config') return reply(res, 200, sim.config);
		if (route === 'POST /__sim/config') {
			sim.configure(body);
			return reply(res, 200, sim.config);
		}
		if (route === 'GET /__sim/faults') return reply(res, 200, sim.faults.list());
		if (route === 'POST /__sim/faults') {
			const rule = sim.faults.add(body);
			return reply(res, 201, { ...rule, times: rule.times === Infinity ? 'Infinity' : rule.times });
		}
		if (route === 'DELETE /__sim/faults') {
			sim.faults.clear();
			return reply(res, 200, { cleared: true });
		}
		if (route === 'GET /__sim/requests') {
			const since = Number(url.searchParams.get('since') || 0);
			return reply(res, 200, sim.recorder.requests.filter((r) => r.seq > since));
		}
		if (route === 'GET /__sim/messages') return reply(res, 200, sim.recorder.messages);
		if (route === 'POST /__sim/tokens') {
			if (!body || typeof body.token !== 'string') throw new Error('POST /__sim/tokens needs {"token": "...", "credits": N}');
			return reply(res, 201, sim.accounts.addToken(body.token, { credits: body.credits, userId: body.userId }));
		}
		if (route === 'POST /__sim/register') {
			return reply(res, 201, sim.register(body || {}));
		}
		if (route === 'POST /__sim/tokens/expire') {
			sim.accounts.expireToken(body && body.token);
			return reply(res, 200, { expired: true });
		}
		if (route === 'GET /__sim/credits') {
			return reply(res, 200, sim.accounts.creditsOfToken(url.searchParams.get('token') || ''));
		}
		const sessionMatch = /^GET \/__sim\/sessions\/(\d+)$/.exec(route);
		if (sessionMatch) {
			const session = sim.sessions.map.get(sessionMatch[1]);
			return session ? reply(res, 200, session) : reply(res, 404, { error: `no session ${sessionMatch[1]}` });
		}
		if (route === 'GET /__sim/stats') {
			return reply(res, 200, {
				memory: process.memoryUsage(),
				requests: sim.recorder.requests.length,
				messages: sim.recorder.messages.length,
				sessions: sim.sessions.map.size,
				renders: sim.renders.map.size,
			});
		}
		if (route === 'POST /__sim/reset') {
			sim.reset();
			return reply(res, 200, { reset: true });
		}
		return reply(res, 404, { error: `unknown admin route ${route}` });
	} catch (err) {
		if (!res.headersSent) reply(res, 400, { error: err instanceof Error ? err.message : String(err) });
	}
}

module.exports = { handleAdmin };
