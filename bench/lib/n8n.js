// @ts-check
'use strict';
/**
 * One real n8n (the e2e harness's host 1: n8n 1.123.81 on this machine's Node, binary data
 * in filesystem mode) with this package installed from its packed tarball, and an `execute`
 * that also records the n8n process's memory as a timeline, so the memory a single node
 * used can be read from the window the run data gives for it (startTime, executionTime).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { createInstance, buildAndPack, freePort, parseRawOutput, runError } = require('../../e2e');
const { track, untrack, killTree, tail } = require('../../e2e/proc');

const CREDENTIAL = { id: 'benchNemoCred001', name: 'Nemo API (bench simulator)' };

/**
 * @param {{ simUrl: string, token: string, env?: Record<string, string>, log?: (m: string) => void }} o
 */
async function setupN8n(o) {
	const log = o.log || (() => {});
	const t0 = Date.now();
	const packed = await buildAndPack();
	log(`built and packed the package in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	const n8n = await createInstance(1, { env: o.env || {}, quiet: true });
	await n8n.installPackage(packed.tarball);
	fs.rmSync(path.dirname(packed.tarball), { recursive: true, force: true }); // buildAndPack's temp dir
	await importBenchCredential(n8n, o);
	log(`n8n ${n8n.host.version} ready in ${n8n.userFolder} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
	return n8n;
}

/**
 * (Re-)imports the benchmarks' nemoApi credential; `tuning` goes into its hidden tuning field
 * (the client's waits: the package reads no environment variables).
 * @param {import('../../e2e/n8n-instance').N8nInstance} n8n
 * @param {{ simUrl: string, token: string, tuning?: Record<string, unknown> }} o
 */
async function importBenchCredential(n8n, o) {
	const data = { accessToken: o.token, baseUrl: o.simUrl, clientId: '', allowInsecureHttp: false, tuning: o.tuning ? JSON.stringify(o.tuning) : '' };
	await n8n.importCredentials([{ id: CREDENTIAL.id, name: CREDENTIAL.name, type: 'nemoApi', data }]);
}

/**
 * @typedef {{ t: number, rssKb: number, hwmKb: number, cpuMs: number }} MemSample
 * @typedef {{ run: import('../../e2e/run-data').IRun, ms: number, spawnedAt: number, samples: MemSample[], error?: string, stdout: string }} SampledRun
 */

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** @param {number} pid @returns {{ rssKb: number, hwmKb: number, cpuMs: number } | undefined} */
function readMem(pid) {
	try {
		const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = /VmRSS:\s+(\d+) kB/.exec(s);
		const hwm = /VmHWM:\s+(\d+) kB/.exec(s);
		if (!rss || !hwm) return undefined;
		// /proc/pid/stat: fields after the ")" — utime is the 14th field, stime the 15th
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const cpuMs = (Number(f[11]) + Number(f[12])) * TICK_MS;
		return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]), cpuMs };
	} catch {
		return undefined;
	}
}

/**
 * `n8n execute --id=X --rawOutput` with the memory of the n8n process sampled every
 * `intervalMs` (VmRSS and the kernel's peak VmHWM, with timestamps).
 * @param {import('../../e2e/n8n-instance').N8nInstance} n8n
 * @param {string} workflowId
 * @param {{ intervalMs?: number, timeoutMs?: number, env?: Record<string, string>, nodeArgs?: string[] }} [o]
 * @returns {Promise<SampledRun>}
 */
async function executeSampled(n8n, workflowId, o = {}) {
	const intervalMs = o.intervalMs || 20;
	const env = n8n.env({ N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...(o.env || {}) });
	const started = Date.now();
	const child = spawn(n8n.host.nodeBin, [...(o.nodeArgs || []), n8n.host.n8nBin, 'execute', `--id=${workflowId}`, '--rawOutput'], {
		cwd: n8n.userFolder,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	const pid = /** @type {number} */ (child.pid);
	track(pid);
	/** @type {MemSample[]} */
	const samples = [];
	const tick = () => {
		const m = readMem(pid);
		if (m) samples.push({ t: Date.now(), ...m });
	};
	tick();
	const timer = setInterval(tick, intervalMs);
	/** @type {Buffer[]} */ const out = [];
	/** @type {Buffer[]} */ const err = [];
	child.stdout.on('data', (b) => out.push(b));
	child.stderr.on('data', (b) => err.push(b));
	const killer = setTimeout(() => killTree(pid, 'SIGKILL'), o.timeoutMs || 30 * 60_000);
	const code = await new Promise((resolve) => child.on('close', resolve));
	clearInterval(timer);
	clearTimeout(killer);
	untrack(pid);
	try {
		process.kill(-pid, 'SIGKILL');
	} catch {
		/* group gone */
	}
	const stdout = Buffer.concat(out).toString('utf8');
	const parsed = parseRawOutput(stdout);
	if (!parsed) {
		throw new Error(`n8n execute ${workflowId}: no run data (exit ${code}).\n${tail(stdout + Buffer.concat(err).toString('utf8'), 30)}`);
	}
	const error = parsed.run.status === 'success' ? undefined : runError(parsed.run) || parsed.run.status;
	return { run: parsed.run, ms: Date.now() - started, spawnedAt: started, samples, error, stdout };
}

/**
 * Timing and memory of one node in a sampled run.
 * @param {SampledRun} r
 * @param {string} nodeName
 */
function nodeWindow(r, nodeName) {
	const task = r.run.data.resultData.runData[nodeName]?.[0];
	if (!task) throw new Error(`node "${nodeName}" did not run${r.error ? `: ${r.error}` : ''}`);
	const start = task.startTime;
	const end = task.startTime + task.executionTime;
	const before = r.samples.filter((s) => s.t <= start);
	const inside = r.samples.filter((s) => s.t > start && s.t <= end + 20);
	const at = before.length ? before[before.length - 1] : r.samples[0];
	const last = inside.length ? inside[inside.length - 1] : at;
	const peakRss = Math.max(at.rssKb, ...inside.map((s) => s.rssKb));
	return {
		ms: task.executionTime,
		startTime: start,
		/** RSS when the node started */
		rssAtStartKb: at.rssKb,
		/** highest RSS sampled while the node ran */
		peakRssKb: peakRss,
		/** how far RSS rose above its level at the node's start */
		rssGrowthKb: peakRss - at.rssKb,
		/** how far the process's all-time peak (VmHWM) rose while the node ran */
		hwmGrowthKb: last.hwmKb - at.hwmKb,
		hwmKb: last.hwmKb,
		/** CPU time (user + system) n8n spent while the node ran, from /proc (10 ms ticks) */
		cpuMs: last.cpuMs - at.cpuMs,
		samples: inside.length,
		items: task.data?.main?.[0]?.length ?? 0,
		output: task.data?.main?.[0] ?? [],
		status: task.executionStatus,
		error: task.error,
	};
}

/** Empties the instance's binary data store between runs (n8n is not running then). @param {import('../../e2e/n8n-instance').N8nInstance} n8n */
function clearBinaryStore(n8n) {
	for (const dir of ['binaryData', 'storage']) fs.rmSync(path.join(n8n.n8nDir, dir), { recursive: true, force: true });
}

module.exports = { setupN8n, importBenchCredential, executeSampled, nodeWindow, clearBinaryStore, CREDENTIAL, readMem };
