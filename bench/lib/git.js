// @ts-check
/** Which commit a benchmark measured, for its recorded results. */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const REPO_ROOT = path.join(__dirname, '..', '..');

/** @param {string[]} args @returns {string} git's answer, or '' when git is not there */
function git(args) {
	try {
		return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
	} catch {
		return '';
	}
}

/** The short commit of the tree and whether tracked files differ from it. */
function commitFacts() {
	return { commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown', dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '' };
}

module.exports = { commitFacts };
