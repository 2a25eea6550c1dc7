// @ts-check
/**
 * Media facts about an uploaded file. 'fast' mode (unit tests uploading a few
 * fake bytes) answers plausible fixed values; 'ffmpeg' mode asks ffprobe and
 * refuses files it cannot read, as the real service would.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { ApiError } = require('./errors');
const { locateMediaBinary, mediaBinary } = require('./media-binaries');

/**
 * @typedef {object} MediaInfo
 * @property {number} duration seconds
 * @property {number} width
 * @property {number} height
 * @property {number} fps
 * @property {boolean} hasAudio
 */

/** @type {Record<'video' | 'image' | 'audio', MediaInfo>} */
const FAST_VALUES = Object.freeze({
	video: { duration: 10, width: 1920, height: 1080, fps: 30, hasAudio: true },
	image: { duration: 0, width: 1024, height: 1024, fps: 0, hasAudio: false },
	audio: { duration: 30, width: 0, height: 0, fps: 0, hasAudio: true },
});

/** @type {{ ffmpeg: boolean, ffprobe: boolean, drawtext: boolean, fontFile: string | null } | null} */
let toolsCache = null;

const FONT_CANDIDATES = [
	'/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
	'/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
	'/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
	'/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
	'/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
	'/System/Library/Fonts/Supplemental/Arial Bold.ttf',
];

/** Which of ffmpeg, ffprobe and the drawtext filter are here (checked once). */
function mediaTools() {
	if (toolsCache) return toolsCache;
	const ffmpegBin = locateMediaBinary('ffmpeg');
	const r = ffmpegBin && spawnSync(ffmpegBin.path, ['-hide_banner', '-filters'], { encoding: 'utf8', timeout: 10_000 });
	const filters = r && r.status === 0 ? r.stdout : null;
	const fontFile = FONT_CANDIDATES.find((f) => fs.existsSync(f)) || null;
	toolsCache = {
		ffmpeg: filters !== null,
		ffprobe: locateMediaBinary('ffprobe') !== null,
		// drawtext with no font file would ask fontconfig, which finds nothing on a bare machine
		drawtext: !!filters && /\bdrawtext\b/.test(filters) && fontFile !== null,
		fontFile,
	};
	return toolsCache;
}

function requireFfmpeg() {
	const tools = mediaTools();
	if (!tools.ffmpeg || !tools.ffprobe) {
		throw new Error(
			"media: 'ffmpeg' needs ffmpeg and ffprobe: on PATH, or from the devDependencies @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe (npm ci); use media: 'fast' without them",
		);
	}
	return tools;
}

/**
 * @param {import('./lifecycle').Lifecycle} lifecycle
 * @param {string[]} args
 * @returns {Promise<string>} stdout
 */
function runFfprobe(lifecycle, args) {
	return new Promise((resolve, reject) => {
		const child = lifecycle.spawn(mediaBinary('ffprobe'), args);
		let out = '';
		let err = '';
		child.stdout?.on('data', (d) => (out += d));
		child.stderr?.on('data', (d) => (err += d));
		child.once('error', reject);
		child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim() || `ffprobe exited ${code}`))));
	});
}

/** @param {string | undefined} rate like "30000/1001" */
function parseRate(rate) {
	if (!rate) return 0;
	const [n, d] = rate.split('/').map(Number);
	const v = d ? n / d : n;
	return Number.isFinite(v) ? Math.round(v * 100) / 100 : 0;
}

/**
 * @param {import('./lifecycle').Lifecycle} lifecycle
 * @param {string} file
 * @returns {Promise<MediaInfo & { videoCodec: string | null }>}
 */
async function ffprobe(lifecycle, file) {
	const out = await runFfprobe(lifecycle, [
		'-v',
		'error',
		'-print_format',
		'json',
		'-show_streams',
		'-show_format',
		file,
	]);
	const info = JSON.parse(out);
	/** @type {any[]} */
	const streams = info.streams || [];
	const video = streams.find((s) => s.codec_type === 'video' && !(s.disposition && s.disposition.attached_pic));
	const audio = streams.find((s) => s.codec_type === 'audio');
	const duration = Number((info.format && info.format.duration) || (video && video.duration) || (audio && audio.duration) || 0);
	return {
		duration: Number.isFinite(duration) ? Math.round(duration * 1000) / 1000 : 0,
		width: video ? Number(video.width) || 0 : 0,
		height: video ? Number(video.height) || 0 : 0,
		fps: video ? parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate) : 0,
		hasAudio: !!audio,
		videoCodec: video ? video.codec_name : null,
	};
}

/**
 * @param {'fast' | 'ffmpeg'} mode
 * @param {import('./lifecycle').Lifecycle} lifecycle
 * @param {string} file
 * @param {'video' | 'image' | 'audio'} fileType
 * @param {string} filename for error messages
 * @returns {Promise<MediaInfo>}
 */
async function probeMedia(mode, lifecycle, file, fileType, filename) {
	if (mode === 'fast') return { ...FAST_VALUES[fileType] };
	let info;
	try {
		info = await ffprobe(lifecycle, file);
	} catch (err) {
		throw new ApiError(4001, `Unsupported file: "${filename}" could not be read as ${fileType} (${/** @type {Error} */ (err).message.split('\n')[0]})`);
	}
	if (fileType === 'video' && !info.width) {
		throw new ApiError(4001, `Unsupported file: "${filename}" has no video stream`);
	}
	if (fileType === 'audio' && !info.hasAudio) {
		throw new ApiError(4001, `Unsupported file: "${filename}" has no audio stream`);
	}
	if (fileType === 'image') return { duration: 0, width: info.width, height: info.height, fps: 0, hasAudio: false };
	return info;
}

module.exports = { probeMedia, ffprobe, mediaTools, requireFfmpeg, FAST_VALUES };
