import { Readable } from 'node:stream';
import { NemoClient, type NemoApiError, type NemoClientOptions, clearTokenCache, clearRateLimiters, clearExportRefusals } from '../../nodes/shared/client';
import type { FileToUpload } from '../../nodes/shared/client';
import { FAST_CLIENT_TUNING, type Simulator } from '../support/simulator';
import { watchClient } from '../reliability/leak-sink';
import { n8nHttp } from '../support/n8n-http';

export const ATTRIBUTION = { source: 'n8n-nodes-nemovideo', version: 'test', platform: 'n8n' };

/**
 * A client for `sim`, on a registered account's token unless `accessToken` is given (`''`: the
 * free trial token, which NemoVideo does not let export).
 */
export function clientFor(sim: Simulator, options: Partial<NemoClientOptions> = {}): NemoClient {
	const resolved = { ...options, accessToken: 'accessToken' in options ? options.accessToken : sim.register({ credits: 10_000_000 }).token };
	const client = new NemoClient({
		baseUrl: sim.url,
		attribution: ATTRIBUTION,
		http: n8nHttp(),
		clientIdSeed: `test-${Math.random()}`,
		...FAST_CLIENT_TUNING,
		...resolved,
	});
	return watchClient(client, resolved); // token-leak check (test/reliability/leak-sink.ts)
}

/** Every test starts without cached trial tokens (each simulator knows only its own). */
export function freshTokens(): void {
	clearTokenCache();
	clearRateLimiters();
	clearExportRefusals();
}

/** A small file with the right magic bytes for its type, made in memory. */
export function fakeFile(fileName: string, bytes = 4096, label = `file "${fileName}"`): FileToUpload {
	const content = Buffer.alloc(bytes, 7);
	const extension = fileName.split('.').pop();
	const magic =
		extension === 'jpg'
			? Buffer.from([0xff, 0xd8, 0xff, 0xe0])
			: extension === 'mp3'
				? Buffer.from('ID3\x03', 'latin1')
				: Buffer.from('\x00\x00\x00\x18ftypisom', 'latin1');
	magic.copy(content);
	return { fileName, size: bytes, label, field: 'file', open: () => Readable.from([content]) };
}

export async function sessionWithMedia(client: NemoClient, names: string[] = ['clip.mp4', 'face.jpg', 'voice.mp3']): Promise<string> {
	const { sessionId } = await client.createSession();
	await client.uploadFiles(sessionId, names.map((name) => fakeFile(name)));
	return sessionId;
}

export function elapsed(start: bigint): number {
	return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function failure(promise: Promise<unknown>): Promise<NemoApiError> {
	try {
		await promise;
	} catch (error) {
		return error as NemoApiError;
	}
	throw new Error('expected the call to fail, but it succeeded');
}
