// media: 'ffmpeg' — real probing and real renders, with the system's ffmpeg/ffprobe or, on a
// machine without them, the ones the devDependencies @ffmpeg-installer/ffmpeg and
// @ffprobe-installer/ffprobe ship (so this suite never skips).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { call, newSession, newToken, sendMessage, Sim, sleep, startSimulator, state, upload } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { mediaBinary } = require('../../simulator/media-binaries');

const FFMPEG: string = mediaBinary('ffmpeg');
const FFPROBE: string = mediaBinary('ffprobe');

const W = 320;
const H = 240;

function ffmpeg(args: string[]): Buffer {
	return execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
}

function probe(file: string): any {
	return JSON.parse(execFileSync(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file]).toString());
}

/** RGB of one pixel of the frame at `t` seconds. */
function pixel(file: string, t: number, x: number, y: number): [number, number, number] {
	const raw = ffmpeg(['-ss', String(t), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
	const i = (y * W + x) * 3;
	return [raw[i], raw[i + 1], raw[i + 2]];
}

/** Peak audio level (dB) between from and from+len seconds. */
function maxVolume(file: string, from: number, len: number): number {
	const r = spawnSync(FFMPEG, ['-hide_banner', '-ss', String(from), '-t', String(len), '-i', file, '-af', 'volumedetect', '-f', 'null', '-']);
	const m = /max_volume: (-?[\d.]+|-inf) dB/.exec(r.stderr.toString());
	return m ? (m[1] === '-inf' ? -Infinity : Number(m[1])) : NaN;
}

const isRed = ([r, g, b]: [number, number, number]) => r > 180 && g < 80 && b < 80;

describe(`media: 'ffmpeg'`, () => {
	let sim: Sim;
	let dir: string;
	let token: string;
	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-media-'));
		ffmpeg(['-f', 'lavfi', '-i', `testsrc=size=${W}x${H}:rate=30:duration=2`, '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path.join(dir, 'clip.mp4')]);
		ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:size=200x200', '-frames:v', '1', path.join(dir, 'face.png')]);
		ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=1000:duration=1', path.join(dir, 'voice.wav')]);
		sim = await startSimulator({ media: 'ffmpeg', sseDurationMs: 30, heartbeatIntervalMs: 10, silentRate: 0, renderMs: 0 });
		token = newToken(sim, 1000);
	});
	afterAll(async () => {
		await sim?.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const read = (name: string) => fs.readFileSync(path.join(dir, name));

	async function render(sid: string, id: string): Promise<string> {
		const draft = (await state(sim, token, sid)).draft;
		const r = await call(sim, 'POST', '/api/render/proxy/lambda', { token, json: { id, sessionId: sid, draft, output: { format: 'mp4', quality: 'high' } } });
		expect(r.status).toBe(200);
		for (let i = 0; i < 300; i++) {
			const s = (await call(sim, 'GET', `/api/render/proxy/lambda/${id}`, { token })).body;
			const st = s.data ? s.data.status : s.status;
			if (st === 'completed') break;
			if (st === 'failed') throw new Error(`render failed: ${JSON.stringify(s)}`);
			await sleep(50);
		}
		const res = await fetch(`${sim.url}/api/render/proxy/${id}/download`, { headers: { Authorization: `Bearer ${token}` } });
		expect(res.status).toBe(200);
		const file = path.join(dir, `${id}.mp4`);
		fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
		expect(Number(res.headers.get('content-length'))).toBe(fs.statSync(file).size);
		return file;
	}

	it('probes uploads with ffprobe and refuses what it cannot read', async () => {
		const sid = await newSession(sim, token);
		const r = await upload(sim, token, sid, [
			{ name: 'clip.mp4', data: read('clip.mp4') },
			{ name: 'face.png', data: read('face.png') },
			{ name: 'voice.wav', data: read('voice.wav') },
		]);
		expect(r.status).toBe(200);
		const [video, image, audio] = r.body.data.files;
		expect(video).toMatchObject({ file_type: 'video', width: W, height: H, fps: 30 });
		expect(video.duration).toBeCloseTo(2, 0);
		expect(image).toMatchObject({ file_type: 'image', width: 200, height: 200, duration: 0 });
		expect(audio.duration).toBeCloseTo(1, 0);
		const fake = await upload(sim, token, sid, [{ name: 'fake.mp4', data: 'not really a video file at all' }]);
		expect(fake.status).toBe(400);
		expect(fake.body.error).toMatch(/could not be read.*\(4001\)/);
	});

	it('renders a real H.264/AAC MP4: face swap overlay, replaced and trimmed audio, title', async () => {
		const sid = await newSession(sim, token);
		await upload(sim, token, sid, [
			{ name: 'clip.mp4', data: read('clip.mp4') },
			{ name: 'face.png', data: read('face.png') },
			{ name: 'voice.wav', data: read('voice.wav') },
		]);
		const plain = await render(sid, 'render_plain');
		await sendMessage(sim, token, sid, 'swap the face in this video with the uploaded reference photo');
		await sendMessage(sim, token, sid, 'replace the audio with my voice and mute the original');
		await sendMessage(sim, token, sid, 'add the title "Hello"');
		const edited = await render(sid, 'render_edited');

		const info = probe(edited);
		const v = info.streams.find((s: any) => s.codec_type === 'video');
		const a = info.streams.find((s: any) => s.codec_type === 'audio');
		expect([v.codec_name, v.width, v.height, a.codec_name]).toEqual(['h264', W, H, 'aac']);
		expect(Number(info.format.duration)).toBeCloseTo(2, 0);

		// the reference photo sits over the upper middle of the edited render only
		const spot: [number, number] = [W / 2, Math.round(H * 0.12 + W / 6)];
		expect(isRed(pixel(edited, 1, ...spot))).toBe(true);
		expect(isRed(pixel(plain, 1, ...spot))).toBe(false);

		// original 2 s tone kept in the plain render; replaced by a 1 s tone, then silence
		expect(maxVolume(plain, 1.3, 0.5)).toBeGreaterThan(-40);
		expect(maxVolume(edited, 0.2, 0.5)).toBeGreaterThan(-40);
		expect(maxVolume(edited, 1.3, 0.5)).toBeLessThan(-60);
	});

	it('loops a short replacement track to the video length', async () => {
		const sid = await newSession(sim, token);
		await upload(sim, token, sid, [
			{ name: 'clip.mp4', data: read('clip.mp4') },
			{ name: 'voice.wav', data: read('voice.wav') },
		]);
		await sendMessage(sim, token, sid, 'replace the audio, loop it, and mute the original');
		const looped = await render(sid, 'render_looped');
		expect(maxVolume(looped, 1.3, 0.5)).toBeGreaterThan(-40);
	});

	it('keeps the original audio at a volume under a shorter replacement track', async () => {
		const sid = await newSession(sim, token);
		await upload(sim, token, sid, [
			{ name: 'clip.mp4', data: read('clip.mp4') },
			{ name: 'voice.wav', data: read('voice.wav') },
		]);
		await sendMessage(sim, token, sid, 'replace the audio and keep the original at 20%');
		const mixed = await render(sid, 'render_mixed');
		// the 1 s replacement tone is loud; after it, the 440 Hz original is still there, quieter
		expect(maxVolume(mixed, 0.2, 0.5)).toBeGreaterThan(-25);
		const after = maxVolume(mixed, 1.3, 0.5);
		expect(after).toBeGreaterThan(-45);
		expect(after).toBeLessThan(maxVolume(mixed, 0.2, 0.5) - 6);
	});

	it('fails a render whose draft points at no stored file', async () => {
		const sid = await newSession(sim, token);
		await upload(sim, token, sid, [{ name: 'clip.mp4', data: read('clip.mp4') }]);
		const draft = (await state(sim, token, sid)).draft;
		draft.t[0].sg[0].m = { name: 'ghost.mp4', file: 'ghost.mp4', url: 'http://nowhere/ghost.mp4' };
		await call(sim, 'POST', '/api/render/proxy/lambda', { token, json: { id: 'render_ghost', sessionId: sid, draft } });
		let body: any;
		for (let i = 0; i < 100; i++) {
			body = (await call(sim, 'GET', '/api/render/proxy/lambda/render_ghost', { token })).body;
			if ((body.data || body).status === 'failed') break;
			await sleep(20);
		}
		expect(JSON.stringify(body)).toMatch(/file not found/);
	});
});
