#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Diagnosis tool (not part of `npm run bench`): the upload path of the client core alone, in
 * this process, against a simulator process, next to curl and a bare Node http.request pipe,
 * so a gap between Nemo Upload and curl can be split into "client core" and "n8n around it".
 *
 *   node bench/tools/upload-probe.js [sizeMb=200] [runs=3]      (add --cpu-prof to node to profile)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { startBenchSimulator } = require('../lib/sim');
const { writeClip } = require('../lib/media');
const { makeClient } = process.env.PROBE_CLIENT ? require(process.env.PROBE_CLIENT) : require('../lib/client');
const { timed } = require('../transfer');
const { readMem } = require('../lib/n8n');

const MB = 1024 * 1024;
const TOKEN = 'nmv_usr_probe_1';

async function main() {
	const sizeMb = Number(process.argv[2] || 200);
	const runs = Number(process.argv[3] || 3);
	const only = process.argv[4] ? process.argv[4].split(',') : null;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-probe-'));
	const clip = writeClip(path.join(dir, 'clip.mp4'), sizeMb * MB);
	const sim = await startBenchSimulator({ dataDir: path.join(dir, 'sim'), token: TOKEN, credits: 1_000_000 });
	const client = makeClient(sim.url, TOKEN);
	const { sessionId } = await client.createSession();
	const url = `${sim.url}/api/upload-video/nemo_agent/me/${sessionId}`;
	const clear = () => {
		fs.rmSync(path.join(sim.dataDir, 'uploads'), { recursive: true, force: true });
		fs.mkdirSync(path.join(sim.dataDir, 'uploads'));
	};
	const peers = {
		curl: async () => {
			const r = await timed('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${TOKEN}`, '-F', `files=@${clip};type=video/mp4`, url]);
			if (r.stdout !== '200') throw new Error(r.stdout + r.stderr);
			return r.ms;
		},
		client: async () => {
			const t = process.hrtime.bigint();
			await client.uploadFiles(sessionId, [
				{ fileName: 'clip.mp4', mimeType: 'video/mp4', size: sizeMb * MB, label: 'clip', field: 'f', open: () => fs.createReadStream(clip, { highWaterMark: 256 * 1024 }) },
			]);
			return Number(process.hrtime.bigint() - t) / 1e6;
		},
		nodePipe: async () => {
			const boundary = '----probe' + Date.now();
			const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`);
			const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
			const t = process.hrtime.bigint();
			await new Promise((resolve, reject) => {
				const req = http.request(url, {
					method: 'POST',
					headers: { authorization: `Bearer ${TOKEN}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + sizeMb * MB + tail.length) },
				}, (res) => {
					res.resume();
					res.on('end', () => (res.statusCode === 200 ? resolve(undefined) : reject(new Error(`HTTP ${res.statusCode}`))));
				});
				req.on('error', reject);
				req.write(head);
				const rs = fs.createReadStream(clip, { highWaterMark: 256 * 1024 });
				rs.on('end', () => req.end(tail));
				rs.pipe(req, { end: false });
			});
			return Number(process.hrtime.bigint() - t) / 1e6;
		},
	};
	for (let r = 0; r < runs; r++) {
		for (const [name, fn] of Object.entries(peers)) {
			if (only && !only.includes(name)) continue;
			clear();
			const cpu = process.cpuUsage();
			const sim0 = readMem(sim.pid)?.cpuMs ?? 0;
			const ms = await fn();
			const simMs = (readMem(sim.pid)?.cpuMs ?? 0) - sim0;
			const used = process.cpuUsage(cpu);
			const cpuMs = (used.user + used.system) / 1000;
			console.log(`${name.padEnd(9)} ${(sizeMb / (ms / 1000)).toFixed(0).padStart(5)} MB/s  (${ms.toFixed(0)} ms, client CPU ${((cpuMs / ms) * 100).toFixed(0)}%, simulator CPU ${((simMs / ms) * 100).toFixed(0)}%)`);
		}
	}
	await client.close();
	await sim.stop();
	fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
