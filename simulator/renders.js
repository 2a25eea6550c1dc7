// @ts-check
/**
 * Export: POST /api/render/proxy/lambda starts a render, GET .../lambda/<id>
 * polls it (in one of the three documented status shapes), POST .../cancel
 * stops it, GET /api/render/proxy/<id>/download fetches the MP4 with auth.
 * The output URL points at the CDN origin (no auth there).
 *
 * Status is computed from the clock, not from timers: pending for the first
 * 10% of renderMs, then processing with a rising progress, then completed. In
 * ffmpeg mode the real encode must also have finished (one encode at a time,
 * the others stay pending). Exports cost no credits.
 */
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const { ApiError } = require('./errors');
const { readJson, sendOk, sendJson, sendStream } = require('./http-io');
const { idString, stringify } = require('./json');
const { syntheticMp4Stream } = require('./synthetic-mp4');
const { renderWithFfmpeg } = require('./ffmpeg-render');
const { ffprobe } = require('./media');
const { videoEndMs } = require('./sessions');

const ATTRIBUTION_HEADERS = ['x-skill-source', 'x-skill-version', 'x-skill-platform'];

/**
 * @typedef {object} Render
 * @property {string} id
 * @property {string} userId
 * @property {string} sessionId
 * @property {import('./sessions').Draft} draft
 * @property {Record<string, any>} output requested output options
 * @property {'fast' | 'ffmpeg'} media
 * @property {number} createdAt
 * @property {number} renderMs
 * @property {number | null} cancelledAt
 * @property {number} cancelledProgress
 * @property {string | null} failMessage   renderFails fault
 * @property {number} failAt
 * @property {boolean} stuck
 * @property {boolean} vanished
 * @property {boolean} noUrl
 * @property {number} urlAfterPolls  completed-without-URL status reads left before the URL shows (-1: none)
 * @property {boolean} urlFails
 * @property {number} size          bytes of the output
 * @property {number} duration      seconds
 * @property {string | null} file   ffmpeg output path
 * @property {{ state: 'queued' | 'running' | 'done' | 'failed', progress: number, error: string | null, doneAt: number, child: import('node:child_process').ChildProcess | null } | null} job
 */

/**
 * @typedef {object} RenderStatus
 * @property {'pending' | 'processing' | 'completed' | 'failed' | 'cancelled'} status
 * @property {number} progress 0..100
 * @property {string | null} error
 * @property {number | null} completedAt
 */

class Renders {
	/** @param {import('./core').Core} sim */
	constructor(sim) {
		this.sim = sim;
		/** @type {Map<string, Render>} */
		this.map = new Map();
		this.rotation = 0;
		/** @type {Render[]} ffmpeg encodes waiting for their turn */
		this.queue = [];
		this.running = false;
	}

	/** @param {Render} render */
	outputUrl(render) {
		return `${this.sim.cdnUrl}/renders/${encodeURIComponent(render.id)}.mp4`;
	}

	/**
	 * @param {Render} render
	 * @param {number} [now]
	 * @returns {RenderStatus}
	 */
	statusOf(render, now = Date.now()) {
		if (render.cancelledAt !== null) {
			return { status: 'cancelled', progress: render.cancelledProgress, error: null, completedAt: null };
		}
		const R = render.renderMs;
		const elapsed = now - render.createdAt;
		const timeProgress = R > 0 ? Math.min(1, elapsed / R) : 1;
		if (render.failMessage !== null && now >= render.failAt) {
			return { status: 'failed', progress: Math.floor(timeProgress * 100), error: render.failMessage, completedAt: null };
		}
		const processing = (/** @type {number} */ fraction) => ({
			status: /** @type {'processing'} */ ('processing'),
			progress: Math.max(1, Math.min(99, Math.floor(fraction * 100))),
			error: null,
			completedAt: null,
		});
		if (render.job) {
			const job = render.job;
			if (job.state === 'failed') return { status: 'failed', progress: Math.floor(job.progress * 100), error: job.error, completedAt: null };
			if (job.state === 'queued') return { status: 'pending', progress: 0, error: null, completedAt: null };
			if (render.stuck) return processing(Math.min(0.95, Math.min(job.progress, timeProgress)));
			if (job.state === 'running' || elapsed < R) return processing(Math.min(job.progress, timeProgress));
			return { status: 'completed', progress: 100, error: null, completedAt: Math.max(job.doneAt, render.createdAt + R) };
		}
		if (elapsed < 0.1 * R) return { status: 'pending', progress: 0, error: null, completedAt: null };
		if (render.stuck) return processing(Math.min(0.95, timeProgress));
		if (elapsed < R) return processing(timeProgress);
		return { status: 'completed', progress: 100, error: null, completedAt: render.createdAt + R };
	}

	/**
	 * The status body in documented shape 1, 2 or 3.
	 * @param {Render} render
	 * @param {1 | 2 | 3} shape
	 */
	statusBody(render, shape) {
		const s = this.statusOf(render);
		const done = s.status === 'completed';
		// urlAfterPolls: the newest CLI waits for `completed` AND a URL; the URL may come a poll later.
		if (done && render.urlAfterPolls > 0) {
			render.urlAfterPolls--;
			render.noUrl = true;
		} else if (done && render.urlAfterPolls === 0) {
			render.noUrl = false;
			render.urlAfterPolls = -1;
		}
		const url = done && !render.noUrl ? this.outputUrl(render) : null;
		if (shape === 1) {
			/** @type {Record<string, any> | null} */
			let output = null;
			if (done) output = render.noUrl ? { duration: render.duration, size: render.size } : { url, duration: render.duration, size: render.size };
			return stringify({ status: s.status, progress: s.progress, output, error: s.error });
		}
		if (shape === 2) {
			/** @type {Record<string, any>} */
			const data = {
				id: render.id,
				status: s.status,
				progress: s.progress,
				outputUrl: url,
				createdAt: new Date(render.createdAt).toISOString(),
				completedAt: s.completedAt ? new Date(s.completedAt).toISOString() : null,
			};
			if (s.error) data.error = s.error;
			return stringify({ success: true, data });
		}
		/** @type {Record<string, any>} */
		const body = { taskId: render.id, status: s.status, progress: s.progress, output: done ? (url ? { url } : {}) : null };
		if (s.error) body.error = s.error;
		return stringify(body);
	}

	/** @returns {1 | 2 | 3} */
	nextShape() {
		const configured = this.sim.config.renderStatusShape;
		if (configured !== 'rotate') return configured;
		const shape = /** @type {1 | 2 | 3} */ ((this.rotation % 3) + 1);
		this.rotation++;
		return shape;
	}

	/**
	 * @param {string} userId
	 * @param {string} id
	 */
	get(userId, id) {
		const render = this.map.get(id);
		if (!render || render.userId !== userId || render.vanished) throw new ApiError(404, `Render not found: ${id}`);
		return render;
	}

	/**
	 * Applies render faults (from renderStart or renderStatus rules) to a render.
	 * @param {Render} render
	 * @param {Record<string, any>} fault
	 * @param {boolean} atStart
	 */
	applyFault(render, fault, atStart) {
		if (fault.renderFails !== undefined) {
			render.failMessage = typeof fault.renderFails === 'string' ? fault.renderFails : 'Render failed: an internal error occurred';
			render.failAt = atStart ? render.createdAt + render.renderMs / 2 : Date.now();
		}
		if (fault.renderStuck) render.stuck = true;
		if (fault.renderVanishes) render.vanished = true;
		if (fault.completedWithoutUrl) render.noUrl = true;
		if (typeof fault.urlAfterPolls === 'number') render.urlAfterPolls = fault.urlAfterPolls;
		if (fault.outputUrlFails) render.urlFails = true;
	}

	/** @param {Render} render */
	enqueueFfmpeg(render) {
		render.job = { state: 'queued', progress: 0, error: null, doneAt: 0, child: null };
		this.queue.push(render);
		this.pump();
	}

	pump() {
		if (this.running) return;
		const render = this.queue.shift();
		if (!render || !render.job) return;
		this.running = true;
		const job = render.job;
		job.state = 'running';
		const sim = this.sim;
		const outPath = sim.storage.renderPath(render.id);
		render.file = outPath;
		const work = renderWithFfmpeg({
			draft: render.draft,
			resolve: (m) => sim.storage.resolve(m),
			outPath,
			tmpDir: sim.storage.tmpDir,
			lifecycle: sim.lifecycle,
			onProgress: (f) => {
				job.progress = f;
			},
			onChild: (child) => {
				job.child = child;
			},
		})
			.then(async () => {
				const stat = await fsp.stat(outPath);
				render.size = stat.size;
				const info = await ffprobe(sim.lifecycle, outPath).catch(() => null);
				if (info) render.duration = info.duration;
				job.progress = 1;
				job.state = 'done';
				job.doneAt = Date.now();
			})
			.catch((err) => {
				job.state = 'failed';
				job.error = `Render failed: ${err.message}`;
			})
			.finally(() => {
				job.child = null;
				this.running = false;
				if (!sim.lifecycle.closed) this.pump();
			});
		sim.lifecycle.track(work);
	}

	/** @param {Render} render */
	cancel(render) {
		const s = this.statusOf(render);
		if (s.status !== 'pending' && s.status !== 'processing') {
			throw new ApiError(409, `Render ${render.id} is ${s.status} and cannot be cancelled`);
		}
		render.cancelledAt = Date.now();
		render.cancelledProgress = s.progress;
		if (render.job) {
			this.queue = this.queue.filter((r) => r !== render);
			if (render.job.child) render.job.child.kill('SIGKILL');
		}
	}

	/**
	 * The finished output as a stream source, or null when not available.
	 * @param {Render} render
	 */
	output(render) {
		if (this.statusOf(render).status !== 'completed') return null;
		if (render.file) {
			const file = render.file;
			if (!fs.existsSync(file)) return null;
			return { size: render.size, open: (/** @type {number} */ start, /** @type {number} */ end) => fs.createReadStream(file, { start, end }) };
		}
		const size = render.size;
		return { size, open: (/** @type {number} */ start, /** @type {number} */ end) => syntheticMp4Stream(size, start, end) };
	}
}

/**
 * A draft sent for export must have the shape the service gives out:
 * {t:[{tt, sg:[{st, d, m:{...}}]}]}. Says exactly what is wrong otherwise.
 * @param {any} draft
 */
function checkDraft(draft) {
	draft.t.forEach((/** @type {any} */ track, /** @type {number} */ i) => {
		if (!track || typeof track !== 'object') throw new ApiError(400, `Malformed draft: t[${i}] is not an object`);
		if (typeof track.tt !== 'number') throw new ApiError(400, `Malformed draft: t[${i}].tt must be a number (0 video, 1 audio, 7 text)`);
		if (!Array.isArray(track.sg)) throw new ApiError(400, `Malformed draft: t[${i}].sg must be an array of segments`);
		track.sg.forEach((/** @type {any} */ seg, /** @type {number} */ j) => {
			const where = `t[${i}].sg[${j}]`;
			if (!seg || typeof seg !== 'object') throw new ApiError(400, `Malformed draft: ${where} is not an object`);
			if (typeof seg.st !== 'number' || typeof seg.d !== 'number' || seg.st < 0 || seg.d < 0) {
				throw new ApiError(400, `Malformed draft: ${where} needs numeric st and d (milliseconds)`);
			}
			if (!seg.m || typeof seg.m !== 'object') throw new ApiError(400, `Malformed draft: ${where}.m must be an object`);
		});
	});
}

/** POST /api/render/proxy/lambda @param {import('./http-io').Ctx} ctx */
async function handleRenderStart(ctx) {
	const { sim } = ctx;
	const user = sim.accounts.authenticate(ctx.req);
	const missing = ATTRIBUTION_HEADERS.filter((h) => {
		const v = ctx.req.headers[h];
		return typeof v !== 'string' || !v.trim();
	});
	if (missing.length) {
		throw new ApiError(402, `Export blocked on the free plan: missing attribution header(s) ${missing.join(', ')}`, { status: 402 });
	}
	if (user.anonymous && sim.config.trialExport === 'refused') {
		throw new ApiError(402, 'Free plan export blocked: trial accounts cannot export. Register on nemovideo.com to unlock export', { status: 402 });
	}
	if (user.plan === 'free') {
		throw new ApiError(402, 'Free plan export blocked: rendering needs a paid plan. Upgrade on nemovideo.com to unlock export', { status: 402 });
	}
	const body = await readJson(ctx);
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		throw new ApiError(400, 'Body must be {"id":"render_<unique>","sessionId":"<sid>","draft":{...},"output":{"format":"mp4"}}');
	}
	const id = typeof body.id === 'string' ? body.id.trim() : '';
	if (!id) throw new ApiError(400, 'Render id is required: {"id":"render_<unique>"}');
	if (sim.renders.map.has(id)) throw new ApiError(409, `Render id "${id}" was already used: submit with a new id`);
	if (body.sessionId === undefined && body.session_id !== undefined) {
		throw new ApiError(400, 'Use "sessionId" (camelCase) in the render body');
	}
	const session = sim.sessions.get(user.userId, body.sessionId);
	const draft = body.draft;
	if (!draft || typeof draft !== 'object' || !Array.isArray(draft.t)) {
		throw new ApiError(400, 'The draft is missing or malformed: expected {"t":[tracks]}');
	}
	checkDraft(draft);
	if (!draft.t.some((/** @type {any} */ t) => t.sg.length > 0)) {
		throw new ApiError(400, 'Nothing to export: the draft has no segments. Upload a video first.');
	}
	const output = body.output && typeof body.output === 'object' ? body.output : {};
	if (output.format !== undefined && String(output.format).toLowerCase() !== 'mp4') {
		throw new ApiError(400, `Unsupported output format ${JSON.stringify(output.format)}: only mp4`);
	}
	const copy = /** @type {import('./sessions').Draft} */ (structuredClone(draft));
	/** @type {Render} */
	const render = {
		id,
		userId: user.userId,
		sessionId: session.sessionId,
		draft: copy,
		output,
		media: sim.config.media,
		createdAt: Date.now(),
		renderMs: sim.config.renderMs,
		cancelledAt: null,
		cancelledProgress: 0,
		failMessage: null,
		failAt: 0,
		stuck: false,
		vanished: false,
		noUrl: false,
		urlAfterPolls: -1,
		urlFails: false,
		size: sim.config.outputSizeBytes,
		duration: (videoEndMs(copy) || 10_000) / 1000,
		file: null,
		job: null,
	};
	sim.renders.applyFault(render, ctx.fault, true);
	sim.renders.map.set(id, render);
	if (render.media === 'ffmpeg') sim.renders.enqueueFfmpeg(render);
	sendOk(ctx, { id, taskId: id, status: 'pending' });
}

/** GET /api/render/proxy/lambda/<id> @param {import('./http-io').Ctx} ctx */
async function handleRenderStatus(ctx) {
	const { sim } = ctx;
	const user = sim.accounts.authenticate(ctx.req);
	const render = sim.renders.get(user.userId, idString(ctx.params.id) || '');
	sim.renders.applyFault(render, ctx.fault, false);
	if (render.vanished) throw new ApiError(404, `Render not found: ${render.id}`);
	sendJson(ctx, 200, sim.renders.statusBody(render, sim.renders.nextShape()));
}

/** POST /api/render/proxy/lambda/<id>/cancel @param {import('./http-io').Ctx} ctx */
async function handleRenderCancel(ctx) {
	const { sim } = ctx;
	const user = sim.accounts.authenticate(ctx.req);
	const render = sim.renders.get(user.userId, ctx.params.id);
	sim.renders.cancel(render);
	sendOk(ctx, { id: render.id, status: 'cancelled' });
}

/** GET /api/render/proxy/<id>/download @param {import('./http-io').Ctx} ctx */
async function handleDownload(ctx) {
	const { sim } = ctx;
	const user = sim.accounts.authenticate(ctx.req);
	const render = sim.renders.get(user.userId, ctx.params.id);
	const status = sim.renders.statusOf(render).status;
	const output = sim.renders.output(render);
	if (!output) throw new ApiError(409, `Render ${render.id} is ${status}: nothing to download yet`);
	sendStream(ctx, {
		size: output.size,
		contentType: 'video/mp4',
		open: output.open,
		headers: { 'Content-Disposition': `attachment; filename="${render.id.replace(/[^A-Za-z0-9._-]/g, '_')}.mp4"` },
	});
}

module.exports = { Renders, handleRenderStart, handleRenderStatus, handleRenderCancel, handleDownload, ATTRIBUTION_HEADERS };
