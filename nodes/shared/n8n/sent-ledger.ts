import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/**
 * What each item of this node has sent, kept where n8n's Retry On Fail cannot wipe it: n8n re-runs
 * a node's whole execute() with all its items when it fails (or, under Continue On Fail, when
 * its first output item is an error), up to 5 tries, without telling the node which try it is.
 * The execution's per-node context (getContext('node')) survives those tries, so an instruction
 * the service has is never sent again by a later try: that try continues the item from where the
 * first one stopped (see edit-flow.ts). The context lives as long as the execution.
 */
export interface SentRecord {
	/** The session the instruction went to. */
	sessionId: string;
	/** The item's output after the edit finished (before the export), once known. */
	edit?: IDataObject;
}

const CONTEXT_KEY = 'nemoSentInstructions';

export class SentLedger {
	constructor(
		private readonly records: Record<string, SentRecord>,
		private readonly runIndex: number,
	) {}

	get(itemIndex: number): SentRecord | undefined {
		return this.records[this.key(itemIndex)];
	}

	/** The instruction went out (the service may have it). */
	sent(itemIndex: number, sessionId: string): void {
		this.records[this.key(itemIndex)] = { sessionId };
	}

	/** The service refused it: it does not have it (a 429 before its next turn). */
	notSent(itemIndex: number): void {
		const record = this.get(itemIndex);
		if (record && !record.edit) delete this.records[this.key(itemIndex)];
	}

	/** The edit finished and changed what it had to: a later try only exports. */
	edited(itemIndex: number, edit: IDataObject): void {
		const record = this.get(itemIndex);
		if (record) record.edit = edit;
	}

	private key(itemIndex: number): string {
		return `${this.runIndex}:${itemIndex}`;
	}
}

/** The ledger of this node in this execution (one per run of the node in a loop). */
export function sentLedger(context: IExecuteFunctions): SentLedger {
	const nodeContext = context.getContext('node');
	nodeContext[CONTEXT_KEY] ??= {};
	const runIndex = Number(context.getWorkflowDataProxy(0).$runIndex ?? 0) || 0;
	return new SentLedger(nodeContext[CONTEXT_KEY] as Record<string, SentRecord>, runIndex);
}
