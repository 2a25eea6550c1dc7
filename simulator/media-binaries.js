// @ts-check
/**
 * Where ffmpeg and ffprobe are. The system's own (on PATH) when it has them; otherwise the
 * binaries that the npm packages @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe
 * (devDependencies) ship for Linux, macOS and Windows, so `npm ci` alone is enough for the
 * simulator's media mode, the demo's sample media and the ffmpeg tests.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

/** @typedef {'ffmpeg' | 'ffprobe'} MediaBinary */

/** @type {Partial<Record<MediaBinary, { path: string, from: 'system' | 'npm' } | null>>} */
const found = {};

/** @param {string} cmd */
function runs(cmd) {
	const r = spawnSync(cmd, ['-version'], { stdio: 'ignore', timeout: 10_000 });
	return r.status === 0;
}

/** @param {MediaBinary} name */
function npmBinary(name) {
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const pkg = require(`@${name}-installer/${name}`);
		if (typeof pkg.path !== 'string') return null;
		makeExecutable(pkg.path);
		return pkg.path;
	} catch {
		return null; // not installed, or no binary for this platform
	}
}

/**
 * The packages' own postinstall is `chmod u+x`, which our .npmrc's ignore-scripts=true skips
 * (as npm does for any package whose scripts are not allowed): do it here.
 * @param {string} file
 */
function makeExecutable(file) {
	if (process.platform === 'win32') return;
	const mode = fs.statSync(file).mode;
	if ((mode & 0o100) === 0) fs.chmodSync(file, mode | 0o111);
}

/**
 * The binary to run for `name`, and where it came from; null when there is none.
 * @param {MediaBinary} name
 */
function locateMediaBinary(name) {
	if (found[name] !== undefined) return found[name];
	const fromNpm = npmBinary(name);
	const hit = runs(name)
		? { path: name, from: /** @type {const} */ ('system') }
		: fromNpm && runs(fromNpm)
			? { path: fromNpm, from: /** @type {const} */ ('npm') }
			: null;
	found[name] = hit;
	return hit;
}

/**
 * The command to spawn for `name` (a bare name when the system has it, else a path).
 * Throws a message saying how to get it when there is none.
 * @param {MediaBinary} name
 */
function mediaBinary(name) {
	const hit = locateMediaBinary(name);
	if (!hit) {
		throw new Error(
			`${name} not found: neither on PATH nor from the npm package @${name}-installer/${name} (run "npm ci"; or install ffmpeg, e.g. apt-get install -y ffmpeg)`,
		);
	}
	return hit.path;
}

module.exports = { mediaBinary, locateMediaBinary };
