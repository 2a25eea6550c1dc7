/**
 * Runs in every test file (jest setupFilesAfterEnv): feeds the token-leak sink (leak-sink.ts)
 * with what no run helper sees: console output (log lines), and the tokens of every simulator
 * the file starts (the anonymous tokens it issued, the tokens it was given, and every bearer
 * token it received), harvested before each reset() and close() and after each test.
 */
import { format } from 'node:util';
import { SINK_DIR_ENV, recordEmitted, recordToken } from './leak-sink';

if (process.env[SINK_DIR_ENV]) {
	for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
		const original = console[level].bind(console);
		console[level] = (...args: unknown[]) => {
			recordEmitted(`console.${level}`, format(...args));
			original(...args);
		};
	}

	interface SimulatorLike {
		requests: Array<{ headers: Record<string, string | string[] | undefined> }>;
		reset(): void;
		close(): Promise<void>;
		core?: { accounts?: { tokens?: Map<string, unknown> } };
	}
	const live = new Set<SimulatorLike>();

	const harvest = (sim: SimulatorLike) => {
		for (const token of sim.core?.accounts?.tokens?.keys() ?? []) recordToken(token);
		for (const request of sim.requests) {
			const authorization = request.headers.authorization;
			for (const value of Array.isArray(authorization) ? authorization : [authorization]) {
				const match = /^Bearer\s+(.+)$/i.exec(value ?? '');
				if (match) recordToken(match[1]);
			}
		}
	};

	// The simulator module of this file's registry: test helpers call its startSimulator.
	// eslint-disable-next-line @typescript-eslint/no-var-requires
	const simulatorModule = require('../../simulator') as { startSimulator: (options?: unknown) => Promise<SimulatorLike> };
	const start = simulatorModule.startSimulator;
	simulatorModule.startSimulator = async (options?: unknown) => {
		const sim = await start(options);
		live.add(sim);
		const reset = sim.reset.bind(sim);
		const close = sim.close.bind(sim);
		sim.reset = () => {
			harvest(sim);
			reset();
		};
		sim.close = () => {
			harvest(sim);
			live.delete(sim);
			return close();
		};
		return sim;
	};

	afterEach(() => live.forEach(harvest));
	afterAll(() => live.forEach(harvest));
}
