// @ts-check
'use strict';
/**
 * Parses what `n8n execute --id=<id> --rawOutput` prints and gives tests easy access to it.
 *
 * What n8n prints (same in 1.123.81 and 2.40.7, see e2e/README.md): everything goes to
 * STDOUT through n8n's logger, stderr stays empty. On success with --rawOutput stdout is just
 * `JSON.stringify(run, null, 2)` of the IRun, but other log lines (migrations on a fresh
 * database, deprecation notices, warnings) may come before it. On a failed run n8n prints
 *   Execution was NOT successful. See log message for details.
 *   Execution error:
 *   ====================================
 *   { ...the same IRun JSON, status "error", data.resultData.error set... }
 *   Error executing workflow. See log messages for details.
 *   ...message and stack...
 * and exits with 1. So: find the pretty-printed JSON block (a line that is exactly "{" up to
 * a line that is exactly "}") and parse it; never assume stdout is only JSON.
 */

/**
 * @typedef {{ json: Record<string, any>, binary?: Record<string, any>, pairedItem?: any }} Item
 * @typedef {{ startTime: number, executionTime: number, executionStatus?: string,
 *   data?: { main?: (Item[] | null)[] }, error?: any, source?: any[] }} TaskData
 * @typedef {{ data: { resultData: { runData: Record<string, TaskData[]>, lastNodeExecuted?: string,
 *   error?: any } }, mode: string, status: string, finished?: boolean, startedAt: string,
 *   stoppedAt?: string }} IRun
 */

/**
 * Extract and parse the IRun JSON from n8n's stdout. Returns undefined when none is there
 * (e.g. n8n crashed before running, or the workflow id was unknown).
 * @param {string} stdout
 * @returns {{ run: IRun, before: string, after: string } | undefined}
 */
function parseRawOutput(stdout) {
	const lines = stdout.split(/\r?\n/);
	const opens = [];
	const closes = [];
	for (let i = 0; i < lines.length; i++) {
		if (lines[i] === '{') opens.push(i);
		else if (lines[i] === '}') closes.push(i);
	}
	// Prefer the outermost block: earliest "{" with the latest "}" that parses. Pretty-printed
	// JSON nests with indentation, so only the top level has bare braces in column 0; a log
	// line that happens to be a bare brace is skipped by trying the next candidate.
	for (const start of opens) {
		for (let k = closes.length - 1; k >= 0; k--) {
			const end = closes[k];
			if (end <= start) break;
			try {
				const run = JSON.parse(lines.slice(start, end + 1).join('\n'));
				if (run && typeof run === 'object' && run.data && run.data.resultData) {
					return {
						run,
						before: lines.slice(0, start).join('\n'),
						after: lines.slice(end + 1).join('\n'),
					};
				}
			} catch {
				/* not this pair */
			}
		}
	}
	return undefined;
}

/**
 * The error of a run in one line: "<node>: <message> (<description>)", or undefined.
 * @param {IRun} run
 */
function runError(run) {
	const e = run.data.resultData.error;
	if (!e) {
		// A node can fail with continueOnFail off yet the top level hold no error in some
		// versions: look at the node results too.
		for (const [name, tasks] of Object.entries(run.data.resultData.runData || {})) {
			for (const t of tasks) if (t.error) return `${name}: ${t.error.message || JSON.stringify(t.error)}`;
		}
		return undefined;
	}
	const node = e.node && e.node.name ? `${e.node.name}: ` : '';
	const desc = e.description ? ` (${e.description})` : '';
	return `${node}${e.message || JSON.stringify(e)}${desc}`;
}

/**
 * Items' json that a node output, e.g. outputJson(run, 'Set') -> [{...}, ...].
 * @param {IRun} run
 * @param {string} nodeName
 * @param {{ runIndex?: number, output?: number }} [o]  output: which output branch (IF: 0/1)
 * @returns {Record<string, any>[]}
 */
function outputJson(run, nodeName, o = {}) {
	return outputItems(run, nodeName, o).map((i) => i.json);
}

/**
 * Full items (json + binary metadata) a node output.
 * @param {IRun} run
 * @param {string} nodeName
 * @param {{ runIndex?: number, output?: number }} [o]
 * @returns {Item[]}
 */
function outputItems(run, nodeName, o = {}) {
	const tasks = run.data.resultData.runData[nodeName];
	if (!tasks) {
		const ran = Object.keys(run.data.resultData.runData).join(', ');
		throw new Error(`node "${nodeName}" did not run (nodes that ran: ${ran || 'none'})`);
	}
	const task = tasks[o.runIndex || 0];
	if (!task) throw new Error(`node "${nodeName}" has no run #${o.runIndex || 0}`);
	const out = task.data && task.data.main && task.data.main[o.output || 0];
	return out || [];
}

/**
 * A compact view for logs: node -> item count and duration.
 * @param {IRun} run
 */
function summarize(run) {
	/** @type {Record<string, { items: number, ms: number }>} */
	const nodes = {};
	for (const [name, tasks] of Object.entries(run.data.resultData.runData || {})) {
		const t = tasks[tasks.length - 1];
		const items = ((t.data && t.data.main) || []).reduce((n, out) => n + (out ? out.length : 0), 0);
		nodes[name] = { items, ms: t.executionTime };
	}
	return { status: run.status, lastNode: run.data.resultData.lastNodeExecuted, error: runError(run), nodes };
}

module.exports = { parseRawOutput, runError, outputJson, outputItems, summarize };
