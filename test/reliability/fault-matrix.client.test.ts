/**
 * The fault matrix at the client level, where that is the clearer level: connection-level faults
 * from raw local servers (the simulator speaks HTTP properly), upload stalls and slow answers
 * (their timeouts are options of the upload call), SSE cuts, and faults while cancelling a render.
 * Every row: the call settles (a result, or a NemoApiError with a message and advice) within its
 * bound, and no message was sent twice. The table goes to output/reliability/fault-matrix-client.md.
 */
import { Readable } from 'node:stream';
import { NemoApiError, type NemoClient } from '../../nodes/shared/client';
import { clientFor, fakeFile, freshTokens, sessionWithMedia } from '../client/helpers';
import { type Simulator, startSimulator } from '../support/simulator';
import { rawTcpServer } from './raw-servers';
import { MATRIX_TIMINGS, MatrixReport, TRIAL_EXPORTS_ALLOWED, type Outcome, doubleSends, faultHits } from './support';
/** The matrix follows the trial token (see TRIAL_EXPORTS_ALLOWED). */
const TRIAL = { accessToken: '' };

let sim: Simulator;
const report = new MatrixReport('fault-matrix-client.md', 'Fault matrix at the client level');

beforeAll(async () => {
	sim = await startSimulator(MATRIX_TIMINGS);
});
afterAll(async () => {
	report.write();
	await sim.close();
});
beforeEach(() => {
	sim.reset();
	sim.configure({ ...MATRIX_TIMINGS, ...TRIAL_EXPORTS_ALLOWED });
	freshTokens();
});

const SHORT = { timeouts: { headersMs: 300, bodyMs: 300 } };

interface Row {
	family: string;
	fault: string;
	where: string;
	expected: Outcome;
	/** The error message (reported rows). */
	error?: RegExp;
	advice?: RegExp;
	/** The call must settle within this long. */
	withinMs: number;
	run: () => Promise<unknown>;
	cleanup?: () => Promise<void>;
}

async function play(row: Row): Promise<void> {
	const started = Date.now();
	let outcome: Outcome | 'WRONG' = 'WRONG';
	let note = '';
	let caught: unknown;
	try {
		await row.run();
		outcome = 'recovered';
		note = 'completed';
	} catch (error) {
		caught = error;
		const clear = error instanceof NemoApiError && (!!error.description || error.kind === 'cancelled') && (!row.error || row.error.test(error.message)) && (!row.advice || row.advice.test(error.description ?? ''));
		outcome = clear ? 'reported' : 'WRONG';
		note = error instanceof NemoApiError ? `${error.message} — ${error.description}` : `not a NemoApiError: ${String(error)}`;
	} finally {
		await row.cleanup?.();
	}
	const ms = Date.now() - started;
	const doubles = doubleSends(sim);
	report.add({ family: row.family, fault: row.fault, where: row.where, level: 'client', expected: row.expected, outcome, items: 1, results: outcome === 'recovered' ? 1 : 0, errorItems: outcome === 'reported' ? 1 : 0, lost: 0, doubleSends: doubles, sentUnaccounted: 0 /* no output items at this level: the node matrix counts it */, hits: Math.max(1, faultHits(sim)), note, ms });
	if (row.expected === 'reported') {
		expect(caught).toBeInstanceOf(NemoApiError);
		if (row.error) expect((caught as NemoApiError).message).toMatch(row.error);
		if (row.advice) expect((caught as NemoApiError).description).toMatch(row.advice);
	} else {
		expect(caught).toBeUndefined();
	}
	expect(outcome).toBe(row.expected);
	expect(doubles).toBe(0);
	expect(ms).toBeLessThan(row.withinMs);
}

/** A client against a raw server, with short timeouts. */
async function rawCase(onSocket: Parameters<typeof rawTcpServer>[0]): Promise<{ client: NemoClient; close: () => Promise<void> }> {
	const server = await rawTcpServer(onSocket);
	const client = clientFor(sim, { baseUrl: server.url, accessToken: 'nmv_usr_raw_server_token_0001', ...SHORT });
	return { client, close: async () => (await client.close(), await server.close()) };
}

describe('connection-level faults (raw TCP servers)', () => {
	it.each([
		['closes the connection on the first request', (socket: import('node:net').Socket) => socket.destroy(), /connection to http:\/\/127\.0\.0\.1:\d+ was cut while reading the credit balance/, /Try again/],
		['answers bytes that are not HTTP', (socket: import('node:net').Socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'), /Network error while reading the credit balance: /, /Base URL/],
		['never answers (headers timeout 0.3 s)', () => undefined, /did not answer reading the credit balance in time/, /slow or unreachable/],
		[
			'sends headers and half the body, then stalls (body timeout 0.3 s)',
			(socket: import('node:net').Socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{"code":0,"data":'),
			/stopped sending data while reading the credit balance \(the answer stalled\)/,
			/stalled/,
		],
		[
			'sends half the declared body, then closes',
			(socket: import('node:net').Socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{"code":0,"data":'),
			/connection to .* was cut while reading the credit balance/,
			/Try again/,
		],
	])('a server that %s', async (fault, onSocket, error, advice) => {
		const { client, close } = await rawCase(onSocket);
		await play({ family: 'connection', fault, where: 'credits (raw server)', expected: 'reported', error, advice, withinMs: 2_000, run: () => client.getCredits(), cleanup: close });
	});
});

describe('upload', () => {
	it('the service stops reading the upload: the stall watch fires', async () => {
		const client = clientFor(sim, TRIAL);
		const { sessionId } = await client.createSession();
		sim.addFault({ endpoint: 'upload', delayHeadersMs: 4_000 });
		// More than loopback socket buffers hold (several MB), produced as it is read.
		const size = 64 * 1024 * 1024;
		const big = {
			...fakeFile('big.mp4', 16),
			size,
			open: () =>
				Readable.from(
					(function* () {
						const chunk = Buffer.alloc(256 * 1024);
						Buffer.from('\x00\x00\x00\x18ftypisom', 'latin1').copy(chunk);
						for (let sent = 0; sent < size; sent += chunk.length) yield sent === 0 ? chunk : chunk.fill(0, 0, 16);
					})(),
				),
		};
		await play({
			family: 'upload',
			fault: 'the service stops reading (stall limit 0.3 s)',
			where: 'upload',
			expected: 'reported',
			error: /The upload stalled: no data moved for 0\.3 s/,
			advice: /stopped taking data/,
			withinMs: 3_000,
			run: () => client.uploadFiles(sessionId, [big], { stallTimeoutMs: 300 }),
			cleanup: () => client.close(),
		});
	});

	it('every byte sent, the answer does not come: the answer timeout fires', async () => {
		const client = clientFor(sim, TRIAL);
		const { sessionId } = await client.createSession();
		sim.addFault({ endpoint: 'upload', delayHeadersMs: 3_000 });
		await play({
			family: 'upload',
			fault: 'slow answer after the last byte (limit 0.3 s)',
			where: 'upload',
			expected: 'reported',
			error: /did not answer upload of "clip\.mp4" in time/,
			advice: /slow or unreachable/,
			withinMs: 2_000,
			run: () => client.uploadFiles(sessionId, [fakeFile('clip.mp4', 2048)], { answerTimeoutMs: 300 }),
			cleanup: () => client.close(),
		});
	});

	it('a source that fails while being read (n8n binary store error): no half upload is reported as done', async () => {
		const client = clientFor(sim, TRIAL);
		const { sessionId } = await client.createSession();
		const failing = {
			...fakeFile('clip.mp4', 64 * 1024),
			open: () =>
				Readable.from(
					(async function* () {
						yield Buffer.from('\x00\x00\x00\x18ftypisom'.padEnd(32 * 1024, '\x00'), 'latin1');
						throw new Error('disk read error');
					})(),
				),
		};
		await play({
			family: 'upload',
			fault: 'the file source errors half-way',
			where: 'upload',
			expected: 'reported',
			error: /^file "clip\.mp4" \("clip\.mp4"\) could not be read: disk read error$/,
			advice: /n8n could not read the file from its binary data/,
			withinMs: 3_000,
			run: () => client.uploadFiles(sessionId, [failing]),
			cleanup: () => client.close(),
		});
		expect(sim.session(sessionId)).toBeDefined();
	});
});

describe('SSE', () => {
	it('the stream is dropped right after its headers: the outcome is read from the state', async () => {
		const client = clientFor(sim, TRIAL);
		const sessionId = await sessionWithMedia(client);
		sim.addFault({ endpoint: 'sse', cutAfterEvents: 0 });
		await play({
			family: 'SSE',
			fault: 'dropped after the headers (edit applied)',
			where: 'sse',
			expected: 'recovered',
			withinMs: 3_000,
			run: async () => {
				const result = await client.sendMessage(sessionId, 'swap the face in the video with the reference photo');
				expect(result.recoveredFrom).toBe('dropped stream');
				expect(result.changes.join(' ')).toMatch(/face swapped/);
			},
			cleanup: () => client.close(),
		});
		expect(sim.messages).toHaveLength(1);
	});

	it('an answer that is JSON instead of a stream: reported, never re-sent', async () => {
		const client = clientFor(sim, TRIAL);
		const sessionId = await sessionWithMedia(client);
		sim.addFault({ endpoint: 'sse', status: 200, body: '{"code":0,"data":{}}', contentType: 'application/json' });
		await play({
			family: 'SSE',
			fault: 'JSON instead of an event stream',
			where: 'sse',
			expected: 'reported',
			error: /without opening an event stream/,
			advice: /not sent again/,
			withinMs: 2_000,
			run: () => client.sendMessage(sessionId, 'swap the face'),
			cleanup: () => client.close(),
		});
		expect(sim.requests.filter((request) => request.path === '/run_sse')).toHaveLength(1);
	});
});

describe('cancelling a render', () => {
	async function pendingRender(client: NemoClient) {
		sim.configure({ renderMs: 30_000 });
		const sessionId = await sessionWithMedia(client, ['clip.mp4']);
		const { renderId } = await client.startRender(sessionId, (await client.getState(sessionId)).draft);
		return renderId;
	}

	it.each([
		['the cancel request hangs (5 s)', { delayHeadersMs: 5_000 }],
		['the cancel request is reset', { reset: true }],
		['the cancel request gets 1001', { code: 1001 }],
		['the cancel request gets 429', { code: 429 }],
	])('a stopped wait returns within about a second when %s', async (fault, action) => {
		const client = clientFor(sim, TRIAL);
		const renderId = await pendingRender(client);
		sim.addFault({ endpoint: 'renderCancel', ...action });
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 150);
		await play({
			family: 'cancel',
			fault,
			where: 'renderCancel',
			expected: 'reported',
			error: /Cancelled during the export: the execution was stopped/,
			withinMs: 1_400,
			run: () => client.waitForRender(renderId, { signal: controller.signal }),
		});
		const started = Date.now();
		await client.close();
		// Closing the client does not wait for a hanging cancel either.
		expect(Date.now() - started).toBeLessThan(1_500);
		expect(sim.requests.some((request) => request.path === `/api/render/proxy/lambda/${renderId}/cancel`)).toBe(true);
	});
});
