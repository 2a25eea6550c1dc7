/**
 * A few-hundred-MB upload, streamed from disk through the client to the simulator (both in this
 * process, over real HTTP): the process's memory must not grow with the file size.
 *
 * The measurement runs in a process of its own (this file runs itself again under
 * `node --expose-gc`, jest in band), so that no earlier test file's garbage sits in the
 * baseline, and the baseline is taken after a full GC: a client that holds the file fails it
 * whatever else `npm test` ran before.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FAST_TIMINGS, type Simulator, startSimulator } from '../support/simulator';
import { clientFor, freshTokens } from './helpers';

const FILE_MB = Number(process.env.LARGE_UPLOAD_MB) || 300;
const CHILD_ENV = 'NEMO_LARGE_UPLOAD_MEASURING';

if (process.env[CHILD_ENV] !== '1') {
	it('measures the large upload in a process of its own, with --expose-gc', async () => {
		const jest = require.resolve('jest/bin/jest');
		const child = spawn(process.execPath, ['--expose-gc', jest, '--runInBand', '--coverage=false', path.relative(process.cwd(), __filename)], {
			env: { ...process.env, [CHILD_ENV]: '1' },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
		const measured = /large upload: .*/.exec(output)?.[0];
		if (measured) process.stdout.write(`${measured} (own process, --expose-gc)\n`);
		if (code !== 0) process.stdout.write(output.slice(-4000));
		expect(measured).toBeDefined();
		expect(code).toBe(0);
	}, 170_000);
} else {
	describeMeasurement();
}

function describeMeasurement(): void {
	let sim: Simulator;
	let dir: string;
	let file: string;

	beforeAll(async () => {
		sim = await startSimulator(FAST_TIMINGS);
		freshTokens();
		dir = await mkdtemp(path.join(tmpdir(), 'nemo-large-'));
		file = path.join(dir, 'large.mp4');
		await writeFakeVideo(file, FILE_MB * 1024 * 1024);
	});
	afterAll(async () => {
		await sim.close();
		await rm(dir, { recursive: true, force: true });
	});

	it(`streams a ${FILE_MB} MB upload with flat memory`, async () => {
		// Without a full GC before the baseline, garbage in it can hide a growth.
		expect(typeof global.gc).toBe('function');
		const client = clientFor(sim);
		const { sessionId } = await client.createSession();
		const size = (await stat(file)).size;

		global.gc?.();
		global.gc?.();
		// Two measures. RSS is what an n8n worker's memory limit sees, but when this file runs in a jest
		// worker after other files, pages those freed are still counted in the baseline and a growth can
		// hide in them. JS heap plus Buffer memory (external) does not depend on what ran before: a
		// client that held the file would show it there, whatever the worker's history.
		const live = () => {
			const m = process.memoryUsage();
			return { rss: m.rss, data: m.heapUsed + m.external };
		};
		const baseline = live();
		const peak = { ...baseline };
		const sample = () => {
			const now = live();
			peak.rss = Math.max(peak.rss, now.rss);
			peak.data = Math.max(peak.data, now.data);
		};
		const sampler = setInterval(sample, 20);
		const [uploaded] = await client.uploadFiles(sessionId, [
			{ fileName: 'large.mp4', mimeType: 'video/mp4', size, label: 'file "large.mp4"', field: 'file', open: () => createReadStream(file, { highWaterMark: 256 * 1024 }) },
		]);
		clearInterval(sampler);
		sample();
		const rssGrowthMb = (peak.rss - baseline.rss) / 1024 / 1024;
		const dataGrowthMb = (peak.data - baseline.data) / 1024 / 1024;
		// Recorded for the issue notes; the bound is what matters: far below the file size.
		process.stdout.write(
			`large upload: ${FILE_MB} MB, RSS growth ${rssGrowthMb.toFixed(1)} MB (from ${(baseline.rss / 1024 / 1024).toFixed(0)} MB), heap + buffers growth ${dataGrowthMb.toFixed(1)} MB\n`,
		);

		expect(uploaded.fileName).toBe('large.mp4');
		const upload = sim.requests.find((r) => r.path === `/api/upload-video/nemo_agent/me/${sessionId}`)!;
		expect(upload.bodyBytes).toBeGreaterThan(size);
		expect(rssGrowthMb).toBeLessThan(64);
		expect(dataGrowthMb).toBeLessThan(64);
		await client.close();
	});
}

async function writeFakeVideo(target: string, bytes: number): Promise<void> {
	const out = createWriteStream(target);
	const chunk = Buffer.alloc(1024 * 1024, 0x42);
	Buffer.from('\x00\x00\x00\x18ftypisom', 'latin1').copy(chunk);
	for (let written = 0; written < bytes; written += chunk.length) {
		if (!out.write(written === 0 ? chunk : chunk.fill(0x42, 0, 16))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
	}
	await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
