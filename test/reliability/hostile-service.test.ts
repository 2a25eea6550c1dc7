/**
 * A service (or a proxy, CDN or attacker in between) that misbehaves on purpose (issue 12): the
 * client must stay within its memory, keep the token secret, and never pass off a wrong file.
 * The hostile answers come from a gateway in front of the simulator (raw-servers.ts proxyServer)
 * that answers some paths itself; everything else is the simulator's.
 */
import type http from 'node:http';
import { NemoApiError } from '../../nodes/shared/client';
import { clientFor, failure, freshTokens, sessionWithMedia } from '../client/helpers';
import { type Simulator, startSimulator } from '../support/simulator';
import { type LocalServer, proxyServer } from './raw-servers';
import { MATRIX_TIMINGS } from './support';

let sim: Simulator;
const servers: LocalServer[] = [];

beforeAll(async () => {
	sim = await startSimulator(MATRIX_TIMINGS);
});
afterAll(() => sim.close());
beforeEach(() => {
	sim.reset();
	sim.configure(MATRIX_TIMINGS);
	freshTokens();
});
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A gateway to the simulator whose /run_sse is answered by `stream` instead. */
async function gatewayWithStream(stream: (response: http.ServerResponse) => void): Promise<LocalServer> {
	const gateway = await proxyServer(sim.url, (request, response) => {
		if (request.url !== '/run_sse') return false;
		request.resume();
		response.writeHead(200, { 'content-type': 'text/event-stream' });
		stream(response);
		return true;
	});
	servers.push(gateway);
	return gateway;
}

/** Writes `next()` chunks as fast as the reader takes them, until it returns undefined or the reader goes. */
function pump(response: http.ServerResponse, next: () => string | undefined): void {
	const write = () => {
		for (;;) {
			if (response.destroyed) return;
			const chunk = next();
			if (chunk === undefined) {
				response.end();
				return;
			}
			if (!response.write(chunk)) {
				response.once('drain', write);
				return;
			}
		}
	};
	write();
}

const live = () => {
	const memory = process.memoryUsage();
	return { rss: memory.rss, data: memory.heapUsed + memory.external };
};
const MB = 1024 * 1024;

describe('the SSE stream (points 2 and 8)', () => {
	it('bare-CR line endings: the last event is not lost at the end of the stream', async () => {
		const gateway = await gatewayWithStream((response) => {
			response.end('data: {"type":"text","content":"First words."}\r\rdata: {"type":"text","content":"Last words."}\r\r');
		});
		const client = clientFor(sim, { baseUrl: gateway.url });
		const sessionId = await sessionWithMedia(client);
		const result = await client.sendMessage(sessionId, 'make it brighter');
		expect(result.message).toContain('First words.');
		expect(result.message).toContain('Last words.');
		await client.close();
	});

	it('1 MB text events with fresh ids: the text kept is capped at 256 KB with a note', async () => {
		const event = (n: number) => `id: e${n}\ndata: ${JSON.stringify({ type: 'text', content: `${n}:${'x'.repeat(MB)}` })}\n\n`;
		let sent = 0;
		const gateway = await gatewayWithStream((response) => pump(response, () => (sent < 24 ? event(sent++) : undefined)));
		const client = clientFor(sim, { baseUrl: gateway.url });
		const sessionId = await sessionWithMedia(client);
		const result = await client.sendMessage(sessionId, 'make it brighter');
		expect(sent).toBe(24);
		expect(result.message.length).toBeLessThan(256 * 1024 + 300);
		expect(result.message).toMatch(/\(The editor's reply was longer than 256 KB; the rest was left out\.\)$/);
		await client.close();
	});

	it('an endless stream of 1 MB text events is ended at its cap and reported; memory stays flat', async () => {
		let sentBytes = 0;
		const totalCap = 400 * MB;
		const chunk = `data: ${JSON.stringify({ type: 'text', content: 'y'.repeat(MB) })}\n\n`;
		const gateway = await gatewayWithStream((response) =>
			pump(response, () => {
				if (sentBytes >= totalCap) return undefined;
				sentBytes += chunk.length;
				return chunk;
			}),
		);
		const client = clientFor(sim, { baseUrl: gateway.url });
		const sessionId = await sessionWithMedia(client);
		global.gc?.();
		const before = live();
		const peak = { ...before };
		const sampler = setInterval(() => {
			const now = live();
			peak.rss = Math.max(peak.rss, now.rss);
			peak.data = Math.max(peak.data, now.data);
		}, 10);
		const error = (await client.sendMessage(sessionId, 'make it brighter').then(
			(result) => new Error(`succeeded, with ${result.message.length} characters of message`),
			(caught: unknown) => caught,
		)) as NemoApiError;
		clearInterval(sampler);
		const growth = { rss: (peak.rss - before.rss) / MB, data: (peak.data - before.data) / MB };
		process.stdout.write(
			`hostile SSE: ${(sentBytes / MB).toFixed(0)} MB sent before the client stopped reading; peak growth: RSS ${growth.rss.toFixed(1)} MB, heap + buffers ${growth.data.toFixed(1)} MB\n`,
		);
		expect(error).toBeInstanceOf(NemoApiError);
		expect(error.message).toMatch(/The editor's event stream passed 64 MB, the most one message may send; it was closed\./);
		expect(error.description).toMatch(/not sent again/);
		expect(sentBytes).toBeLessThan(totalCap);
		expect(growth.data).toBeLessThan(48);
		await client.close();
	});
});
