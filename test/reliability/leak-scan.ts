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

/**
 * The forms a token can leak in: as it is, URL-encoded, JSON-escaped (records are JSON, so a raw
 * token with a quote or backslash is escaped once in them, a JSON-escaped echo twice), and
 * base64 / base64url, inside a longer base64 text too (the part of its encoding that is the same
 * whatever its offset modulo 3). Written here independently of the client's redact.ts.
 */
export function tokenForms(token: string): string[] {
	const escape = (text: string) => JSON.stringify(text).slice(1, -1);
	const forms = new Set([token, encodeURIComponent(token), escape(token), escape(escape(token)), escape(escape(escape(token)))]);
	const bytes = Buffer.from(token);
	for (let offset = 0; offset < 3; offset++) {
		const length = Math.floor((bytes.length - offset) / 3) * 3;
		if (length < 6) continue;
		forms.add(bytes.subarray(offset, offset + length).toString('base64'));
		forms.add(bytes.subarray(offset, offset + length).toString('base64url'));
	}
	return [...forms].filter((form) => form.length >= 8);
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
	const forms = [...tokens].map((token) => ({ token, forms: tokenForms(token) }));
	for (const record of emitted) {
		for (const { token, forms: encodings } of forms) {
			const form = encodings.find((candidate) => record.text.includes(candidate));
			if (form !== undefined) {
				const how = form === token ? '' : ' (encoded)';
				leaks.push(`${record.file}: ${record.source} contains the token ${token.slice(0, 12)}… (${token.length} chars)${how}`);
			}
		}
	}
	return {
		sinkFiles: files.length,
		tokens: tokens.size,
		records: emitted.length,
		// Runs of the harness's own fixtures (no Nemo credential) have no token of ours to look for.
		runRecords: emitted.filter((record) => !record.source.startsWith('console.') && !record.source.endsWith('without a Nemo credential')).length,
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
