// @ts-check
'use strict';
/**
 * What a media file really is, from ffprobe and ffmpeg: used by the demo to describe its
 * output and by the e2e tests to check it (codec, duration, whether a stretch is silent).
 */
const { run } = require('./proc');
const { mediaBinary } = require('../simulator/media-binaries');

/**
 * @typedef {object} MediaFacts
 * @property {string} formatName   e.g. "mov,mp4,m4a,3gp,3g2,mj2"
 * @property {number} duration     seconds (container)
 * @property {number} size         bytes
 * @property {{ codec: string, width: number, height: number, fps: number, duration: number } | null} video
 * @property {{ codec: string, sampleRate: number, channels: number, duration: number } | null} audio
 */

/** @param {string | undefined} rate "30/1" */
function fps(rate) {
	if (!rate) return 0;
	const [n, d] = rate.split('/').map(Number);
	return d ? Math.round((n / d) * 100) / 100 : n || 0;
}

/**
 * ffprobe a file. Rejects when ffprobe cannot read it (not a media file).
 * @param {string} file
 * @returns {Promise<MediaFacts>}
 */
async function probeMedia(file) {
	const r = await run(mediaBinary('ffprobe'), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
		label: `ffprobe ${file}`,
		timeoutMs: 60_000,
	});
	const info = JSON.parse(r.stdout);
	/** @type {any[]} */
	const streams = info.streams || [];
	const v = streams.find((s) => s.codec_type === 'video' && !(s.disposition && s.disposition.attached_pic));
	const a = streams.find((s) => s.codec_type === 'audio');
	const num = (/** @type {any} */ x) => (Number.isFinite(Number(x)) ? Number(x) : 0);
	return {
		formatName: String((info.format && info.format.format_name) || ''),
		duration: num(info.format && info.format.duration),
		size: num(info.format && info.format.size),
		video: v ? { codec: v.codec_name, width: num(v.width), height: num(v.height), fps: fps(v.avg_frame_rate || v.r_frame_rate), duration: num(v.duration) } : null,
		audio: a ? { codec: a.codec_name, sampleRate: num(a.sample_rate), channels: num(a.channels), duration: num(a.duration) } : null,
	};
}

/**
 * Loudness of the audio between `from` and `from + seconds`: ffmpeg's volumedetect, in dBFS
 * (-91 = digital silence). Used to hear whether the original tone is gone and the voice is there.
 * @param {string} file
 * @param {number} from
 * @param {number} seconds
 * @returns {Promise<{ meanDb: number, maxDb: number }>}
 */
async function loudness(file, from, seconds) {
	const r = await run(
		mediaBinary('ffmpeg'),
		['-hide_banner', '-nostdin', '-ss', String(from), '-t', String(seconds), '-i', file, '-vn', '-af', 'volumedetect', '-f', 'null', '-'],
		{ label: `ffmpeg volumedetect ${file}`, timeoutMs: 60_000 },
	);
	const mean = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(r.stderr);
	const max = /max_volume:\s*(-?[\d.]+|-inf) dB/.exec(r.stderr);
	const db = (/** @type {RegExpExecArray | null} */ m) => (!m ? -91 : m[1] === '-inf' ? -91 : Number(m[1]));
	return { meanDb: db(mean), maxDb: db(max) };
}

/** "H.264 640x360 30 fps, AAC 48 kHz 8.0 s" @param {MediaFacts} m */
function describeMedia(m) {
	const v = m.video ? `${m.video.codec} ${m.video.width}x${m.video.height} ${m.video.fps} fps` : 'no video';
	const a = m.audio ? `${m.audio.codec} ${Math.round(m.audio.sampleRate / 100) / 10} kHz ${m.audio.duration.toFixed(2)} s` : 'no audio';
	return `${v}, audio ${a}, ${m.duration.toFixed(2)} s`;
}

module.exports = { probeMedia, loudness, describeMedia };
