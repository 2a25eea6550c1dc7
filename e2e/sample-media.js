// @ts-check
'use strict';
/**
 * Sample media the demo and the e2e tests make themselves (nothing is downloaded), with ffmpeg:
 * the system's, or the one the devDependency @ffmpeg-installer/ffmpeg ships (a 2018 build, so
 * only filters that ffmpeg 4.1 has):
 *
 *   clip.mp4       8 s, 640x360, 30 fps, H.264 + AAC: animated gradient, a drawn cartoon face
 *                  that moves, and a 440 Hz tone as its original audio (so a test can hear
 *                  whether the original audio is still there)
 *   face.png       512x512 reference "photo": another drawn face (sunglasses, beard)
 *   voiceover.wav  one spoken sentence (~4 s, shorter than the clip on purpose: with "trim" the
 *                  end of the result is silence, with "loop" it is speech again), decoded from
 *                  the committed e2e/assets/voiceover.flac, made once with espeak-ng 1.51:
 *                  espeak-ng -v en-us -s 160 -w v.wav "<VOICE_TEXT>" && ffmpeg -i v.wav -compression_level 12 voiceover.flac
 *   batch-1..3.mp4 three 4 s variants of the clip for the batch example
 *
 * Made once into .cache/sample-media/<version>/ (git-ignored) and reused; `largeClip()` makes
 * a clip of any size in a second by padding the small one (a sparse file: instant, no disk).
 */
const fs = require('node:fs');
const path = require('node:path');
const { run } = require('./proc');
const { mediaBinary } = require('../simulator/media-binaries');

const REPO_ROOT = path.resolve(__dirname, '..');
/** Bump when the recipe changes, so old caches are not reused. */
const VERSION = 'v2';
const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'sample-media', VERSION);

const VOICE_TEXT = 'Hello from Nemo Video. This voice replaced the original audio.';
const VOICE_SAMPLE = path.join(__dirname, 'assets', 'voiceover.flac');

/**
 * A geq expression for one colour channel of a drawn face, layer by layer (first match wins).
 * Coordinates are the pixel's X, Y; each layer is [condition, value].
 * @param {Array<[string, number]>} layers
 * @param {string} otherwise expression for pixels no layer matched
 */
function layered(layers, otherwise) {
	return layers.reduceRight((acc, [cond, value]) => `if(${cond},${value},${acc})`, otherwise);
}

/**
 * geq filter drawing a cartoon face in a w x h box (rgba: transparent outside the head).
 * @param {number} w
 * @param {number} h
 * @param {{ skin: number[], hair: number[], eye: number[], mouth: number[], glasses?: boolean, beard?: number[], bg?: number[] }} look
 */
function faceGeq(w, h, look) {
	const cx = w / 2;
	const cy = h / 2;
	const rx = w * 0.39;
	const ry = h * 0.42;
	const inHead = `lt(pow((X-${cx})/${rx},2)+pow((Y-${cy})/${ry},2),1)`;
	const eyeY = cy - ry * 0.18;
	const eyeDx = rx * 0.38;
	const eyeR = Math.max(4, rx * 0.13);
	const eye = (/** @type {number} */ ex) => `lt(pow(X-${ex},2)+pow(Y-${eyeY},2),${eyeR * eyeR})`;
	const eyes = `(${eye(cx - eyeDx)}+${eye(cx + eyeDx)})`;
	const glasses = `(lt(abs(Y-${eyeY}),${eyeR * 1.3})*lt(abs(abs(X-${cx})-${eyeDx}),${eyeR * 2.1})+lt(abs(Y-${eyeY}),${eyeR * 0.25})*lt(abs(X-${cx}),${eyeDx}))`;
	const mouthY = cy + ry * 0.45;
	const mouth = `lt(pow((X-${cx})/${rx * 0.45},2)+pow((Y-${mouthY})/${ry * 0.14},2),1)*gt(Y,${mouthY})`;
	const hair = `lt(Y,${cy - ry * 0.62})`;
	const beard = `gt(Y,${cy + ry * 0.3})*gt(abs(X-${cx}),${rx * 0.5})`;
	const nose = `lt(abs(X-${cx}),${rx * 0.06})*gt(Y,${eyeY + eyeR})*lt(Y,${mouthY - ry * 0.18})`;
	/** @type {Array<[string, number[]]>} */
	const layers = [];
	if (look.glasses) layers.push([glasses, [20, 20, 25]]);
	else layers.push([eyes, look.eye]);
	layers.push([mouth, look.mouth], [hair, look.hair], [nose, look.skin.map((c) => Math.round(c * 0.8))]);
	if (look.beard) layers.push([beard, look.beard]);
	const bg = look.bg || [0, 0, 0];
	const ch = (/** @type {number} */ i) =>
		layered(
			layers.map(([c, rgb]) => /** @type {[string, number]} */ ([`${inHead}*${c}`, rgb[i]])),
			`if(${inHead},${look.skin[i]},${bg[i]})`, // skin inside the head, background outside
		);
	const alpha = look.bg ? '255' : `if(${inHead},255,0)`;
	return `geq=r='${ch(0)}':g='${ch(1)}':b='${ch(2)}':a='${alpha}'`;
}

/**
 * @param {string[]} args
 * @param {string} label
 */
function ffmpeg(args, label) {
	return run(mediaBinary('ffmpeg'), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { label, timeoutMs: 120_000 });
}

/** A TrueType font for drawtext, when the machine has one (the clip is fine without text). */
function fontFile() {
	return [
		'/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
		'/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
		'/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
	].find((f) => fs.existsSync(f));
}

/**
 * A still soft gradient (one frame of geq: a geq per frame would take seconds per clip); the
 * clip turns its hue to animate it. `seed` shifts the waves.
 * @param {string} out
 * @param {number} seed
 */
function makeBackground(out, seed) {
	const p = (/** @type {number} */ k) => ((seed * k) % 7).toFixed(2);
	return ffmpeg(
		['-f', 'lavfi', '-i', 'color=s=640x360,format=rgb24', '-frames:v', '1', '-vf',
			`geq=r='128+90*sin(X/97+${p(1)})':g='120+80*sin(Y/61+${p(3)})':b='150+70*sin((X+Y)/131+${p(5)})'`, out],
		`ffmpeg ${path.basename(out)}`,
	);
}

/**
 * One clip: gradient background, the moving drawn face, an optional caption, a tone.
 * @param {string} out
 * @param {{ seconds: number, faceImage: string, seed: number, tone: number, caption?: string }} o
 */
async function makeClip(out, o) {
	const font = fontFile();
	const caption =
		o.caption && font
			? `,drawtext=fontfile='${font}':text='${o.caption}':fontsize=22:fontcolor=white:borderw=2:bordercolor=black:x=(w-text_w)/2:y=h-40`
			: '';
	const background = `${out}.bg.png`;
	await makeBackground(background, o.seed);
	await ffmpeg(
		[
			'-loop', '1', '-framerate', '30', '-t', String(o.seconds), '-i', background,
			'-loop', '1', '-i', o.faceImage,
			'-f', 'lavfi', '-i', `sine=frequency=${o.tone}:sample_rate=48000:duration=${o.seconds}`,
			'-filter_complex',
			`[0:v]hue=H=2*PI*t/${o.seconds}[bg];[1:v]format=rgba[face];[bg][face]overlay=x='(W-w)/2+60*sin(t*1.3)':y='(H-h)/2-10+8*sin(t*2.1)':shortest=1${caption},format=yuv420p[v];[2:a]volume=0.5[a]`,
			'-map', '[v]', '-map', '[a]',
			'-t', String(o.seconds),
			'-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-pix_fmt', 'yuv420p',
			'-c:a', 'aac', '-b:a', '96k', '-ar', '48000',
			'-movflags', '+faststart',
			out,
		],
		`ffmpeg ${path.basename(out)}`,
	);
	fs.rmSync(background);
}

/**
 * @typedef {object} SampleMedia
 * @property {string} dir
 * @property {string} clip        clip.mp4 (8 s, 640x360, tone as original audio)
 * @property {string} face        face.png (reference photo)
 * @property {string} voiceover   voiceover.wav (spoken sentence)
 * @property {string[]} batch     three short clips
 * @property {number} clipSeconds
 * @property {number} voiceSeconds
 * @property {number} ms          time spent making them (0 when cached)
 */

/**
 * Make (once) and return the sample media.
 * @param {{ dir?: string, log?: (msg: string) => void }} [o]
 * @returns {Promise<SampleMedia>}
 */
async function ensureSampleMedia(o = {}) {
	const dir = o.dir || CACHE_DIR;
	const log = o.log || (() => {});
	const info = path.join(dir, 'media.json');
	if (fs.existsSync(info)) {
		const meta = JSON.parse(fs.readFileSync(info, 'utf8'));
		const files = [meta.clip, meta.face, meta.voiceover, ...meta.batch].map((f) => path.join(dir, f));
		if (files.every((f) => fs.existsSync(f))) return describe(dir, meta, 0);
	}
	mediaBinary('ffmpeg'); // throws, saying how to get it, when there is none
	mediaBinary('ffprobe');
	const t = Date.now();
	const tmp = `${dir}.tmp-${process.pid}`;
	fs.rmSync(tmp, { recursive: true, force: true });
	fs.mkdirSync(tmp, { recursive: true });
	log(`making sample media in ${path.relative(REPO_ROOT, dir)} (ffmpeg)`);

	// The face drawn into the clip (transparent around the head) and the reference photo.
	const clipFace = path.join(tmp, 'clip-face.png');
	await ffmpeg(
		['-f', 'lavfi', '-i', 'color=c=black@0:s=200x250,format=rgba', '-frames:v', '1', '-vf',
			faceGeq(200, 250, { skin: [236, 196, 160], hair: [90, 60, 30], eye: [40, 90, 160], mouth: [190, 60, 70] }), clipFace],
		'ffmpeg clip-face.png',
	);
	await ffmpeg(
		['-f', 'lavfi', '-i', 'color=c=black:s=512x512,format=rgba', '-frames:v', '1', '-vf',
			faceGeq(512, 512, { skin: [160, 110, 80], hair: [20, 20, 20], eye: [20, 20, 20], mouth: [150, 40, 50], glasses: true, beard: [50, 35, 25], bg: [120, 200, 140] }),
			path.join(tmp, 'face.png')],
		'ffmpeg face.png',
	);
	await makeClip(path.join(tmp, 'clip.mp4'), { seconds: 8, faceImage: clipFace, seed: 7, tone: 440, caption: 'NemoVideo demo clip' });
	const batch = [];
	for (let i = 1; i <= 3; i++) {
		const name = `batch-${i}.mp4`;
		await makeClip(path.join(tmp, name), { seconds: 4, faceImage: clipFace, seed: 100 + i, tone: 330 + 110 * i, caption: `Batch clip ${i}` });
		batch.push(name);
	}
	await ffmpeg(['-i', VOICE_SAMPLE, '-c:a', 'pcm_s16le', path.join(tmp, 'voiceover.wav')], 'ffmpeg voiceover.wav');
	fs.rmSync(clipFace);

	const { probeMedia } = require('./media-check');
	const clipInfo = await probeMedia(path.join(tmp, 'clip.mp4'));
	const voiceInfo = await probeMedia(path.join(tmp, 'voiceover.wav'));
	const meta = {
		clip: 'clip.mp4',
		face: 'face.png',
		voiceover: 'voiceover.wav',
		batch,
		clipSeconds: clipInfo.duration,
		voiceSeconds: voiceInfo.duration,
		voiceText: VOICE_TEXT,
		madeAt: new Date().toISOString(),
	};
	fs.writeFileSync(path.join(tmp, 'media.json'), JSON.stringify(meta, null, 2));
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(path.dirname(dir), { recursive: true });
	fs.renameSync(tmp, dir);
	const ms = Date.now() - t;
	log(`sample media ready in ${(ms / 1000).toFixed(1)} s (clip ${meta.clipSeconds} s, voice-over ${meta.voiceSeconds} s)`);
	return describe(dir, meta, ms);
}

/**
 * @param {string} dir
 * @param {any} meta
 * @param {number} ms
 * @returns {SampleMedia}
 */
function describe(dir, meta, ms) {
	return {
		dir,
		clip: path.join(dir, meta.clip),
		face: path.join(dir, meta.face),
		voiceover: path.join(dir, meta.voiceover),
		batch: meta.batch.map((/** @type {string} */ f) => path.join(dir, f)),
		clipSeconds: meta.clipSeconds,
		voiceSeconds: meta.voiceSeconds,
		ms,
	};
}

/**
 * A large "video" for memory tests: the small clip followed by zeros up to `bytes` (a sparse
 * file, made instantly). It starts like a real MP4 (ftyp box), so it passes the type checks of
 * the nodes and of the simulator in fast mode, which never decodes it.
 * @param {string} smallClip
 * @param {string} out
 * @param {number} bytes
 */
function largeClip(smallClip, out, bytes) {
	fs.mkdirSync(path.dirname(out), { recursive: true });
	fs.copyFileSync(smallClip, out);
	fs.truncateSync(out, bytes);
	return out;
}

module.exports = { ensureSampleMedia, largeClip, CACHE_DIR, VOICE_TEXT, faceGeq };

if (require.main === module) {
	ensureSampleMedia({ log: console.log })
		.then((m) => console.log(JSON.stringify(m, null, 2)))
		.catch((e) => {
			console.error(e.message);
			process.exit(1);
		});
}
