// @ts-check
'use strict';
/**
 * `npm run dev`: the demo's n8n, left running for building workflows by hand.
 *
 *   - builds and packs the package and installs the tarball into the n8n user folder
 *     .n8n-hosts/dev-<n8n version>/ (kept between runs: your owner account, workflows and
 *     executions stay; the package is reinstalled from the fresh build every start)
 *   - the simulator in ffmpeg mode on http://127.0.0.1:8787 (CDN :8788), or free ports when
 *     those are taken; the sample media served on http://127.0.0.1:8789 for URL inputs
 *   - the "NemoVideo (local simulator)" credential (re-pointed at the simulator every start)
 *     and the example workflows (imported on the first start, or with --reimport, which
 *     overwrites your edits of them); the webhook and folder-watch examples are activated
 *   - n8n's editor on http://127.0.0.1:5678 until Ctrl-C
 *
 * Options (after `npm run dev --`): --n8n 1|2 (default 1), --reimport, --port N (editor port)
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { buildAndPack } = require('./package-tarball');
const { ensureN8n } = require('./hosts');
const { createInstance } = require('./n8n-instance');
const { ensureSampleMedia } = require('./sample-media');
const { startSimulatorProcess } = require('./simulator-process');

/** A registered account on the dev simulator, for the example credential. */
const DEV_TOKEN = 'nmv_usr_dev_registered_account_0001';
const { serveFolder } = require('./static-server');
const { untrack } = require('./proc');
const { loadExample, configureWorkflow, EXAMPLES } = require('./examples');
const { n8nEnvFor, nemoCredential } = require('./stack');

const REPO_ROOT = path.resolve(__dirname, '..');
const DEV_DIR = path.join(REPO_ROOT, '.cache', 'dev');

/** @param {number} port */
function portFree(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
	});
}

/** @param {string[]} argv */
function parseArgs(argv) {
	const o = { n8n: /** @type {1 | 2} */ (1), reimport: false, port: 5678 };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--reimport') o.reimport = true;
		else if (a === '--n8n') o.n8n = argv[++i] === '2' ? 2 : 1;
		else if (a === '--port') o.port = Number(argv[++i]);
		else if (a === '--help' || a === '-h') {
			console.log('usage: npm run dev [-- --n8n 1|2] [--reimport] [--port 5678]');
			process.exit(0);
		} else throw new Error(`unknown option ${a} (try --help)`);
	}
	return o;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	if (!(await portFree(args.port))) throw new Error(`port ${args.port} is taken (another n8n?): stop it or use npm run dev -- --port N`);

	console.log('building and packing the package…');
	const pack = await buildAndPack();
	const host = await ensureN8n(args.n8n);
	const media = await ensureSampleMedia({ log: console.log });

	/** @type {Array<() => Promise<unknown>>} */
	const cleanup = [];
	let stopping = false;
	/** @param {number} code */
	const stop = async (code) => {
		if (stopping) return;
		stopping = true;
		console.log('\nstopping n8n and the simulator…');
		for (const fn of cleanup.reverse()) await fn().catch(() => {});
		fs.rmSync(path.dirname(pack.tarball), { recursive: true, force: true });
		process.exit(code);
	};
	// Ctrl-C reaches only us (n8n and the simulator run in their own process groups): stop them
	// gently (n8n finishes its database writes). They are untracked from proc.js, whose own
	// handler would kill them at once.
	process.on('SIGINT', () => stop(0));
	process.on('SIGTERM', () => stop(0));

	try {
		const fixed = (await portFree(8787)) && (await portFree(8788));
		const simDir = path.join(DEV_DIR, 'simulator-data');
		fs.rmSync(simDir, { recursive: true, force: true });
		const sim = await startSimulatorProcess({
			media: 'ffmpeg',
			port: fixed ? 8787 : 0,
			cdnPort: fixed ? 8788 : 0,
			dataDir: simDir,
			// The examples run on a registered account's token (they cost more than a trial's 100
			// credits at NemoVideo's prices); a new credential with an empty Access Token gets a trial.
			tokens: [{ token: DEV_TOKEN, credits: 10_000 }],
		});
		untrack(sim.pid);
		cleanup.push(() => sim.stop());
		const files = await serveFolder(media.dir, (await portFree(8789)) ? 8789 : 0);
		cleanup.push(() => files.close());

		const dirs = { out: path.join(REPO_ROOT, 'output'), incoming: path.join(DEV_DIR, 'incoming'), swapped: path.join(REPO_ROOT, 'output', 'swapped') };
		for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });

		const userFolder = path.join(host.dir, '..', `dev-${host.version}`);
		const n8n = await createInstance(args.n8n, {
			userFolder,
			env: n8nEnvFor(host.major, { fileFolders: [media.dir, dirs.out, DEV_DIR], simulator: true }),
		});
		cleanup.push(() => n8n.stop());
		// reinstall from this build, even when the version number did not change
		fs.rmSync(path.join(n8n.nodesDir, 'node_modules', 'n8n-nodes-nemovideo'), { recursive: true, force: true });
		await n8n.installPackage(pack.tarball);
		await n8n.importCredentials([nemoCredential({ baseUrl: sim.url, accessToken: DEV_TOKEN })]);

		const marker = path.join(userFolder, '.nemo-examples-imported');
		if (args.reimport || !fs.existsSync(marker)) {
			const batchClips = media.batch.map((f, i) => ({ name: `clip-${i + 1}`, videoUrl: files.urlOf(f) }));
			await n8n.importWorkflows([
				configureWorkflow(loadExample('demo'), { settings: { mediaFolder: media.dir, outputFolder: dirs.out } }),
				loadExample('webhook'),
				configureWorkflow(loadExample('batch'), { settings: { faceUrl: files.urlOf(media.face), clips: batchClips } }),
				configureWorkflow(loadExample('folder'), {
					settings: { faceFile: media.face, outputFolder: dirs.swapped },
					params: { 'New File in Folder': { path: dirs.incoming } },
				}),
				loadExample('agent'),
			]);
			await n8n.activate(EXAMPLES.webhook.id);
			await n8n.activate(EXAMPLES.folder.id);
			fs.writeFileSync(marker, new Date().toISOString());
		}

		await n8n.start({ port: args.port, echo: true, timeoutMs: 180_000 });
		const rel = (/** @type {string} */ p) => path.relative(process.cwd(), p) || '.';
		const webhookBody = JSON.stringify({ videoUrl: files.urlOf(media.clip), faceUrl: files.urlOf(media.face) });
		console.log(
			[
				'',
				'┌──────────────────────────────────────────────────────────────────────────────',
				`│ n8n ${host.version} (Node ${host.nodeVersion}) with n8n-nodes-nemovideo from this checkout`,
				`│ Editor:     http://127.0.0.1:${args.port}   (first visit: create the owner account; it is kept)`,
				`│ Simulator:  ${sim.url}  (credential "NemoVideo (local simulator)", ffmpeg media)`,
				`│ Media URLs: ${files.urlOf(media.clip)}  ${files.urlOf(media.face)}`,
				`│ Webhook:    curl -X POST http://127.0.0.1:${args.port}/webhook/nemo-face-swap \\`,
				`│               -H 'content-type: application/json' -d '${webhookBody}'`,
				`│ Folder:     copy an .mp4 into ${rel(dirs.incoming)}/ → ${rel(dirs.swapped)}/<name>-face-swapped.mp4`,
				`│ User folder ${rel(userFolder)} (delete it to start over; --reimport resets the examples)`,
				'│ Ctrl-C stops everything.',
				'└──────────────────────────────────────────────────────────────────────────────',
			].join('\n'),
		);
		if (n8n.proc && n8n.proc.pid) untrack(n8n.proc.pid);
	} catch (e) {
		console.error(`\n✘ dev failed: ${e && /** @type {Error} */ (e).message ? /** @type {Error} */ (e).message : e}`);
		await stop(1);
	}
	await new Promise(() => {}); // until Ctrl-C
}

main().catch((e) => {
	console.error(`\n✘ dev failed: ${e && e.message ? e.message : e}`);
	process.exit(1);
});
