// @ts-check
/**
 * Users, tokens and credits, plus the two endpoints that are only about them:
 * POST /api/auth/anonymous-token and GET /api/credits/balance/simple.
 *
 * Credits: `balance` is what the user owns, `frozen` the part reserved by
 * running messages. The API shows available = balance - frozen, total = balance.
 * A message freezes its cost when accepted and settles (deducts) it when its
 * stream ends; an aborted run releases it.
 */
const { ApiError } = require('./errors');
const { userToken, randomAlphanumeric } = require('./ids');
const { sendOk } = require('./http-io');

/**
 * @typedef {object} User
 * @property {string} userId
 * @property {boolean} anonymous
 * @property {number} balance
 * @property {number} frozen
 * @property {'free' | 'paid'} [plan] registered accounts: 'free' cannot export (NemoVideo's plugin: rendering needs a paid plan)
 */

/**
 * @typedef {object} TokenRecord
 * @property {string} token
 * @property {string} userId
 * @property {number} expiresAt epoch ms
 * @property {boolean} expired set by expireToken()
 * @property {string | null} clientId anonymous tokens only
 */

class Accounts {
	constructor() {
		/** @type {Map<string, User>} */
		this.users = new Map();
		/** @type {Map<string, TokenRecord>} */
		this.tokens = new Map();
		/** @type {Map<string, { userId: string, token: string }>} client id -> its anonymous user and current token */
		this.clients = new Map();
		/** @type {Map<string, Set<string>>} IP -> distinct client ids that got a token */
		this.clientsByIp = new Map();
	}

	/** @param {string} [userId] */
	newUser(userId, anonymous = true, credits = 0) {
		/** @type {User} */
		// NemoVideo's documents give trial user ids as anon_…
		const user = { userId: userId || `${anonymous ? 'anon' : 'usr'}_${randomAlphanumeric(16)}`, anonymous, balance: credits, frozen: 0 };
		this.users.set(user.userId, user);
		return user;
	}

	/**
	 * The anonymous-token rules: the same client id gets the same token back while
	 * it is valid; a new client id from an IP that already used `tokensPerIp`
	 * distinct ids is refused (429).
	 * @param {string} clientId
	 * @param {string} ip
	 * @param {import('./config').SimConfig} config
	 */
	issueAnonymous(clientId, ip, config) {
		const now = Date.now();
		const known = this.clients.get(clientId);
		if (known) {
			const current = this.tokens.get(known.token);
			if (current && !current.expired && current.expiresAt > now) {
				if (config.repeatTokenRequest === '429') {
					throw new ApiError(429, 'Rate limited: 1 token / client / 7 days. Reuse the token you were given', { headers: { 'Retry-After': '30' } });
				}
				return current;
			}
			// expired: a fresh token for the same anonymous user (credits are the user's)
			const record = this.addTokenRecord(userToken(), known.userId, now + config.tokenTtlMs, clientId);
			known.token = record.token;
			return record;
		}
		let ids = this.clientsByIp.get(ip);
		if (!ids) {
			ids = new Set();
			this.clientsByIp.set(ip, ids);
		}
		if (ids.size >= config.tokensPerIp) {
			throw new ApiError(
				429,
				`Rate limited: at most ${config.tokensPerIp} anonymous tokens per IP. Reuse your client id; retry in 30 seconds`,
				{ headers: { 'Retry-After': '30' } },
			);
		}
		ids.add(clientId);
		const user = this.newUser(undefined, true, config.anonymousCredits);
		const record = this.addTokenRecord(userToken(), user.userId, now + config.tokenTtlMs, clientId);
		this.clients.set(clientId, { userId: user.userId, token: record.token });
		return record;
	}

	/**
	 * @param {string} token
	 * @param {string} userId
	 * @param {number} expiresAt
	 * @param {string | null} clientId
	 */
	addTokenRecord(token, userId, expiresAt, clientId) {
		/** @type {TokenRecord} */
		const record = { token, userId, expiresAt, expired: false, clientId };
		this.tokens.set(token, record);
		return record;
	}

	/**
	 * A pre-registered (non-anonymous) user's token, as from NEMO_TOKEN.
	 * @param {string} token
	 * @param {{ credits?: number, userId?: string, plan?: 'free' | 'paid' }} [options]
	 */
	addToken(token, options = {}) {
		if (typeof token !== 'string' || !token) throw new TypeError('addToken needs a token string');
		const credits = options.credits === undefined ? 100 : options.credits;
		if (typeof credits !== 'number' || !(credits >= 0)) throw new TypeError('credits must be a number >= 0');
		let user = options.userId ? this.users.get(options.userId) : undefined;
		if (!user) user = this.newUser(options.userId, false, credits);
		else user.balance = credits;
		user.plan = options.plan ?? 'paid';
		this.addTokenRecord(token, user.userId, Number.MAX_SAFE_INTEGER, null);
		return { token, userId: user.userId };
	}

	/** @param {string} token */
	expireToken(token) {
		const record = this.tokens.get(token);
		if (!record) throw new Error(`unknown token ${token}`);
		record.expired = true;
	}

	/**
	 * The user behind a request's bearer token, or 1001.
	 * @param {import('node:http').IncomingMessage} req
	 * @returns {User}
	 */
	authenticate(req) {
		const header = req.headers.authorization;
		if (!header) throw new ApiError(1001, 'Token invalid or expired: missing Authorization header');
		const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
		if (!m) throw new ApiError(1001, 'Token invalid or expired: Authorization must be "Bearer <token>"');
		const record = this.tokens.get(m[1]);
		if (!record) throw new ApiError(1001, 'Token invalid or expired: unknown token');
		if (record.expired || record.expiresAt <= Date.now()) throw new ApiError(1001, 'Token invalid or expired');
		const user = this.users.get(record.userId);
		if (!user) throw new ApiError(1001, 'Token invalid or expired');
		return user;
	}

	/** @param {User} user */
	balance(user) {
		return { available: user.balance - user.frozen, frozen: user.frozen, total: user.balance };
	}

	/** @param {string} token */
	creditsOfToken(token) {
		const record = this.tokens.get(token);
		const user = record && this.users.get(record.userId);
		if (!user) throw new Error(`unknown token ${token}`);
		return this.balance(user);
	}

	/** @param {User} user @param {number} cost */
	freeze(user, cost) {
		user.frozen += cost;
	}

	/** The run finished: the reserved credits are spent. @param {User} user @param {number} cost */
	settle(user, cost) {
		user.frozen = Math.max(0, user.frozen - cost);
		user.balance = Math.max(0, user.balance - cost);
	}

	/** The run failed: the reservation is given back. @param {User} user @param {number} cost */
	release(user, cost) {
		user.frozen = Math.max(0, user.frozen - cost);
	}
}

/** POST /api/auth/anonymous-token @param {import('./http-io').Ctx} ctx */
async function handleAnonymousToken(ctx) {
	const clientId = ctx.req.headers['x-client-id'];
	if (typeof clientId !== 'string' || !clientId.trim()) {
		throw new ApiError(400, 'Missing X-Client-Id header: generate a UUID and send it as X-Client-Id');
	}
	const ip = ctx.req.socket.remoteAddress || 'unknown';
	const record = ctx.sim.accounts.issueAnonymous(clientId.trim(), ip, ctx.sim.config);
	const user = /** @type {User} */ (ctx.sim.accounts.users.get(record.userId));
	sendOk(ctx, {
		token: record.token,
		user_id: record.userId,
		expires_at: new Date(record.expiresAt).toISOString(),
		credits: ctx.sim.accounts.balance(user).available,
	});
}

/** GET /api/credits/balance/simple @param {import('./http-io').Ctx} ctx */
async function handleCredits(ctx) {
	const user = ctx.sim.accounts.authenticate(ctx.req);
	sendOk(ctx, ctx.sim.accounts.balance(user));
}

module.exports = { Accounts, handleAnonymousToken, handleCredits };
