import type { ApiCaller } from './api-caller';
import { isNemoApiError } from './errors';
import { asNumber, asRecord } from './values';

export interface CreditBalance {
	available: number;
	/** Reserved by running jobs. */
	frozen: number;
	total: number;
}

export async function getCredits(api: ApiCaller, signal?: AbortSignal): Promise<CreditBalance> {
	const data = asRecord(await api.call({ method: 'GET', path: '/api/credits/balance/simple', operation: 'reading the credit balance', signal }));
	const available = asNumber(data.available) ?? 0;
	const frozen = asNumber(data.frozen) ?? 0;
	return { available, frozen, total: asNumber(data.total) ?? available + frozen };
}

/**
 * Whether the Base URL answers as NemoVideo, without a token and without asking for one: the
 * balance read unauthenticated must be refused the way the service refuses a missing token
 * (code 1001 or HTTP 401). Anything else (no answer, a page that is not the API) is thrown.
 */
export async function checkServiceAnswers(api: ApiCaller, signal?: AbortSignal): Promise<void> {
	try {
		await api.call({ method: 'GET', path: '/api/credits/balance/simple', operation: 'checking the Base URL', authorized: false, signal });
	} catch (error) {
		if (isNemoApiError(error) && error.kind === 'api' && (error.code === 1001 || error.httpStatus === 401)) return;
		throw error;
	}
}
