// @ts-check
/**
 * The simulator's shared state, handed to every handler as ctx.sim. One
 * instance per started simulator; nothing is module-global, so several
 * simulators can run in one process (parallel tests).
 */
const { createRng } = require('./rng');
const { validateConfigPatch } = require('./config');
const { Lifecycle } = require('./lifecycle');
const { Recorder } = require('./recorder');
const { FaultBook } = require('./faults');
const { Accounts } = require('./accounts');
const { Sessions } = require('./sessions');
const { Renders } = require('./renders');
const { requireFfmpeg } = require('./media');
const { RateLimits } = require('./rate-limits');

class Core {
	/**
	 * @param {import('./config').SimConfig} config
	 * @param {import('./storage').Storage} storage
	 */
	constructor(config, storage) {
		this.config = config;
		this.storage = storage;
		this.rng = createRng(config.seed);
		this.lifecycle = new Lifecycle();
		this.recorder = new Recorder(() => this.config.maxRecordedRequests);
		this.faults = new FaultBook();
		this.accounts = new Accounts();
		this.sessions = new Sessions();
		this.renders = new Renders(this);
		this.rateLimits = new RateLimits();
		/** API origin, set once listening */
		this.url = '';
		/** CDN origin, set once listening */
		this.cdnUrl = '';
	}

	/** @param {Record<string, unknown>} patch */
	configure(patch) {
		const valid = validateConfigPatch(patch);
		if (valid.media === 'ffmpeg') requireFfmpeg();
		Object.assign(this.config, valid);
		if (valid.seed !== undefined) this.rng = createRng(valid.seed);
	}

	reset() {
		this.recorder.reset();
		this.faults.clear();
		this.rateLimits.reset();
		this.renders.rotation = 0;
	}
}

module.exports = { Core };
