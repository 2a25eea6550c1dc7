// @ts-check
'use strict';
/** Reads a V8 .cpuprofile: self time per function, optionally only inside a wall-clock window. */
const fs = require('node:fs');

/**
 * @param {string} file
 * @param {{ from?: number, to?: number, top?: number }} [o] from/to: epoch ms (the profile's
 *   own clock is mapped to epoch by its end time = the file's mtime, close enough for windows
 *   of seconds)
 * @returns {string[]}
 */
function topFunctions(file, o = {}) {
	const p = JSON.parse(fs.readFileSync(file, 'utf8'));
	/** @type {Map<number, any>} */
	const byId = new Map(p.nodes.map((/** @type {any} */ n) => [n.id, n]));
	const endEpoch = fs.statSync(file).mtimeMs;
	const offset = endEpoch - p.endTime / 1000; // epoch ms = profile µs / 1000 + offset
	/** @type {Map<string, number>} */
	const agg = new Map();
	let t = p.startTime;
	let total = 0;
	p.samples.forEach((/** @type {number} */ id, /** @type {number} */ i) => {
		t += p.timeDeltas[i];
		const epoch = t / 1000 + offset;
		if ((o.from && epoch < o.from) || (o.to && epoch > o.to)) return;
		const n = byId.get(id);
		const cf = n.callFrame;
		const key = `${cf.functionName || '(anonymous)'}  ${cf.url ? `${cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')}:${cf.lineNumber + 1}` : ''}`;
		const dt = p.timeDeltas[i] / 1000;
		agg.set(key, (agg.get(key) || 0) + dt);
		total += dt;
	});
	const lines = [`self time in window: ${total.toFixed(0)} ms`];
	for (const [k, ms] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, o.top || 30)) {
		lines.push(`${ms.toFixed(0).padStart(7)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
	}
	return lines;
}

module.exports = { topFunctions };
