// @ts-check
/**
 * The render in 'ffmpeg' media mode: turns a draft into a real H.264/AAC MP4.
 *   - video segments (tt 0) from their stored files, scaled/padded to one size
 *     (the first video's, capped at 1920x1080 landscape / 1080x1920 portrait),
 *     each trimmed (or held on its last frame) to its `d`, then concatenated;
 *   - a segment with m.faceSwap gets the reference photo overlaid over the
 *     upper middle, where a face usually is, and the label "SIMULATED FACE SWAP";
 *   - a replacement audio track (tt 1, role 'replacement') replaces the audio,
 *     trimmed (padded with silence) or looped to the video length; the original
 *     is dropped when the video volume is 0, otherwise mixed in at that volume;
 *   - text segments (tt 7) drawn with drawtext when the filter is available.
 */
const fsp = require('node:fs/promises');
const path = require('node:path');
const { mediaTools } = require('./media');
const { mediaBinary } = require('./media-binaries');

/** @param {number} n */
const even = (n) => Math.max(2, 2 * Math.round(n / 2));

/**
 * @param {number} w
 * @param {number} h
 */
function outputSize(w, h) {
	if (!w || !h) return { W: 1280, H: 720 };
	const [maxW, maxH] = w >= h ? [1920, 1080] : [1080, 1920];
	const scale = Math.min(1, maxW / w, maxH / h);
	return { W: even(w * scale), H: even(h * scale) };
}

/** Quotes a value for a filtergraph option (single quotes protect ':' and ','). @param {string} v */
function q(v) {
	return `'${v.replace(/'/g, "'\\''")}'`;
}

/** @param {number} ms */
const secs = (ms) => (Math.max(40, ms) / 1000).toFixed(3);

/**
 * Builds the ffmpeg command line for a draft.
 * @param {object} o
 * @param {import('./sessions').Draft} o.draft
 * @param {(m: Record<string, any>) => import('./storage').StoredFile | undefined} o.resolve
 * @param {string} o.outPath
 * @param {(text: string) => Promise<string>} o.writeTextFile returns a path holding the text
 * @returns {Promise<{ args: string[], totalSeconds: number }>}
 */
async function buildFfmpegArgs({ draft, resolve, outPath, writeTextFile }) {
	const tools = mediaTools();
	const segments = draft.t
		.filter((t) => t.tt === 0)
		.flatMap((t) => t.sg)
		.sort((a, b) => a.st - b.st);
	if (!segments.length) throw new Error('the draft has no video segment to render');
	const files = segments.map((s) => {
		const f = resolve(s.m);
		if (!f) throw new Error(`video segment ${s.id}: file not found (${s.m.file || s.m.url})`);
		return f;
	});
	const { W, H } = outputSize(files[0].width, files[0].height);
	const font = tools.fontFile ? `:fontfile=${q(tools.fontFile)}` : '';
	/** @type {string[]} */
	const inputs = [];
	/** @type {string[]} */
	const filters = [];
	let nextInput = 0;
	/** @param {string} file @param {string[]} [before] */
	const addInput = (file, before = []) => {
		inputs.push(...before, '-i', file);
		return nextInput++;
	};
	const totalMs = segments.reduce((sum, s) => sum + Math.max(40, s.d), 0);
	const total = secs(totalMs);

	segments.forEach((seg, i) => {
		const D = secs(seg.d);
		const input = addInput(files[i].path);
		filters.push(
			`[${input}:v]scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p,` +
				`tpad=stop_mode=clone:stop_duration=${D},trim=duration=${D},setpts=PTS-STARTPTS[v${i}]`,
		);
		const volume = typeof seg.m.volume === 'number' ? seg.m.volume / 100 : 1;
		filters.push(
			files[i].hasAudio
				? `[${input}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=duration=${D},asetpts=PTS-STARTPTS,volume=${volume}[a${i}]`
				: `anullsrc=r=48000:cl=stereo,atrim=duration=${D},aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`,
		);
		if (seg.m.faceSwap) {
			let label = `v${i}`;
			const ref = resolve({ url: seg.m.faceSwap.url, file: seg.m.faceSwap.file });
			if (ref) {
				const img = addInput(ref.path);
				// a face-sized box: a third of the width, at most half the height
				filters.push(`[${img}:v]scale=w=${even(W / 3)}:h=${even(H / 2)}:force_original_aspect_ratio=decrease,format=rgba[fsimg${i}]`);
				filters.push(`[${label}][fsimg${i}]overlay=x=(W-w)/2:y=H*0.12:eof_action=repeat:format=auto[fso${i}]`);
				label = `fso${i}`;
			}
			if (tools.drawtext) {
				filters.push(
					`[${label}]drawtext=text=${q('SIMULATED FACE SWAP')}${font}:fontsize=${Math.max(12, Math.round(H / 18))}:fontcolor=yellow:` +
						`box=1:boxcolor=black@0.6:boxborderw=10:x=(w-text_w)/2:y=h*0.03[fsl${i}]`,
				);
				label = `fsl${i}`;
			}
			filters.push(`[${label}]null[vv${i}]`);
		} else {
			filters.push(`[v${i}]null[vv${i}]`);
		}
	});
	filters.push(`${segments.map((_, i) => `[vv${i}][a${i}]`).join('')}concat=n=${segments.length}:v=1:a=1[vcat][acat]`);

	// text overlays
	let video = 'vcat';
	const texts = draft.t.filter((t) => t.tt === 7).flatMap((t) => t.sg);
	if (tools.drawtext) {
		for (const [j, seg] of texts.entries()) {
			if (typeof seg.m.text !== 'string' || !seg.m.text) continue;
			const textFile = await writeTextFile(seg.m.text);
			const size = Math.max(10, Math.round(((seg.m.size || 48) * H) / 1080));
			const from = (seg.st / 1000).toFixed(3);
			const to = ((seg.st + seg.d) / 1000).toFixed(3);
			filters.push(
				`[${video}]drawtext=textfile=${q(textFile)}${font}:fontsize=${size}:fontcolor=white:borderw=3:bordercolor=black:` +
					`x=(w-text_w)/2:y=h*0.78:enable=${q(`between(t,${from},${to})`)}[vt${j}]`,
			);
			video = `vt${j}`;
		}
	}

	// audio replacement
	let audio = 'acat';
	const replacement = draft.t
		.filter((t) => t.tt === 1)
		.flatMap((t) => t.sg)
		.find((s) => s.m && s.m.role === 'replacement');
	const replacementFile = replacement && resolve(replacement.m);
	if (replacement && replacementFile) {
		const loop = replacement.m.fit === 'loop';
		const input = addInput(replacementFile.path, loop ? ['-stream_loop', '-1'] : []);
		const repVolume = typeof replacement.m.volume === 'number' ? replacement.m.volume / 100 : 1;
		filters.push(
			`[${input}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=duration=${total},asetpts=PTS-STARTPTS,volume=${repVolume}[rep]`,
		);
		const originalSilent = segments.every((s) => s.m.volume === 0);
		if (originalSilent) {
			filters.push('[acat]anullsink');
			audio = 'rep';
		} else {
			// the plain sum of both tracks (amix's normalize=0 says the same, but only since ffmpeg 5)
			filters.push('[acat][rep]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c3[amixed]');
			audio = 'amixed';
		}
	}

	const args = [
		'-hide_banner',
		'-nostdin',
		'-y',
		...inputs,
		'-filter_complex',
		filters.join(';'),
		'-map',
		`[${video}]`,
		'-map',
		`[${audio}]`,
		'-c:v',
		'libx264',
		'-preset',
		'veryfast',
		'-pix_fmt',
		'yuv420p',
		'-r',
		'30',
		'-c:a',
		'aac',
		'-b:a',
		'128k',
		'-ar',
		'48000',
		'-movflags',
		'+faststart',
		'-t',
		total,
		'-progress',
		'pipe:1',
		'-nostats',
		outPath,
	];
	return { args, totalSeconds: totalMs / 1000 };
}

/**
 * Renders a draft. Resolves when the MP4 is written; rejects with ffmpeg's
 * last error lines. The child is tracked by the lifecycle (killed on close)
 * and handed to onChild so a cancel can kill it.
 * @param {object} o
 * @param {import('./sessions').Draft} o.draft
 * @param {(m: Record<string, any>) => import('./storage').StoredFile | undefined} o.resolve
 * @param {string} o.outPath
 * @param {string} o.tmpDir
 * @param {import('./lifecycle').Lifecycle} o.lifecycle
 * @param {(fraction: number) => void} [o.onProgress]
 * @param {(child: import('node:child_process').ChildProcess) => void} [o.onChild]
 */
async function renderWithFfmpeg({ draft, resolve, outPath, tmpDir, lifecycle, onProgress, onChild }) {
	/** @type {string[]} */
	const scratch = [];
	const writeTextFile = async (/** @type {string} */ text) => {
		const file = path.join(tmpDir, `text-${scratch.length}-${path.basename(outPath)}.txt`);
		await fsp.writeFile(file, text, 'utf8');
		scratch.push(file);
		return file;
	};
	try {
		const { args, totalSeconds } = await buildFfmpegArgs({ draft, resolve, outPath, writeTextFile });
		await new Promise((done, fail) => {
			const child = lifecycle.spawn(mediaBinary('ffmpeg'), args);
			if (onChild) onChild(child);
			let stderr = '';
			child.stderr?.on('data', (d) => {
				stderr = (stderr + d).slice(-4000);
			});
			child.stdout?.on('data', (d) => {
				const m = /out_time_us=(\d+)/.exec(String(d));
				if (m && onProgress && totalSeconds > 0) onProgress(Math.min(1, Number(m[1]) / 1e6 / totalSeconds));
			});
			child.once('error', fail);
			child.once('close', (code, signal) => {
				if (code === 0) done(undefined);
				else {
					const lines = stderr.trim().split('\n').slice(-3).join(' | ');
					fail(new Error(signal ? `ffmpeg was stopped (${signal})` : `ffmpeg failed (exit ${code}): ${lines}`));
				}
			});
		});
	} finally {
		await Promise.all(scratch.map((f) => fsp.rm(f, { force: true })));
	}
}

module.exports = { renderWithFfmpeg, buildFfmpegArgs, outputSize };
