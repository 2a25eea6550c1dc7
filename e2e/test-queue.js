// @ts-check
'use strict';
/**
 * `npm run test:queue [-- 1|2|both]`: the packed package in n8n's queue mode, for n8n 1.123.81
 * (Node 20) and 2.40.7 (Node 24). Per version, started by this script on loopback with ports the
 * OS picked: Redis and PostgreSQL from Debian's packages (e2e/queue-services.js), the simulator,
 * a main (`n8n start`) and two workers (`n8n worker --concurrency=10`), each n8n with its own
 * user folder and our package installed in its `.n8n/nodes`, one shared N8N_ENCRYPTION_KEY,
 * binary data in the `database` mode (README: Queue mode). Checks:
 *
 *   webhook   examples/webhook-face-swap.json under 20 concurrent requests: every answer is the
 *             right one (its own session, a render URL, the timeline), both workers ran some,
 *             exactly one /run_sse per swap
 *   binary    a multipart POST (clip + face photo) through Webhook → Nemo Face Swap (binary out)
 *             → Respond to Webhook: the MP4's bytes come back
 *   batch     examples/scheduled-batch.json fired by its Schedule Trigger (every 20 s here) on
 *             the main and run by a worker: 3 clips exported, the broken one reported
 *   token     one trial token issued in all, across the main and both workers (a cold worker's repeat request is refused and it uses the one n8n keeps)
 *   logs      no process said anything bad about the package (or "File not found")
 *
 * Prints `N passed, N failed`; figures go to .cache/e2e/queue-<n8n version>.json.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildAndPack } = require('./package-tarball');
const { ensureN8n } = require('./hosts');
const { ensureSampleMedia } = require('./sample-media');
const { startSimulatorProcess } = require('./simulator-process');
const { serveFolder } = require('./static-server');
const { loadExample, configureWorkflow, EXAMPLES, EXAMPLE_CREDENTIAL } = require('./examples');
const { n8nEnvFor, nemoCredential } = require('./stack');
const { binaryWebhookWorkflow } = require('./e2e-workflows');
const { createQueueDeployment, executionsStarted } = require('./queue-deployment');
const { request } = require('./ports');

const REPO_ROOT = path.resolve(__dirname, '..');
const PACKAGE = 'n8n-nodes-nemovideo';
const CONCURRENT = 20;
const WORKER_CONCURRENCY = 10;
const BINARY = { id: 'nemoQueueBinary1', path: 'nemo-binary-swap' };
/** The simulator's fast-media render size (its outputSizeBytes default). */
const FAST_RENDER_BYTES = 64 * 1024;
/** Lines that mean a broken deployment whoever logs them (the wrong binary mode shows so). */
const BAD_ANYWHERE = /Unrecognized node type|Failed to load|is not a valid node|File not found|Cannot find module/i;

/** @type {Array<{ version: string, name: string, ok: boolean, ms: number, error?: string }>} */
const results = [];

/**
 * @template T
 * @param {string} version @param {string} name @param {() => Promise<T>} fn @param {{ fatal?: boolean }} [o]
 * @returns {Promise<T | undefined>}
 */
async function check(version, name, fn, o = {}) {
	const t = Date.now();
	process.stdout.write(`\n▶ [${version}] ${name}\n`);
	try {
		const r = await fn();
		results.push({ version, name, ok: true, ms: Date.now() - t });
		console.log(`✔ [${version}] ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
		return r;
	} catch (e) {
		const msg = e instanceof Error ? e.stack || e.message : String(e);
		results.push({ version, name, ok: false, ms: Date.now() - t, error: msg.split('\n')[0] });
		console.log(`✘ [${version}] ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)\n${msg}`);
		if (o.fatal) throw new Error(`[${version}] ${name} failed: the remaining checks of this version need it`);
		return undefined;
	}
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A multipart/form-data body of files.
 * @param {Array<{ field: string, file: string, type: string }>} parts
 */
function multipart(parts) {
	const boundary = `----nemoqueue${crypto.randomBytes(8).toString('hex')}`;
	/** @type {Buffer[]} */
	const chunks = [];
	for (const p of parts) {
		chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"; filename="${path.basename(p.file)}"\r\nContent-Type: ${p.type}\r\n\r\n`));
		chunks.push(fs.readFileSync(p.file));
		chunks.push(Buffer.from('\r\n'));
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`));
	return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * @param {'1' | '2'} which
 * @param {{ tarball: string, media: import('./sample-media').SampleMedia }} shared
 */
async function suite(which, shared) {
	const host = await ensureN8n(which);
	const v = `n8n ${host.version} queue`;
	/** @type {Record<string, any>} */
	const report = { n8n: host.version, node: host.nodeVersion, times: {} };
	const work = fs.mkdtempSync(path.join(os.tmpdir(), `nemo-queue-${host.major}-`));
	const { media } = shared;
	/** @type {Array<{ stop?: () => Promise<unknown>, close?: () => Promise<unknown>, dispose?: () => Promise<unknown> }>} */
	const cleanup = [];
	try {
		const t0 = Date.now();
		// repeatTokenRequest 429: as the real service, a second token request for the client id is refused,
		// so two workers that ask at the same moment must settle on the one token n8n keeps.
		// This deployment follows the trial token across processes, exports included, so the simulator
		// lets trials export, as NemoVideo's older documents had it (trialExport 'allowed'; the newest
		// refuse them: test/nodes/trial-export.test.ts).
		const sim = await startSimulatorProcess({ media: 'fast', config: { anonymousCredits: 100_000, tokensPerIp: 100, repeatTokenRequest: '429', trialExport: 'allowed' } });
		cleanup.push(sim);
		const files = await serveFolder(media.dir);
		cleanup.push(files);
		/** @type {Awaited<ReturnType<typeof createQueueDeployment>>} */
		let deployment;
		await check(v, 'Redis + PostgreSQL start; the tarball installs into each process\'s own .n8n/nodes; credential and workflows import into Postgres', async () => {
			deployment = await createQueueDeployment(which, {
				tarball: shared.tarball,
				workers: 2,
				env: n8nEnvFor(host.major, { fileFolders: [media.dir, work], simulator: true }),
			});
			cleanup.push(deployment);
			assert.equal(deployment.installed.name, PACKAGE);
			report.postgres = deployment.pg.version;
			await deployment.main.importCredentials([nemoCredential({ ...EXAMPLE_CREDENTIAL, baseUrl: sim.url })]);
			const clips = [
				...media.batch.map((f, i) => ({ name: `clip-${i + 1}`, videoUrl: files.urlOf(f) })),
				{ name: 'missing', videoUrl: `${files.url}/no-such-clip.mp4` },
			];
			const batch = configureWorkflow(loadExample('batch'), {
				settings: { faceUrl: files.urlOf(media.face), clips },
				// the example runs every morning at 6; here every 20 s, so the main's scheduler fires it soon
				params: { 'Every Morning': { rule: { interval: [{ field: 'seconds', secondsInterval: 20 }] } } },
			});
			const workflows = [loadExample('webhook'), binaryWebhookWorkflow({ ...BINARY, credential: EXAMPLE_CREDENTIAL }), batch];
			await deployment.importActive(workflows);
			report.times.setupMs = Date.now() - t0;
		}, { fatal: true });
		// @ts-ignore assigned by the fatal check above
		const { main, workers } = deployment;

		await check(v, `main + 2 workers start (worker concurrency ${WORKER_CONCURRENCY})`, async () => {
			report.times.startMs = await deployment.start({ webhooks: ['POST nemo-face-swap', `POST ${BINARY.path}`], concurrency: WORKER_CONCURRENCY });
		}, { fatal: true });

		await check(v, `webhook example: ${CONCURRENT} concurrent requests, every answer right, both workers used, one /run_sse per swap`, async () => {
			const started = workers.map((w) => executionsStarted(w).length);
			const t = Date.now();
			const answers = await Promise.all(
				Array.from({ length: CONCURRENT }, (_, i) =>
					main
						.http('/webhook/nemo-face-swap', {
							json: { videoUrl: files.urlOf(media.clip), faceUrl: files.urlOf(media.face), instructions: `request ${i}` },
							timeoutMs: 240_000,
						})
						.then((r) => ({ i, ...r, ms: Date.now() - t })),
				),
			);
			report.times.webhook20Ms = Date.now() - t;
			const bad = answers.filter((a) => a.status !== 200).map((a) => `#${a.i}: HTTP ${a.status} ${a.body.slice(0, 200)}`);
			assert.deepEqual(bad, [], 'every request answered 200');
			const bodies = answers.map((a) => JSON.parse(a.body));
			for (const b of bodies) {
				for (const k of ['videoUrl', 'sessionId', 'renderId', 'timeline']) assert.ok(b[k], `answer has ${k}: ${JSON.stringify(b).slice(0, 200)}`);
				assert.match(b.timeline, /face swapped with face\.png/);
				assert.match(b.videoUrl, /^http:\/\/127\.0\.0\.1:\d+\/renders\//);
			}
			const sessions = bodies.map((b) => String(b.sessionId));
			assert.equal(new Set(sessions).size, CONCURRENT, 'each request got its own session');
			assert.equal(new Set(bodies.map((b) => b.renderId)).size, CONCURRENT, 'each request got its own render');
			// one /run_sse per swap: the instruction of each request sent exactly once, in its session
			const sse = (await sim.admin('requests')).filter((/** @type {any} */ r) => r.endpoint === 'sse');
			const perSession = sessions.map((sid) => sse.filter((/** @type {any} */ r) => String(r.json && r.json.session_id) === sid).length);
			assert.deepEqual(perSession, Array(CONCURRENT).fill(1), 'one /run_sse per swap');
			const messages = await sim.admin('messages');
			for (const [i, sid] of sessions.entries()) {
				const m = messages.filter((/** @type {any} */ x) => String(x.sessionId) === sid);
				assert.equal(m.length, 1, `request ${i}: one message in its session`);
				assert.match(m[0].text, new RegExp(`request ${i}\\b`), `request ${i}: its own instruction (${m[0].text})`);
			}
			// the scheduled batch fires meanwhile too: count this workflow's executions (PostgreSQL)
			const ids = new Set((await deployment.query(`SELECT id FROM execution_entity WHERE "workflowId" = '${EXAMPLES.webhook.id}'`)).map((r) => r[0]));
			const ran = workers.map((w, k) => executionsStarted(w).slice(started[k]).filter((id) => ids.has(id)).length);
			report.webhookExecutionsPerWorker = ran;
			console.log(`  ${CONCURRENT} answers in ${(report.times.webhook20Ms / 1000).toFixed(1)} s; executions per worker: ${ran.join(' + ')}`);
			assert.equal(ran[0] + ran[1], CONCURRENT, 'every request ran as one execution on a worker');
			assert.ok(ran[0] > 0 && ran[1] > 0, `both workers ran executions (${ran.join(', ')})`);
		});

		await check(v, 'binary chain through the webhook: clip + face photo posted as files, the MP4 bytes come back', async () => {
			const form = multipart([
				{ field: 'data', file: media.clip, type: 'video/mp4' },
				{ field: 'face', file: media.face, type: 'image/png' },
			]);
			const started = workers.map((w) => executionsStarted(w).length);
			// the scheduled batch may upload meanwhile: look at the uploads that began after this request, not the last one
			const seqBefore = Math.max(0, ...(await sim.admin('requests')).map((/** @type {any} */ r) => r.seq));
			const res = await request(main.webhookUrl(BINARY.path), {
				method: 'POST',
				headers: { 'content-type': form.contentType, 'content-length': String(form.body.length) },
				body: form.body,
				timeoutMs: 180_000,
			});
			const bytes = res.bytes;
			assert.equal(res.status, 200, `HTTP ${res.status}: ${bytes.subarray(0, 300).toString('utf8')}`);
			assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 came back');
			// the simulator's fast renders are synthetic MP4s of outputSizeBytes (not playable: no ffprobe)
			assert.equal(bytes.length, FAST_RENDER_BYTES, 'the whole render came back');
			// the scheduled batch fires meanwhile too: count this workflow's executions (PostgreSQL)
			const ids = new Set((await deployment.query(`SELECT id FROM execution_entity WHERE "workflowId" = '${BINARY.id}'`)).map((r) => r[0]));
			const ran = workers.map((w, k) => executionsStarted(w).slice(started[k]).filter((id) => ids.has(id)).length);
			assert.equal(ran[0] + ran[1], 1, `a worker ran it (${ran.join(', ')})`);
			const uploads = (await sim.admin('requests')).filter((/** @type {any} */ r) => r.seq > seqBefore && r.endpoint === 'upload' && r.status === 200);
			const clipBytes = fs.statSync(media.clip).size;
			assert.ok(uploads.some((/** @type {any} */ r) => r.bodyBytes >= clipBytes), `the worker uploaded the whole clip the main received (${clipBytes} bytes; uploads since the request: ${uploads.map((/** @type {any} */ r) => r.bodyBytes).join(', ') || 'none'})`);
			console.log(`  ${bytes.length} bytes of ${res.headers['content-type']} back, starting with an MP4 "ftyp" box`);
		});

		await check(v, 'scheduled batch example: fired by the main\'s schedule, run by a worker, 3 clips exported, 1 reported', async () => {
			const deadline = Date.now() + 150_000;
			/** @type {string[] | undefined} */
			let row;
			while (!row) {
				const rows = await deployment.query(`SELECT id, status, mode FROM execution_entity WHERE "workflowId" = '${EXAMPLES.batch.id}' AND status IN ('success', 'error', 'crashed') ORDER BY id LIMIT 1`);
				row = rows[0];
				if (!row) {
					if (Date.now() > deadline) throw new Error('no finished run of the scheduled batch after 150 s');
					await sleep(1000);
				}
			}
			const [id, status, mode] = row;
			const byWorker = workers.map((w) => executionsStarted(w).includes(id));
			console.log(`  execution ${id}: ${status} (${mode}), run by worker ${byWorker.indexOf(true) + 1}`);
			assert.equal(mode, 'trigger', 'started by the Schedule Trigger');
			assert.equal(byWorker.filter(Boolean).length, 1, 'exactly one worker ran it');
			const [[data]] = await deployment.query(`SELECT data FROM execution_data WHERE "executionId" = ${Number(id)}`);
			const flatted = require(path.join(host.dir, 'node_modules', 'flatted'));
			const run = flatted.parse(data);
			assert.equal(status, 'success', `the batch ended ${status}: ${String(JSON.stringify(run.resultData && run.resultData.error)).slice(0, 300)}`);
			const summary = run.resultData.runData.Summary[0].data.main[0][0].json;
			console.log(`  summary: ${JSON.stringify({ clips: summary.clips, exported: summary.exported, failed: summary.failed })}`);
			assert.equal(summary.clips, 4);
			assert.equal(summary.exported, 3);
			assert.equal(summary.failed, 1);
			assert.deepEqual(summary.results.map((/** @type {any} */ r) => r.clip), ['clip-1', 'clip-2', 'clip-3', 'missing']);
			report.batch = { executionId: id, status };
		});

		await check(v, 'one trial token issued in all (main + 2 workers, every execution); a repeat is refused and the kept one used', async () => {
			const tokenRequests = (await sim.admin('requests')).filter((/** @type {any} */ r) => r.endpoint === 'token');
			report.trialTokenRequests = tokenRequests.length;
			console.log(`  ${tokenRequests.length} trial-token request(s): ${tokenRequests.map((/** @type {any} */ r) => r.status).join(', ')}`);
			// Workers that start cold at the same moment may each ask once (n8n has no lock across
			// processes); the service refuses the repeat (429) and that worker takes the token n8n's
			// store holds a moment later, instead of waiting out the Retry-After (30 s) to ask again.
			// What must hold: one token issued for every process and execution, at most one request per
			// process, every other request a refused repeat (the webhook check above saw every answer right).
			assert.equal(tokenRequests.filter((/** @type {any} */ r) => r.status === 200).length, 1, 'one trial token issued for all processes');
			assert.deepEqual(tokenRequests.filter((/** @type {any} */ r) => r.status !== 200).map((/** @type {any} */ r) => r.status), Array(tokenRequests.length - 1).fill(429), 'any other request was a refused repeat');
			assert.ok(tokenRequests.length <= 1 + workers.length, `at most one request per process (${tokenRequests.length})`);
			const spreadMs = Math.max(...tokenRequests.map((/** @type {any} */ r) => r.startedAt)) - Math.min(...tokenRequests.map((/** @type {any} */ r) => r.startedAt));
			assert.ok(spreadMs < 15_000, `no process asked again after waiting out the refusal's Retry-After (requests ${(spreadMs / 1000).toFixed(1)} s apart)`);
		});

		await check(v, 'no process logged a problem about the package', async () => {
			const all = [main, ...workers];
			for (const p of all) await p.stop();
			/** @type {string[]} */
			const problems = [];
			for (const [k, p] of all.entries()) {
				const who = k === 0 ? 'main' : `worker ${k}`;
				for (const l of p.scanLog(PACKAGE).problems) problems.push(`${who}: ${l}`);
				for (const l of p.logLines.filter((x) => BAD_ANYWHERE.test(x))) problems.push(`${who}: ${l}`);
			}
			assert.deepEqual([...new Set(problems)], []);
			console.log(`  ${all.map((p) => p.logLines.length).join(' + ')} log lines scanned`);
		});
	} finally {
		for (const c of cleanup.reverse()) {
			await (c.dispose ? c.dispose() : c.stop ? c.stop() : c.close ? c.close() : undefined)?.catch?.(() => {});
		}
		fs.rmSync(work, { recursive: true, force: true });
		const dir = path.join(REPO_ROOT, '.cache', 'e2e');
		fs.mkdirSync(dir, { recursive: true });
		report.checks = results.filter((r) => r.version === v);
		fs.writeFileSync(path.join(dir, `queue-${host.version}.json`), JSON.stringify(report, null, 2));
	}
	return report;
}

async function main() {
	const arg = process.argv[2] || 'both';
	const versions = arg === 'both' ? ['1', '2'] : [arg];
	if (!versions.every((x) => x === '1' || x === '2')) throw new Error(`usage: npm run test:queue -- [1|2|both], not "${arg}"`);
	const t0 = Date.now();
	const packed = await buildAndPack();
	const media = await ensureSampleMedia({ log: console.log });
	try {
		for (const x of versions) {
			const host = await ensureN8n(/** @type {'1' | '2'} */ (x));
			try {
				await suite(/** @type {'1' | '2'} */ (x), { tarball: packed.tarball, media });
			} catch (e) {
				const msg = e instanceof Error ? e.message : String(e);
				console.log(`\n✘ ${msg}`);
				results.push({ version: `n8n ${host.version} queue`, name: 'remaining checks (not run)', ok: false, ms: 0, error: msg });
			}
		}
	} finally {
		fs.rmSync(path.dirname(packed.tarball), { recursive: true, force: true });
	}
	const failed = results.filter((r) => !r.ok);
	console.log('\n──────── queue-mode summary');
	for (const r of results) console.log(`${r.ok ? '✔' : '✘'} ${(r.ms / 1000).toFixed(1).padStart(6)} s  [${r.version}] ${r.name}${r.ok ? '' : `\n           ${r.error}`}`);
	console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
	if (failed.length || results.length === 0) process.exitCode = 1;
}

main().catch((e) => {
	console.error(`\n✘ queue-mode test failed: ${e && e.stack ? e.stack : e}`);
	process.exitCode = 1;
});
