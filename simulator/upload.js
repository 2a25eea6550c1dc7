// @ts-check
/**
 * POST /api/upload-video/nemo_agent/me/<sid>
 *
 * multipart/form-data with one or more files in the field "files", streamed to
 * disk as it arrives (see multipart.js), or JSON {"urls":[...],"source_type":"url"}
 * which the simulator downloads. Checks, in the order a client meets them:
 * Content-Length over the limit (4002 before reading anything), the file name's
 * extension (4001 before writing), the first bytes (4001), the running byte
 * count (4002 the moment it passes the limit), an empty file (4001), and in
 * ffmpeg mode whether ffprobe can read it (4001). The limit counts all file
 * bytes of one request. Any failure removes every file of the request.
 */
const { ApiError } = require('./errors');
const { MultipartParser, parseBoundary } = require('./multipart');
const { fileTypeOf, ACCEPTED_TEXT } = require('./file-checks');
const { FileSink, formatSize } = require('./file-sink');
const { downloadToSink } = require('./url-fetch');
const { probeMedia } = require('./media');
const { readChunks, readJson, sendOk } = require('./http-io');
const { addUploadToSession } = require('./sessions');

/** Room for multipart framing on top of the file bytes in the Content-Length check. */
const MULTIPART_OVERHEAD = 1024 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * @typedef {object} WrittenFile
 * @property {string} filename
 * @property {'video' | 'image' | 'audio'} fileType
 * @property {string} storedName
 * @property {string} path
 * @property {number} size
 * @property {string} hash
 */

/**
 * @param {import('./http-io').Ctx} ctx
 * @param {string} boundary
 * @param {import('./file-sink').ByteBudget} budget
 * @param {FileSink[]} sinks
 * @param {WrittenFile[]} written
 */
async function receiveMultipart(ctx, boundary, budget, sinks, written) {
	const declared = Number(ctx.req.headers['content-length']);
	if (Number.isFinite(declared) && declared > budget.max + MULTIPART_OVERHEAD) {
		throw new ApiError(
			4002,
			`File too large: the upload is ${formatSize(declared)}, over the ${formatSize(budget.max)} limit. Compress or trim it and try again.`,
		);
	}
	const parser = new MultipartParser(boundary, (info) => {
		if (info.filename === null) {
			// a plain form field (e.g. source_type): read and ignore
			let size = 0;
			return {
				write(data) {
					size += data.length;
					if (size > MAX_FIELD_BYTES) throw new ApiError(400, `Form field "${info.name}" is too large`);
				},
				end() {},
			};
		}
		if (info.name !== 'files') {
			throw new ApiError(400, `Files must be sent in the multipart field "files" (got a file in "${info.name}")`);
		}
		// What the client sent, for tests: the names as written, before the base name is taken.
		(ctx.record.fileNames ??= []).push(info.rawFilename ?? '');
		if (!info.filename) throw new ApiError(4001, 'Unsupported file: a file part has no file name');
		const fileType = fileTypeOf(info.filename);
		if (!fileType) {
			throw new ApiError(4001, `Unsupported file type: "${info.filename}". Accepted types: ${ACCEPTED_TEXT}`);
		}
		const sink = new FileSink({ storage: ctx.sim.storage, filename: info.filename, fileType, budget });
		sinks.push(sink);
		return {
			write: (data) => sink.write(data),
			end: async () => {
				written.push({ filename: info.filename || '', fileType, ...(await sink.end()) });
			},
		};
	});
	await readChunks(ctx, (chunk) => parser.push(chunk));
	parser.end();
}

/**
 * @param {import('./http-io').Ctx} ctx
 * @param {import('./file-sink').ByteBudget} budget
 * @param {FileSink[]} sinks
 * @param {WrittenFile[]} written
 */
async function receiveUrls(ctx, budget, sinks, written) {
	const body = await readJson(ctx);
	const urls = body && body.urls;
	if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && u)) {
		throw new ApiError(400, 'URL upload needs {"urls":["https://..."],"source_type":"url"} with at least one URL');
	}
	if (body.source_type !== undefined && body.source_type !== 'url') {
		throw new ApiError(400, `source_type must be "url" (got ${JSON.stringify(body.source_type)})`);
	}
	for (const url of urls) {
		written.push(await downloadToSink(ctx, url, budget, (sink) => sinks.push(sink)));
	}
}

/** @param {import('./http-io').Ctx} ctx */
async function handleUpload(ctx) {
	const { sim } = ctx;
	const user = sim.accounts.authenticate(ctx.req);
	const session = sim.sessions.get(user.userId, ctx.params.sid);
	const contentType = String(ctx.req.headers['content-type'] || '');
	const budget = { used: 0, max: sim.config.maxUploadBytes };
	/** @type {FileSink[]} */
	const sinks = [];
	/** @type {WrittenFile[]} */
	const written = [];
	/** @type {import('./storage').StoredFile[]} */
	const stored = [];
	try {
		const boundary = parseBoundary(contentType);
		if (boundary) await receiveMultipart(ctx, boundary, budget, sinks, written);
		else if (/^application\/json/i.test(contentType) || /json/i.test(contentType)) await receiveUrls(ctx, budget, sinks, written);
		else if (/^multipart\//i.test(contentType)) throw new ApiError(400, 'multipart upload without a boundary parameter');
		else {
			throw new ApiError(
				400,
				'Upload must be multipart/form-data with the files in the field "files", or JSON {"urls":[...],"source_type":"url"}',
			);
		}
		if (written.length === 0) throw new ApiError(400, 'No files in the upload: send them in the multipart field "files"');
		for (const w of written) {
			const info = await probeMedia(sim.config.media, sim.lifecycle, w.path, w.fileType, w.filename);
			stored.push({
				storedName: w.storedName,
				filename: w.filename,
				fileType: w.fileType,
				path: w.path,
				size: w.size,
				hash: w.hash,
				cdnUrl: `${sim.cdnUrl}/files/${encodeURIComponent(w.storedName)}`,
				sessionId: session.sessionId,
				userId: user.userId,
				duration: info.duration,
				width: info.width,
				height: info.height,
				fps: info.fps,
				hasAudio: info.hasAudio,
				uploadedAt: Date.now(),
			});
		}
	} catch (err) {
		await Promise.all(sinks.map((s) => s.abort()));
		throw err;
	}
	for (const file of stored) {
		sim.storage.register(file);
		addUploadToSession(session, file);
	}
	sendOk(ctx, {
		files: stored.map((f) => ({
			filename: f.filename,
			file_type: f.fileType,
			cdn_url: f.cdnUrl,
			duration: f.duration,
			width: f.width,
			height: f.height,
			fps: f.fps,
			hash: f.hash,
			size: f.size,
		})),
		session_state_applied: true,
	});
}

module.exports = { handleUpload, MULTIPART_OVERHEAD };
