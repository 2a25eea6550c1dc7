// @ts-check
'use strict';
/**
 * `npm run demo`: the package in a real n8n, end to end, in one command.
 *
 *   1. build and pack the package (the tarball a user would install)
 *   2. install n8n 1.123.81 into .n8n-hosts/ on first use (minutes; cached afterwards)
 *   3. make the sample media (ffmpeg, the system's or npm's; cached in .cache/)
 *   4. start the local NemoVideo simulator in ffmpeg mode on a free loopback port
 *   5. a fresh n8n user folder: the tarball installed into .n8n/nodes, a Nemo API credential
 *      pointing at the simulator, the example workflows imported
 *   6. run examples/demo-face-swap-audio-replace.json with `n8n execute`
 *   7. print what every node did and check the MP4s written to output/
 *
 * Options (after `npm run demo --`):
 *   --n8n 1|2     which n8n: 1 = 1.123.81 on this Node (default), 2 = 2.40.7 on Node 24
 *   --real        use the real NemoVideo service instead of the simulator; needs NEMO_TOKEN
 *                 (NEMO_BASE_URL overrides the Base URL). Spends real credits.
 *   --out DIR     where the MP4s go (default: output/)
 *   --keep        keep the n8n user folder (its path is printed)
 */
const fs = require('node:fs');
const path = require('node:path');
const { buildAndPack } = require('./package-tarball');
const { ensureN8n } = require('./hosts');
const { createInstance } = require('./n8n-instance');
const { outputItems } = require('./run-data');
const { ensureSampleMedia } = require('./sample-media');
const { startSimulatorProcess } = require('./simulator-process');

/** A registered account on the simulator (the demo costs more than a free trial's 100 credits). */
const DEMO_TOKEN = 'nmv_usr_demo_registered_account_0001';
const { loadExample, configureWorkflow, allExamples, EXAMPLES } = require('./examples');
const { probeMedia, describeMedia } = require('./media-check');
const { n8nEnvFor, nemoCredential, stepper, formatBytes, REAL_BASE_URL } = require('./stack');

const REPO_ROOT = path.resolve(__dirname, '..');
/** A path as the user would type it from here: relative when inside the current folder. @param {string} p */
const shown = (p) => {
	const rel = path.relative(process.cwd(), p);
	return rel && !rel.startsWith('..') ? rel : p;
};
const PACKAGE = 'n8n-nodes-nemovideo';

/** @param {string[]} argv */
function parseArgs(argv) {
	const o = { n8n: /** @type {1 | 2} */ (1), real: false, out: path.join(REPO_ROOT, 'output'), keep: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--real') o.real = true;
		else if (a === '--keep') o.keep = true;
		else if (a === '--n8n') {
			const v = argv[++i];
			if (v !== '1' && v !== '2') throw new Error('--n8n takes 1 or 2');
			o.n8n = v === '2' ? 2 : 1;
		} else if (a === '--out') o.out = path.resolve(argv[++i]);
		else if (a === '--help' || a === '-h') {
			console.log('usage: npm run demo [-- --n8n 1|2] [--real] [--out DIR] [--keep]');
			process.exit(0);
		} else throw new Error(`unknown option ${a} (try --help)`);
	}
	if (o.real && !process.env.NEMO_TOKEN) {
		throw new Error('--real uses the real NemoVideo service and needs your token: NEMO_TOKEN=nmv_usr_… npm run demo -- --real');
	}
	return o;
}

/** @param {unknown} v */
const short = (v, n = 110) => {
	const s = (typeof v === 'string' ? v : JSON.stringify(v) || '').replace(/\s+/g, ' ');
	return s && s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

/** "render_… completed, 8 s, 194 KB" from a node's output json. @param {Record<string, any>} j */
function renderLine(j) {
	return [
		`${j.renderId} ${j.status}`,
		j.durationSec !== undefined ? `${j.durationSec} s` : undefined,
		j.sizeBytes !== undefined ? formatBytes(Number(j.sizeBytes)) : undefined,
	]
		.filter(Boolean)
		.join(', ');
}

/**
 * One line per fact, indented under the node's name.
 * @param {string} node
 * @param {Array<[string, unknown]>} facts
 */
function printNode(node, facts) {
	console.log(`\n  ▸ ${node}`);
	for (const [k, v] of facts) if (v !== undefined && v !== null && v !== '') console.log(`      ${k.padEnd(13)} ${v}`);
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const target = args.real ? `the real NemoVideo service (${process.env.NEMO_BASE_URL || REAL_BASE_URL})` : 'the local NemoVideo simulator';
	console.log(`NemoVideo n8n demo: face swap + audio replace in a real n8n, against ${target}`);
	const steps = stepper(7);
	/** @type {import('./simulator-process').SimulatorProcess | undefined} */
	let sim;
	/** @type {import('./n8n-instance').N8nInstance | undefined} */
	let n8n;
	try {
		const pack = await steps.step('build and pack the package', async () => {
			const r = await buildAndPack();
			console.log(`      ${path.basename(r.tarball)} (${r.files.length} files; build ${(r.buildMs / 1000).toFixed(1)} s)`);
			return r;
		});
		const host = await steps.step(`n8n ${args.n8n === 2 ? '2.40.7 (Node 24)' : '1.123.81'}: installed into .n8n-hosts/ on first use`, async () => {
			const h = await ensureN8n(args.n8n);
			console.log(`      n8n ${h.version} on Node ${h.nodeVersion} in ${path.relative(REPO_ROOT, h.dir)}`);
			return h;
		});
		const media = await steps.step('sample media (ffmpeg)', async () => {
			const m = await ensureSampleMedia({ log: (s) => console.log(`      ${s}`) });
			for (const f of [m.clip, m.face, m.voiceover]) console.log(`      ${path.relative(REPO_ROOT, f)}  ${formatBytes(fs.statSync(f).size)}`);
			return m;
		});
		const baseUrl = await steps.step(args.real ? 'real service: no simulator' : 'start the simulator (ffmpeg media mode)', async () => {
			if (args.real) return process.env.NEMO_BASE_URL || REAL_BASE_URL;
			// A registered account's token: at NemoVideo's prices the demo needs about 150 credits (a face
			// swap about 100, the audio replacement about 50); a free trial has 100.
			sim = await startSimulatorProcess({ media: 'ffmpeg', tokens: [{ token: DEMO_TOKEN, credits: 1000 }] });
			console.log(`      API ${sim.url}, CDN ${sim.cdnUrl}`);
			return sim.url;
		});

		fs.mkdirSync(args.out, { recursive: true });
		const instance = await steps.step('n8n user folder: install the tarball, import credential and example workflows', async () => {
			const inst = await createInstance(args.n8n, {
				keep: args.keep,
				quiet: true,
				env: n8nEnvFor(host.major, { fileFolders: [media.dir, args.out], simulator: !args.real }),
			});
			n8n = inst;
			const installed = await inst.installPackage(pack.tarball);
			console.log(`      ${installed.name}@${installed.version} installed into ${path.join(inst.nodesDir, 'node_modules')}`);
			await inst.importCredentials([nemoCredential({ baseUrl, accessToken: args.real ? process.env.NEMO_TOKEN : DEMO_TOKEN, real: args.real })]);
			console.log(`      credential "Nemo API" → ${baseUrl} (${args.real ? 'your NEMO_TOKEN' : 'a registered account\'s token on the simulator, 1000 credits'})`);
			const demo = configureWorkflow(loadExample('demo'), { settings: { mediaFolder: media.dir, outputFolder: args.out } });
			const others = allExamples().filter((w) => w.id !== EXAMPLES.demo.id);
			await inst.importWorkflows([demo, ...others]);
			console.log(`      imported ${others.length + 1} workflows from examples/`);
			return inst;
		});

		const res = await steps.step(`run "${loadExample('demo').name}" (n8n execute)`, async () => {
			for (const f of ['face-swapped.mp4', 'face-swapped-voiceover.mp4']) fs.rmSync(path.join(args.out, f), { force: true });
			const r = await instance.execute(EXAMPLES.demo.id, { allowError: true, timeoutMs: args.real ? 45 * 60_000 : 300_000 });
			console.log(`      ${r.status} in ${(r.ms / 1000).toFixed(1)} s (n8n peak RSS ${Math.round(r.memory.peakKb / 1024)} MB)`);
			if (r.status !== 'success') throw new Error(`the workflow failed: ${r.error}`);
			return r;
		});

		await steps.step('what each node did', async () => {
			const credits = outputItems(res.run, 'Nemo Credits')[0].json;
			printNode('Nemo Credits', [['credits', `${credits.available} available, ${credits.frozen} reserved, ${credits.total} total`]]);
			const swap = outputItems(res.run, 'Nemo Face Swap')[0];
			printNode('Nemo Face Swap', [
				['session', swap.json.sessionId],
				['uploaded', (swap.json.uploadedFiles || []).map((/** @type {any} */ f) => `${f.fileName} (${f.fileType})`).join(', ')],
				['said', short(swap.json.message)],
				['timeline', swap.json.timeline],
				['render', renderLine(swap.json)],
			]);
			const replace = outputItems(res.run, 'Nemo Audio Replace')[0];
			printNode('Nemo Audio Replace', [
				['session', `${replace.json.sessionId}${replace.json.sessionId === swap.json.sessionId ? ' (same session)' : ''}`],
				['uploaded', (replace.json.uploadedFiles || []).map((/** @type {any} */ f) => `${f.fileName} (${f.fileType}, ${f.durationSec} s)`).join(', ')],
				['said', short(replace.json.message)],
				['timeline', replace.json.timeline],
			]);
			const exp = outputItems(res.run, 'Nemo Export')[0];
			printNode('Nemo Export', [
				['session', exp.json.sessionId],
				['render', renderLine(exp.json)],
				['timeline', exp.json.timeline],
			]);
			console.log('\n  Output files:');
			for (const [node, file] of [
				['Write Face-Swapped MP4', 'face-swapped.mp4'],
				['Write Final MP4', 'face-swapped-voiceover.mp4'],
			]) {
				outputItems(res.run, node); // throws if the node did not run
				const full = path.join(args.out, file);
				if (!fs.existsSync(full)) throw new Error(`${node} ran but ${full} is not there`);
				const facts = await probeMedia(full);
				console.log(`      ${shown(full)}  ${formatBytes(fs.statSync(full).size)}  ${describeMedia(facts)}`);
			}
		});
		console.log(
			`\nDone in ${(steps.elapsed() / 1000).toFixed(1)} s. Open ${shown(path.join(args.out, 'face-swapped-voiceover.mp4'))}` +
				(args.real ? '.' : ': the face is the reference photo, labelled "SIMULATED FACE SWAP" (the simulator does not really swap faces); the audio is the voice-over.'),
		);
		if (args.keep && n8n) console.log(`n8n user folder kept: ${n8n.userFolder}`);
		const problems = n8n ? n8n.scanLog(PACKAGE).problems : [];
		if (problems.length) {
			console.log(`\nn8n logged ${problems.length} line(s) about ${PACKAGE}:\n${problems.join('\n')}`);
			process.exitCode = 1;
		}
	} finally {
		if (n8n) await n8n.dispose();
		if (sim) await sim.stop();
	}
}

main().catch((e) => {
	console.error(`\n✘ demo failed: ${e && e.message ? e.message : e}`);
	process.exitCode = 1;
});
