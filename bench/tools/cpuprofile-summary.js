#!/usr/bin/env node
'use strict';
/**
 * Diagnosis tool (not part of `npm run bench`): a V8 .cpuprofile (from `NODE_OPTIONS=--cpu-prof`
 * on an n8n process) summarised: busy time, the time under our package's frames (inclusive:
 * everything our code called, n8n's expression evaluation of our parameters included), self time
 * by package, and the heaviest functions.
 *
 *   node bench/tools/cpuprofile-summary.js <file.cpuprofile> [fromSeconds]
 *
 * fromSeconds skips the profile's start (process start-up) so only the measured rounds count.
 */
const fs = require('fs');
const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const self = new Map(); const dt = p.timeDeltas; let total = 0;
const from = Number(process.argv[3] || 0) * 1e6; let clock = 0;
for (let i = 0; i < p.samples.length; i++) { const d = dt[i] || 0; clock += d; if (clock < from) continue; total += d; self.set(p.samples[i], (self.get(p.samples[i]) || 0) + d); }
const group = (url) => { if (!url) return '(native/vm)'; const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url); if (/n8n-nodes-nemovideo/.test(url)) return 'OURS ' + (url.split('/dist/')[1]||url).split('/').slice(0,4).join('/'); if (m) return m[1]; if (url.startsWith('node:')) return 'node-core'; return url.slice(-60); };
const g = new Map(); const fn = new Map(); let idle = 0, ours = 0;
for (const [id, t] of self) { const n = byId.get(id); const cf = n.callFrame; if (cf.functionName === '(idle)') { idle += t; continue; }
	const k = group(cf.url); g.set(k, (g.get(k) || 0) + t);
	const fk = cf.functionName + ' ' + group(cf.url) + ':' + (cf.lineNumber+1); fn.set(fk, (fn.get(fk)||0)+t);
	// inclusive: any ancestor in our package
	let a = id, inOurs = false; while (a !== undefined) { const an = byId.get(a); if (/n8n-nodes-nemovideo/.test(an.callFrame.url)) { inOurs = true; break; } a = parent.get(a); }
	if (inOurs) ours += t; }
const busy = total - idle;
console.log(`total ${(total/1e6).toFixed(1)} s, busy ${(busy/1e6).toFixed(2)} s, under our package (inclusive) ${(ours/1e6).toFixed(2)} s`);
for (const [k, t] of [...g].sort((a,b)=>b[1]-a[1]).slice(0, 18)) console.log(`  ${(t/1e3).toFixed(0).padStart(6)} ms  ${k}`);
console.log('top functions');
for (const [k, t] of [...fn].sort((a,b)=>b[1]-a[1]).slice(0, 25)) console.log(`  ${(t/1e3).toFixed(0).padStart(6)} ms  ${k}`);
