// @ts-check
'use strict';
/**
 * `node e2e/smoke.js [1|2|both]` proves the real-n8n harness end to end with n8n's own nodes
 * and a throwaway community package (see probe-package.js), for n8n 1.x on Node 20 and/or
 * 2.x on Node 24:
 *   1. the host is installed (cached after the first time),
 *   2. the probe package is packed and `npm install`ed into a fresh `.n8n/nodes`, and
 *      `n8n export:nodes` lists its node,
 *   3. `n8n execute` runs Manual Trigger -> Code -> Set -> probe, and a failing run comes back
 *      parsed with its error,
 *   4. `n8n start` serves Webhook -> probe -> Respond to Webhook over real HTTP.
 * Prints the time of every step. Exits non-zero on the first failure.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ensureN8n } = require('./hosts');
const { packFolder } = require('./package-tarball');
const { writeProbePackage, PROBE_PACKAGE, PROBE_NODE_TYPE } = require('./probe-package');
const { createInstance, freePort } = require('./n8n-instance');
const { outputJson } = require('./run-data');
const wf = require('./smoke-workflows');

/** @type {Array<{ version: string, step: string, ms: number }>} */
const timings = [];

/**
 * @template T
 * @param {string} version
 * @param {string} step
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function timed(version, step, fn) {
	const t = Date.now();
	console.log(`\n▶ [${version}] ${step}`);
	const r = await fn();
	const ms = Date.now() - t;
	timings.push({ version, step, ms });
	console.log(`✔ [${version}] ${step}: ${(ms / 1000).toFixed(1)} s`);
	return r;
}

/**
 * @param {string} which  '1' | '2'
 * @param {string} probeTgz
 */
async function smoke(which, probeTgz) {
	const host = await timed(which, 'ensure n8n host installed', () => ensureN8n(which));
	const v = `n8n ${host.version} / node ${host.nodeVersion}`;
	const n8n = await createInstance(which);
	try {
		await timed(v, 'npm install probe tarball into .n8n/nodes', () => n8n.installPackage(probeTgz));
		const types = await timed(v, 'n8n export:nodes lists the probe node', () => n8n.nodeTypes(`${PROBE_PACKAGE}.`));
		assert.deepEqual(
			types.map((t) => t.name),
			[PROBE_NODE_TYPE],
		);
		await timed(v, 'import 3 workflows', () => n8n.importWorkflows([wf.execWorkflow(), wf.failWorkflow(), wf.hookWorkflow()]));

		const ok = await timed(v, 'n8n execute (Manual -> Code -> Set -> probe)', () => n8n.execute(wf.IDS.exec));
		const set = outputJson(ok.run, 'Set');
		assert.deepEqual(
			set.map((j) => j.doubled),
			[6, 42],
			'Set node doubled the Code output',
		);
		const probe = outputJson(ok.run, 'Probe');
		assert.deepEqual(
			probe.map((j) => j.greeting),
			['hi 6', 'hi 42'],
			'probe node ran with an expression parameter',
		);
		assert.equal(probe[0].probe.node, host.nodeVersion, 'n8n ran on the expected Node');
		console.log(`  probe resolved n8n-workflow to ${probe[0].probe.workflowLib}`);
		assert.ok(
			probe[0].probe.workflowLib.startsWith(host.dir),
			'installed without peer deps, the package uses n8n\'s own n8n-workflow',
		);
		console.log(`  summary: ${JSON.stringify(ok.summary)}`);

		const bad = await timed(v, 'n8n execute (failing probe)', () => n8n.execute(wf.IDS.fail, { allowError: true }));
		assert.equal(bad.status, 'error');
		assert.equal(bad.exitCode, 1, 'n8n execute exits 1 on a failed run');
		assert.match(bad.error || '', /Probe: probe asked to fail/);
		console.log(`  error surfaced as: ${bad.error}`);

		await timed(v, 'activate webhook workflow (CLI)', () => n8n.activate(wf.IDS.hook));
		const port = await freePort();
		const started = await timed(v, `n8n start (port ${port}) until ready`, () => n8n.start({ port, webhooks: [`POST ${wf.HOOK_PATH}`] }));
		const res = await timed(v, 'POST webhook, answered by Respond node', () =>
			n8n.http(`/webhook/${wf.HOOK_PATH}`, { json: { n: 21 } }),
		);
		assert.equal(res.status, 200, `webhook answered ${res.status}: ${res.body}`);
		assert.deepEqual(res.json(), { n: 42, greeting: 'from webhook', node: host.nodeVersion });
		console.log(`  webhook answered ${res.body}`);

		const mem = n8n.memory();
		const scan = n8n.scanLog(PROBE_PACKAGE);
		assert.deepEqual(scan.problems, [], `n8n logged problems about ${PROBE_PACKAGE}`);
		await timed(v, 'stop n8n', () => n8n.stop());
		console.log(
			`  n8n start peak RSS ${Math.round((mem?.peakKb || 0) / 1024)} MB (tree ${Math.round((mem?.peakTreeRssKb || 0) / 1024)} MB), start-up ${started.ms} ms; execute peak RSS ${Math.round(ok.memory.peakKb / 1024)} MB`,
		);
	} finally {
		await n8n.dispose();
	}
}

async function main() {
	const arg = process.argv[2] || 'both';
	const versions = arg === 'both' ? ['1', '2'] : [arg];
	for (const x of versions) if (!['1', '2'].includes(x)) throw new Error(`usage: node e2e/smoke.js [1|2|both], not "${arg}"`);
	const t0 = Date.now();
	const probeDir = writeProbePackage();
	const probeTgz = await timed('-', 'make and pack the probe community package', () => packFolder(probeDir));
	try {
		for (const x of versions) await smoke(x, probeTgz);
	} finally {
		fs.rmSync(probeDir, { recursive: true, force: true });
		fs.rmSync(path.dirname(probeTgz), { recursive: true, force: true }); // packFolder's temp dir
	}
	console.log('\nstep timings:');
	for (const t of timings) console.log(`  ${(t.ms / 1000).toFixed(1).padStart(7)} s  [${t.version}] ${t.step}`);
	console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	console.log(`${versions.length} passed, 0 failed`);
}

main().catch((e) => {
	console.error(`\n✘ smoke failed: ${e && e.stack ? e.stack : e}`);
	process.exitCode = 1;
});
