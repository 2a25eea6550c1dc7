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
const { userToken } = require('./ids');

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

	/**
	 * A new registered account and its token, as nemovideo.com's registration gives. With `bind`
	 * (the trial user id of the registration link `?bind=<id>`), the trial's work is tied to the
	 * account: its token reaches the trial's sessions.
	 * @param {{ bind?: string, credits?: number, token?: string, plan?: 'free' | 'paid' }} [options] plan 'free': its exports answer 402
	 */
	register(options = {}) {
		if (options.bind !== undefined) {
			const trial = this.accounts.users.get(options.bind);
			if (!trial || !trial.anonymous) throw new Error(`bind: no trial user ${options.bind}`);
		}
		const account = this.accounts.addToken(options.token ?? userToken(), { credits: options.credits ?? 1000, plan: options.plan });
		if (options.bind !== undefined) this.sessions.bind(options.bind, account.userId);
		return account;
	}

	reset() {
		this.recorder.reset();
		this.faults.clear();
		this.rateLimits.reset();
		this.renders.rotation = 0;
	}
}

module.exports = { Core };
