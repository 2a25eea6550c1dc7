// @ts-check
'use strict';
/**
 * The simulator the benchmarks run against: the same child process the demo and the e2e tests
 * use (e2e/simulator-process.js), so n8n meets it as it would meet the real service, another
 * process on loopback. Fast media (no ffmpeg) and one token with plenty of credits.
 */
const { startSimulatorProcess } = require('../../e2e/simulator-process');

/**
 * @param {{ dataDir: string, token: string, credits?: number, config?: Record<string, unknown> }} o
 */
function startBenchSimulator(o) {
	return startSimulatorProcess({ media: 'fast', dataDir: o.dataDir, tokens: [{ token: o.token, credits: o.credits ?? 1_000_000_000 }], config: o.config });
}

module.exports = { startBenchSimulator };
