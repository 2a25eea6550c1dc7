/**
 * jest globalTeardown: the final token-leak check. Reads every worker's sink file (leak-sink.ts),
 * collects every token used in the run (configured tokens, and every token the simulators issued
 * or received), and scans everything the nodes and the client emitted (outputs, error items,
 * thrown errors with their stacks and causes, console output) for each of them. Any hit fails
 * the run; the counts go to output/reliability/leak-scan.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SINK_DIR_ENV } from './leak-sink';
import { leakScanTable, scanSinkDir } from './leak-scan';

export default function globalTeardown(): void {
	const dir = process.env[SINK_DIR_ENV];
	if (!dir) return;
	const scan = scanSinkDir(dir);
	rmSync(dir, { recursive: true, force: true });
	const report = ['# Token leak scan', '', leakScanTable(scan), '', ...scan.leaks.map((leak) => `- ${leak}`), ''].join('\n');
	try {
		const out = path.join(process.cwd(), 'output', 'reliability');
		mkdirSync(out, { recursive: true });
		writeFileSync(path.join(out, 'leak-scan.md'), report);
	} catch {
		// The report file is a convenience; the checks below are what count.
	}
	process.stdout.write(
		`\nToken leak scan: ${scan.tokens} tokens looked for in ${scan.records} records (${(scan.characters / 1e6).toFixed(1)} MB) from ${scan.sinkFiles} workers: ${scan.leaks.length} leaked.\n`,
	);
	if (scan.leaks.length > 0) {
		throw new Error(`Tokens leaked into what the nodes emitted:\n${scan.leaks.slice(0, 20).join('\n')}`);
	}
	if (scan.runRecords > 0 && scan.tokens === 0) {
		// Runs were recorded but no token was: the scan would pass without looking for anything.
		throw new Error('The token leak scan had runs to scan but no tokens to look for: check the hooks in test/reliability/setup-after-env.ts.');
	}
}
