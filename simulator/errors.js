// @ts-check
/**
 * An API error a handler throws; the dispatcher answers it in the envelope in
 * force for the endpoint. Keeps handlers linear (validate, throw, done).
 */
class ApiError extends Error {
	/**
	 * @param {number} code API error code (1001, 4001, ...) or an HTTP-like code (400, 404, 409)
	 * @param {string} [message]
	 * @param {{ status?: number, headers?: Record<string, string> }} [options]
	 */
	constructor(code, message, options = {}) {
		super(message || `API error ${code}`);
		this.name = 'ApiError';
		this.code = code;
		this.status = options.status;
		this.headers = options.headers;
	}
}

/** Thrown into pending work when the simulator closes, so nothing waits forever. */
class SimulatorClosedError extends Error {
	constructor() {
		super('simulator closed');
		this.name = 'SimulatorClosedError';
	}
}

module.exports = { ApiError, SimulatorClosedError };
