// Uploads: streaming multipart (one or several files), URL uploads, the 4001/4002
// checks, the CDN origin, the multipart parser at every chunk split, and a
// 200 MB upload whose server-side memory growth must stay far below its size.
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { AddressInfo } from 'node:net';
import {
	ATTRIBUTION,
	call,
	FAKE_AUDIO,
	FAKE_IMAGE,
	FAKE_VIDEO,
	multipartStream,
	newSession,
	newToken,
	Sim,
	startSimulator,
	state,
	upload,
} from './helpers';
import { createHash } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { MultipartParser } = require('../../simulator/multipart') as {
	MultipartParser: new (boundary: string, onPart: (info: any) => any) => { push(b: Buffer): Promise<void>; end(): void };
};

let sim: Sim;
let token: string;
beforeAll(async () => {
	sim = await startSimulator();
	token = newToken(sim);
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure({ maxUploadBytes: 500 * 1024 * 1024 });
});

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('multipart upload', () => {
	it('stores several files from one request, hashes them and updates the session', async () => {
		const sid = await newSession(sim, token);
		const r = await upload(sim, token, sid, [
			{ name: 'clip.mp4', data: FAKE_VIDEO },
			{ name: 'face.JPG', data: FAKE_IMAGE },
			{ name: 'voice.m4a', data: FAKE_AUDIO },
		]);
		expect(r.status).toBe(200);
		expect(r.body.success).toBe(true);
		const files = r.body.data.files;
		expect(r.body.data.session_state_applied).toBe(true);
		expect(files.map((f: any) => [f.filename, f.file_type])).toEqual([
			['clip.mp4', 'video'],
			['face.JPG', 'image'],
			['voice.m4a', 'audio'],
		]);
		expect(files[0]).toMatchObject({ duration: 10, width: 1920, height: 1080, fps: 30, hash: sha(FAKE_VIDEO) });
		expect(files[1]).toMatchObject({ duration: 0, hash: sha(FAKE_IMAGE) });
		for (const f of files) expect(f.cdn_url.startsWith(`${sim.cdnUrl}/files/`)).toBe(true);

		const st = await state(sim, token, sid);
		expect(st.draft.t).toHaveLength(1);
		expect(st.draft.t[0]).toMatchObject({ tt: 0, sg: [{ st: 0, d: 10_000, m: { name: 'clip.mp4', url: files[0].cdn_url, volume: 100 } }] });
		expect(typeof st.draft.t[0].sg[0].m.file).toBe('string');
		expect(st.video_infos).toHaveLength(1);
		expect(st.generated_media.map((m: any) => m.type)).toEqual(['image', 'audio']);

		// a second video is appended after the first
		await upload(sim, token, sid, [{ name: 'second.webm', data: FAKE_VIDEO }]);
		const st2 = await state(sim, token, sid);
		expect(st2.draft.t[0].sg.map((s: any) => s.st)).toEqual([0, 10_000]);
	});

	it('serves uploads on the CDN origin without auth, with ranges', async () => {
		const sid = await newSession(sim, token);
		const r = await upload(sim, token, sid, [{ name: 'clip.mp4', data: FAKE_VIDEO }]);
		const url = r.body.data.files[0].cdn_url;
		const full = await fetch(url);
		expect(full.status).toBe(200);
		expect(full.headers.get('content-type')).toBe('video/mp4');
		expect(await full.text()).toBe(FAKE_VIDEO);
		const part = await fetch(url, { headers: { Range: 'bytes=5-9' } });
		expect(part.status).toBe(206);
		expect(await part.text()).toBe(FAKE_VIDEO.slice(5, 10));
		expect((await fetch(`${sim.cdnUrl}/files/nope.mp4`)).status).toBe(404);
		const cdnRecords = sim.requests.filter((q) => q.origin === 'cdn');
		expect(cdnRecords).toHaveLength(3);
		expect(cdnRecords.every((q) => q.headers.authorization === undefined)).toBe(true);
	});

	it('rejects unsupported extensions with 4001 listing the accepted types', async () => {
		const sid = await newSession(sim, token);
		const r = await upload(sim, token, sid, [{ name: 'notes.txt', data: 'hello' }]);
		expect(r.status).toBe(400);
		expect(r.body.success).toBe(false);
		expect(r.body.error).toMatch(/\(4001\)$/);
		for (const ext of ['mp4', 'mov', 'avi', 'webm', 'mkv', 'jpg', 'png', 'gif', 'webp', 'mp3', 'wav', 'm4a', 'aac']) {
			expect(r.body.error).toContain(ext);
		}
		sim.configure({ envelope: 'code' });
		const c = await upload(sim, token, sid, [{ name: 'x.pdf', data: 'hello' }]);
		expect(c.body.code).toBe(4001);
		sim.configure({ envelope: 'mixed' });
	});

	it.each([
		['a PDF', '%PDF-1.7 fake document body'],
		['a ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])],
		['an EXE', 'MZ\x90\x00 windows program bytes'],
		['an ELF', '\x7fELF binary program bytes'],
		['an HTML page', '  <!DOCTYPE html><html><body>hi</body></html>'],
		['a script', '#!/bin/sh\necho hi there'],
	])('sniffs %s renamed to .mp4 as 4001', async (_label, data) => {
		const sid = await newSession(sim, token);
		const r = await upload(sim, token, sid, [{ name: 'video.mp4', data }]);
		expect(r.status).toBe(400);
		expect(r.body.error).toMatch(/Unsupported file type.*\(4001\)/);
		expect(sim.session(sid).files).toHaveLength(0);
	});

	it('rejects an empty file, a file in the wrong field, and a request without files', async () => {
		const sid = await newSession(sim, token);
		const empty = await upload(sim, token, sid, [{ name: 'empty.mp4', data: '' }]);
		expect(empty.body.error).toMatch(/empty.*\(4001\)/);
		const wrongField = await upload(sim, token, sid, [{ name: 'a.mp4', data: FAKE_VIDEO, field: 'file' }]);
		expect(wrongField.status).toBe(400);
		expect(wrongField.body.error).toMatch(/field "files"/);
		const form = new FormData();
		form.append('note', 'no files here');
		const none = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, { token, body: form });
		expect(none.status).toBe(400);
		const notMultipart = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, { token, body: 'raw', headers: { 'Content-Type': 'video/mp4' } });
		expect(notMultipart.status).toBe(400);
		expect(sim.session(sid).files).toHaveLength(0);
	});

	it('one bad file fails the whole request and leaves nothing behind', async () => {
		const sid = await newSession(sim, token);
		const r = await upload(sim, token, sid, [
			{ name: 'good.mp4', data: FAKE_VIDEO },
			{ name: 'bad.mp4', data: '%PDF-1.4 not a video at all' },
		]);
		expect(r.status).toBe(400);
		expect(sim.session(sid).files).toHaveLength(0);
		expect((await state(sim, token, sid)).draft).toEqual({ t: [] });
	});

	it('refuses an oversized upload from its Content-Length with 4002 before reading it', async () => {
		sim.configure({ maxUploadBytes: 1024 * 1024 });
		const sid = await newSession(sim, token);
		const started = Date.now();
		const r = await upload(sim, token, sid, [{ name: 'big.mp4', data: Buffer.alloc(8 * 1024 * 1024, 1) }]);
		expect(r.status).toBe(413);
		expect(r.body.error).toMatch(/too large.*\(4002\)/);
		expect(Date.now() - started).toBeLessThan(2000);
	});

	it('aborts a streamed (chunked) upload with 4002 as soon as it passes the limit', async () => {
		sim.configure({ maxUploadBytes: 2 * 1024 * 1024 });
		const sid = await newSession(sim, token);
		const res = await fetch(`${sim.url}/api/upload-video/nemo_agent/me/${sid}`, {
			method: 'POST',
			headers: { ...ATTRIBUTION, Authorization: `Bearer ${token}`, 'Content-Type': 'multipart/form-data; boundary=b0undary' },
			body: multipartStream('b0undary', 'big.mp4', 64 * 1024 * 1024, 64 * 1024),
			duplex: 'half',
		} as RequestInit);
		expect(res.status).toBe(413);
		expect(res.headers.get('connection')).toBe('close');
		expect(((await res.json()) as any).error).toMatch(/\(4002\)/);
		const rec = sim.requests.find((q) => q.endpoint === 'upload')!;
		expect(rec.status).toBe(413);
		expect(rec.headers['content-length']).toBeUndefined();
		expect(sim.session(sid).files).toHaveLength(0);
	});

	it('accepts a streamed upload just under the limit', async () => {
		sim.configure({ maxUploadBytes: 2 * 1024 * 1024 });
		const sid = await newSession(sim, token);
		const res = await fetch(`${sim.url}/api/upload-video/nemo_agent/me/${sid}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'multipart/form-data; boundary=b0undary' },
			body: multipartStream('b0undary', 'edge.mp4', 2 * 1024 * 1024, 100_000),
			duplex: 'half',
		} as RequestInit);
		expect(res.status).toBe(200);
		expect(((await res.json()) as any).data.files[0].hash).toBe(sha(Buffer.alloc(2 * 1024 * 1024, 0x11)));
	});
});

describe('URL upload', () => {
	let source: http.Server;
	let sourceUrl: string;
	beforeAll(async () => {
		source = http.createServer((req, res) => {
			if (req.url === '/media/clip.mp4') res.end(FAKE_VIDEO);
			else if (req.url === '/noext') {
				res.setHeader('Content-Type', 'audio/mpeg');
				res.end(FAKE_AUDIO);
			} else if (req.url === '/redirect') {
				res.writeHead(302, { Location: '/media/clip.mp4' });
				res.end();
			} else if (req.url === '/doc.mp4') res.end('%PDF-1.5 a document');
			else {
				res.statusCode = 404;
				res.end('nope');
			}
		});
		await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
		sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
	});
	afterAll(() => new Promise<void>((resolve) => source.close(() => resolve())));

	it('downloads each URL into the session (also via a redirect and by Content-Type)', async () => {
		const sid = await newSession(sim, token);
		const r = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, {
			token,
			json: { urls: [`${sourceUrl}/media/clip.mp4`, `${sourceUrl}/redirect`, `${sourceUrl}/noext`], source_type: 'url' },
		});
		expect(r.status).toBe(200);
		expect(r.body.data.files.map((f: any) => [f.filename, f.file_type, f.hash])).toEqual([
			['clip.mp4', 'video', sha(FAKE_VIDEO)],
			['clip.mp4', 'video', sha(FAKE_VIDEO)],
			['noext.mp3', 'audio', sha(FAKE_AUDIO)],
		]);
		expect((await state(sim, token, sid)).draft.t[0].sg).toHaveLength(2);
	});

	it('gives clear errors for unreachable URLs, HTTP errors and non-media', async () => {
		const sid = await newSession(sim, token);
		const refused = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, {
			token,
			json: { urls: ['http://127.0.0.1:1/clip.mp4'], source_type: 'url' },
		});
		expect(refused.status).toBe(400);
		expect(refused.body.error).toMatch(/Could not download http:\/\/127\.0\.0\.1:1\/clip\.mp4: connection refused/);
		const missing = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, { token, json: { urls: [`${sourceUrl}/gone.mp4`] } });
		expect(missing.body.error).toMatch(/HTTP 404/);
		const pdf = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, { token, json: { urls: [`${sourceUrl}/doc.mp4`] } });
		expect(pdf.body.error).toMatch(/\(4001\)/);
		const bad = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, { token, json: { urls: [] } });
		expect(bad.status).toBe(400);
		expect(sim.session(sid).files).toHaveLength(0);
	});

	it('can re-upload a file from its own CDN URL', async () => {
		const sid = await newSession(sim, token);
		const first = await upload(sim, token, sid, [{ name: 'clip.mov', data: FAKE_VIDEO }]);
		const again = await call(sim, 'POST', `/api/upload-video/nemo_agent/me/${sid}`, { token, json: { urls: [first.body.data.files[0].cdn_url], source_type: 'url' } });
		expect(again.status).toBe(200);
		expect(again.body.data.files[0].hash).toBe(sha(FAKE_VIDEO));
	});
});

describe('multipart parser', () => {
	const boundary = '----sim-boundary';
	const a = Buffer.alloc(300, 7);
	const b = Buffer.from(`almost\r\n--${boundary.slice(0, 5)} a boundary\r\n-- but not`);
	const body = Buffer.concat([
		Buffer.from(`preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n`),
		a,
		Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--${boundary}\r\n`),
		Buffer.from(`Content-Disposition: form-data; name="files"; filename*=UTF-8''%C3%A9t%C3%A9.png\r\n\r\n`),
		b,
		Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
	]);

	async function parse(splits: number[], slowSink: boolean) {
		const parts: { name: string; filename: string | null; data: Buffer[] }[] = [];
		const parser = new MultipartParser(boundary, (info: any) => {
			const part = { name: info.name, filename: info.filename, data: [] as Buffer[] };
			parts.push(part);
			return {
				write: (d: Buffer) => {
					part.data.push(Buffer.from(d));
					return slowSink ? new Promise<void>((r) => setImmediate(r)) : undefined;
				},
				end: () => undefined,
			};
		});
		let pos = 0;
		for (const s of splits) {
			await parser.push(body.subarray(pos, s));
			pos = s;
		}
		await parser.push(body.subarray(pos));
		parser.end();
		return parts.map((p) => ({ name: p.name, filename: p.filename, data: Buffer.concat(p.data) }));
	}

	it('finds every delimiter whatever the chunk edges', async () => {
		const expected = [
			{ name: 'files', filename: 'a.mp4', data: a },
			{ name: 'note', filename: null, data: Buffer.from('hi') },
			{ name: 'files', filename: 'été.png', data: b },
		];
		const key = (parts: { name: string; filename: string | null; data: Buffer }[]) =>
			parts.map((p) => `${p.name}|${p.filename}|${p.data.toString('hex')}`).join('\n');
		const want = key(expected);
		expect(await parse([], false)).toEqual(expected);
		const mismatches: string[] = [];
		for (let i = 0; i <= body.length; i++) {
			if (key(await parse([i], i % 10 === 0)) !== want) mismatches.push(`split at ${i}`);
			const three = [i, Math.min(body.length, i + 1), Math.min(body.length, i + 3)];
			if (key(await parse(three, false)) !== want) mismatches.push(`splits at ${three}`);
		}
		const everyByte = Array.from({ length: body.length }, (_, i) => i);
		if (key(await parse(everyByte, false)) !== want) mismatches.push('one byte at a time');
		expect(mismatches).toEqual([]);
	});

	it('reports a truncated body', async () => {
		const parser = new MultipartParser(boundary, () => ({ write: () => undefined, end: () => undefined }));
		await parser.push(body.subarray(0, 200));
		expect(() => parser.end()).toThrow(/closing boundary/);
	});
});

describe('big streaming upload', () => {
	it('takes 200 MB with the server process growing far less than the file', async () => {
		const cli = path.join(__dirname, '../../simulator/cli.js');
		const child = spawn(process.execPath, [cli, '--port', '0', '--token', 'nmv_usr_big:100'], { stdio: ['ignore', 'pipe', 'pipe'] });
		try {
			const info = await new Promise<{ url: string }>((resolve, reject) => {
				let out = '';
				child.stdout!.on('data', (d) => {
					out += d;
					const m = /SIMULATOR_READY (.*)\n/.exec(out);
					if (m) resolve(JSON.parse(m[1]));
				});
				child.once('exit', (code) => reject(new Error(`simulator exited ${code}`)));
			});
			const rss = async () => ((await (await fetch(`${info.url}/__sim/stats`)).json()) as any).memory.rss as number;
			const headers = { Authorization: 'Bearer nmv_usr_big' };
			const created = await (await fetch(`${info.url}/api/tasks/me/with-session/nemo_agent`, { method: 'POST', headers, body: '{}' })).text();
			const sid = /"session_id":(\d+)/.exec(created)![1];
			const before = await rss();
			let peak = before;
			let polling = true;
			const poller = (async () => {
				while (polling) {
					peak = Math.max(peak, await rss());
					await new Promise((r) => setTimeout(r, 20));
				}
			})();
			const size = 200 * 1024 * 1024;
			const res = await fetch(`${info.url}/api/upload-video/nemo_agent/me/${sid}`, {
				method: 'POST',
				headers: { ...headers, 'Content-Type': 'multipart/form-data; boundary=bigbound' },
				body: multipartStream('bigbound', 'big.mp4', size),
				duplex: 'half',
			} as RequestInit);
			const json = (await res.json()) as any;
			polling = false;
			await poller;
			expect(res.status).toBe(200);
			expect(json.data.files[0].size).toBe(size);
			const growthMb = (peak - before) / 1024 / 1024;
			// eslint-disable-next-line no-console
			console.log(`200 MB upload: server RSS ${Math.round(before / 1048576)} MB -> peak ${Math.round(peak / 1048576)} MB (+${growthMb.toFixed(1)} MB)`);
			expect(growthMb).toBeLessThan(100);
		} finally {
			child.kill('SIGTERM');
			await new Promise((r) => child.once('exit', r));
		}
	});
});
