// @ts-check
'use strict';
/**
 * Peak memory of n8n's queue mode with a big clip (issue 21, section 4):
 *
 *   node bench/queue-memory.js [--versions 2,1] [--size-mb 300] [--modes url,database] [--tag NAME]
 *   node bench/queue-memory.js --from bench/results/queue-memory.json   (re-render the .md only)
 *
 * Per n8n version, one deployment as `npm run test:queue` makes it (e2e/queue-deployment.js:
 * Redis and PostgreSQL started on loopback, a main `n8n start` and ONE worker
 * `n8n worker --concurrency=1`, each with its own user folder and the packed package, binary data
 * in `database` mode, the default of queue mode), the simulator with its render output as big as
 * the clip (`outputSizeBytes`), a static server for the clip. Then, one after the other:
 *
 *   url       examples/webhook-face-swap.json: POST { videoUrl, faceUrl } → Nemo Face Swap
 *             (Video URL in, "Export and Return the Video URL" out) → Respond with the URL.
 *             NemoVideo (the simulator) fetches the clip itself; n8n never holds its bytes.
 *   database  a multipart POST of the clip (field `data`) and a face photo (`face`) to a Webhook
 *             → Nemo Face Swap (binary in, "Export and Return the Video File" out) → Respond to
 *             Webhook with JSON (the MP4 stays in n8n's binary store: the database). The main
 *             stores the upload in PostgreSQL; the worker reads it back, uploads it, downloads the
 *             render and stores it in PostgreSQL. N8N_FORMDATA_FILE_SIZE_MAX is raised above the
 *             clip's size (n8n's default, 200 MiB, answers a bigger upload 413).
 *
 * Before each run the kernel's peak-RSS counter (VmHWM) of the main and of the worker is reset
 * (`echo 5 > /proc/<pid>/clear_refs`), so each mode's peak is its own, read after the answer.
 * Figures are recorded, not asserted. Writes bench/results/queue-memory[-tag].json and .md.
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { commitFacts } = require('./lib/git');
const { writeClip, writePng } = require('./lib/media');
const { buildAndPack } = require('../e2e/package-tarball');
const { ensureN8n } = require('../e2e/hosts');
const { createQueueDeployment, executionsStarted } = require('../e2e/queue-deployment');
const { startSimulatorProcess } = require('../e2e/simulator-process');
const { serveFolder } = require('../e2e/static-server');
const { loadExample, EXAMPLE_CREDENTIAL } = require('../e2e/examples');
const { nemoCredential } = require('../e2e/stack');
const { readStatus } = require('../e2e/rss');
const { descendants } = require('../e2e/proc');

const REPO_ROOT = path.resolve(__dirname, '..');
const MB = 1024 * 1024;
const DB_WORKFLOW = { id: 'nemoQueueMemory1', path: 'nemo-queue-memory' };
const MODES = ['url', 'database'];
/** Log lines of a failure that leaves the execution hanging (no answer will come). */
const FATAL = /Cannot create a string longer|heap out of memory|Allocation failed|ERR_STRING_TOO_LONG/i;

/** @param {string[]} argv */
function parseArgs(argv) {
	const o = { versions: ['2', '1'], sizeMb: 300, modes: [...MODES], tag: '', from: '' };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const next = () => {
			const v = argv[++i];
			if (v === undefined) throw new Error(`${a} needs a value`);
			return v;
		};
		if (a === '--versions') o.versions = next().split(',');
		else if (a === '--size-mb') o.sizeMb = Number(next());
		else if (a === '--modes') o.modes = next().split(',');
		else if (a === '--tag') o.tag = next();
		else if (a === '--from') o.from = next();
		else throw new Error(`unknown option ${a} (node bench/queue-memory.js [--versions 2,1] [--size-mb 300] [--modes url,database] [--tag NAME])`);
	}
	if (!o.versions.every((v) => v === '1' || v === '2')) throw new Error('--versions: 1, 2 or 2,1');
	if (!o.modes.every((m) => MODES.includes(m))) throw new Error(`--modes: some of ${MODES.join(',')}`);
	if (!(o.sizeMb > 0)) throw new Error('--size-mb: a number > 0');
	return o;
}

/**
 * Webhook (multipart: clip as `data`, face photo as `face`) → Nemo Face Swap (binary in, MP4 out)
 * → Respond to Webhook with JSON about the stored MP4; failures answer 422 with the error.
 * @param {{ id: string, path: string, credential: { id: string, name: string } }} o
 */
function databaseWorkflow(o) {
	const link = (/** @type {string} */ from, /** @type {string[][]} */ outputs) => ({ [from]: { main: outputs.map((to) => to.map((node) => ({ node, type: 'main', index: 0 }))) } });
	return {
		id: o.id,
		name: `bench: big clip through the binary store (${o.id})`,
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
		nodes: [
			{
				id: 'm1',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'e2e0b1a2-0000-4000-8000-00000000c3d4',
				parameters: { httpMethod: 'POST', path: o.path, responseMode: 'responseNode', options: {} },
			},
			{
				id: 'm2',
				name: 'Nemo Face Swap',
				type: 'n8n-nodes-nemovideo.nemoFaceSwap',
				typeVersion: 1,
				position: [220, 0],
				onError: 'continueErrorOutput',
				parameters: { videoSource: 'binary', videoBinaryProperty: 'data', faceSource: 'binary', faceBinaryProperty: 'face', result: 'binary', sessionId: '', options: {} },
				credentials: { nemoApi: { ...o.credential } },
			},
			{
				id: 'm3',
				name: 'Respond',
				type: 'n8n-nodes-base.respondToWebhook',
				typeVersion: 1.1,
				position: [440, -100],
				parameters: {
					respondWith: 'json',
					responseBody: '={{ JSON.stringify({ renderId: $json.renderId, sizeBytes: $json.sizeBytes, fileName: $json.fileName, binaryId: $binary.data.id, binaryFileSize: $binary.data.fileSize }) }}',
					options: {},
				},
			},
			{
				id: 'm4',
				name: 'Respond with Error',
				type: 'n8n-nodes-base.respondToWebhook',
				typeVersion: 1.1,
				position: [440, 100],
				parameters: { respondWith: 'json', responseBody: '={{ JSON.stringify({ error: $json.error }) }}', options: { responseCode: 422 } },
			},
		],
		connections: { ...link('Webhook', [['Nemo Face Swap']]), ...link('Nemo Face Swap', [['Respond'], ['Respond with Error']]) },
	};
}

/**
 * A multipart/form-data POST streamed from files (the clip is never whole in this process).
 * @param {string} url
 * @param {Array<{ field: string, file: string, type: string }>} parts
 * @param {number} timeoutMs
 * @returns {Promise<{ status: number, body: string }>}
 */
function postFiles(url, parts, timeoutMs) {
	const boundary = `----nemomem${crypto.randomBytes(8).toString('hex')}`;
	const heads = parts.map((p) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"; filename="${path.basename(p.file)}"\r\nContent-Type: ${p.type}\r\n\r\n`));
	const tail = Buffer.from(`--${boundary}--\r\n`);
	const length = parts.reduce((n, p, i) => n + heads[i].length + fs.statSync(p.file).size + 2, tail.length);
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method: 'POST', timeout: timeoutMs, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length) } }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (c) => (body += c));
			res.on('end', () => resolve({ status: res.statusCode || 0, body }));
		});
		req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
		req.on('error', reject);
		(async () => {
			for (const [i, p] of parts.entries()) {
				req.write(heads[i]);
				for await (const chunk of fs.createReadStream(p.file, { highWaterMark: MB })) {
					if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
				}
				req.write('\r\n');
			}
			req.end(tail);
		})().catch((e) => req.destroy(e));
	});
}

/** Resets the kernel's peak-RSS counter of a process (Linux: VmHWM := VmRSS). @param {number} pid */
function resetPeak(pid) {
	fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Peak and current RSS (MiB) of a process, and the sum of VmRSS over its children (a 2.x task runner).
 * @param {number} pid
 */
function memoryOf(pid) {
	const s = readStatus(pid);
	if (!s) throw new Error(`process ${pid} is gone`);
	const children = descendants(pid).reduce((n, p) => n + ((readStatus(p) || { rssKb: 0 }).rssKb || 0), 0);
	return { peakMb: s.hwmKb / 1024, rssMb: s.rssKb / 1024, childrenRssMb: children / 1024 };
}

/**
 * Samples VmRSS of the processes every 100 ms; the children's sum is kept as its own peak.
 * @param {Record<string, number>} pids
 */
function sampleChildren(pids) {
	/** @type {Record<string, number>} */
	const peakChildrenMb = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
	const timer = setInterval(() => {
		for (const [k, pid] of Object.entries(pids)) {
			const c = descendants(pid).reduce((n, p) => n + ((readStatus(p) || { rssKb: 0 }).rssKb || 0), 0) / 1024;
			peakChildrenMb[k] = Math.max(peakChildrenMb[k], c);
		}
	}, 100);
	return { stop: () => (clearInterval(timer), peakChildrenMb) };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {'1' | '2'} which
 * @param {{ tarball: string, clip: string, smallClip: string, face: string, sizeBytes: number, modes: string[], log: (m: string) => void }} o
 */
async function measureVersion(which, o) {
	const host = await ensureN8n(which);
	const sim = await startSimulatorProcess({
		media: 'fast',
		config: { outputSizeBytes: o.sizeBytes, maxUploadBytes: Math.max(500 * MB, o.sizeBytes * 2), urlFetchTimeoutMs: 600_000, anonymousCredits: 100_000, tokensPerIp: 100, sseDurationMs: 200, renderMs: 300 },
	});
	const files = await serveFolder(path.dirname(o.clip));
	/** @type {Awaited<ReturnType<typeof createQueueDeployment>> | undefined} */
	let deployment;
	/** @type {Record<string, any>} */
	const out = { n8n: host.version, node: host.nodeVersion, workers: 1, workerConcurrency: 1, runs: {} };
	try {
		const t0 = Date.now();
		// n8n refuses a multipart file over N8N_FORMDATA_FILE_SIZE_MAX (default 200 MiB: HTTP 413), so a user
		// who posts big clips to a webhook raises it; nothing else is changed from test:queue's settings
		out.env = { N8N_FORMDATA_FILE_SIZE_MAX: String(Math.max(200, Math.ceil(o.sizeBytes / MB) + 64)) };
		deployment = await createQueueDeployment(which, { tarball: o.tarball, workers: 1, quiet: true, env: out.env });
		out.postgres = deployment.pg.version;
		out.binaryDataMode = 'database';
		await deployment.main.importCredentials([nemoCredential({ ...EXAMPLE_CREDENTIAL, baseUrl: sim.url })]);
		await deployment.importActive([loadExample('webhook'), databaseWorkflow({ ...DB_WORKFLOW, credential: EXAMPLE_CREDENTIAL })]);
		await deployment.start({ webhooks: ['POST nemo-face-swap', `POST ${DB_WORKFLOW.path}`], concurrency: 1 });
		out.setupMs = Date.now() - t0;
		const { main } = deployment;
		const worker = deployment.workers[0];
		const pids = { main: /** @type {number} */ (main.proc?.pid), worker: /** @type {number} */ (worker.proc?.pid) };
		// warm-up with a 64 KiB clip: the worker's first execution loads the package and n8n's lazily loaded code
		const warm = await main.http('/webhook/nemo-face-swap', { json: { videoUrl: files.urlOf(o.smallClip), faceUrl: files.urlOf(o.face) }, timeoutMs: 120_000 });
		out.warmUp = { status: warm.status };
		await sleep(3000);
		out.idle = { main: memoryOf(pids.main), worker: memoryOf(pids.worker) };
		o.log(`n8n ${host.version}: up in ${(out.setupMs / 1000).toFixed(0)} s; idle RSS main ${out.idle.main.rssMb.toFixed(0)} MiB, worker ${out.idle.worker.rssMb.toFixed(0)} MiB`);

		for (const mode of o.modes) {
			await sleep(2000);
			resetPeak(pids.main);
			resetPeak(pids.worker);
			const before = { main: memoryOf(pids.main), worker: memoryOf(pids.worker) };
			const children = sampleChildren(pids);
			const started = executionsStarted(worker).length;
			const t = Date.now();
			const logFrom = { main: main.logLines.length, worker: worker.logLines.length };
			const sent =
				mode === 'url'
					? main.http('/webhook/nemo-face-swap', { json: { videoUrl: files.urlOf(o.clip), faceUrl: files.urlOf(o.face) }, timeoutMs: 900_000 })
					: postFiles(
							main.webhookUrl(DB_WORKFLOW.path),
							[
								{ field: 'data', file: o.clip, type: 'video/mp4' },
								{ field: 'face', file: o.face, type: 'image/png' },
							],
							900_000,
						);
			// A process that fails outside the execution (as pg-protocol does on a bytea over V8's
			// string limit) leaves the webhook unanswered: stop waiting when one logs such a failure.
			let answered = false;
			/** @type {{ status: number, body: string }} */
			const res = await Promise.race([
				sent.finally(() => (answered = true)),
				(async () => {
					while (!answered) {
						await sleep(500);
						const fatal = [...main.logLines.slice(logFrom.main).map((l) => `main: ${l}`), ...worker.logLines.slice(logFrom.worker).map((l) => `worker: ${l}`)].find((l) => FATAL.test(l));
						if (fatal) {
							await sleep(5000); // let the failing process finish what it holds
							return { status: 0, body: JSON.stringify({ unanswered: `no answer: ${fatal}` }) };
						}
					}
					return /** @type {Promise<{ status: number, body: string }>} */ (new Promise(() => undefined)); // the answer came: the race is sent's
				})(),
			]);
			const ms = Date.now() - t;
			await sleep(1500); // whatever the processes do right after answering (saving the execution) is in the peak too
			const after = { main: memoryOf(pids.main), worker: memoryOf(pids.worker) };
			const childPeaks = children.stop();
			/** @type {any} */
			let answer;
			try {
				answer = JSON.parse(res.body);
			} catch {
				answer = res.body.slice(0, 500);
			}
			const ok = res.status === 200 && answer && (mode === 'url' ? Boolean(answer.videoUrl) : Boolean(answer.binaryId));
			/** @type {Record<string, any>} */
			const run = {
				mode,
				ok,
				status: res.status,
				answer,
				ms,
				ranOnWorker: executionsStarted(worker).length - started,
				main: { before: before.main.rssMb, peak: after.main.peakMb, after: after.main.rssMb, peakChildren: childPeaks.main },
				worker: { before: before.worker.rssMb, peak: after.worker.peakMb, after: after.worker.rssMb, peakChildren: childPeaks.worker },
				load: os.loadavg(),
			};
			if (mode === 'database') {
				run.binaryDataRows = (await deployment.query(`SELECT "sourceType", "fileSize", "mimeType" FROM binary_data ORDER BY "fileSize" DESC`)).map(([sourceType, size, mime]) => ({ sourceType, sizeBytes: Number(size), mime }));
			}
			out.runs[mode] = run;
			o.log(
				`n8n ${host.version} ${mode}: HTTP ${res.status} in ${(ms / 1000).toFixed(1)} s${ok ? '' : ` (FAILED: ${JSON.stringify(answer).slice(0, 300)})`}; peak RSS main ${run.main.peak.toFixed(0)} MiB (from ${run.main.before.toFixed(0)}), worker ${run.worker.peak.toFixed(0)} MiB (from ${run.worker.before.toFixed(0)})`,
			);
		}
		const bad = [...main.logLines, ...worker.logLines].filter((l) => /error|too large|heap|string longer/i.test(l) && !/Postgres 15|not supported/.test(l));
		out.logProblems = bad.slice(-20);
	} finally {
		if (deployment) await deployment.stop();
		await files.close();
		await sim.stop();
	}
	return out;
}

/** @param {Record<string, any>} r */
function markdown(r) {
	const f = (/** @type {number} */ x) => x.toFixed(0);
	const lines = [
		`# Queue mode with a ${r.sizeMb} MiB clip: peak RSS of n8n's main and worker`,
		'',
		`Measured ${r.measuredAt} on commit ${r.commit}, ${r.cores} cores (${r.cpuModel}), load average at start ${r.loadStart.map((/** @type {number} */ x) => x.toFixed(2)).join(' ')}.`,
		`Command: \`${r.command}\`. Clip and render (the simulator's \`outputSizeBytes\`) both ${r.sizeBytes} bytes.`,
		'One deployment per n8n version as `npm run test:queue` makes it (Redis, PostgreSQL, main + 1 worker with',
		'`--concurrency=1`, binary data mode `database`), one request per mode; the kernel\'s peak-RSS counter (VmHWM) of',
		'each process is reset before each request and read 1.5 s after the answer. "before" is the RSS at the reset.',
		'`N8N_FORMDATA_FILE_SIZE_MAX` is raised above the clip (its default, 200 MiB, refuses the upload with HTTP 413).',
		'',
		'| n8n | mode | answer | time | main before → peak (MiB) | worker before → peak (MiB) |',
		'|---|---|---|---|---|---|',
	];
	for (const v of r.versions) {
		for (const run of Object.values(v.runs)) {
			lines.push(`| ${v.n8n} | ${run.mode === 'url' ? 'URL in, URL out' : 'database (binary in, MP4 out)'} | ${run.ok ? 'ok' : run.status === 0 ? '**none** (a process failed, see below)' : `**failed** (HTTP ${run.status})`} | ${(run.ms / 1000).toFixed(1)} s | ${f(run.main.before)} → **${f(run.main.peak)}** | ${f(run.worker.before)} → **${f(run.worker.peak)}** |`);
		}
	}
	lines.push('');
	for (const v of r.versions) {
		for (const run of Object.values(v.runs)) {
			if (!run.ok) lines.push(`- ${v.n8n} ${run.mode}: ${JSON.stringify(run.answer).slice(0, 600)}`);
			if (run.binaryDataRows) lines.push(`- ${v.n8n} ${run.mode}: binary_data rows after the run: ${run.binaryDataRows.map((/** @type {any} */ b) => `${b.sourceType} ${(b.sizeBytes / MB).toFixed(1)} MiB ${b.mime}`).join('; ') || 'none'}`);
		}
		if (v.logProblems && v.logProblems.length) lines.push(`- ${v.n8n} log lines: ${v.logProblems.map((/** @type {string} */ l) => `\`${l.slice(0, 200)}\``).join(' ')}`);
	}
	const tooLong = r.versions.some((/** @type {any} */ v) => Object.values(v.runs).some((/** @type {any} */ run) => /string longer/.test(JSON.stringify(run.answer))));
	if (tooLong) {
		lines.push(
			'',
			'"Cannot create a string longer than 0x1fffffe8 characters": the worker reads the stored file back with a `SELECT` through',
			"node-postgres, whose protocol parser turns every column into a string first: a bytea arrives as hex text, 2 characters a byte",
			"plus 2, and V8 cannot make a string over 536,870,888 characters. So in `database` mode on PostgreSQL no process can read",
			"back a file over 268,435,443 bytes (256 MiB), whatever N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE allows (default 512 MiB);",
			'the error is thrown in the socket\'s data handler, outside the execution, so the execution never ends and the webhook never answers.',
		);
	}
	return `${lines.join('\n')}\n`;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	if (args.from) {
		// only re-render the summary of a saved run (same figures, current text)
		const md = args.from.replace(/\.json$/, '.md');
		fs.writeFileSync(md, markdown(JSON.parse(fs.readFileSync(args.from, 'utf8'))));
		console.log(`wrote ${md}`);
		return;
	}
	const t0 = Date.now();
	const log = (/** @type {string} */ m) => console.log(`[queue-memory ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
	const { commit, dirty } = commitFacts();
	const sizeBytes = Math.round(args.sizeMb * MB);
	const base = path.join(REPO_ROOT, 'bench', 'results', `queue-memory${args.tag ? `-${args.tag}` : ''}`);
	/** @type {Record<string, any>} */
	const results = {
		command: `node bench/queue-memory.js ${process.argv.slice(2).join(' ')}`.trim(),
		commit: `${commit}${dirty ? '+changes' : ''}`,
		measuredAt: new Date().toISOString(),
		cores: os.cpus().length,
		cpuModel: os.cpus()[0] ? os.cpus()[0].model.trim() : 'unknown',
		loadStart: os.loadavg(),
		sizeMb: args.sizeMb,
		sizeBytes,
		versions: [],
	};
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-queue-memory-'));
	const packed = await buildAndPack();
	try {
		const clip = writeClip(path.join(work, 'media', 'clip.mp4'), sizeBytes);
		const face = writePng(path.join(work, 'media', 'face.png'));
		const smallClip = writeClip(path.join(work, 'media', 'small.mp4'), 64 * 1024);
		log(`clip ${sizeBytes} bytes, build packed; load average ${results.loadStart.map((/** @type {number} */ x) => x.toFixed(2)).join(' ')}`);
		for (const v of args.versions) {
			try {
				results.versions.push(await measureVersion(/** @type {'1' | '2'} */ (v), { tarball: packed.tarball, clip, smallClip, face, sizeBytes, modes: args.modes, log }));
			} catch (e) {
				log(`n8n ${v}.x: ${e instanceof Error ? e.stack : e}`);
				results.versions.push({ n8n: `${v}.x`, error: String(e instanceof Error ? e.message : e).slice(0, 2000), runs: {} });
			}
			fs.mkdirSync(path.dirname(base), { recursive: true });
			fs.writeFileSync(`${base}.json`, JSON.stringify(results, null, 1));
			fs.writeFileSync(`${base}.md`, markdown(results));
		}
	} finally {
		fs.rmSync(path.dirname(packed.tarball), { recursive: true, force: true });
		fs.rmSync(work, { recursive: true, force: true });
	}
	log(`wrote ${path.relative(REPO_ROOT, base)}.json and .md in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
	process.stdout.write(`\n${markdown(results)}`);
}

if (require.main === module) {
	main().catch((e) => {
		console.error(e && e.stack ? e.stack : e);
		process.exit(1);
	});
}

module.exports = { databaseWorkflow, postFiles, markdown };
