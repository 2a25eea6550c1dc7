#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run bench`: every benchmark of issue 5 against the local simulator on loopback, then
 * BENCHMARKS.md. See bench/README.md.
 *
 *   node bench/index.js [--quick] [--only upload,download,batch,overhead,sse,polling]
 *                       [--runs N] [--out FILE] [--json FILE]
 *   node bench/index.js --from FILE [--out FILE]    re-render the report of a run saved with --json
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startBenchSimulator } = require('./lib/sim');
const { commitFacts } = require('./lib/git');
const { setupN8n } = require('./lib/n8n');
const { buildReport } = require('./report');

const REPO_ROOT = path.resolve(__dirname, '..');
const TOKEN = 'nmv_usr_bench_0000000000000001';

/**
 * @typedef {object} Ctx
 * @property {import('../e2e/simulator-process').SimulatorProcess} sim
 * @property {import('../e2e/n8n-instance').N8nInstance} n8n
 * @property {string} token
 * @property {string} workDir
 * @property {(m: string) => void} log
 * @property {boolean} quick
 */

function parseArgs(argv) {
	const o = { quick: false, only: /** @type {string[] | null} */ (null), runs: 0, out: path.join(REPO_ROOT, 'BENCHMARKS.md'), json: '', from: '' };
	for (let i = 0; i < argv.length; i++) {
		const [k, inline] = argv[i].split('=');
		const val = () => (inline !== undefined ? inline : argv[++i]);
		if (k === '--quick') o.quick = true;
		else if (k === '--only') o.only = val().split(',');
		else if (k === '--runs') o.runs = Number(val());
		else if (k === '--out') o.out = path.resolve(val());
		else if (k === '--json') o.json = path.resolve(val());
		else if (k === '--from') o.from = path.resolve(val());
		else throw new Error(`unknown option ${argv[i]}`);
	}
	return o;
}

/** The batch's simulated job: kept short so the whole benchmark stays within ~20 minutes. */
const BATCH = (/** @type {boolean} */ quick, /** @type {number} */ runs) => ({
	items: quick ? 20 : 100,
	levels: [1, 5, 10, 20],
	runs,
	streamMs: 250,
	renderMs: 250,
	pollFirstMs: 300,
});

module.exports = { TOKEN };

if (require.main === module) {
	main().catch((e) => {
		console.error(e && e.stack ? e.stack : e);
		process.exit(1);
	});
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	if (args.from) {
		// Re-render the report of an earlier run (its --json file): same figures, current report text.
		const earlier = JSON.parse(fs.readFileSync(args.from, 'utf8'));
		earlier.notes = require('./notes').notesFor(earlier);
		writeKeepingScale(args.out, buildReport(earlier).markdown);
		console.log(`wrote ${args.out} from ${args.from}`);
		return;
	}
	const t0 = Date.now();
	const log = (/** @type {string} */ m) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-bench-'));
	const want = (/** @type {string} */ name) => !args.only || args.only.includes(name);
	const runs = args.runs || (args.quick ? 2 : 5);
	const sim = await startBenchSimulator({ dataDir: path.join(workDir, 'sim'), token: TOKEN, config: { maxRecordedRequests: 20000 } });
	log(`simulator on ${sim.url} (pid ${sim.pid})`);
	/** @type {Record<string, any>} */
	const results = { startedAt: new Date().toISOString(), quick: args.quick, runs, machine: machine(), load: {} };
	log(`load average ${results.machine.loadStart.map((/** @type {number} */ x) => x.toFixed(2)).join(' ')}; ${runs} runs per figure${args.quick ? ' (quick mode)' : ''}`);
	let n8n;
	try {
		n8n = await setupN8n({ simUrl: sim.url, token: TOKEN, log });
		/** @type {Ctx} */
		const ctx = { sim, n8n, token: TOKEN, workDir, log, quick: args.quick };
		if (want('upload')) {
			results.load = { ...results.load, upload: os.loadavg() };
			const { benchUpload } = require('./transfer');
			results.upload = await benchUpload(ctx, { sizesMb: args.quick ? [20, 50] : [100, 500], runs });
		}
		if (want('download')) {
			results.load = { ...results.load, download: os.loadavg() };
			const { benchDownload } = require('./transfer');
			results.download = await benchDownload(ctx, { sizesMb: args.quick ? [20, 50] : [100, 500], runs });
		}
		if (want('batch')) {
			results.load = { ...results.load, batch: os.loadavg() };
			const { benchBatch } = require('./batch');
			results.batch = await benchBatch(ctx, BATCH(args.quick, runs));
		}
		if (want('overhead')) {
			results.load = { ...results.load, overhead: os.loadavg() };
			const { benchOverhead } = require('./overhead');
			results.overhead = await benchOverhead(ctx, { items: args.quick ? 200 : 1000, runs });
		}
		if (want('sse')) {
			results.load = { ...results.load, sse: os.loadavg() };
			const { benchSse } = require('./sse');
			results.sse = await benchSse(ctx, { frames: 100_000, runs });
		}
		if (want('polling')) {
			results.load = { ...results.load, polling: os.loadavg() };
			const { benchPolling } = require('./polling');
			results.polling = await benchPolling(ctx, { runs, realTime: args.quick ? [10] : [10, 60], compressed: [10, 60, 300] });
		}
		results.machine.n8n = n8n.host.version;
	} finally {
		if (n8n) await n8n.dispose();
		await sim.stop();
		fs.rmSync(workDir, { recursive: true, force: true });
	}
	results.machine.loadEnd = os.loadavg();
	results.finishedAt = new Date().toISOString();
	results.totalSec = (Date.now() - t0) / 1000;
	results.notes = require('./notes').notesFor(results);
	if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 1));
	const { markdown, targets } = buildReport(results);
	writeKeepingScale(args.out, markdown);
	log(`wrote ${path.relative(process.cwd(), args.out) || args.out} in ${(results.totalSec / 60).toFixed(1)} min total`);
	for (const t of targets) console.log(`  ${t.ok ? 'met   ' : 'MISSED'}  ${t.name}: ${t.measured} (target ${t.target})`);
}

/**
 * Writes the report, keeping the Scale section bench/scale.js (npm run bench:scale) wrote there.
 * @param {string} file @param {string} markdown
 */
function writeKeepingScale(file, markdown) {
	const { existingSection } = require('./scale');
	const scale = fs.existsSync(file) ? existingSection(fs.readFileSync(file, 'utf8')) : '';
	fs.writeFileSync(file, scale ? `${markdown.trimEnd()}\n\n${scale}\n` : markdown);
}

/** What the report says about the machine and the code measured. */
function machine() {
	const cpus = os.cpus();
	const { commit, dirty } = commitFacts();
	return {
		cores: cpus.length,
		cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown',
		memGb: os.totalmem() / 1024 ** 3,
		os: `${os.type()} ${os.release()} ${os.arch()}`,
		node: process.version,
		n8n: '',
		packageVersion: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version,
		commit,
		dirty,
		loadStart: os.loadavg(),
		loadEnd: /** @type {number[]} */ ([]),
	};
}
