// @ts-check
'use strict';
/**
 * One throwaway n8n "installation": a fresh user folder (its own SQLite database, settings and
 * `.n8n/nodes`) driven through n8n's own CLI, exactly as a self-hosted user's n8n would be.
 * Works the same for n8n 1.x (our Node 20) and 2.x (Node 24 from .n8n-hosts/node24); the
 * few differences between the versions are handled here and commented where they are.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ensureN8n } = require('./hosts');
const { run, killTree, isAlive, tail, track, untrack } = require('./proc');
const { parseRawOutput, runError, summarize } = require('./run-data');
const { sampleMemory } = require('./rss');
const { freePort, request } = require('./ports');

/**
 * Environment for every n8n command: offline, quiet, deterministic. Anything N8N_*, DB_* or
 * EXECUTIONS_* from the caller's shell is dropped first so a developer's own n8n settings
 * cannot leak in.
 * @param {import('./hosts').Host} host
 * @param {string} userFolder
 * @param {Record<string, string>} extra
 * @returns {NodeJS.ProcessEnv}
 */
function n8nEnv(host, userFolder, extra) {
	/** @type {NodeJS.ProcessEnv} */
	const base = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$)/.test(k)) continue;
		base[k] = v;
	}
	return {
		...base,
		// Anything n8n spawns (2.x task runner) uses the same Node as n8n itself.
		PATH: `${host.pathPrefix}${path.delimiter}${process.env.PATH || ''}`,
		// jest sets NODE_ENV=test, and n8n refuses to load nodes when it sees that ("Not
		// available in tests"); production is what n8n's own Docker image uses.
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		// Nothing leaves the machine: telemetry, version checks, templates, banners, license.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		// Community packages on, but never reinstalled from the registry behind our back.
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		// Loopback only: n8n listens on all interfaces by default.
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'info', // `execute` prints its JSON at info level: never set this higher
		N8N_LOG_OUTPUT: 'console',
		GENERIC_TIMEZONE: 'UTC',
		...host.env,
		...extra,
	};
}

/**
 * @typedef {object} ExecuteResult
 * @property {import('./run-data').IRun} run   parsed IRun
 * @property {string} status                   run.status ('success' | 'error' | ...)
 * @property {string | undefined} error        one-line error ("<node>: <message>") if it failed
 * @property {ReturnType<typeof summarize>} summary
 * @property {number | null} exitCode
 * @property {string} stdout
 * @property {string} stderr
 * @property {number} ms                        wall time of the whole `n8n execute` process
 * @property {import('./rss').MemStats} memory  peak RSS of that process
 */

class N8nInstance {
	/**
	 * Use createInstance() instead.
	 * @param {import('./hosts').Host} host
	 * @param {string} userFolder
	 * @param {{ env?: Record<string, string>, keep?: boolean, quiet?: boolean }} opts
	 */
	constructor(host, userFolder, opts) {
		this.host = host;
		this.userFolder = userFolder;
		/** `.n8n` inside the user folder: n8n's config, database.sqlite, nodes/ */
		this.n8nDir = path.join(userFolder, '.n8n');
		/** where a user's n8n keeps community packages (its own package.json) */
		this.nodesDir = path.join(this.n8nDir, 'nodes');
		this.opts = opts;
		this.extraEnv = opts.env || {};
		/** @type {import('node:child_process').ChildProcess | undefined} */
		this.proc = undefined;
		this.port = 0;
		this.baseUrl = '';
		this.logFile = path.join(userFolder, 'n8n-start.log');
		/** every line n8n printed in this instance (all commands), for scanLog() */
		this.logLines = /** @type {string[]} */ ([]);
		/** @type {ReturnType<typeof sampleMemory> | undefined} */
		this.sampler = undefined;
		/** @type {import('./rss').MemStats | undefined} */
		this.lastMemory = undefined;
		let n = 0;
		this.seq = () => ++n;
	}

	/** @param {string} msg */
	log(msg) {
		if (!this.opts.quiet) console.log(`[n8n ${this.host.version}] ${msg}`);
	}

	/** @param {Record<string, string>} [extra] */
	env(extra = {}) {
		return n8nEnv(this.host, this.userFolder, { ...this.extraEnv, ...extra });
	}

	/**
	 * Run one n8n CLI command to completion (each one boots n8n: ~3-5 s).
	 * @param {string[]} args
	 * @param {{ allowFailure?: boolean, timeoutMs?: number, sample?: boolean, keepLog?: boolean, env?: Record<string, string> }} [o]
	 *   env: extra env for this command only
	 *   keepLog=false: the caller adds the output to logLines itself (execute leaves out the
	 *   run JSON, whose error stacks would look like load problems to scanLog)
	 */
	async cli(args, o = {}) {
		if (this.proc) throw new Error(`n8n ${args[0]} while n8n start runs would share its SQLite database: stop() first`);
		// 2.x starts a task-runner broker (default port 5679) even for `execute`: give each
		// command its own port so parallel instances never collide.
		const brokerPort = String(await freePort());
		/** @type {ReturnType<typeof sampleMemory> | undefined} */
		let sampler;
		const r = await run(this.host.nodeBin, [this.host.n8nBin, ...args], {
			cwd: this.userFolder,
			env: this.env({ ...o.env, N8N_RUNNERS_BROKER_PORT: brokerPort }),
			label: `n8n ${args.join(' ')}`,
			timeoutMs: o.timeoutMs || 180_000,
			allowFailure: o.allowFailure,
			reapGroup: true,
			onSpawn: (pid) => {
				if (o.sample) sampler = sampleMemory(pid, 100);
			},
		}).catch((e) => {
			if (e.result) this.remember(e.result.stdout + e.result.stderr);
			throw e;
		});
		if (sampler) this.lastMemory = sampler.stop();
		if (o.keepLog !== false) this.remember(r.stdout + r.stderr);
		return r;
	}

	/** @param {string} text */
	remember(text) {
		for (const line of text.split('\n')) if (line.trim()) this.logLines.push(line);
	}

	/**
	 * Install a package tarball the way a user does on a self-hosted n8n: `npm install` it in
	 * `~/.n8n/nodes`, a folder with its own package.json. n8n then finds every
	 * `node_modules/n8n-nodes-*` (and `@scope/n8n-nodes-*`) there at start-up; node types are
	 * `<packageName>.<nodeName>`.
	 *
	 * peerDeps=false (default) leaves peer dependencies (n8n-workflow) out, as n8n's own
	 * installer does (it strips peerDependencies before `npm install`): the package then
	 * resolves n8n-workflow to n8n's own copy through the NODE_PATH n8n sets. peerDeps=true is
	 * a plain `npm install` (npm 7+ adds peers), as in n8n's manual-install docs.
	 * @param {string} tarball
	 * @param {{ peerDeps?: boolean }} [o]
	 * @returns {Promise<{ name: string, version: string, ms: number }>}
	 */
	async installPackage(tarball, o = {}) {
		const t = Date.now();
		fs.mkdirSync(this.nodesDir, { recursive: true });
		const pj = path.join(this.nodesDir, 'package.json');
		// Same content n8n writes itself (CommunityPackagesService.ensurePackageJson).
		if (!fs.existsSync(pj)) {
			fs.writeFileSync(pj, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
		}
		const args = ['install', path.resolve(tarball), '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'];
		if (!o.peerDeps) args.push('--legacy-peer-deps');
		await run('npm', args, { cwd: this.nodesDir, label: `npm install ${path.basename(tarball)}`, timeoutMs: 300_000 });
		// Read the installed package.json: npm names the dependency after the package itself.
		const deps = JSON.parse(fs.readFileSync(pj, 'utf8')).dependencies || {};
		const name = Object.keys(deps).find((d) => String(deps[d]).includes(path.basename(tarball)));
		if (!name) throw new Error(`npm install did not record ${tarball} in ${pj}`);
		const installed = JSON.parse(fs.readFileSync(path.join(this.nodesDir, 'node_modules', name, 'package.json'), 'utf8'));
		if (!/^(@[^/]+\/)?n8n-nodes-/.test(name)) {
			throw new Error(`n8n only loads packages named n8n-nodes-* or @scope/n8n-nodes-*, not "${name}"`);
		}
		const ms = Date.now() - t;
		this.log(`installed ${name}@${installed.version} into .n8n/nodes in ${ms} ms`);
		return { name, version: installed.version, ms };
	}

	/**
	 * Node type descriptions n8n loaded, from `n8n export:nodes` (1.x and 2.x): proves a
	 * package's nodes were all found and loaded, without running a workflow. Community
	 * nodes are named `<packageName>.<nodeName>`.
	 * @param {string} [prefix] keep only types starting with this (e.g. 'n8n-nodes-nemovideo.')
	 * @returns {Promise<Array<{ name: string, displayName: string, version: number | number[], credentials?: Array<{ name: string }> }>>}
	 */
	async nodeTypes(prefix) {
		const out = path.join(this.userFolder, `nodes-${this.seq()}.json`);
		await this.cli(['export:nodes', `--output=${out}`]);
		const all = JSON.parse(fs.readFileSync(out, 'utf8'));
		fs.rmSync(out, { force: true });
		return prefix ? all.filter((/** @type {{name: string}} */ n) => n.name.startsWith(prefix)) : all;
	}

	/**
	 * `n8n import:credentials`: objects like { id, name, type, data: { ...plain values } };
	 * n8n encrypts plain `data` with this instance's key on import.
	 * @param {Array<Record<string, any>>} credentials
	 */
	async importCredentials(credentials) {
		return this.importJson('credentials', credentials);
	}

	/**
	 * `n8n import:workflow`: full workflow objects, each with a fixed `id` (tests refer to
	 * workflows by id). Imported workflows are inactive; see activate().
	 * @param {Array<Record<string, any>>} workflows
	 */
	async importWorkflows(workflows) {
		for (const w of workflows) {
			if (!w.id) throw new Error(`workflow "${w.name}" has no id: give every imported workflow a fixed id`);
		}
		return this.importJson('workflow', workflows);
	}

	/**
	 * @param {'credentials' | 'workflow'} kind
	 * @param {Array<Record<string, any>>} items
	 */
	async importJson(kind, items) {
		if (!Array.isArray(items)) throw new Error(`import ${kind}: pass an array`);
		const t = Date.now();
		const dir = path.join(this.userFolder, 'import');
		fs.mkdirSync(dir, { recursive: true });
		const file = path.join(dir, `${kind}-${this.seq()}.json`);
		fs.writeFileSync(file, JSON.stringify(items, null, 2));
		const r = await this.cli([`import:${kind}`, `--input=${file}`]);
		// Both versions print "Successfully imported N workflow(s)/credential(s)."; an import
		// that fails validation may still exit 0, so check the sentence.
		if (!/Successfully imported/i.test(r.stdout)) {
			throw new Error(`n8n import:${kind} did not confirm:\n${tail(r.stdout + r.stderr)}`);
		}
		const ms = Date.now() - t;
		this.log(`imported ${items.length} ${kind === 'workflow' ? 'workflow(s)' : 'credential(s)'} in ${ms} ms`);
		return { ms };
	}

	/**
	 * Mark a workflow active so `start()` registers its webhooks/triggers. Must happen while n8n
	 * is stopped (the CLI writes the database; a running n8n would not notice).
	 * 1.x: `update:workflow --id --active=true` (sets active + activeVersionId = versionId).
	 * 2.x: `publish:workflow --id` (2.x's name for it; update:workflow still works there but is
	 * deprecated and warns).
	 * @param {string} workflowId
	 */
	async activate(workflowId) {
		const t = Date.now();
		const args =
			this.host.major >= 2 ? ['publish:workflow', `--id=${workflowId}`] : ['update:workflow', `--id=${workflowId}`, '--active=true'];
		const r = await this.cli(args);
		if (/error|failed/i.test(r.stdout) && !/Publishing workflow|Activating workflow/.test(r.stdout)) {
			throw new Error(`activating ${workflowId} failed:\n${tail(r.stdout)}`);
		}
		const ms = Date.now() - t;
		this.log(`activated ${workflowId} in ${ms} ms`);
		return { ms };
	}

	/**
	 * `n8n execute --id=<id> --rawOutput` and the parsed run. The workflow must start with a
	 * Manual Trigger. Throws when n8n printed no run, or the run failed (unless allowError).
	 * @param {string} workflowId
	 * @param {{ allowError?: boolean, timeoutMs?: number, env?: Record<string, string> }} [o]
	 *   env: extra env for this one run (e.g. a proxy)
	 * @returns {Promise<ExecuteResult>}
	 */
	async execute(workflowId, o = {}) {
		const r = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
			env: o.env,
			allowFailure: true,
			timeoutMs: o.timeoutMs,
			sample: true,
			keepLog: false,
		});
		const parsed = parseRawOutput(r.stdout);
		// What n8n logged while booting (node loading problems show up here), not the run.
		this.remember(`${parsed ? parsed.before : r.stdout}\n${r.stderr}`);
		if (!parsed) {
			throw new Error(
				`n8n execute ${workflowId}: no run data in the output (exit ${r.code}).\n--- output (tail) ---\n${tail(r.stdout + r.stderr)}`,
			);
		}
		const res = {
			run: parsed.run,
			status: parsed.run.status,
			error: runError(parsed.run),
			summary: summarize(parsed.run),
			exitCode: r.code,
			stdout: r.stdout,
			stderr: r.stderr,
			ms: r.ms,
			memory: /** @type {import('./rss').MemStats} */ (this.lastMemory),
		};
		this.log(`executed ${workflowId}: ${res.status} in ${r.ms} ms, peak RSS ${mb(res.memory.peakKb)}`);
		if (res.status !== 'success' && !o.allowError) {
			const err = /** @type {Error & { result?: ExecuteResult }} */ (
				new Error(`workflow ${workflowId} ended "${res.status}": ${res.error || '(no error message)'}\n--- n8n said (tail) ---\n${tail(parsed.after || r.stdout, 15)}`)
			);
			err.result = res;
			throw err;
		}
		return res;
	}

	/**
	 * `n8n start` in the background; resolves once /healthz answers AND n8n logged "Editor is
	 * now accessible via" (/healthz alone answers before workflows are activated), and every
	 * webhook listed in `webhooks` is registered (see waitForWebhook: on 2.x activation
	 * finishes only after that log line).
	 * @param {{ port?: number, timeoutMs?: number, webhooks?: Array<string | { path: string, method?: string }>, echo?: boolean }} [o]
	 *   port: default 5678 as in n8n; tests pass await freePort().
	 *   echo: also copy n8n's output to ours (npm run dev)
	 *   webhooks: 'POST my-path' or { path, method } of active workflows to wait for.
	 * @returns {Promise<{ baseUrl: string, pid: number, ms: number }>}
	 */
	async start(o = {}) {
		const t = Date.now();
		const timeoutMs = o.timeoutMs || 120_000;
		this.port = o.port || 5678;
		this.baseUrl = `http://127.0.0.1:${this.port}`;
		const deadline = Date.now() + timeoutMs;
		const { child, text, exited } = await this.spawnServer(['start'], { N8N_PORT: String(this.port) }, o.echo);
		let healthy = false;
		try {
			for (;;) {
				if (exited()) throw new Error(`n8n start ${exited()} before it was ready:\n${tail(text())}`);
				if (!healthy) {
					healthy = await request(`${this.baseUrl}/healthz`, { timeoutMs: 2000 })
						.then((r) => r.status === 200)
						.catch(() => false);
				}
				if (healthy && /Editor is now accessible via/.test(text())) break;
				if (Date.now() > deadline) throw new Error(`n8n start not ready after ${timeoutMs} ms:\n${tail(text())}`);
				await new Promise((r) => setTimeout(r, 250));
			}
			for (const w of o.webhooks || []) {
				const spec = typeof w === 'string' ? parseHookSpec(w) : w;
				await this.waitForWebhook(spec.path, { method: spec.method, timeoutMs: Math.max(5000, deadline - Date.now()) });
			}
		} catch (e) {
			await this.stop();
			throw e;
		}
		const ms = Date.now() - t;
		this.log(`started on ${this.baseUrl} in ${ms} ms (pid ${child.pid})`);
		return { baseUrl: this.baseUrl, pid: /** @type {number} */ (child.pid), ms };
	}

	/**
	 * `n8n worker --concurrency=N` in the background (queue mode: the env must carry
	 * EXECUTIONS_MODE=queue, Redis and the shared database). Resolves once its health check
	 * (QUEUE_HEALTH_CHECK_ACTIVE on a port of its own) answers /healthz.
	 * @param {{ concurrency?: number, timeoutMs?: number }} [o]
	 */
	async startWorker(o = {}) {
		const t = Date.now();
		const timeoutMs = o.timeoutMs || 120_000;
		this.port = await freePort();
		this.baseUrl = `http://127.0.0.1:${this.port}`;
		const { child, text, exited } = await this.spawnServer(['worker', `--concurrency=${o.concurrency || 10}`], {
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(this.port),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		});
		const deadline = Date.now() + timeoutMs;
		try {
			for (;;) {
				if (exited()) throw new Error(`n8n worker ${exited()} before it was ready:\n${tail(text())}`);
				const ok = await request(`${this.baseUrl}/healthz`, { timeoutMs: 2000 })
					.then((r) => r.status === 200)
					.catch(() => false);
				if (ok) break;
				if (Date.now() > deadline) throw new Error(`n8n worker not ready after ${timeoutMs} ms:\n${tail(text())}`);
				await new Promise((r) => setTimeout(r, 250));
			}
		} catch (e) {
			await this.stop();
			throw e;
		}
		const ms = Date.now() - t;
		this.log(`worker ready in ${ms} ms (pid ${child.pid}, health ${this.baseUrl})`);
		return { pid: /** @type {number} */ (child.pid), ms };
	}

	/**
	 * Spawns a long-running n8n command (`start`, `worker`) in its own process group, its output
	 * kept in logLines and the user folder's n8n-start.log, its memory sampled.
	 * @param {string[]} args
	 * @param {Record<string, string>} extraEnv
	 * @param {boolean} [echo]
	 */
	async spawnServer(args, extraEnv, echo) {
		if (this.proc) throw new Error('already started');
		const env = this.env({ ...extraEnv, N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
		const logFd = fs.openSync(this.logFile, 'a');
		const child = spawn(this.host.nodeBin, [this.host.n8nBin, ...args], {
			cwd: this.userFolder,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true, // own process group: stop() kills n8n and its task runner together
		});
		this.proc = child;
		let text = '';
		let exited = /** @type {string | undefined} */ (undefined);
		const onData = (/** @type {Buffer} */ b) => {
			fs.writeSync(logFd, b);
			if (echo) process.stdout.write(b);
			text += b.toString('utf8');
			this.remember(b.toString('utf8'));
		};
		child.stdout?.on('data', onData);
		child.stderr?.on('data', onData);
		child.on('exit', (code, sig) => {
			exited = `exited with ${code ?? sig}`;
			try {
				fs.closeSync(logFd);
			} catch {
				/* closed already */
			}
		});
		this.startText = () => text;
		this.exited = () => exited;
		if (!child.pid) throw new Error(`n8n ${args[0]} did not spawn`);
		track(child.pid); // killed with us if the harness is interrupted
		this.sampler = sampleMemory(child.pid, 500);
		return { child, text: () => text, exited: () => exited };
	}

	/**
	 * Wait until n8n serves the production webhook `path` for `method`, without running it: ask
	 * with another HTTP method. n8n (1.x and 2.x alike) then answers 404 "This webhook is not
	 * registered for PATCH requests. Did you mean to make a POST request?" once the path is
	 * registered, and 404 'The requested webhook "PATCH path" is not registered.' before.
	 * Needed on 2.x: its workflow publication service activates workflows asynchronously, a
	 * few hundred ms after "Editor is now accessible"; on 1.x it is ready at once.
	 * @param {string} webhookPath
	 * @param {{ method?: string, timeoutMs?: number }} [o]
	 */
	async waitForWebhook(webhookPath, o = {}) {
		const method = (o.method || 'POST').toUpperCase();
		const probe = method === 'PATCH' ? 'DELETE' : 'PATCH';
		const deadline = Date.now() + (o.timeoutMs || 30_000);
		const url = `/webhook/${webhookPath.replace(/^\//, '')}`;
		let last = '';
		while (Date.now() < deadline) {
			const exited = this.exited && this.exited();
			if (exited) throw new Error(`n8n ${exited} while waiting for webhook ${method} ${webhookPath}`);
			const r = await this.http(url, { method: probe, timeoutMs: 5000 }).catch((e) => ({ status: 0, body: String(e) }));
			last = `${r.status} ${r.body}`;
			const m = /Did you mean to make a (.+?) request/.exec(r.body);
			if (m && m[1].split(/\s*(?:,|or)\s*/).includes(method)) return;
			if (m) throw new Error(`webhook ${webhookPath} is registered for ${m[1]}, not ${method}`);
			await new Promise((res) => setTimeout(res, 200));
		}
		const why = this.logLines.filter((l) => /activat|publish|trigger|webhook/i.test(l)).slice(-15);
		throw new Error(`webhook ${method} ${webhookPath} not registered in time (last probe: ${last.slice(0, 200)}).\nn8n said:\n${why.join('\n')}`);
	}

	/** URL of a production webhook of the running instance. @param {string} webhookPath */
	webhookUrl(webhookPath) {
		if (!this.baseUrl) throw new Error('not started');
		return `${this.baseUrl}/webhook/${webhookPath.replace(/^\//, '')}`;
	}

	/**
	 * HTTP request to the running instance (path relative to its base URL). JSON bodies are
	 * sent as application/json.
	 * @param {string} urlPath
	 * @param {{ method?: string, json?: any, body?: string | Buffer, headers?: Record<string, string>, timeoutMs?: number }} [o]
	 */
	async http(urlPath, o = {}) {
		const headers = { ...(o.headers || {}) };
		let body = o.body;
		if (o.json !== undefined) {
			body = JSON.stringify(o.json);
			headers['content-type'] = 'application/json';
		}
		const res = await request(`${this.baseUrl}${urlPath}`, { method: o.method || (body ? 'POST' : 'GET'), headers, body, timeoutMs: o.timeoutMs });
		return { ...res, json: () => JSON.parse(res.body) };
	}

	/** Memory of the running `n8n start` so far (peak RSS of n8n, and of n8n + children). */
	memory() {
		return this.sampler ? this.sampler.stats() : this.lastMemory;
	}

	/**
	 * Stop `n8n start`: SIGTERM to its process group (n8n shuts down cleanly), SIGKILL to the
	 * whole tree if it is not gone after graceMs. Returns the final memory figures.
	 * @param {{ graceMs?: number }} [o]
	 */
	async stop(o = {}) {
		const child = this.proc;
		if (!child || !child.pid) return this.lastMemory;
		const pid = child.pid;
		const mem = this.sampler ? this.sampler.stop() : undefined;
		this.sampler = undefined;
		this.lastMemory = mem;
		if (child.exitCode === null && child.signalCode === null) {
			const gone = new Promise((r) => child.once('exit', r));
			killTree(pid, 'SIGTERM');
			/** @type {NodeJS.Timeout | undefined} */
			let timer;
			await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, o.graceMs ?? 8000)))]);
			clearTimeout(timer); // a pending timer would keep the caller's process alive
		}
		killTree(pid, 'SIGKILL'); // whatever is left (task runner, stuck shutdown)
		for (let i = 0; i < 40 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
		untrack(pid);
		this.proc = undefined;
		this.log(`stopped (peak RSS ${mem ? mb(mem.peakKb) : '?'})`);
		return mem;
	}

	/** Everything n8n printed in this instance so far. */
	logText() {
		return this.logLines.join('\n');
	}

	/**
	 * Lines of n8n's output that mention a package (or any of the given words) together with
	 * an error/warning word: the load problems of a community package ("Failed to load",
	 * "Unrecognized node type", "Cannot find module", ...). Empty means clean.
	 * @param {string} packageName
	 */
	scanLog(packageName) {
		const bad = /error|warn|fail|cannot|could not|unrecognized|not found|invalid|deprecat/i;
		const mentions = this.logLines.filter((l) => l.includes(packageName));
		return { problems: mentions.filter((l) => bad.test(l)), mentions };
	}

	/** stop() and delete the user folder (kept when E2E_KEEP=1 or opts.keep, for debugging). */
	async dispose() {
		await this.stop();
		if (this.opts.keep || process.env.E2E_KEEP === '1') {
			this.log(`kept ${this.userFolder}`);
			return;
		}
		fs.rmSync(this.userFolder, { recursive: true, force: true });
	}
}

/** @param {number} kb */
function mb(kb) {
	return `${Math.round(kb / 1024)} MB`;
}

/** 'POST my/path' -> { method: 'POST', path: 'my/path' }; a bare path means POST. @param {string} s */
function parseHookSpec(s) {
	const m = /^([A-Z]+)\s+(.+)$/.exec(s.trim());
	return m ? { method: m[1], path: m[2] } : { method: 'POST', path: s.trim() };
}

/**
 * Install (or reuse) the n8n host for `version` and make a fresh instance with its own user
 * folder under the OS temp dir.
 * @param {string | number} version  1 | 2 | exact n8n version
 * @param {{ env?: Record<string, string>, keep?: boolean, quiet?: boolean, baseDir?: string, userFolder?: string }} [opts]
 *   env: extra env for every n8n command (e.g. N8N_BLOCK_ENV_ACCESS_IN_NODE, a simulator URL)
 *   userFolder: use (and keep) this user folder instead of a fresh temp one
 */
async function createInstance(version, opts = {}) {
	const host = await ensureN8n(version);
	if (opts.userFolder) {
		// a persistent folder (npm run dev): kept on dispose, reused next time
		fs.mkdirSync(opts.userFolder, { recursive: true });
		return new N8nInstance(host, path.resolve(opts.userFolder), { ...opts, keep: true });
	}
	const userFolder = fs.mkdtempSync(path.join(opts.baseDir || os.tmpdir(), `n8n-e2e-${host.major}-`));
	return new N8nInstance(host, userFolder, opts);
}

module.exports = { createInstance, N8nInstance, n8nEnv, freePort };
