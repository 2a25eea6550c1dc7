// @ts-check
/**
 * Editing sessions: creation, ownership (another user's session is "not
 * found", 1002), the state the client reads back, and the draft (timeline) it
 * holds. Draft shape, exactly as the client decodes it:
 *   {t:[{id, tt, sg:[{id, st, d, m:{...}}]}]}   tt 0 video, 1 audio, 7 text; st/d in ms
 */
const { ApiError } = require('./errors');
const { bigDecimalId, shortId } = require('./ids');
const { idString } = require('./json');
const { sendOk, readJson } = require('./http-io');

/**
 * @typedef {object} Segment
 * @property {string} id
 * @property {number} st
 * @property {number} d
 * @property {Record<string, any>} m
 */
/** @typedef {{ id: string, tt: number, sg: Segment[] }} Track */
/** @typedef {{ t: Track[] }} Draft */

/**
 * @typedef {object} SessionState
 * @property {Draft} draft
 * @property {object[]} video_infos
 * @property {Record<string, any>} canvas_config
 * @property {object[]} video_analyses
 * @property {object[]} generated_media
 */

/**
 * @typedef {object} Session
 * @property {string} sessionId 19 digits, kept as a string
 * @property {string} taskId
 * @property {string} taskName
 * @property {string} language
 * @property {string} userId
 * @property {number} createdAt
 * @property {import('./storage').StoredFile[]} files every upload, in order
 * @property {SessionState} state
 * @property {number} messageCount
 */

class Sessions {
	constructor() {
		/** @type {Map<string, Session>} */
		this.map = new Map();
		/** @type {Map<string, string>} trial user id -> the account it was bound to at registration */
		this.boundTo = new Map();
	}

	/**
	 * @param {string} userId
	 * @param {string} taskName
	 * @param {string} language
	 */
	create(userId, taskName, language) {
		/** @type {Session} */
		const session = {
			sessionId: bigDecimalId(),
			taskId: bigDecimalId(),
			taskName,
			language,
			userId,
			createdAt: Date.now(),
			files: [],
			state: {
				draft: { t: [] },
				video_infos: [],
				canvas_config: { width: 1920, height: 1080, fps: 30, ratio: '16:9' },
				video_analyses: [],
				generated_media: [],
			},
			messageCount: 0,
		};
		this.map.set(session.sessionId, session);
		return session;
	}

	/**
	 * Registration with `?bind=<trial user id>` ties the trial's work to the new account: from
	 * then on the account reaches the trial's sessions (the trial token still does too).
	 * @param {string} trialUserId
	 * @param {string} accountUserId
	 */
	bind(trialUserId, accountUserId) {
		this.boundTo.set(trialUserId, accountUserId);
	}

	/**
	 * The session `rawId` of user `userId` (or of a trial bound to that user), or 1002.
	 * @param {string} userId
	 * @param {unknown} rawId string (or BigInt when a client sent a number literal)
	 */
	get(userId, rawId) {
		const id = idString(rawId);
		const session = id ? this.map.get(id) : undefined;
		if (!session || (session.userId !== userId && this.boundTo.get(session.userId) !== userId)) {
			throw new ApiError(1002, `Session not found: ${id === null ? '(none given)' : id}`);
		}
		return session;
	}
}

/** @param {Draft} draft */
function videoSegments(draft) {
	return draft.t.filter((t) => t.tt === 0).flatMap((t) => t.sg);
}

/** @param {Draft} draft end of the video in ms */
function videoEndMs(draft) {
	return videoSegments(draft).reduce((end, s) => Math.max(end, s.st + s.d), 0);
}

/**
 * An uploaded file joins the session: a video goes onto the draft's video
 * track (appended after what is there), images and audio become session media.
 * @param {Session} session
 * @param {import('./storage').StoredFile} file
 */
function addUploadToSession(session, file) {
	session.files.push(file);
	const state = session.state;
	if (file.fileType === 'video') {
		let track = state.draft.t.find((t) => t.tt === 0);
		if (!track) {
			track = { id: shortId('trk'), tt: 0, sg: [] };
			state.draft.t.unshift(track);
		}
		const st = track.sg.reduce((end, s) => Math.max(end, s.st + s.d), 0);
		track.sg.push({
			id: shortId('seg'),
			st,
			d: Math.round(file.duration * 1000),
			m: { name: file.filename, file: file.storedName, url: file.cdnUrl, volume: 100 },
		});
		state.video_infos.push({
			filename: file.filename,
			file: file.storedName,
			url: file.cdnUrl,
			duration: file.duration,
			width: file.width,
			height: file.height,
			fps: file.fps,
			hash: file.hash,
			size: file.size,
		});
		state.video_analyses.push({
			file: file.storedName,
			summary: `A ${file.duration} s clip, ${file.width}x${file.height} at ${file.fps} fps.`,
		});
		if (state.video_infos.length === 1 && file.width && file.height) {
			state.canvas_config = {
				width: file.width,
				height: file.height,
				fps: file.fps || 30,
				ratio: file.width >= file.height ? '16:9' : '9:16',
			};
		}
	} else {
		state.generated_media.push({
			type: file.fileType,
			name: file.filename,
			file: file.storedName,
			url: file.cdnUrl,
			duration: file.duration,
			width: file.width,
			height: file.height,
			hash: file.hash,
			source: 'upload',
		});
	}
}

/** POST /api/tasks/me/with-session/nemo_agent @param {import('./http-io').Ctx} ctx */
async function handleCreateSession(ctx) {
	const user = ctx.sim.accounts.authenticate(ctx.req);
	const body = (await readJson(ctx)) || {};
	if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'Body must be a JSON object');
	const taskName = typeof body.task_name === 'string' && body.task_name ? body.task_name : 'project';
	const language = typeof body.language === 'string' && body.language ? body.language : 'en';
	const session = ctx.sim.sessions.create(user.userId, taskName, language);
	sendOk(ctx, {
		task_id: BigInt(session.taskId),
		session_id: BigInt(session.sessionId),
		user_id: user.userId,
	});
}

/** GET /api/state/nemo_agent/me/<sid>/latest @param {import('./http-io').Ctx} ctx */
async function handleState(ctx) {
	const user = ctx.sim.accounts.authenticate(ctx.req);
	const session = ctx.sim.sessions.get(user.userId, ctx.params.sid);
	sendOk(ctx, {
		session_id: BigInt(session.sessionId),
		task_id: BigInt(session.taskId),
		task_name: session.taskName,
		state: session.state,
	});
}

module.exports = { Sessions, addUploadToSession, videoSegments, videoEndMs, handleCreateSession, handleState };
