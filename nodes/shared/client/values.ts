import { isExactNumber } from './json';

/**
 * Reading loosely-typed API data. The API has several documented shapes for some answers;
 * these helpers let the readers accept all of them without `any`.
 */

export type JsonRecord = Record<string, unknown>;

export function asRecord(value: unknown): JsonRecord {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : {};
}

export function asArray(value: unknown): unknown[] {
	return Array.isArray(value) ? value : [];
}

/** A string, or a number written as a string (ids may come as either); else undefined. */
export function asString(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (isExactNumber(value)) return value.value;
	return undefined;
}

export function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (isExactNumber(value)) return Number.isFinite(Number(value.value)) ? Number(value.value) : undefined;
	if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
	return undefined;
}

/** The first of several candidate fields that is present. */
export function firstDefined<T>(...values: Array<T | undefined>): T | undefined {
	return values.find((value) => value !== undefined);
}
