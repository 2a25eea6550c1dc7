// @ts-check
'use strict';
/**
 * Child-process helpers shared by the e2e harness: run a command to completion (capturing its
 * output, optionally echoing it, with a heartbeat so minutes-long npm installs show life), and
 * kill a whole process tree (n8n start spawns children; killing only the parent leaks them).
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');

/**
 * @typedef {object} RunOptions
 * @property {string} [cwd]
 * @property {NodeJS.ProcessEnv} [env] full environment (not merged: callers decide)
 * @property {boolean} [echo] copy the child's stdout/stderr to ours as it arrives
 * @property {string} [label] name used in heartbeat and error messages
 * @property {number} [heartbeatMs] print "<label>: still running (Ns)" this often; 0 = never
 * @property {() => string} [heartbeatInfo] extra text for each heartbeat line (e.g. progress)
 * @property {number} [timeoutMs] kill the tree and fail after this long; 0 = never
 * @property {boolean} [allowFailure] resolve instead of reject on a non-zero exit
 * @property {boolean} [reapGroup] when the main process exits, kill what is left of its
 *   process group (n8n 2.x leaves a task-runner child that would hold stdout open)
 * @property {(pid: number) => void} [onSpawn] called with the child's pid once it started
 */

/**
 * @typedef {object} RunResult
 * @property {number | null} code
 * @property {string | null} signal
 * @property {string} stdout
 * @property {string} stderr
 * @property {number} ms wall time
 */

/**
 * Children are spawned detached (own process group, so a whole tree can be killed), which
 * also means Ctrl-C on the harness no longer reaches them: without this, an interrupted run
 * would leave `npm install` or `n8n start` running. Every live child group is killed when
 * this process exits or is interrupted.
 */
const live = new Set();
let hooked = false;
/** @param {number} pid */
function track(pid) {
	live.add(pid);
	if (hooked) return;
	hooked = true;
	process.on('exit', () => {
		for (const p of live) killTree(p);
	});
	for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
		const onSignal = () => {
			for (const p of live) killTree(p);
			process.removeListener(sig, onSignal);
			process.kill(process.pid, sig); // die of the same signal, as if we had no handler
		};
		process.on(sig, onSignal);
	}
}
/** @param {number} pid */
function untrack(pid) {
	live.delete(pid);
}

/**
 * Run `cmd args` and resolve with its output. Rejects (unless allowFailure) with an Error whose
 * message carries the tail of stderr/stdout, so a failing CI log says why without re-running.
 * @param {string} cmd
 * @param {string[]} args
 * @param {RunOptions} [opts]
 * @returns {Promise<RunResult>}
 */
function run(cmd, args, opts = {}) {
	const label = opts.label || [cmd, ...args].join(' ');
	const started = Date.now();
	return new Promise((resolve, reject) => {
		// detached: the child leads its own process group, so a timeout can kill its whole tree
		const child = spawn(cmd, args, {
			cwd: opts.cwd,
			env: opts.env || process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		if (child.pid) track(child.pid);
		if (child.pid && opts.onSpawn) opts.onSpawn(child.pid);
		if (opts.reapGroup) {
			child.on('exit', () => {
				try {
					if (child.pid) process.kill(-child.pid, 'SIGKILL');
				} catch {
					/* group already empty */
				}
			});
		}
		/** @type {Buffer[]} */ const out = [];
		/** @type {Buffer[]} */ const err = [];
		child.stdout.on('data', (b) => {
			out.push(b);
			if (opts.echo) process.stdout.write(b);
		});
		child.stderr.on('data', (b) => {
			err.push(b);
			if (opts.echo) process.stderr.write(b);
		});
		const beat =
			opts.heartbeatMs && opts.heartbeatMs > 0
				? setInterval(() => {
						const extra = opts.heartbeatInfo ? ` ${opts.heartbeatInfo()}` : '';
						console.log(`  … ${label}: still running (${Math.round((Date.now() - started) / 1000)} s)${extra}`);
					}, opts.heartbeatMs)
				: undefined;
		let timedOut = false;
		const timer =
			opts.timeoutMs && opts.timeoutMs > 0
				? setTimeout(() => {
						timedOut = true;
						killTree(child.pid);
					}, opts.timeoutMs)
				: undefined;
		child.on('error', (e) => {
			clearInterval(beat);
			clearTimeout(timer);
			reject(new Error(`${label}: could not start: ${e.message}`));
		});
		child.on('close', (code, signal) => {
			if (child.pid) untrack(child.pid);
			clearInterval(beat);
			clearTimeout(timer);
			const res = {
				code,
				signal,
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				ms: Date.now() - started,
			};
			if ((code === 0 && !timedOut) || opts.allowFailure) return resolve(res);
			const why = timedOut ? `timed out after ${opts.timeoutMs} ms` : `exited with ${code ?? signal}`;
			const e = /** @type {Error & {result?: RunResult}} */ (
				new Error(`${label}: ${why}\n--- stderr (tail) ---\n${tail(res.stderr)}\n--- stdout (tail) ---\n${tail(res.stdout)}`)
			);
			e.result = res;
			reject(e);
		});
	});
}

/**
 * Last `n` lines of a text, for error messages.
 * @param {string} text
 * @param {number} [n]
 */
function tail(text, n = 40) {
	const lines = text.trimEnd().split('\n');
	return lines.slice(-n).join('\n');
}

/**
 * All descendants of a pid (children first-level and deeper), read from /proc so it needs no
 * `ps`. Used so a stop() also reaches grandchildren that left the process group.
 * @param {number} pid
 * @returns {number[]}
 */
function descendants(pid) {
	/** @type {Map<number, number[]>} */
	const kids = new Map();
	for (const name of safeReaddir('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			// field 4 (ppid) follows the ")" that closes the command name, which may hold spaces
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (!kids.has(ppid)) kids.set(ppid, []);
			/** @type {number[]} */ (kids.get(ppid)).push(Number(name));
		} catch {
			/* process ended while we looked */
		}
	}
	/** @type {number[]} */ const all = [];
	const stack = [pid];
	while (stack.length) {
		const p = /** @type {number} */ (stack.pop());
		for (const k of kids.get(p) || []) {
			all.push(k);
			stack.push(k);
		}
	}
	return all;
}

/** @param {string} dir */
function safeReaddir(dir) {
	try {
		return fs.readdirSync(dir);
	} catch {
		return [];
	}
}

/**
 * Send `signal` to a process, its process group (we spawn detached, so pid == pgid) and every
 * descendant found in /proc. Only pids we started (and their children) are touched.
 * @param {number | undefined} pid
 * @param {NodeJS.Signals} [signal]
 */
function killTree(pid, signal = 'SIGKILL') {
	if (!pid) return;
	const pids = [pid, ...descendants(pid)];
	try {
		process.kill(-pid, signal);
	} catch {
		/* no such group (not detached, or already gone) */
	}
	for (const p of pids) {
		try {
			process.kill(p, signal);
		} catch {
			/* already gone */
		}
	}
}

/** @param {number} pid */
function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

module.exports = { run, killTree, descendants, isAlive, tail, track, untrack };
