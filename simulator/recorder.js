// @ts-check
/**
 * The record of what clients did: every request on both origins (not the
 * /__sim/ admin API) and every /run_sse message the server accepted. Tests
 * assert on it ("sent exactly once", "no request lacked the attribution
 * headers", "the bearer token never went to the CDN"). The arrays are live and
 * are cleared in place, so a reference taken once stays valid across reset().
 */

/**
 * @typedef {object} RequestRecord
 * @property {number} seq
 * @property {'api' | 'cdn'} origin
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string>} query
 * @property {Record<string, string | string[] | undefined>} headers lower-case names, as received
 * @property {any} json parsed JSON body (unsafe integers as BigInt), undefined if none
 * @property {number} bodyBytes request body bytes received
 * @property {number | null} status HTTP status sent (null: no response, e.g. reset)
 * @property {string | null} endpoint route name ('upload', 'sse', ...) or null if unknown
 * @property {string} remoteAddress
 * @property {number} startedAt epoch ms
 * @property {number | null} endedAt epoch ms when the response finished or the connection closed
 * @property {boolean} aborted the connection closed before the response finished
 * @property {string[]} faults fault action keys applied to this request
 * @property {string[]} [fileNames] uploads: each file part's name as received (before the base name is taken)
 */

/**
 * @typedef {object} MessageRecord
 * @property {string} sessionId
 * @property {string} text
 * @property {string} userId
 * @property {number} at epoch ms
 * @property {string} intent
 * @property {boolean} silent
 * @property {'simple' | 'agent'} form
 * @property {number} cost
 */

class Recorder {
	/** @param {() => number} limit max records kept */
	constructor(limit) {
		/** @type {RequestRecord[]} */
		this.requests = [];
		/** @type {MessageRecord[]} */
		this.messages = [];
		this.seq = 0;
		this.limit = limit;
	}

	/**
	 * @param {'api' | 'cdn'} origin
	 * @param {import('node:http').IncomingMessage} req
	 * @param {URL} url
	 * @param {import('node:http').ServerResponse} res
	 * @returns {RequestRecord}
	 */
	begin(origin, req, url, res) {
		/** @type {RequestRecord} */
		const record = {
			seq: ++this.seq,
			origin,
			method: req.method || 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			json: undefined,
			bodyBytes: 0,
			status: null,
			endpoint: null,
			remoteAddress: req.socket.remoteAddress || '',
			startedAt: Date.now(),
			endedAt: null,
			aborted: false,
			faults: [],
		};
		this.requests.push(record);
		const excess = this.requests.length - this.limit();
		if (excess > 0) this.requests.splice(0, excess);
		res.once('finish', () => {
			record.status = res.statusCode;
			record.endedAt = Date.now();
		});
		res.once('close', () => {
			if (record.endedAt === null) {
				record.endedAt = Date.now();
				record.aborted = true;
				record.status = res.headersSent ? res.statusCode : null;
			}
		});
		return record;
	}

	/** @param {MessageRecord} message */
	addMessage(message) {
		this.messages.push(message);
	}

	reset() {
		this.requests.length = 0;
		this.messages.length = 0;
	}
}

module.exports = { Recorder };
