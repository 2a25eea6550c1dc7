/**
 * Typed access to the local Nemo simulator (simulator/, plain JavaScript) for the tests.
 * Each test file starts its own simulator on loopback ports chosen by the OS.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const simulatorModule = require('../../simulator') as { startSimulator: (options?: Record<string, unknown>) => Promise<Simulator> };

export interface RecordedRequest {
	seq: number;
	origin: 'api' | 'cdn';
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	json?: unknown;
	bodyBytes: number;
	status?: number | null;
	/** The route's fault/envelope name ('sse', 'state', …). */
	endpoint?: string | null;
	/** The faults applied to this request (names of the rule's actions). */
	faults?: string[];
	/** Uploads: each file part's name as received, before the simulator takes its base name. */
	fileNames?: string[];
	startedAt: number;
	endedAt: number | null;
}

export interface Simulator {
	url: string;
	cdnUrl: string;
	configure(config: Record<string, unknown>): void;
	addFault(rule: Record<string, unknown>): void;
	clearFaults(): void;
	requests: RecordedRequest[];
	messages: Array<{ sessionId: string; text: string }>;
	addToken(token: string, options?: { credits?: number; userId?: string }): void;
	/** A registered account's token (trial tokens cannot export); `bind`: a trial user id whose sessions the account then reaches. */
	register(options?: { bind?: string; credits?: number; token?: string; plan?: 'free' | 'paid' }): { token: string; userId: string };
	expireToken(token: string): void;
	credits(token: string): { available: number; frozen: number; total: number };
	session(sessionId: string): unknown;
	reset(): void;
	close(): Promise<void>;
}

export function startSimulator(options: Record<string, unknown> = {}): Promise<Simulator> {
	return simulatorModule.startSimulator({ host: '127.0.0.1', port: 0, cdnPort: 0, seed: 1, ...options });
}

/** Timings (and limits) that keep tests fast while keeping every step real (HTTP, SSE, polling). */
export const FAST_TIMINGS = {
	// Tests make many clients with their own client ids; the real per-address cap has its own test.
	tokensPerIp: 10_000,
	anonymousCredits: 10_000_000,
	sseDurationMs: 120,
	heartbeatIntervalMs: 20,
	renderMs: 150,
};

export const FAST_CLIENT_TUNING = {
	retry: { rateLimitWaitMs: 50, maxRateLimitWaitMs: 200 },
	recovery: { firstPollDelayMs: 30, pollIntervalMs: 30, maxUnchangedPolls: 3 },
	polling: { initialDelayMs: 20, factor: 1.5, maxDelayMs: 100, timeoutMs: 10_000, maxConsecutiveFailures: 4 },
};
