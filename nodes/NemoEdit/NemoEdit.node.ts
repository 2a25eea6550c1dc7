import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import {
	deliveryParameter,
	executeNemoNode,
	optionsParameter,
	readDelivery,
	readOptions,
	readSessionId,
	runEdit,
	sessionParameters,
	costNotice,
} from '../shared/n8n';
import { inputError } from '../shared/client';

export class NemoEdit implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Nemo Edit',
		name: 'nemoEdit',
		icon: { light: 'file:../../icons/nemo-edit.svg', dark: 'file:../../icons/nemo-edit.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["instruction"] }}',
		description: 'Send any editing instruction to a NemoVideo session, e.g. "add the title \'Summer\'" or "make the title bigger"',
		defaults: { name: 'Nemo Edit' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'nemoApi', required: true }],
		properties: [
			costNotice('about 50 (a generation: about 100)'),
			...sessionParameters({ canStartNew: false }),
			{
				displayName: 'Instruction',
				name: 'instruction',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				required: true,
				placeholder: 'e.g. Add the title "Urban Dreams" for the first 3 seconds',
				description: 'What to change, in plain words (any language)',
			},
			{ ...deliveryParameter(), default: 'none' },
			optionsParameter(['itemsAtOnce', 'timeoutMinutes', 'binaryPropertyOutput', 'fileName', 'ifNoPublicUrl']),
		],
	};


	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeNemoNode(this, (client, item) => {
			const { itemIndex } = item;
			const instruction = String(this.getNodeParameter('instruction', itemIndex, '') ?? '').trim();
			if (!instruction) {
				throw inputError('Instruction is empty (the expression evaluated to nothing).', 'instruction', 'Write what to change, e.g. "make the title bigger".');
			}
			return runEdit(this, client, {
				...item,
				sessionId: readSessionId(this, itemIndex, true),
				inputs: [],
				instruction: () => instruction,
				delivery: readDelivery(this, itemIndex),
				options: readOptions(this, itemIndex),
			});
		});
	}
}
