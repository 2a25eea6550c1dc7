// @ts-check
'use strict';
/**
 * An n8n queue-mode deployment on loopback, as the README's "Queue mode" section describes it:
 * Redis and PostgreSQL (queue-services.js), a main (`n8n start`) and workers
 * (`n8n worker --concurrency=N`), each n8n with its own user folder and the packed package in
 * its own `.n8n/nodes`, one shared N8N_ENCRYPTION_KEY, binary data in the `database` mode.
 * Used by `npm run test:queue` and the scale-out benchmark.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const { createInstance, freePort } = require('./n8n-instance');
const { ensureN8n } = require('./hosts');
const { startRedis, startPostgres, query } = require('./queue-services');

const DATABASE = 'n8n_queue';

/**
 * The env every n8n process of the deployment gets (README: Queue mode).
 * @param {1 | 2} major
 * @param {{ redis: { port: number }, pg: { host: string, port: number, user: string, password: string }, database: string, encryptionKey: string }} o
 */
function queueEnv(major, o) {
	/** @type {Record<string, string>} */
	const env = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(o.redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: o.pg.host,
		DB_POSTGRESDB_PORT: String(o.pg.port),
		DB_POSTGRESDB_DATABASE: o.database,
		DB_POSTGRESDB_USER: o.pg.user,
		DB_POSTGRESDB_PASSWORD: o.pg.password,
		N8N_ENCRYPTION_KEY: o.encryptionKey,
		// Each process has its own disk: binaries must live where all of them can read them.
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
	};
	if (major < 2) env.N8N_AVAILABLE_BINARY_DATA_MODES = 'filesystem,database';
	return env;
}

/**
 * Starts Redis and PostgreSQL, makes the n8n instances and installs the package into each.
 * Nothing of n8n runs yet: import, then start().
 * @param {'1' | '2'} which
 * @param {{ tarball: string, workers: number, env?: Record<string, string>, quiet?: boolean }} o
 */
async function createQueueDeployment(which, o) {
	const [redis, pg] = await Promise.all([startRedis(), startPostgres({ databases: [DATABASE] })]);
	const stopServices = async () => {
		await pg.stop().catch(() => undefined);
		await redis.stop().catch(() => undefined);
	};
	try {
		const { major } = await ensureN8n(which);
		const env = { ...(o.env || {}), ...queueEnv(major, { redis, pg, database: DATABASE, encryptionKey: crypto.randomBytes(24).toString('hex') }) };
		const main = await createInstance(which, { env, quiet: o.quiet });
		/** @type {import('./n8n-instance').N8nInstance[]} */
		const workers = [];
		for (let k = 0; k < o.workers; k++) workers.push(await createInstance(which, { env, quiet: o.quiet }));
		const installed = await main.installPackage(o.tarball);
		// the same install in every user folder (each process loads the package from its own disk)
		for (const w of workers) fs.cpSync(main.nodesDir, w.nodesDir, { recursive: true });
		return {
			host: main.host,
			main,
			workers,
			redis,
			pg,
			installed,
			/** @param {string} sql */
			query: (sql) => query(pg, DATABASE, sql),
			/**
			 * Imports workflows (`n8n import:workflow`) and activates them with the one UPDATE that
			 * `publish:workflow` (2.x) and `update:workflow --active=true` (1.x) make, for all of them at
			 * once: each of those CLI calls boots n8n (5–30 s here). Before start().
			 * @param {Array<Record<string, any>>} workflows
			 */
			async importActive(workflows) {
				await main.importWorkflows(workflows);
				const ids = workflows.map((w) => `'${String(w.id).replace(/'/g, "''")}'`).join(', ');
				await query(pg, DATABASE, `UPDATE workflow_entity SET active = true, "activeVersionId" = "versionId" WHERE id IN (${ids})`);
			},
			/**
			 * Main and the first `workers` workers (default all), at the same time.
			 * @param {{ webhooks?: string[], workers?: number, concurrency?: number }} s
			 */
			async start(s = {}) {
				const t = Date.now();
				await Promise.all([
					main.start({ port: await freePort(), webhooks: s.webhooks || [] }),
					...workers.slice(0, s.workers ?? workers.length).map((w) => w.startWorker({ concurrency: s.concurrency })),
				]);
				return Date.now() - t;
			},
			async stop() {
				for (const p of [main, ...workers]) await p.dispose().catch(() => undefined);
				await stopServices();
			},
		};
	} catch (e) {
		await stopServices();
		throw e;
	}
}

/** Execution ids a worker started, from its log ("Worker started execution N (job M)"). @param {import('./n8n-instance').N8nInstance} worker */
function executionsStarted(worker) {
	return worker.logLines.map((l) => /Worker started execution (\d+)/.exec(l)).filter(Boolean).map((m) => /** @type {RegExpExecArray} */ (m)[1]);
}

module.exports = { createQueueDeployment, queueEnv, executionsStarted, DATABASE };
