// @ts-nocheck
'use strict';

/** Hop-by-hop headers stay on their hop (n8n sends Connection: close; see test/reliability/raw-servers.ts). */
function withoutHopByHop({ connection, 'keep-alive': keepAlive, 'proxy-connection': proxyConnection, ...endToEnd }) {
	return endToEnd;
}
/**
 * n8n's peak RSS (n8n execute; /proc VmHWM via rss.js) for one Nemo Edit whose /run_sse is
 * answered by a hostile gateway in front of the simulator: first a normal reply, then 400 MB of
 * 1 MB text events (issue 12, point 2). Figures: test/reliability/README.md (hostile-service row).
 * Usage: N8N_HOSTS_DIR=… node e2e/hostile-sse-memory.js [tarball] [label]  (no tarball: builds and packs this tree)
 */
const http = require('node:http');
const { buildAndPack, createInstance, outputJson } = require('.');
const { startSimulatorProcess } = require('./simulator-process');
const { n8nEnvFor, nemoCredential } = require('./stack');

const TOKEN = 'nmv_usr_hostile_measure_token_12';
const MB = 1024 * 1024;

async function main() {
	const [given, label = 'this tree'] = process.argv.slice(2);
	const tarball = given || (await buildAndPack()).tarball;
	const sim = await startSimulatorProcess({ media: 'fast', tokens: [{ token: TOKEN, credits: 10_000 }] });
	let flood = false;
	const chunk = `data: ${JSON.stringify({ type: 'text', content: 'y'.repeat(MB) })}\n\n`;
	const target = new URL(sim.url);
	const gateway = http.createServer((req, res) => {
		if (req.url === '/run_sse') {
			req.resume();
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			if (!flood) return res.end(`data: ${JSON.stringify({ type: 'text', content: 'Done.' })}\n\n`);
			let sent = 0;
			const write = () => {
				while (!res.destroyed) {
					if (sent >= 400 * MB) return res.end();
					sent += chunk.length;
					if (!res.write(chunk)) return res.once('drain', write);
				}
			};
			return write();
		}
		const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...withoutHopByHop(req.headers), host: target.host } }, (a) => {
			res.writeHead(a.statusCode || 502, a.headers);
			a.pipe(res);
		});
		up.on('error', () => res.destroy());
		req.pipe(up);
	});
	await new Promise((r) => gateway.listen(0, '127.0.0.1', r));
	const base = `http://127.0.0.1:${gateway.address().port}`;
	// A session to edit, made with the token.
	const made = await fetch(`${sim.url}/api/tasks/me/with-session/nemo_agent`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ task_name: 'p', language: 'en' }),
	}).then((r) => r.text());
	const sessionId = /"session_id"\s*:\s*"?(\d+)/.exec(made)[1];
	const n8n = await createInstance(1, { env: n8nEnvFor(1, { fileFolders: ['/tmp'], simulator: true }) });
	try {
		await n8n.installPackage(tarball);
		const cred = nemoCredential({ baseUrl: base, accessToken: TOKEN });
		await n8n.importCredentials([cred]);
		await n8n.importWorkflows([
			{
				id: 'hostileSse1', name: 'hostile sse', active: false, settings: { executionOrder: 'v1' },
				nodes: [
					{ id: 'a', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{ id: 'b', name: 'Nemo Edit', type: 'n8n-nodes-nemovideo.nemoEdit', typeVersion: 1, position: [200, 0], parameters: { sessionId, instruction: 'make it brighter', result: 'none', options: {} }, credentials: { nemoApi: { id: cred.id, name: cred.name } }, onError: 'continueRegularOutput' },
				],
				connections: { Start: { main: [[{ node: 'Nemo Edit', type: 'main', index: 0 }]] } },
			},
		]);
		for (const hostile of [false, true]) {
			flood = hostile;
			const started = Date.now();
			const res = await n8n.execute('hostileSse1', { timeoutMs: 600_000, allowError: true }).catch((error) => {
				// n8n printed a run too big to parse (the 400 MB message): its memory is still known.
				console.log(`${label}: ${String(error.message).split('\n')[0]}`);
				return { run: undefined, memory: n8n.memory(), ms: Date.now() - started };
			});
			const out = res.run ? outputJson(res.run, 'Nemo Edit')[0] : { message: '(run output too big to parse)' };
			const said = String(out.message || out.error || '').slice(0, 160);
			console.log(`${label} ${hostile ? 'hostile 400 MB stream' : 'normal reply        '}: n8n peak RSS ${Math.round(res.memory.peakKb / 1024)} MB (tree ${Math.round(res.memory.peakTreeRssKb / 1024)} MB), ${(res.ms / 1000).toFixed(1)} s; output ${JSON.stringify(said)} (${String(out.message || '').length} chars)`);
		}
	} finally {
		await n8n.dispose();
		gateway.close();
		await sim.stop();
	}
}
main().catch((e) => { console.error(e); process.exit(1); });
