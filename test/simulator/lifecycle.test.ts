// Starting and stopping: close() ends streams, uploads and timers and leaves no
// open handle or temp dir; several simulators coexist; the CLI runs it as a
// process and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ATTRIBUTION, call, messageBody, multipartStream, newSession, newToken, sessionWithMedia, sleep, startSimulator, state } from './helpers';

/** Resources that are not ours (jest's own, stdio). */
const ours = (list: string[]) => list.filter((r) => !/TTYWrap|PipeWrap|ProcessWrap|SignalWrap/.test(r)).sort();

/**
 * The resources open beyond `baseline`, once they have settled. Other test files in the same
 * worker may leave short waits (a client's last wait step) that end meanwhile: fewer than at the
 * baseline is fine, any kind more is what the simulator left.
 */
async function resourcesBeyond(baseline: string[], timeoutMs = 2000): Promise<string[]> {
	const count = (list: string[]) => list.reduce((counts, kind) => counts.set(kind, (counts.get(kind) ?? 0) + 1), new Map<string, number>());
	const before = count(baseline);
	const beyond = () => [...count(ours(process.getActiveResourcesInfo()))].flatMap(([kind, n]) => (n > (before.get(kind) ?? 0) ? [`${kind} ×${n - (before.get(kind) ?? 0)}`] : []));
	const deadline = Date.now() + timeoutMs;
	let now = beyond();
	while (now.length > 0 && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 20));
		now = beyond();
	}
	return now;
}

describe('close()', () => {
	it('stops open streams, uploads, renders and timers, removes the temp dir, and leaves no handles', async () => {
		await sleep(50);
		const baseline = ours(process.getActiveResourcesInfo());
		const sim = await startSimulator({ sseDurationMs: 60_000, heartbeatIntervalMs: 10, renderMs: 60_000 });
		const dataDir = sim.dataDir;
		expect(fs.existsSync(dataDir)).toBe(true);
		const token = newToken(sim);
		const sid = await sessionWithMedia(sim, token, ['video']);
		const draft = (await state(sim, token, sid)).draft;
		await call(sim, 'POST', '/api/render/proxy/lambda', { token, json: { id: 'render_open', sessionId: sid, draft } });

		// a long stream, read as it goes
		const stream = await fetch(`${sim.url}/run_sse`, {
			method: 'POST',
			headers: { ...ATTRIBUTION, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify(messageBody(sid, 'hello')),
		});
		const reader = stream.body!.getReader();
		await reader.read();
		const streamEnd = (async () => {
			try {
				while (!(await reader.read()).done);
				return 'ended';
			} catch {
				return 'error';
			}
		})();
		// an upload that stalls half-way (its body never ends; no client-side timer)
		const inner = multipartStream('zz', 'slow.mp4', 50 * 1024 * 1024, 64 * 1024).getReader();
		let chunks = 0;
		const slowUpload = fetch(`${sim.url}/api/upload-video/nemo_agent/me/${sid}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'multipart/form-data; boundary=zz' },
			body: new ReadableStream<Uint8Array>({
				async pull(c) {
					if (++chunks > 20) return new Promise<void>(() => undefined);
					const { value } = await inner.read();
					c.enqueue(value!);
				},
			}),
			duplex: 'half',
		} as RequestInit).catch(() => 'failed');
		await sleep(100);
		expect(sim.requests.some((q) => q.endpoint === 'upload' && q.bodyBytes > 0)).toBe(true);

		const t = Date.now();
		await sim.close();
		expect(Date.now() - t).toBeLessThan(1500);
		expect(await streamEnd).toMatch(/ended|error/);
		expect(await slowUpload).toBe('failed');
		expect(fs.existsSync(dataDir)).toBe(false);
		await sim.close(); // idempotent
		await expect(fetch(`${sim.url}/api/credits/balance/simple`)).rejects.toThrow();
		expect(await resourcesBeyond(baseline)).toEqual([]);
	});

	it('keeps a given data dir', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-keep-'));
		try {
			const sim = await startSimulator({ dataDir: dir });
			const token = newToken(sim);
			await sessionWithMedia(sim, token, ['video']);
			await sim.close();
			expect(fs.readdirSync(path.join(dir, 'uploads'))).toHaveLength(1);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('several simulators', () => {
	it('do not share tokens or sessions', async () => {
		const [a, b] = await Promise.all([startSimulator(), startSimulator()]);
		try {
			expect(a.url).not.toBe(b.url);
			expect(a.cdnUrl).not.toBe(a.url);
			const token = newToken(a);
			const sid = await newSession(a, token);
			expect((await call(b, 'GET', '/api/credits/balance/simple', { token })).status).toBe(401);
			expect(b.session(sid)).toBeUndefined();
		} finally {
			await Promise.all([a.close(), b.close()]);
		}
	});

	it('refuses unknown config keys and bad values', async () => {
		await expect(startSimulator({ sseDurationMS: 10 })).rejects.toThrow(/unknown simulator config key "sseDurationMS"/);
		await expect(startSimulator({ eventForm: 'fancy' })).rejects.toThrow(/eventForm/);
	});
});

describe('cli', () => {
	it('prints its URLs, takes --config and --token, and exits cleanly on SIGTERM', async () => {
		const cli = path.join(__dirname, '../../simulator/cli.js');
		const child = spawn(process.execPath, [cli, '--port', '0', '--config', '{"sseDurationMs":10}', '--token', 'nmv_usr_cli:55', '--seed', '4'], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		const info = await new Promise<{ url: string; cdnUrl: string; adminUrl: string; dataDir: string }>((resolve, reject) => {
			child.stdout!.on('data', (d) => {
				out += d;
				const m = /SIMULATOR_READY (.*)\n/.exec(out);
				if (m) resolve(JSON.parse(m[1]));
			});
			child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
		});
		expect(out).toMatch(/API: +http:\/\/127\.0\.0\.1:\d+/);
		expect(out).toMatch(/CDN: +http:\/\/127\.0\.0\.1:\d+/);
		const cfg = (await (await fetch(`${info.adminUrl}config`)).json()) as any;
		expect(cfg).toMatchObject({ sseDurationMs: 10, seed: 4, media: 'fast' });
		const credits: any = await (await fetch(`${info.url}/api/credits/balance/simple`, { headers: { Authorization: 'Bearer nmv_usr_cli' } })).json();
		expect(credits.data.available).toBe(55);
		expect(fs.existsSync(info.dataDir)).toBe(true);
		const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
		expect(fs.existsSync(info.dataDir)).toBe(false);
	});

	it('fails with a clear message on a bad option', async () => {
		const cli = path.join(__dirname, '../../simulator/cli.js');
		const child = spawn(process.execPath, [cli, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
		let err = '';
		child.stderr!.on('data', (d) => (err += d));
		const code = await new Promise((resolve) => child.once('exit', resolve));
		expect(code).toBe(1);
		expect(err).toMatch(/unknown option --bogus/);
	});
});
