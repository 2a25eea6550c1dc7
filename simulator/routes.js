// @ts-check
/**
 * The API origin's route table and dispatcher. Order of events for a request:
 * record it, match the route, take the fault rules that hit it, apply the
 * configured responseDelayMs and the request-level faults (delayHeadersMs,
 * reset, hang, code, status), the per-token rate limits (rate-limits.js), then run the handler. Errors a handler throws are
 * answered in the endpoint's envelope. /__sim/ goes to the admin API, unrecorded.
 */
const { ApiError, SimulatorClosedError } = require('./errors');
const { MultipartError } = require('./multipart');
const { sendError, sendRaw, drainRequest, readJson } = require('./http-io');
const { handleAnonymousToken, handleCredits } = require('./accounts');
const { handleCreateSession, handleState } = require('./sessions');
const { handleUpload } = require('./upload');
const { handleRunSse } = require('./sse');
const { handleRenderStart, handleRenderStatus, handleRenderCancel, handleDownload } = require('./renders');
const { handleAdmin } = require('./admin');

/**
 * @typedef {object} Route
 * @property {string[]} methods
 * @property {RegExp} pattern
 * @property {string} endpoint fault/envelope name
 * @property {(ctx: import('./http-io').Ctx) => Promise<void>} handler
 * @property {string[]} params names of the pattern's groups
 */

/** @type {Route[]} */
const ROUTES = [
	{ methods: ['POST'], pattern: /^\/api\/auth\/anonymous-token\/?$/, endpoint: 'token', handler: handleAnonymousToken, params: [] },
	{ methods: ['POST'], pattern: /^\/api\/tasks\/me\/with-session\/nemo_agent\/?$/, endpoint: 'session', handler: handleCreateSession, params: [] },
	{ methods: ['POST'], pattern: /^\/run_sse\/?$/, endpoint: 'sse', handler: handleRunSse, params: [] },
	{ methods: ['POST'], pattern: /^\/api\/upload-video\/nemo_agent\/me\/([^/]+)\/?$/, endpoint: 'upload', handler: handleUpload, params: ['sid'] },
	{ methods: ['GET'], pattern: /^\/api\/credits\/balance\/simple\/?$/, endpoint: 'credits', handler: handleCredits, params: [] },
	{ methods: ['GET'], pattern: /^\/api\/state\/nemo_agent\/me\/([^/]+)\/latest\/?$/, endpoint: 'state', handler: handleState, params: ['sid'] },
	{ methods: ['POST'], pattern: /^\/api\/render\/proxy\/lambda\/?$/, endpoint: 'renderStart', handler: handleRenderStart, params: [] },
	{ methods: ['POST'], pattern: /^\/api\/render\/proxy\/lambda\/([^/]+)\/cancel\/?$/, endpoint: 'renderCancel', handler: handleRenderCancel, params: ['id'] },
	{ methods: ['GET'], pattern: /^\/api\/render\/proxy\/lambda\/([^/]+)\/?$/, endpoint: 'renderStatus', handler: handleRenderStatus, params: ['id'] },
	{ methods: ['GET', 'HEAD'], pattern: /^\/api\/render\/proxy\/([^/]+)\/download\/?$/, endpoint: 'download', handler: handleDownload, params: ['id'] },
];

/**
 * @param {string} method
 * @param {string} pathname
 * @returns {{ route: Route, params: Record<string, string> } | { methodNotAllowed: true } | null}
 */
function matchRoute(method, pathname) {
	let pathMatched = false;
	for (const route of ROUTES) {
		const m = route.pattern.exec(pathname);
		if (!m) continue;
		pathMatched = true;
		if (!route.methods.includes(method)) continue;
		/** @type {Record<string, string>} */
		const params = {};
		route.params.forEach((name, i) => {
			try {
				params[name] = decodeURIComponent(m[i + 1]);
			} catch {
				params[name] = m[i + 1];
			}
		});
		return { route, params };
	}
	return pathMatched ? { methodNotAllowed: true } : null;
}

/** An upstream-style error page for `status` faults without a body. @param {number} status */
function defaultErrorPage(status) {
	return `<!DOCTYPE html>\n<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} ${status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Temporarily Unavailable' : status === 504 ? 'Gateway Time-out' : 'Error'}</h1></center><hr><center>nginx</center></body></html>\n`;
}

/**
 * Answers an error thrown by a handler, unless the response already started.
 * @param {import('./http-io').Ctx} ctx
 * @param {unknown} err
 */
function answerError(ctx, err) {
	const { req, res } = ctx;
	if (err instanceof SimulatorClosedError || res.destroyed) {
		if (!res.destroyed) res.destroy();
		return;
	}
	if (res.headersSent) {
		if (!res.writableEnded) res.destroy();
		return;
	}
	const bodyLeft = !req.complete;
	// With the body unread, the connection cannot be reused: say so, read and
	// discard the rest (so the client gets this answer, not a reset), then close.
	if (bodyLeft) ctx.closeConnection = true;
	if (err instanceof ApiError) {
		sendError(ctx, err.code, err.message, err.status, err.headers);
	} else if (err instanceof MultipartError) {
		sendError(ctx, 400, `Malformed multipart upload: ${err.message}`);
	} else {
		const message = err instanceof Error ? err.message : String(err);
		if (req.destroyed || /closed the connection|connection reset by fault/.test(message)) return;
		process.stderr.write(`[nemo-simulator] ${ctx.req.method} ${ctx.url.pathname}: ${err instanceof Error ? err.stack : message}\n`);
		sendError(ctx, 500, `Internal simulator error: ${message}`);
	}
	if (bodyLeft) drainRequest(ctx, Math.max(64 * 1024 * 1024, ctx.sim.config.maxUploadBytes));
}

/**
 * @param {import('./core').Core} sim
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
function handleApiRequest(sim, req, res) {
	const url = new URL(req.url || '/', 'http://api.invalid');
	if (url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')) {
		sim.lifecycle.track(handleAdmin(sim, req, res, url));
		return;
	}
	const record = sim.recorder.begin('api', req, url, res);
	const match = matchRoute(req.method || 'GET', url.pathname);
	/** @type {import('./http-io').Ctx} */
	const ctx = { sim, req, res, url, record, endpoint: 'unknown', fault: {}, params: {} };
	const work = (async () => {
		try {
			if (!match) throw new ApiError(404, `No such endpoint: ${req.method} ${url.pathname}`);
			if ('methodNotAllowed' in match) throw new ApiError(405, `Method ${req.method} not allowed on ${url.pathname}`);
			ctx.endpoint = match.route.endpoint;
			ctx.params = match.params;
			record.endpoint = ctx.endpoint;
			const fault = sim.faults.take(ctx.endpoint);
			ctx.fault = fault;
			record.faults = Object.keys(fault);
			if (sim.config.responseDelayMs > 0) await sim.lifecycle.sleep(sim.config.responseDelayMs);
			if (fault.delayHeadersMs) await sim.lifecycle.sleep(fault.delayHeadersMs);
			if (fault.reset) {
				req.socket.destroy();
				return;
			}
			if (fault.hang) {
				// Accepts the request and never answers, until the client gives up (or close()).
				await new Promise((resolve) => res.once('close', resolve));
				return;
			}
			// a fault answering instead of the handler still records the JSON body sent
			if ((fault.code !== undefined || fault.status !== undefined) && /json/i.test(String(req.headers['content-type'] || ''))) {
				await readJson(ctx).catch(() => undefined);
			}
			if (fault.code !== undefined) throw new ApiError(fault.code, fault.message, { status: fault.status });
			sim.rateLimits.admit(ctx, sim.config.rateLimit);
			if (fault.status !== undefined) {
				ctx.closeConnection = !req.complete;
				sendRaw(ctx, fault.status, fault.body !== undefined ? fault.body : defaultErrorPage(fault.status), fault.contentType || (fault.body !== undefined ? 'text/plain; charset=utf-8' : 'text/html'));
				if (!req.complete) drainRequest(ctx, Math.max(64 * 1024 * 1024, sim.config.maxUploadBytes));
				return;
			}
			await match.route.handler(ctx);
		} catch (err) {
			answerError(ctx, err);
		}
	})();
	sim.lifecycle.track(work);
}

module.exports = { handleApiRequest, matchRoute, ROUTES };
