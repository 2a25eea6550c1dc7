// @ts-check
'use strict';
/**
 * Builds the package and packs it exactly as `npm publish` would (files, `n8n` attribute,
 * dist), so the e2e tests exercise the published artefact, not the source tree.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { run } = require('./proc');

/**
 * `npm pack` a package folder into a fresh temp dir and return the tarball's path.
 * Works for any package folder (the smoke test packs a throwaway one with it too).
 * @param {string} pkgDir
 * @param {{ outDir?: string }} [o]
 * @returns {Promise<string>} absolute path of the .tgz
 */
async function packFolder(pkgDir, o = {}) {
	const outDir = o.outDir || fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-pack-'));
	// --ignore-scripts: a prepack/prepare script must not rebuild behind our back (we build
	// explicitly first); --json: the tarball's file name, without parsing human output.
	const r = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir], {
		cwd: pkgDir,
		label: `npm pack ${pkgDir}`,
	});
	const info = JSON.parse(r.stdout);
	const tgz = path.join(outDir, info[0].filename);
	if (!fs.existsSync(tgz)) throw new Error(`npm pack reported ${tgz} but it is not there`);
	return tgz;
}

/**
 * `npm run build` then pack the package at the repo root.
 * @param {{ build?: boolean, pkgDir?: string, outDir?: string }} [o]
 *   build=false skips the build (when the caller just built)
 * @returns {Promise<{ tarball: string, buildMs: number, packMs: number, files: string[] }>}
 */
async function buildAndPack(o = {}) {
	const pkgDir = o.pkgDir || path.resolve(__dirname, '..');
	let buildMs = 0;
	if (o.build !== false) {
		const t = Date.now();
		await run('npm', ['run', 'build'], { cwd: pkgDir, label: 'npm run build', echo: false });
		buildMs = Date.now() - t;
	}
	const t = Date.now();
	const tarball = await packFolder(pkgDir, { outDir: o.outDir });
	const packMs = Date.now() - t;
	// List what went in so a caller can assert the `n8n` attribute's files are all there.
	const list = await run('tar', ['-tzf', tarball], { label: 'tar -t' });
	const files = list.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
	return { tarball, buildMs, packMs, files };
}

/**
 * Paths named in package.json's `n8n` attribute that are missing from the tarball; empty when
 * the package is complete. Catches a forgotten `files` entry before n8n fails to load it.
 * @param {string} pkgDir
 * @param {string[]} files  as returned by buildAndPack
 */
function missingN8nFiles(pkgDir, files) {
	const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
	const wanted = [...((pkg.n8n && pkg.n8n.nodes) || []), ...((pkg.n8n && pkg.n8n.credentials) || [])];
	const have = new Set(files);
	return wanted.filter((f) => !have.has(path.posix.normalize(f)));
}

module.exports = { buildAndPack, packFolder, missingN8nFiles };

if (require.main === module) {
	buildAndPack()
		.then((r) => {
			const missing = missingN8nFiles(path.resolve(__dirname, '..'), r.files);
			console.log(JSON.stringify({ ...r, missing }, null, 2));
			if (missing.length) process.exit(1);
		})
		.catch((e) => {
			console.error(e.message);
			process.exit(1);
		});
}
