// @ts-check
'use strict';
/**
 * Memory of a running n8n, read from /proc (Linux only; elsewhere it reports nothing).
 * VmHWM is the kernel's own peak-RSS counter for one process, so reading it late still gives
 * the peak; but a process that exits takes it along, so a sampler polls it while the process
 * lives and also sums VmRSS over the whole process tree (n8n 2.x may run a task-runner child).
 */
const fs = require('node:fs');
const { descendants } = require('./proc');

/**
 * @param {number} pid
 * @returns {{ rssKb: number, hwmKb: number } | undefined}
 */
function readStatus(pid) {
	try {
		const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const rss = /VmRSS:\s+(\d+) kB/.exec(s);
		const hwm = /VmHWM:\s+(\d+) kB/.exec(s);
		if (!rss || !hwm) return undefined; // zombie or kernel thread
		return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
	} catch {
		return undefined;
	}
}

/**
 * @typedef {object} MemStats
 * @property {number} peakKb        peak RSS (VmHWM) of the main n8n process
 * @property {number} lastRssKb     its RSS at the last sample
 * @property {number} peakTreeRssKb highest sum of VmRSS over n8n and its descendants
 * @property {number} samples
 */

/**
 * Poll a pid every `intervalMs` until stop(); stats() can be read at any time.
 * @param {number} pid
 * @param {number} [intervalMs]
 */
function sampleMemory(pid, intervalMs = 250) {
	/** @type {MemStats} */
	const stats = { peakKb: 0, lastRssKb: 0, peakTreeRssKb: 0, samples: 0 };
	const tick = () => {
		const main = readStatus(pid);
		if (!main) return;
		stats.samples++;
		stats.peakKb = Math.max(stats.peakKb, main.hwmKb);
		stats.lastRssKb = main.rssKb;
		let tree = main.rssKb;
		for (const p of descendants(pid)) tree += (readStatus(p) || { rssKb: 0 }).rssKb;
		stats.peakTreeRssKb = Math.max(stats.peakTreeRssKb, tree);
	};
	tick();
	const timer = setInterval(tick, intervalMs);
	timer.unref(); // never keep the test process alive
	return {
		stats: () => ({ ...stats }),
		/** Take a last sample (while the process still exists) and stop polling. */
		stop: () => {
			tick();
			clearInterval(timer);
			return { ...stats };
		},
	};
}

module.exports = { sampleMemory, readStatus };
