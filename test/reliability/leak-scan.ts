/**
 * The scan behind the final token-leak check (global-teardown.ts): every token recorded in the
 * sink files against every emitted record (leak-sink.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { SinkRecord } from './leak-sink';

export interface LeakScan {
	sinkFiles: number;
	tokens: number;
	records: number;
	/** Records that came from a node run or a client call (not only console output). */
	runRecords: number;
	characters: number;
	leaks: string[];
}

export function scanSinkDir(dir: string): LeakScan {
	const tokens = new Set<string>();
	const emitted: Array<Extract<SinkRecord, { kind: 'emitted' }>> = [];
	let files: string[] = [];
	try {
		files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
	} catch {
		files = [];
	}
	for (const name of files) {
		for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
			if (!line) continue;
			const record = JSON.parse(line) as SinkRecord;
			if (record.kind === 'token') tokens.add(record.token);
			else emitted.push(record);
		}
	}
	const leaks: string[] = [];
	for (const record of emitted) {
		for (const token of tokens) {
			if (record.text.includes(token)) {
				leaks.push(`${record.file}: ${record.source} contains the token ${token.slice(0, 12)}… (${token.length} chars)`);
			}
		}
	}
	return {
		sinkFiles: files.length,
		tokens: tokens.size,
		records: emitted.length,
		runRecords: emitted.filter((record) => !record.source.startsWith('console.')).length,
		characters: emitted.reduce((sum, record) => sum + record.text.length, 0),
		leaks,
	};
}

export function leakScanTable(scan: LeakScan): string {
	return [
		'| sink files | tokens looked for | records scanned (from runs) | characters scanned | leaked tokens |',
		'|---:|---:|---:|---:|---:|',
		`| ${scan.sinkFiles} | ${scan.tokens} | ${scan.records} (${scan.runRecords}) | ${scan.characters} | ${scan.leaks.length} |`,
	].join('\n');
}
