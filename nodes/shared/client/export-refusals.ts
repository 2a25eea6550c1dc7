/**
 * What a token may export, as far as this process has seen. NemoVideo's newest documents say
 * trial tokens cannot export (402, "free plan export blocked"), nor, its plugin says, accounts
 * without a paid plan; the service says so only when an export is tried, which comes after the
 * charged instruction. So a token pays for at most one instruction to learn it:
 * - while a token's exports are not known yet, one exporting item at a time goes ahead (the
 *   turn, below); the others wait for the service's answer to its export instead of paying too;
 * - a refusal is remembered until the token changes (a trial: until its user changes) or an
 *   export with it is accepted: an item whose Result exports fails before its instruction
 *   (nodes/shared/n8n/edit-flow.ts), in this run and in later ones;
 * - an accepted export ends the learning for good, and lifts a refusal.
 *
 * Each n8n process (main, every queue-mode worker) learns it on its own: the memory is this
 * process's, keyed by export identity (below), and holds nothing the process does not hold already.
 */

export interface ExportRefusal {
	/** The trial user's id when the token was a trial token (for the registration link's `bind`). */
	trialUserId?: string;
	/** When the service refused (epoch ms). */
	at: number;
}

/**
 * Keys are export identities (TokenProvider.exportIdentity): a configured token by itself, a
 * trial by its origin and client id (a renewed trial token is the same trial user's).
 */
const refusals = new Map<string, ExportRefusal>();
const accepted = new Set<string>();
/** The turn of the item learning what an identity may export: ended by the service's answer to its export, or by the item's end. */
const turns = new Map<string, { turn: Promise<void>; end: () => void }>();

function endTurn(identity: string): void {
	const current = turns.get(identity);
	turns.delete(identity);
	current?.end();
}

export function rememberExportRefused(identity: string, trialUserId: string | undefined): void {
	refusals.set(identity, { trialUserId, at: Date.now() });
	accepted.delete(identity);
	endTurn(identity);
}

/** An accepted export also lifts an earlier refusal (a plan upgraded since, a service that changed its rule). */
export function rememberExportAccepted(identity: string): void {
	accepted.add(identity);
	refusals.delete(identity);
	endTurn(identity);
}

export function exportRefusalOf(identity: string): ExportRefusal | undefined {
	return refusals.get(identity);
}

/**
 * Waits while another item learns what this identity may export; then returns this item's turn
 * (a function to call when the item ends, whichever way), or undefined when there is nothing to
 * learn (refused or accepted already).
 */
export async function exportTurn(identity: string, wait: (turn: Promise<void>) => Promise<void>): Promise<(() => void) | undefined> {
	for (;;) {
		if (refusals.has(identity) || accepted.has(identity)) return undefined;
		const current = turns.get(identity);
		if (!current) {
			let end!: () => void;
			const turn = new Promise<void>((resolve) => (end = resolve));
			const mine = { turn, end };
			turns.set(identity, mine);
			return () => {
				if (turns.get(identity) === mine) turns.delete(identity);
				end();
			};
		}
		await wait(current.turn);
	}
}

/** Forget every refusal, and unless told otherwise every acceptance (tests that restart the simulator use this). */
export function clearExportRefusals(keep?: 'acceptances'): void {
	refusals.clear();
	if (keep !== 'acceptances') accepted.clear();
}
