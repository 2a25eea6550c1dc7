import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import {
	type MediaInputSpec,
	VIDEO_INPUT,
	deliveryParameter,
	executeNemoNode,
	mediaInputParameters,
	optionsParameter,
	readDelivery,
	readMediaInput,
	readOptions,
	readSessionId,
	runEdit,
	sessionParameters,
	costNotice,
} from '../shared/n8n';

const FACE: MediaInputSpec = {
	key: 'face',
	label: 'Face Photo',
	defaultBinaryProperty: 'face',
	allowSession: false,
	urlPlaceholder: 'https://example.com/face.jpg',
	accepts: ['image'],
};

export class NemoFaceSwap implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Nemo Face Swap',
		name: 'nemoFaceSwap',
		icon: { light: 'file:../../icons/nemo-face-swap.svg', dark: 'file:../../icons/nemo-face-swap.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ "Swap face → " + ({binary: "MP4 file", url: "MP4 URL", none: "keep editing"})[$parameter["result"]] }}',
		description: 'Swap the face in a video with a reference photo, using NemoVideo AI',
		defaults: { name: 'Nemo Face Swap' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'nemoApi', required: true }],
		properties: [
			costNotice('about 100'),
			...mediaInputParameters(VIDEO_INPUT),
			...mediaInputParameters(FACE),
			{
				displayName: 'Additional Instructions',
				name: 'extraInstruction',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. keep the original skin tone',
				description: 'Anything to add to the face swap instruction, in plain words',
			},
			deliveryParameter(),
			...sessionParameters({ canStartNew: true }),
			optionsParameter(['itemsAtOnce', 'timeoutMinutes', 'binaryPropertyOutput', 'fileName', 'ifNoPublicUrl']),
		],
	};


	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeNemoNode(this, (client, item) => {
			const { itemIndex } = item;
			const video = readMediaInput(this, itemIndex, VIDEO_INPUT);
			const face = readMediaInput(this, itemIndex, FACE);
			const extra = String(this.getNodeParameter('extraInstruction', itemIndex, '') ?? '').trim();
			return runEdit(this, client, {
				...item,
				sessionId: readSessionId(this, itemIndex, video.source === 'session'),
				inputs: [video, face],
				instruction: (files) =>
					[
						`Swap the face in the video${files.video ? ` "${files.video.fileName}"` : ''} with the face in the reference photo${files.face ? ` "${files.face.fileName}"` : ''}.`,
						extra,
					]
						.filter(Boolean)
						.join(' '),
				delivery: readDelivery(this, itemIndex),
				options: readOptions(this, itemIndex),
				expectedChange: {
					what: 'face swap',
					whatToCheck: 'Check that the video shows a face clearly (front-facing, not too small) and that the face photo shows one face.',
				},
			});
		}, { canStartNewSession: true });
	}
}
