/**
 * Shared by the reliability tests: fast timings, the invariants every faulted run must keep
 * (every item accounted for, in order; never a second send), and the matrix report
 * (output/reliability/*.md, and a summary on the console).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { INodeExecutionData } from 'n8n-workflow';
import type { WorkflowRunResult } from '../harness';
import type { Simulator } from '../support/simulator';
import { FAST_CLIENT_TUNING, FAST_TIMINGS } from '../support/simulator';

/** Simulator timings for the matrix: every step real, each as short as it can be. */
export const MATRIX_TIMINGS = {
	...FAST_TIMINGS,
	sseDurationMs: 40,
	heartbeatIntervalMs: 10,
	renderMs: 50,
	outputSizeBytes: 8192,
	silentRate: 0,
};

/** Client waits inside the nodes (NEMOVIDEO_TUNING): 429 waits, state polls, render polls, timeouts. */
export const MATRIX_TUNING = {
	retry: { rateLimitWaitMs: 20, maxRateLimitWaitMs: 100 },
	recovery: { firstPollDelayMs: 20, pollIntervalMs: 20, maxUnchangedPolls: 3 },
	polling: { ...FAST_CLIENT_TUNING.polling, initialDelayMs: 15, maxDelayMs: 50 },
	timeouts: { headersMs: 5_000, bodyMs: 5_000 },
};

export function setTuning(tuning: Record<string, unknown> = MATRIX_TUNING): void {
	process.env.NEMOVIDEO_TUNING = JSON.stringify(tuning);
}

/** Tuning with some keys replaced (one level deep). */
export function tuningWith(patch: Record<string, Record<string, number>>): Record<string, unknown> {
	const base = MATRIX_TUNING as unknown as Record<string, Record<string, number>>;
	const merged: Record<string, unknown> = { ...base };
	for (const [key, value] of Object.entries(patch)) merged[key] = { ...base[key], ...value };
	return merged;
}

export type Outcome = 'recovered' | 'reported';

/** What one faulted node run did, item by item. */
export interface RunAnalysis {
	inputs: number;
	results: number;
	errorItems: number;
	/** Inputs with no output item at all. */
	lost: number;
	/** Sessions that got a message more than once (accepted, or /run_sse requests). */
	doubleSends: number;
	messages: number;
	errors: string[];
	problems: string[];
}

/**
 * Checks the invariants of a run under Continue On Fail (regular output): one output per input,
 * in input order and paired to it, each a result or an error item that names its item; no
 * session was sent a message twice.
 */
export function analyseRun(
	result: WorkflowRunResult,
	nodeName: string,
	sim: Simulator,
	inputs: number,
	isResult: (item: INodeExecutionData) => boolean,
): RunAnalysis {
	const problems: string[] = [];
	let items: INodeExecutionData[] = [];
	try {
		items = result.nodeOutput(nodeName);
	} catch (error) {
		problems.push(`no output: ${(error as Error).message}; run error: ${result.error?.message}`);
	}
	if (result.error) problems.push(`the run failed: ${result.error.message}`);
	const errors: string[] = [];
	let results = 0;
	let errorItems = 0;
	items.forEach((item, position) => {
		const paired = (item.pairedItem as { item?: number } | undefined)?.item;
		if (paired !== position) problems.push(`output ${position} is paired to input ${paired}`);
		if (typeof item.json.error === 'string') {
			errorItems++;
			errors.push(item.json.error);
			if (!item.json.error.startsWith(`Item index ${position}: `)) problems.push(`error item ${position} does not name its item: ${item.json.error}`);
			const description = (item.error as { description?: string } | undefined)?.description;
			if (!description) problems.push(`error item ${position} has no advice (description): ${item.json.error}`);
		} else if (isResult(item)) {
			results++;
		} else {
			problems.push(`output ${position} is neither a result nor an error item: ${JSON.stringify(item.json).slice(0, 200)}`);
		}
	});
	const lost = Math.max(0, inputs - items.length);
	if (items.length !== inputs) problems.push(`${inputs} inputs but ${items.length} outputs`);
	// Every item sends at most one message: more /run_sse requests than items would be a re-send.
	const sends = sim.requests.filter(isMessageSend).length;
	if (sends > inputs) problems.push(`${sends} messages sent for ${inputs} items`);
	return { inputs, results, errorItems, lost, doubleSends: doubleSends(sim), messages: sim.messages.length, errors, problems };
}

/** Sessions that were sent more than one message: by the service's record of accepted messages, and by /run_sse requests. */
/** A /run_sse request, unless it was refused with an error status (no stream: not accepted, not charged). */
function isMessageSend(request: Simulator['requests'][number]): boolean {
	return request.path === '/run_sse' && !(typeof request.status === 'number' && request.status >= 400);
}

export function doubleSends(sim: Simulator): number {
	const count = new Map<string, number>();
	for (const request of sim.requests) {
		if (!isMessageSend(request)) continue;
		const sessionId = (request.json as { session_id?: unknown } | undefined)?.session_id;
		// A request reset before its body was read names no session (analyseRun counts those: at most one per item).
		if (sessionId === undefined) continue;
		count.set(`request ${sessionId}`, (count.get(`request ${sessionId}`) ?? 0) + 1);
	}
	for (const message of sim.messages) count.set(`message ${message.sessionId}`, (count.get(`message ${message.sessionId}`) ?? 0) + 1);
	return [...count.values()].filter((n) => n > 1).length;
}

/** Fault rules that acted on at least one request. */
export function faultHits(sim: Simulator): number {
	return ((sim as unknown as { faults: Array<{ hits: number }> }).faults ?? []).reduce((sum, rule) => sum + rule.hits, 0);
}

// ---------------------------------------------------------------- the report

export interface MatrixRow {
	family: string;
	fault: string;
	where: string;
	level: 'nodes' | 'client';
	expected: Outcome;
	/** What happened: recovered (every item a result) or reported (clear error items / errors). */
	outcome: Outcome | 'WRONG';
	items: number;
	results: number;
	errorItems: number;
	lost: number;
	doubleSends: number;
	/** How many requests the fault hit. */
	hits: number;
	note: string;
	ms: number;
}

export class MatrixReport {
	readonly rows: MatrixRow[] = [];

	constructor(
		private readonly fileName: string,
		private readonly title: string,
	) {}

	add(row: MatrixRow): void {
		this.rows.push(row);
	}

	totals() {
		const rows = this.rows;
		return {
			faults: rows.length,
			hits: rows.reduce((sum, row) => sum + row.hits, 0),
			recovered: rows.filter((row) => row.outcome === 'recovered').length,
			reported: rows.filter((row) => row.outcome === 'reported').length,
			wrong: rows.filter((row) => row.outcome === 'WRONG').length,
			items: rows.reduce((sum, row) => sum + row.items, 0),
			lost: rows.reduce((sum, row) => sum + row.lost, 0),
			doubleSends: rows.reduce((sum, row) => sum + row.doubleSends, 0),
		};
	}

	markdown(): string {
		const t = this.totals();
		const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
		return [
			`# ${this.title}`,
			'',
			'| faults tried | requests hit | recovered | reported | wrong outcome | items | lost | double sends |',
			'|---:|---:|---:|---:|---:|---:|---:|---:|',
			`| ${t.faults} | ${t.hits} | ${t.recovered} | ${t.reported} | ${t.wrong} | ${t.items} | ${t.lost} | ${t.doubleSends} |`,
			'',
			'| family | fault | where | level | expected | outcome | items (ok/error) | lost | double sends | hits | what the user sees | ms |',
			'|---|---|---|---|---|---|---|---:|---:|---:|---|---:|',
			...this.rows.map(
				(row) =>
					`| ${row.family} | ${escape(row.fault)} | ${row.where} | ${row.level} | ${row.expected} | ${row.outcome} | ${row.items} (${row.results}/${row.errorItems}) | ${row.lost} | ${row.doubleSends} | ${row.hits} | ${escape(row.note).slice(0, 220)} | ${row.ms} |`,
			),
			'',
		].join('\n');
	}

	/** Writes output/reliability/<file> and prints the totals. */
	write(): void {
		const dir = path.join(process.cwd(), 'output', 'reliability');
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, this.fileName), this.markdown());
		const t = this.totals();
		console.log(
			`${this.title}: ${t.faults} faults tried (${t.hits} requests hit), ${t.recovered} recovered, ${t.reported} reported, ${t.wrong} wrong, ` +
				`${t.items} items, ${t.lost} lost, ${t.doubleSends} double sends. Table: output/reliability/${this.fileName}`,
		);
	}
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
