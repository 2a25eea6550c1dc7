/**
 * What a token may export, as far as this process has seen. NemoVideo's newest documents say
 * trial tokens cannot export (402, "free plan export blocked"); the service says so only when an
 * export is tried, which comes after the charged instruction. So a token pays for at most one
 * instruction to learn it:
 * - refusals (402, a trial token or a plan without export) are remembered until the token
 *   changes: an item whose Result exports with that token fails before its instruction
 *   (nodes/shared/n8n/edit-flow.ts), in this run and in later ones;
 * - while a trial token's exports are not known yet, one item at a time goes ahead and tries
 *   (the turn, below); the other exporting items wait for its answer instead of paying too.
 *   An accepted export ends the waiting for good (a service that lets trials export).
 *
 * Each n8n process (main, every queue-mode worker) learns it on its own: the memory is this
 * process's, keyed by API origin and token, and holds nothing the process does not hold already.
 */

export interface ExportRefusal {
	/** The trial user's id when the token was a trial token (for the registration link's `bind`). */
	trialUserId?: string;
	/** When the service refused (epoch ms). */
	at: number;
}

const refusals = new Map<string, ExportRefusal>();
/** Trial identities whose exports the service accepted (a service that lets trials export). */
const accepted = new Set<string>();
/** Per trial identity (origin and client id): the turn of the item learning what its token may export. */
const turns = new Map<string, Promise<void>>();

const keyOf = (origin: string, token: string) => `${origin}\n${token}`;

export function rememberExportRefused(origin: string, token: string, trialUserId: string | undefined): void {
	refusals.set(keyOf(origin, token), { trialUserId, at: Date.now() });
}

export function exportRefusalOf(origin: string, token: string | undefined): ExportRefusal | undefined {
	return token ? refusals.get(keyOf(origin, token)) : undefined;
}

/** An export the service accepted, by trial identity (origin and client id: a renewed trial token is the same user's). */
export function rememberExportAccepted(identity: string): void {
	accepted.add(identity);
}

export function exportAcceptedFor(identity: string): boolean {
	return accepted.has(identity);
}

/**
 * Waits while another item learns what this trial token may export; then returns this item's
 * turn (a function to call when the item ends, whichever way), or undefined when there is
 * nothing to learn any more (`known()`: refused or accepted).
 */
export async function exportTurn(identity: string, known: () => boolean, wait: (turn: Promise<void>) => Promise<void>): Promise<(() => void) | undefined> {
	for (;;) {
		if (known()) return undefined;
		const current = turns.get(identity);
		if (!current) {
			let end!: () => void;
			const turn = new Promise<void>((resolve) => (end = resolve));
			turns.set(identity, turn);
			return () => {
				if (turns.get(identity) === turn) turns.delete(identity);
				end();
			};
		}
		await wait(current);
	}
}

/** Forget every refusal, and unless told otherwise every acceptance (tests that restart the simulator use this). */
export function clearExportRefusals(keep?: 'acceptances'): void {
	refusals.clear();
	if (keep !== 'acceptances') accepted.clear();
}
