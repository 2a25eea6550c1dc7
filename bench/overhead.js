// @ts-check
'use strict';
/**
 * Benchmark 4: per-item overhead. 1000 items through Nemo Credits (one GET
 * /api/credits/balance/simple per item) vs n8n's HTTP Request node calling the same endpoint
 * with the same token, in the same n8n, alternating. Time = the node's executionTime.
 * Nemo Credits runs at its default Items at Once (5) and at 50; the HTTP Request node at its
 * default (it starts every item's request at once).
 */
const { W } = require('./workflows');
const { executeSampled, nodeWindow } = require('./lib/n8n');
const { summary } = require('./lib/stats');

/**
 * @param {import('./index').Ctx} ctx
 * @param {{ items: number, runs: number }} o
 */
async function benchOverhead(ctx, o) {
	const { sim, n8n, token, log } = ctx;
	const peers = {
		nemo: { wf: W.creditsNemo(o.items), node: 'Nemo Credits' },
		nemo50: { wf: W.creditsNemo(o.items, 50), node: 'Nemo Credits' },
		http: { wf: W.creditsHttp(o.items, `${sim.url}/api/credits/balance/simple`, token), node: 'HTTP Request' },
	};
	await n8n.importWorkflows(Object.values(peers).map((p) => p.wf));
	/** @type {Record<string, any[]>} */
	const rows = { nemo: [], nemo50: [], http: [] };
	const names = Object.keys(peers);
	// one warm-up of each (not recorded): the first request of a fresh n8n loads modules
	for (const r of [-1, ...Array.from({ length: o.runs }, (_, i) => i)]) {
		for (let k = 0; k < names.length; k++) {
			const name = names[(k + Math.max(r, 0)) % names.length];
			const peer = /** @type {{ wf: any, node: string }} */ (peers[/** @type {keyof typeof peers} */ (name)]);
			await sim.admin('reset', {});
			const run = await executeSampled(n8n, peer.wf.id);
			if (run.error) throw new Error(`${peer.wf.name}: ${run.error}`);
			const w = nodeWindow(run, peer.node);
			if (w.items !== o.items) throw new Error(`${peer.wf.name}: ${w.items} items out, not ${o.items}`);
			const bad = w.output.findIndex((it, i) => typeof it.json?.available !== 'number' || it.json.i !== i);
			if (name !== 'http' && bad >= 0) throw new Error(`${peer.wf.name}: item ${bad} is wrong: ${JSON.stringify(w.output[bad]).slice(0, 200)}`);
			if (name === 'http' && w.output.some((it) => it.json?.data?.available === undefined && it.json?.available === undefined)) {
				throw new Error(`${peer.wf.name}: unexpected answer ${JSON.stringify(w.output[0]).slice(0, 200)}`);
			}
			const requests = /** @type {any[]} */ (await sim.admin('requests')).filter((q) => q.endpoint === 'credits').length;
			if (r < 0) continue;
			rows[name].push({ ms: w.ms, perItemMs: w.ms / o.items, cpuMs: w.cpuMs, requests, rssGrowthMb: w.rssGrowthKb / 1024 });
			log(`overhead round ${r + 1}/${o.runs} ${name}: ${w.ms} ms for ${o.items} items (${(w.ms / o.items).toFixed(2)} ms/item, n8n CPU ${w.cpuMs} ms, ${requests} requests)`);
		}
	}
	/** @type {Record<string, any>} */
	const out = { items: o.items, raw: rows };
	for (const name of names) {
		out[name] = {
			ms: summary(rows[name].map((x) => x.ms)),
			perItemMs: summary(rows[name].map((x) => x.perItemMs)),
			cpuPerItemMs: summary(rows[name].map((x) => x.cpuMs / o.items)),
			requests: summary(rows[name].map((x) => x.requests)),
		};
	}
	const ratio = (/** @type {string} */ a, /** @type {string} */ b) => summary(rows[a].map((x, i) => x.ms / rows[b][i].ms));
	out.ratios = { nemoVsHttp: ratio('nemo', 'http'), nemo50VsHttp: ratio('nemo50', 'http') };
	return out;
}

module.exports = { benchOverhead };
