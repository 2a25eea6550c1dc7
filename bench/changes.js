// @ts-check
'use strict';
/**
 * Fixes made because a benchmark missed its target, each with the recorded run from before the
 * fix (kept in bench/results/) so that BENCHMARKS.md shows before and after side by side: the
 * "before" figures come from that file, the "after" figures from the run being reported.
 */
const fs = require('node:fs');
const path = require('node:path');
const { num } = require('./lib/stats');

/**
 * @typedef {{ label: string, pick: (R: Record<string, any>) => { median: number, min: number, max: number } | undefined, digits: number, unit?: string, machineCheck?: boolean }} Figure
 * @typedef {{ title: string, what: string, before: string, figures: Figure[] }} Fix
 */

/** @type {Fix[]} */
const FIXES = [
	{
		title: 'Upload read in 1 MiB chunks (target: upload ≥ 0.8 of curl)',
		what:
			'The binary is read from n8n\'s store with `getBinaryStream(id, UPLOAD_CHUNK_BYTES)` and the multipart body ' +
			'buffers up to `UPLOAD_CHUNK_BYTES` before the socket, 1 MiB instead of 256 KiB (nodes/shared/client/upload.ts, ' +
			'nodes/shared/n8n/binary.ts). Profiling showed the n8n process spending its CPU per chunk in the stream stages ' +
			'(peek, form-data, stall meter, PassThrough, undici), and on two cores shared with the service every CPU-ms it spends ' +
			'is taken from the other side of the upload: fewer, bigger chunks cost less CPU per MB.',
		before: 'results/69d567e-before-upload-chunks.json',
		figures: [
			{ label: 'Nemo Upload / curl, 500 MB', pick: (R) => R.upload?.[500]?.ratios.nemoVsCurl, digits: 3 },
			{ label: 'Nemo Upload / plain Node, 500 MB', pick: (R) => R.upload?.[500]?.ratios.nemoVsNode, digits: 2 },
			{ label: 'plain Node / curl, 500 MB (unchanged peer: a check on the machine)', pick: (R) => R.upload?.[500]?.ratios.nodeVsCurl, digits: 2, machineCheck: true },
			{ label: 'n8n CPU / node time, 500 MB', pick: (R) => R.upload?.[500]?.nemo.cpuShare, digits: 2 },
			{ label: 'n8n RSS growth, 100 MB', pick: (R) => R.upload?.[100]?.nemo.rssGrowthMb, digits: 1, unit: ' MB' },
			{ label: 'n8n RSS growth, 500 MB', pick: (R) => R.upload?.[500]?.nemo.rssGrowthMb, digits: 1, unit: ' MB' },
		],
	},
];

/**
 * The "Fixes, before and after" section, or nothing when this run has none of the figures.
 * @param {Record<string, any>} R this run's results
 * @returns {string[]}
 */
function beforeAfterSection(R) {
	/** @type {string[]} */
	const L = [];
	for (const fix of FIXES) {
		const rows = fix.figures.filter((f) => f.pick(R));
		if (!rows.length) continue;
		const beforeFile = path.join(__dirname, fix.before);
		const B = JSON.parse(fs.readFileSync(beforeFile, 'utf8'));
		if (B.finishedAt === R.finishedAt) continue; // re-rendering the "before" run itself
		const cell = (/** @type {any} */ s, /** @type {Figure} */ f) => (s ? `${num(s.median, f.digits)}${f.unit || ''} (${num(s.min, f.digits)}–${num(s.max, f.digits)})` : 'n/a');
		if (!L.length) L.push('## Fixes made from these benchmarks: before and after', '');
		L.push(`### ${fix.title}`, '', fix.what, '');
		L.push(
			`Before: the recorded run of commit ${B.machine.commit} (${B.finishedAt}, \`bench/${fix.before}\`, re-render it with ` +
				`\`node bench/index.js --from bench/${fix.before} --out /tmp/before.md\`). After: this run. Both are medians (min–max) of ` +
				`${B.runs} and ${R.runs} rounds; each ratio is taken side by side within a round.`,
			'',
		);
		L.push('| | before | after |', '|---|---|---|');
		for (const f of rows) L.push(`| ${f.label} | ${cell(f.pick(B), f)} | ${cell(f.pick(R), f)} |`);
		L.push('');
		// A peer the fix does not touch moved: the two runs saw different machines (or loads), and
		// only the figures taken against a peer that moved with it (plain Node, CPU shares) compare.
		for (const f of rows.filter((r) => r.machineCheck)) {
			const before = f.pick(B)?.median;
			const after = f.pick(R)?.median;
			if (before && after && Math.abs(after / before - 1) > 0.1) {
				L.push(
					`Caution: "${f.label}" moved from ${num(before, f.digits)} to ${num(after, f.digits)} although the fix does not touch it, so this run's machine ` +
						'is not the before run\'s (or is under another load). Compare the figures taken against a peer on the same machine in the same round ' +
						'(ours / plain Node, the CPU share), not those against curl.',
					'',
				);
			}
		}
	}
	return L;
}

module.exports = { beforeAfterSection, FIXES };
