#!/usr/bin/env node
'use strict';
/**
 * Diagnosis tool (not part of `npm run bench`): self time of a .cpuprofile's samples that have a frame
 * matching a pattern (default: our package) on their stack, grouped by the outermost and the nearest
 * matching frame and by the leaf: where the time under our code goes.
 *
 *   node bench/tools/cpuprofile-under.js <file.cpuprofile> [pattern]
 */
const fs = require('fs');
const [file, pattern] = [process.argv[2], new RegExp(process.argv[3] || 'n8n-nodes-nemovideo')];
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const self = new Map(); for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
const near = new Map(), top = new Map(), leaf = new Map();
const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*(node_modules|dist)\//, '')}:${n.callFrame.lineNumber + 1}`;
for (const [id, t] of self) {
	let a = id, nearest, topmost;
	while (a !== undefined) { const n = byId.get(a); if (pattern.test(n.callFrame.url)) { nearest ??= n; topmost = n; } a = parent.get(a); }
	if (!nearest) continue;
	near.set(name(nearest), (near.get(name(nearest)) || 0) + t);
	top.set(name(topmost), (top.get(name(topmost)) || 0) + t);
	leaf.set(name(byId.get(id)), (leaf.get(name(byId.get(id))) || 0) + t);
}
for (const [title, m] of [['outermost matching frame', top], ['nearest matching frame', near], ['leaf', leaf]]) {
	console.log(title); for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${(t / 1e3).toFixed(0).padStart(6)} ms  ${k}`);
}
