// @ts-check
/**
 * Owns every timer, child process and in-flight task the simulator starts, so
 * close() can stop them all and leave no open handle behind (jest
 * --detectOpenHandles). Code that waits uses sleep(), which rejects on close
 * instead of hanging, so handlers unwind and clean up their temp files.
 */
const { spawn } = require('node:child_process');
const { SimulatorClosedError } = require('./errors');

class Lifecycle {
	constructor() {
		this.closed = false;
		/** @type {Set<NodeJS.Timeout>} */
		this.timers = new Set();
		/** @type {Set<NodeJS.Timeout>} */
		this.intervals = new Set();
		/** @type {Set<() => void>} */
		this.sleepers = new Set();
		/** @type {Set<import('node:child_process').ChildProcess>} */
		this.children = new Set();
		/** @type {Set<Promise<unknown>>} */
		this.tasks = new Set();
		/** @type {Set<() => void>} */
		this.closers = new Set();
	}

	/**
	 * Registers something to stop on close (an outgoing download, a stream).
	 * @param {() => void} fn
	 * @returns {() => void} unregister
	 */
	onClose(fn) {
		this.closers.add(fn);
		return () => this.closers.delete(fn);
	}

	/**
	 * @param {() => void} fn
	 * @param {number} ms
	 */
	setTimeout(fn, ms) {
		if (this.closed) return undefined;
		const handle = setTimeout(() => {
			this.timers.delete(handle);
			fn();
		}, Math.max(0, ms));
		this.timers.add(handle);
		return handle;
	}

	/** @param {NodeJS.Timeout | undefined} handle */
	clearTimeout(handle) {
		if (!handle) return;
		clearTimeout(handle);
		this.timers.delete(handle);
	}

	/**
	 * @param {() => void} fn
	 * @param {number} ms
	 */
	setInterval(fn, ms) {
		if (this.closed) return undefined;
		const handle = setInterval(fn, Math.max(1, ms));
		this.intervals.add(handle);
		return handle;
	}

	/** @param {NodeJS.Timeout | undefined} handle */
	clearInterval(handle) {
		if (!handle) return;
		clearInterval(handle);
		this.intervals.delete(handle);
	}

	/**
	 * Resolves after ms; rejects with SimulatorClosedError if the simulator closes first.
	 * @param {number} ms
	 * @returns {Promise<void>}
	 */
	sleep(ms) {
		if (this.closed) return Promise.reject(new SimulatorClosedError());
		if (!(ms > 0)) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const cancel = () => {
				this.clearTimeout(handle);
				reject(new SimulatorClosedError());
			};
			const handle = this.setTimeout(() => {
				this.sleepers.delete(cancel);
				resolve();
			}, ms);
			this.sleepers.add(cancel);
		});
	}

	/**
	 * Tracks a promise so close() waits for it (cleanup of partial uploads etc.).
	 * @template T
	 * @param {Promise<T>} promise
	 * @returns {Promise<T>}
	 */
	track(promise) {
		this.tasks.add(promise);
		const forget = () => this.tasks.delete(promise);
		promise.then(forget, forget);
		return promise;
	}

	/**
	 * spawn() whose child is killed on close.
	 * @param {string} command
	 * @param {string[]} args
	 * @param {import('node:child_process').SpawnOptions} [options]
	 */
	spawn(command, args, options = {}) {
		if (this.closed) throw new SimulatorClosedError();
		const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
		this.children.add(child);
		const forget = () => this.children.delete(child);
		child.once('exit', forget);
		child.once('error', forget);
		return child;
	}

	async close() {
		if (this.closed) return;
		this.closed = true;
		for (const h of this.timers) clearTimeout(h);
		this.timers.clear();
		for (const h of this.intervals) clearInterval(h);
		this.intervals.clear();
		for (const cancel of [...this.sleepers]) cancel();
		this.sleepers.clear();
		for (const fn of [...this.closers]) {
			try {
				fn();
			} catch {
				// closing is best effort
			}
		}
		this.closers.clear();
		const exits = [...this.children].map(
			(child) =>
				new Promise((resolve) => {
					if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
					child.once('exit', resolve);
					child.once('error', resolve);
					child.kill('SIGKILL');
				}),
		);
		await Promise.all(exits);
		// Handlers unwind quickly once their sockets and sleeps are gone; the
		// bound only guards against a bug leaving close() hanging forever.
		if (this.tasks.size) {
			let bound;
			await Promise.race([
				Promise.allSettled([...this.tasks]),
				new Promise((resolve) => {
					bound = setTimeout(resolve, 5000);
				}),
			]);
			clearTimeout(bound);
		}
	}
}

module.exports = { Lifecycle };
