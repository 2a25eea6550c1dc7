import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { executeNemoNode, optionsParameter } from '../shared/n8n';
import { type NemoClient, exportRefusedAdvice, inputError } from '../shared/client';

export class NemoCredits implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Nemo Credits',
		name: 'nemoCredits',
		icon: { light: 'file:../../icons/nemo-credits.svg', dark: 'file:../../icons/nemo-credits.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{ $parameter["minimumAvailable"] ? "Require ≥ " + $parameter["minimumAvailable"] + " credits" : "Check balance" }}',
		description: 'Read the NemoVideo credit balance; optionally stop when too few credits are left (a guard before a batch)',
		defaults: { name: 'Nemo Credits' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'nemoApi', required: true }],
		properties: [
			{
				displayName: 'Minimum Available Credits',
				name: 'minimumAvailable',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Fail the item when fewer credits than this are available. 0 turns the check off.',
			},
			{
				displayName: 'Credits Needed per Item',
				name: 'creditsPerItem',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					"What one item of the batch behind this node costs, as your NemoVideo plan prices it. When the balance is below the batch's need (items × this), the canvas shows a warning; the items still go on. 0 turns it off.",
			},
			optionsParameter(['itemsAtOnce']),
		],
	};


	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const output = await executeNemoNode(this, async (client, { itemIndex, signal }) => {
			const minimum = Number(this.getNodeParameter('minimumAvailable', itemIndex, 0)) || 0;
			const balance = await client.getCredits(signal);
			if (minimum > 0 && balance.available < minimum) {
				throw inputError(
					`Only ${balance.available} NemoVideo credits are available; this workflow requires at least ${minimum}.`,
					'minimumAvailable',
					`${balance.frozen} more are reserved by running jobs. Top up the account, or lower "Minimum Available Credits".`,
				);
			}
			// The balance first, where a long item shows it without scrolling; then the input item's
			// fields, so the guard can sit in front of a batch without losing them (ours win a clash).
			const input = this.getInputData()[itemIndex]?.json ?? {};
			const json: IDataObject = { available: balance.available, frozen: balance.frozen, total: balance.total, ...tokenFacts(client) };
			for (const [field, value] of Object.entries(input)) if (!(field in json)) json[field] = value;
			return { json, pairedItem: { item: itemIndex } };
		});
		warnWhenBelowBatchNeed(this, output[0]);
		return output;
	}
}

/**
 * Which kind of token the credential uses: with no Access Token, NemoVideo's free trial token,
 * which NemoVideo's documents say cannot export; and whether this n8n process saw the service
 * refuse this token's exports (402).
 */
function tokenFacts(client: NemoClient): IDataObject {
	const trial = client.usesTrialToken;
	const refused = client.exportRefusal() !== undefined;
	const facts: IDataObject = { tokenType: trial ? 'trial' : 'account' };
	if (refused) facts.exportsRefused = true;
	if (trial || refused) {
		const said = refused ? 'NemoVideo refused exports with this token (402).' : "A trial token: NemoVideo's documents say it can upload and edit, but not export.";
		facts.tokenNote = `${said} ${exportRefusedAdvice({ trial, trialUserId: client.trialUserId })}`;
	}
	return facts;
}

/** A canvas hint when the balance does not cover the batch behind the node (its input items). */
function warnWhenBelowBatchNeed(context: IExecuteFunctions, items: INodeExecutionData[]): void {
	const perItem = Number(context.getNodeParameter('creditsPerItem', 0, 0)) || 0;
	const balances = items.map((item) => item.json.available).filter((value): value is number => typeof value === 'number');
	if (perItem <= 0 || balances.length === 0) return;
	const available = Math.min(...balances);
	const need = items.length * perItem;
	if (available >= need) return;
	context.addExecutionHints({
		type: 'warning',
		location: 'outputPane',
		message: `${items.length} items need about ${need} NemoVideo credits (${perItem} each), but only ${available} are available: about ${Math.floor(available / perItem)} of them can run. Top up the account before the batch.`,
	});
}
