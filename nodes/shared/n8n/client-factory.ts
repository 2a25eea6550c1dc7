import type { IExecuteFunctions, ICredentialDataDecryptedObject } from 'n8n-workflow';
import { NemoClient, type NemoClientOptions } from '../client';
import { version } from '../../../package.json';

/**
 * Builds the client core from the `nemoApi` credential: the one place where n8n's credential
 * meets the client. Every node of one execution gets one client, shared by its items.
 */

export const CREDENTIAL_NAME = 'nemoApi';

export const ATTRIBUTION = { source: 'n8n-nodes-nemovideo', version, platform: 'n8n' } as const;

export interface NemoCredentialData {
	accessToken?: string;
	clientId?: string;
	baseUrl?: string;
	allowInsecureHttp?: boolean;
}

export function clientOptionsFromCredential(data: ICredentialDataDecryptedObject, identity: string): NemoClientOptions {
	const credential = data as NemoCredentialData;
	return {
		baseUrl: credential.baseUrl,
		accessToken: credential.accessToken,
		clientId: credential.clientId,
		// The same credential always yields the same client id, so its trial token is reused.
		clientIdSeed: `${identity}|${(credential.baseUrl ?? '').trim()}`,
		allowInsecureHttp: credential.allowInsecureHttp === true,
		attribution: { ...ATTRIBUTION },
		...tuningFromEnvironment(),
	};
}

export async function createNemoClient(context: IExecuteFunctions): Promise<NemoClient> {
	const data = await context.getCredentials(CREDENTIAL_NAME);
	const reference = context.getNode().credentials?.[CREDENTIAL_NAME];
	const identity = reference?.id ?? reference?.name ?? 'default';
	return new NemoClient(clientOptionsFromCredential(data, identity));
}

/**
 * Waits and limits for tests, benchmarks and operators, from NEMOVIDEO_TUNING (JSON), e.g.
 * {"retry":{"rateLimitWaitMs":50},"recovery":{"firstPollDelayMs":10,"pollIntervalMs":10},
 *  "polling":{"initialDelayMs":20,"maxDelayMs":100}}. Users never need it: the defaults follow
 * the API doc (30 s after a 429, state polls 30 s then 60 s, render polls 1 s growing to 15 s).
 */
function tuningFromEnvironment(): Partial<NemoClientOptions> {
	const raw = process.env.NEMOVIDEO_TUNING;
	if (!raw) return {};
	try {
		const tuning = JSON.parse(raw) as Partial<NemoClientOptions>;
		return { retry: tuning.retry, recovery: tuning.recovery, polling: tuning.polling, streamLimits: tuning.streamLimits, timeouts: tuning.timeouts, upload: tuning.upload };
	} catch {
		return {};
	}
}
