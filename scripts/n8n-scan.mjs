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
 * Prints every problem and exits 1 on any: nothing is accepted, as n8n accepts nothing when it
 * verifies a package.
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
	for (const result of results) {
		const file = path.relative(dir, result.filePath);
		for (const m of result.messages) {
			problems.push(`${file}:${m.line}:${m.column}  ${m.severity === 2 ? 'error' : 'warning'}  ${m.message}  ${m.ruleId ?? '(parse)'}`);
		}
	}
	console.log(`n8n scan (${mode}): ${files.length} files, ${problems.length} problems (nothing accepted)`);
	for (const p of [...packageProblems, ...problems]) console.log(`  ${p}`);
	process.exitCode = problems.length + packageProblems.length > 0 ? 1 : 0;
} finally {
	cleanup();
}
