import type { ApiCaller } from './api-caller';
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
