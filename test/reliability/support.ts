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
import { setClientTuning } from '../nodes/support';

/** Simulator timings for the matrix: every step real, each as short as it can be. */
/**
 * The fault matrices follow a trial token through every endpoint (1001 → a new trial token, 2001
 * with the bind link, 429 on the token endpoint), exports included, so they run the simulator as
 * NemoVideo's older documents had it: trial tokens may export. trial-export.test.ts covers the
 * newest documents' refusal (402), the simulator's default.
 */
export const TRIAL_EXPORTS_ALLOWED = { trialExport: 'allowed' } as const;

export const MATRIX_TIMINGS = {
	...FAST_TIMINGS,
	sseDurationMs: 40,
	heartbeatIntervalMs: 10,
	renderMs: 50,
	outputSizeBytes: 8192,
	silentRate: 0,
};

/** Client waits inside the nodes (the credential's hidden tuning field): 429 waits, state polls, render polls, timeouts. */
export const MATRIX_TUNING = {
	retry: { rateLimitWaitMs: 20, maxRateLimitWaitMs: 100 },
	recovery: { firstPollDelayMs: 20, pollIntervalMs: 20, maxUnchangedPolls: 3 },
	polling: { ...FAST_CLIENT_TUNING.polling, initialDelayMs: 15, maxDelayMs: 50 },
	timeouts: { headersMs: 5_000, bodyMs: 5_000 },
};

export function setTuning(tuning: Record<string, unknown> = MATRIX_TUNING): void {
	setClientTuning(tuning);
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
	/** Messages the service accepted (charged) whose session is neither in an output item nor named in an error. */
	sentUnaccounted: number;
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
	// Every item sends at most one message: more sends than items would be a re-send.
	const sends = sendsOf(sim).length;
	if (sends > inputs) problems.push(`${sends} messages sent for ${inputs} items`);
	const unaccounted = sentUnaccounted(sim, items, result);
	if (unaccounted.length) problems.push(`sent but not in the output or the error: sessions ${unaccounted.join(', ')}`);
	return { inputs, results, errorItems, lost, doubleSends: doubleSends(sim), sentUnaccounted: unaccounted.length, messages: sim.messages.length, errors, problems };
}

/**
 * Sessions whose message the service accepted (and charged) but that the user cannot find: not
 * the sessionId of an output item, and not named in an error item's or the node's error (message
 * or description). Every sent instruction's outcome must be in one of them.
 */
export function sentUnaccounted(sim: Simulator, items: INodeExecutionData[], result?: WorkflowRunResult): string[] {
	const shown: string[] = [];
	for (const item of items) {
		shown.push(JSON.stringify(item.json));
		const error = item.error as { message?: string; description?: string } | undefined;
		if (error) shown.push(`${error.message ?? ''} ${error.description ?? ''}`);
	}
	const runError = result?.error as { message?: string; description?: string } | undefined;
	if (runError) shown.push(`${runError.message ?? ''} ${runError.description ?? ''}`);
	const text = shown.join('\n');
	return [...new Set(sim.messages.map((message) => message.sessionId))].filter((sessionId) => !text.includes(sessionId));
}

/**
 * The messages that count as sent, by session: every message the service accepted, and every
 * /run_sse request that got no answer at all (the client cannot know it was not accepted, so it
 * must not send again). A request answered with an error instead of a stream was refused: the
 * API doc's recoveries send it once more, which is not a second send.
 */
export function sendsOf(sim: Simulator): Array<string | undefined> {
	const unanswered = sim.requests
		.filter((request) => request.path === '/run_sse' && (request.status === null || request.status === undefined))
		.map((request) => (request.json as { session_id?: unknown } | undefined)?.session_id);
	return [...sim.messages.map((message) => message.sessionId), ...unanswered.map((id) => (id === undefined ? undefined : String(id)))];
}

/** Sessions that were sent more than one message (see sendsOf). */
export function doubleSends(sim: Simulator): number {
	const count = new Map<string, number>();
	// A request reset before its body was read names no session (analyseRun counts those: at most one per item).
	for (const sessionId of sendsOf(sim)) if (sessionId !== undefined) count.set(sessionId, (count.get(sessionId) ?? 0) + 1);
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
	/** Accepted (charged) messages whose session is in no output item and no error. */
	sentUnaccounted: number;
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
			sentUnaccounted: rows.reduce((sum, row) => sum + row.sentUnaccounted, 0),
		};
	}

	markdown(): string {
		const t = this.totals();
		const escape = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
		return [
			`# ${this.title}`,
			'',
			'| faults tried | requests hit | recovered | reported | wrong outcome | items | lost | double sends | sent but not in the output or the error |',
			'|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
			`| ${t.faults} | ${t.hits} | ${t.recovered} | ${t.reported} | ${t.wrong} | ${t.items} | ${t.lost} | ${t.doubleSends} | ${t.sentUnaccounted} |`,
			'',
			'| family | fault | where | level | expected | outcome | items (ok/error) | lost | double sends | sent, unaccounted | hits | what the user sees | ms |',
			'|---|---|---|---|---|---|---|---:|---:|---:|---:|---|---:|',
			...this.rows.map(
				(row) =>
					`| ${row.family} | ${escape(row.fault)} | ${row.where} | ${row.level} | ${row.expected} | ${row.outcome} | ${row.items} (${row.results}/${row.errorItems}) | ${row.lost} | ${row.doubleSends} | ${row.sentUnaccounted} | ${row.hits} | ${escape(row.note).slice(0, 220)} | ${row.ms} |`,
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
				`${t.items} items, ${t.lost} lost, ${t.doubleSends} double sends, ${t.sentUnaccounted} sent but not in the output or the error. Table: output/reliability/${this.fileName}`,
		);
	}
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
