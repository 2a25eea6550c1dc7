// @ts-check
'use strict';
/**
 * Benchmarks 1 and 2: a big file up to the simulator, and a big render result down into n8n's
 * binary store (filesystem mode), three ways side by side in each round:
 *   - our node (Nemo Upload / Nemo Export "Get Status") in a real n8n,
 *   - n8n's own HTTP Request node (multipart with the binary / response format File) in the
 *     same n8n,
 *   - curl to the same simulator endpoint (the floor: no n8n at all).
 * Time of a node = its executionTime in n8n's run data (n8n's boot and the Read Files node
 * before it are not counted). Memory = the n8n process's RSS, sampled every 20 ms, while that
 * node ran, minus its RSS when the node started; and how far the kernel's peak (VmHWM) rose.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { W } = require('./workflows');
const { executeSampled, nodeWindow, clearBinaryStore, readMem } = require('./lib/n8n');
const { writeClip } = require('./lib/media');
const { makeClient, completedRender } = require('./lib/client');
const { summary, median } = require('./lib/stats');

const MB = 1024 * 1024;

/**
 * @param {string} cmd
 * @param {string[]} args
 * @returns {Promise<{ ms: number, code: number | null, stdout: string, stderr: string }>}
 */
function timed(cmd, args) {
	return new Promise((resolve, reject) => {
		const t = process.hrtime.bigint();
		const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (b) => (stdout += b));
		child.stderr.on('data', (b) => (stderr += b));
		child.on('error', reject);
		child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, code, stdout, stderr }));
	});
}

/** The plain-Node peer in its own process; resolves with the transfer's own milliseconds. @param {string[]} args */
async function nodePeer(args) {
	const res = await timed(process.execPath, [path.join(__dirname, 'lib', 'node-transfer.js'), ...args]);
	if (res.code !== 0) throw new Error(`plain Node peer ${args[0]} failed: ${res.stderr}`);
	return Number(res.stdout.trim());
}

/** Files under dir larger than minBytes, deepest first. @param {string} dir @param {number} minBytes */
function bigFiles(dir, minBytes) {
	/** @type {{ file: string, size: number }[]} */
	const found = [];
	const walk = (/** @type {string} */ d) => {
		let entries = [];
		try {
			entries = fs.readdirSync(d, { withFileTypes: true });
		} catch {
			return;
		}
		for (const e of entries) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (e.isFile()) {
				const size = fs.statSync(p).size;
				if (size >= minBytes) found.push({ file: p, size });
			}
		}
	};
	walk(dir);
	return found;
}

/** Deletes what the simulator stored from big uploads (it never reads them again here). @param {string} simDataDir */
function clearSimUploads(simDataDir) {
	for (const f of bigFiles(path.join(simDataDir, 'uploads'), 4 * MB)) fs.rmSync(f.file, { force: true });
}

/** Rotates the order of the peers each round, so none always runs first or last. @param {string[]} xs @param {number} r */
const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);

/**
 * @param {import('./index').Ctx} ctx
 * @param {{ sizesMb: number[], runs: number }} o
 */
async function benchUpload(ctx, o) {
	const { sim, n8n, token, log } = ctx;
	const client = makeClient(sim.url, token);
	const { sessionId } = await client.createSession();
	await client.close();
	const uploadUrl = `${sim.url}/api/upload-video/nemo_agent/me/${sessionId}`;
	/** @type {Record<string, any>} */
	const results = {};
	for (const sizeMb of o.sizesMb) {
		const bytes = sizeMb * MB;
		const clip = writeClip(path.join(ctx.workDir, `clip-${sizeMb}mb.mp4`), bytes);
		const nemo = W.uploadNemo(`${sizeMb}`, clip);
		const httpNode = W.uploadHttp(`${sizeMb}`, clip, uploadUrl, token);
		await n8n.importWorkflows([nemo, httpNode]);
		/** @type {Record<string, any[]>} */
		const rows = { nemo: [], http: [], curl: [], node: [] };
		for (let r = 0; r < o.runs; r++) {
			for (const peer of rotate(['nemo', 'http', 'curl', 'node'], r)) {
				clearBinaryStore(n8n);
				clearSimUploads(sim.dataDir);
				const simCpu0 = readMem(sim.pid)?.cpuMs ?? 0;
				if (peer === 'curl') {
					const res = await timed('curl', [
						'-sS', '-o', '/dev/null', '-w', '%{http_code}',
						'-H', `Authorization: Bearer ${token}`,
						'-F', `files=@${clip};type=video/mp4`,
						uploadUrl,
					]);
					if (res.code !== 0 || res.stdout !== '200') throw new Error(`curl upload failed: ${res.stdout} ${res.stderr}`);
					rows.curl.push({ ms: res.ms, mbps: sizeMb / (res.ms / 1000) });
				} else if (peer === 'node') {
					const ms = await nodePeer(['upload', uploadUrl, token, clip]);
					rows.node.push({ ms, mbps: sizeMb / (ms / 1000) });
				} else {
					const wf = peer === 'nemo' ? nemo : httpNode;
					const nodeName = peer === 'nemo' ? 'Nemo Upload' : 'HTTP Request';
					const run = await executeSampled(n8n, wf.id);
					if (run.error) throw new Error(`${wf.name}: ${run.error}`);
					const w = nodeWindow(run, nodeName);
					const out = w.output[0]?.json ?? {};
					const ok = peer === 'nemo' ? out.files?.[0]?.fileName === path.basename(clip) : Array.isArray(out.data?.files) || Array.isArray(out.files) || out.code === 0 || out.success === true;
					if (!ok) throw new Error(`${wf.name}: unexpected output ${JSON.stringify(out).slice(0, 300)}`);
					rows[peer].push({ ms: w.ms, mbps: sizeMb / (w.ms / 1000), rssGrowthMb: w.rssGrowthKb / 1024, hwmGrowthMb: w.hwmGrowthKb / 1024, rssAtStartMb: w.rssAtStartKb / 1024, samples: w.samples, cpuMs: w.cpuMs });
				}
				const last = rows[peer][rows[peer].length - 1];
				last.simCpuMs = (readMem(sim.pid)?.cpuMs ?? 0) - simCpu0;
				log(`upload ${sizeMb} MB round ${r + 1}/${o.runs} ${peer}: ${describe(last)}`);
			}
		}
		clearSimUploads(sim.dataDir);
		results[sizeMb] = digest(rows, o.runs);
	}
	return results;
}

/**
 * @param {import('./index').Ctx} ctx
 * @param {{ sizesMb: number[], runs: number }} o
 */
async function benchDownload(ctx, o) {
	const { sim, n8n, token, log } = ctx;
	const small = writeClip(path.join(ctx.workDir, 'small.mp4'), 64 * 1024);
	/** @type {Record<string, any>} */
	const results = {};
	for (const sizeMb of o.sizesMb) {
		const bytes = sizeMb * MB;
		await sim.admin('config', { outputSizeBytes: bytes, renderMs: 100 });
		const client = makeClient(sim.url, token, { polling: { initialDelayMs: 200 } });
		const render = await completedRender(client, small);
		await client.close();
		const url = render.status.outputUrl;
		if (!url) throw new Error('the render has no output URL');
		const nemo = W.downloadNemo(`${sizeMb}`, render.renderId);
		const httpNode = W.downloadHttp(`${sizeMb}`, url);
		await n8n.importWorkflows([nemo, httpNode]);
		const curlOut = path.join(ctx.workDir, 'curl-download.mp4');
		/** @type {Record<string, any[]>} */
		const rows = { nemo: [], http: [], curl: [], node: [] };
		for (let r = 0; r < o.runs; r++) {
			for (const peer of rotate(['nemo', 'http', 'curl', 'node'], r)) {
				clearBinaryStore(n8n);
				fs.rmSync(curlOut, { force: true });
				const simCpu0 = readMem(sim.pid)?.cpuMs ?? 0;
				if (peer === 'curl') {
					const res = await timed('curl', ['-sS', '-o', curlOut, '-w', '%{http_code}', url]);
					if (res.code !== 0 || res.stdout !== '200') throw new Error(`curl download failed: ${res.stdout} ${res.stderr}`);
					const size = fs.statSync(curlOut).size;
					if (size !== bytes) throw new Error(`curl downloaded ${size} bytes, not ${bytes}`);
					rows.curl.push({ ms: res.ms, mbps: sizeMb / (res.ms / 1000) });
				} else if (peer === 'node') {
					const ms = await nodePeer(['download', url, curlOut]);
					const size = fs.statSync(curlOut).size;
					if (size !== bytes) throw new Error(`the plain Node peer downloaded ${size} bytes, not ${bytes}`);
					rows.node.push({ ms, mbps: sizeMb / (ms / 1000) });
				} else {
					const wf = peer === 'nemo' ? nemo : httpNode;
					const nodeName = peer === 'nemo' ? 'Nemo Export' : 'HTTP Request';
					const run = await executeSampled(n8n, wf.id);
					if (run.error) throw new Error(`${wf.name}: ${run.error}`);
					const w = nodeWindow(run, nodeName);
					// The file must be in n8n's binary store, whole.
					const stored = bigFiles(path.join(n8n.n8nDir, 'binaryData'), 1 * MB);
					if (!stored.some((f) => f.size === bytes)) {
						throw new Error(`${wf.name}: no ${bytes}-byte file in the binary store (found ${JSON.stringify(stored.map((f) => f.size))})`);
					}
					rows[peer].push({ ms: w.ms, mbps: sizeMb / (w.ms / 1000), rssGrowthMb: w.rssGrowthKb / 1024, hwmGrowthMb: w.hwmGrowthKb / 1024, rssAtStartMb: w.rssAtStartKb / 1024, samples: w.samples, cpuMs: w.cpuMs });
				}
				const last = rows[peer][rows[peer].length - 1];
				last.simCpuMs = (readMem(sim.pid)?.cpuMs ?? 0) - simCpu0;
				log(`download ${sizeMb} MB round ${r + 1}/${o.runs} ${peer}: ${describe(last)}`);
			}
		}
		fs.rmSync(curlOut, { force: true });
		clearBinaryStore(n8n);
		results[sizeMb] = digest(rows, o.runs);
	}
	await sim.admin('config', { outputSizeBytes: 64 * 1024 });
	return results;
}

/** @param {any} x */
function describe(x) {
	const parts = [`${x.mbps.toFixed(0)} MB/s (${x.ms.toFixed(0)} ms)`];
	if (x.rssGrowthMb !== undefined) parts.push(`RSS +${x.rssGrowthMb.toFixed(1)} MB (peak +${x.hwmGrowthMb.toFixed(1)} MB)`, `n8n CPU ${x.cpuMs} ms`);
	parts.push(`simulator CPU ${x.simCpuMs} ms`);
	return parts.join(', ');
}

/**
 * Per peer: throughput and memory summaries; per round: the ratios of that round.
 * @param {Record<string, any[]>} rows
 * @param {number} runs
 */
function digest(rows, runs) {
	/** @type {Record<string, any>} */
	const out = { raw: rows };
	for (const peer of Object.keys(rows)) {
		const xs = rows[peer];
		out[peer] = {
			mbps: summary(xs.map((x) => x.mbps)),
			ms: summary(xs.map((x) => x.ms)),
			simCpuShare: summary(xs.map((x) => x.simCpuMs / x.ms)),
			...(xs[0]?.rssGrowthMb !== undefined
				? {
						rssGrowthMb: summary(xs.map((x) => x.rssGrowthMb)),
						hwmGrowthMb: summary(xs.map((x) => x.hwmGrowthMb)),
						rssAtStartMb: summary(xs.map((x) => x.rssAtStartMb)),
						cpuShare: summary(xs.map((x) => x.cpuMs / x.ms)),
					}
				: {}),
		};
	}
	const ratio = (/** @type {string} */ a, /** @type {string} */ b) =>
		summary(Array.from({ length: runs }, (_, i) => rows[a][i].mbps / rows[b][i].mbps));
	out.ratios = {
		nemoVsCurl: ratio('nemo', 'curl'),
		httpVsCurl: ratio('http', 'curl'),
		nodeVsCurl: ratio('node', 'curl'),
		nemoVsHttp: ratio('nemo', 'http'),
		nemoVsNode: ratio('nemo', 'node'),
	};
	out.medianOfRatios = median(out.ratios.nemoVsCurl.values);
	return out;
}

module.exports = { benchUpload, benchDownload, timed, bigFiles };
