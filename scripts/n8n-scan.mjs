// @ts-check
/**
 * n8n's own lint and verification scan, offline: the flat ESLint config that
 * @n8n/scan-community-package lints community packages with (its exported buildScanConfig:
 * @n8n/eslint-plugin-community-nodes' recommended rules plus eslint-plugin-n8n-nodes-base's
 * community / credentials / nodes rulesets), with inline eslint-disable comments ignored, as the
 * scanner ignores them.
 *
 *   node scripts/n8n-scan.mjs source            the source the scanner lints: package.json,
 *                                               nodes/ and credentials/ (what `n8n-node lint` covers)
 *   node scripts/n8n-scan.mjs tarball [<file>]  the packed tarball (packed from dist/ when no file
 *                                               is given), every .js/.ts/.json in it, as the
 *                                               scanner's analyzePackage lints it; also checks that
 *                                               it has no dependencies and stays under 1 MB
 *
 * Prints every problem; problems listed in ACCEPTED (each with its reason, also in the README)
 * are reported as accepted. Exits 1 on any other problem.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scannerDir = path.join(root, 'node_modules', '@n8n', 'scan-community-package');
const scanner = await import(path.join(scannerDir, 'scanner', 'scanner.mjs'));
// The scanner's own ESLint (9.x), not the repository's.
const { ESLint } = createRequire(path.join(scannerDir, 'package.json'))('eslint');

/**
 * Accepted findings: rule, file (relative, a suffix match) and why. Keep in step with the
 * README's "n8n's lint and scanner" section.
 * @type {Array<{ rule: string, file: RegExp, reason: string }>}
 */
const ACCEPTED = [
	{
		rule: '@n8n/community-nodes/no-restricted-globals',
		file: /(^|\/)nodes\/shared\/client\/(abort|message-stream|upload|vendor)\.(ts|js)$/,
		reason:
			'n8n Cloud only (this package is for self-hosted n8n). The client core has no n8n import (it runs on its own in ' +
			'tests and benchmarks); its timers are abortable waits and watchdogs (stream silence, upload stall) that clear ' +
			'themselves. The bundled libraries (vendor.js) use timers, and proxy-from-env reads HTTP(S)_PROXY/ALL_PROXY/NO_PROXY ' +
			'so our requests use the proxy exactly as n8n\'s own do.',
	},
	{
		rule: '@n8n/community-nodes/no-restricted-imports',
		file: /(^|\/)nodes\/shared\/(client\/(api-caller|media-files|render|transport|upload|vendor|whole-body)|n8n\/binary)\.(ts|js)$/,
		reason:
			'n8n Cloud only. Streaming a 500 MB video from n8n\'s binary store and back needs node:stream; the bundled undici ' +
			'(vendor.js) is the HTTP client and needs Node\'s net, tls and http modules.',
	},
	{
		rule: '@n8n/community-nodes/require-node-api-error',
		file: /(^|\/)nodes\/shared\/(client\/[\w-]+|n8n\/(edit-flow|export-flow|trial-token))\.(ts|js)$/,
		reason:
			'errors are wrapped once, at the edge: the client core (no n8n import) throws NemoApiError, and ' +
			'nodes/shared/n8n/node-errors.ts turns every item\'s error into a NodeApiError / NodeOperationError (the rule ' +
			'cannot follow that); edit-flow, export-flow and trial-token rethrow such an error unchanged for that one wrapping.',
	},
	{
		rule: 'n8n-nodes-base/node-param-default-missing',
		file: /(^|\/)nodes\/shared\/n8n\/parameters\.ts$/,
		reason:
			'the Binary Property parameter\'s default differs per input ("data", "face", "audio"); it is a string literal in ' +
			'each node\'s input spec, which the rule (literal defaults only) cannot read.',
	},
];

const glob = () => createRequire(path.join(scannerDir, 'package.json'))('fast-glob');
const [mode, tarball] = process.argv.slice(2);
let dir = root;
let patterns = scanner.SOURCE_FILE_PATTERNS;
let cleanup = () => {};
const MAX_TARBALL_BYTES = 1024 * 1024;
const packageProblems = [];
if (mode === 'tarball') {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-scan-'));
	cleanup = () => fs.rmSync(work, { recursive: true, force: true });
	let file = tarball && path.resolve(tarball);
	if (!file) {
		const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
		if (packed.status !== 0) throw new Error(`npm pack: ${packed.stderr}`);
		file = path.join(work, packed.stdout.trim().split('\n').pop() ?? '');
	}
	dir = path.join(work, 'package');
	fs.mkdirSync(dir);
	const untar = spawnSync('tar', ['-xzf', file, '-C', dir, '--strip-components=1']);
	if (untar.status !== 0) throw new Error(`tar: ${untar.stderr}`);
	patterns = ['**/*.js', '**/*.ts', '**/*.json'];
	const size = fs.statSync(file).size;
	const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
	const maps = glob().sync('**/*.js.map', { cwd: dir }).length;
	console.log(`tarball ${path.basename(file)}: ${(size / 1024).toFixed(1)} KB, ${maps} source maps, dependencies: ${JSON.stringify(manifest.dependencies ?? {})}`);
	if (size >= MAX_TARBALL_BYTES) packageProblems.push(`the tarball is ${size} bytes, over ${MAX_TARBALL_BYTES}`);
	if (manifest.dependencies && Object.keys(manifest.dependencies).length > 0) packageProblems.push('the package has runtime dependencies');
	if (maps === 0) packageProblems.push('no source maps in the tarball');
} else if (mode !== 'source') {
	throw new Error('usage: n8n-scan.mjs source | tarball [<file.tgz>]');
}

try {
	const eslint = new ESLint({ cwd: dir, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: await scanner.buildScanConfig() });
	const files = glob().sync(patterns, { cwd: dir, absolute: true, ignore: ['node_modules/**', '**/package-lock.json'] });
	const results = await eslint.lintFiles(files);
	const problems = [];
	const accepted = new Map();
	for (const result of results) {
		const file = path.relative(dir, result.filePath);
		for (const m of result.messages) {
			const rule = m.ruleId ?? '(parse)';
			const ok = ACCEPTED.find((a) => a.rule === rule && a.file.test(file.replaceAll(path.sep, '/')) );
			if (ok) accepted.set(`${rule} in ${file}`, (accepted.get(`${rule} in ${file}`) ?? 0) + 1);
			else problems.push(`${file}:${m.line}:${m.column}  ${m.severity === 2 ? 'error' : 'warning'}  ${m.message}  ${rule}`);
		}
	}
	console.log(`n8n scan (${mode}): ${files.length} files, ${problems.length} problems, ${[...accepted.values()].reduce((a, b) => a + b, 0)} accepted`);
	for (const [what, count] of accepted) console.log(`  accepted: ${what} (${count}×)`);
	for (const p of [...packageProblems, ...problems]) console.log(`  ${p}`);
	process.exitCode = problems.length + packageProblems.length > 0 ? 1 : 0;
} finally {
	cleanup();
}
