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
import { audioReplaceInstruction, type OriginalAudio, type AudioFit } from './instruction';

const AUDIO: MediaInputSpec = {
	key: 'audio',
	label: 'New Audio',
	defaultBinaryProperty: 'audio',
	allowSession: false,
	urlPlaceholder: 'https://example.com/voiceover.mp3',
	// Not a video's sound track: the service asks for an audio file (and would charge a video's refusal).
	accepts: ['audio'],
};

export class NemoAudioReplace implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Nemo Audio Replace',
		name: 'nemoAudioReplace',
		icon: { light: 'file:../../icons/nemo-audio-replace.svg', dark: 'file:../../icons/nemo-audio-replace.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ "Replace audio (" + $parameter["originalAudio"] + " original) → " + ({binary: "MP4 file", url: "MP4 URL", none: "keep editing"})[$parameter["result"]] }}',
		description: "Replace a video's audio track with new audio, using NemoVideo AI",
		defaults: { name: 'Nemo Audio Replace' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'nemoApi', required: true }],
		properties: [
			costNotice('about 50'),
			...mediaInputParameters(VIDEO_INPUT),
			...mediaInputParameters(AUDIO),
			{
				displayName: 'Original Audio',
				name: 'originalAudio',
				type: 'options',
				options: [
					{ name: 'Keep at a Volume', value: 'keep', description: 'Mix the original audio under the new audio' },
					{ name: 'Remove', value: 'remove', description: 'Only the new audio is heard' },
				],
				default: 'remove',
				description: 'What happens to the audio the video already has',
			},
			{
				displayName: 'Original Audio Volume (%)',
				name: 'originalVolume',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 20,
				displayOptions: { show: { originalAudio: ['keep'] } },
				description: 'Volume of the original audio under the new audio, in percent',
			},
			{
				displayName: 'Fit New Audio',
				name: 'fit',
				type: 'options',
				options: [
					{ name: 'Loop to Video Length', value: 'loop', description: 'A shorter audio repeats until the video ends' },
					{ name: 'Trim to Video Length', value: 'trim', description: 'A longer audio is cut where the video ends' },
				],
				default: 'trim',
				description: 'How the new audio is fitted to the length of the video',
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
			const audio = readMediaInput(this, itemIndex, AUDIO);
			const original = this.getNodeParameter('originalAudio', itemIndex, 'remove') as OriginalAudio;
			const volume = Number(this.getNodeParameter('originalVolume', itemIndex, 20));
			const fit = this.getNodeParameter('fit', itemIndex, 'trim') as AudioFit;
			return runEdit(this, client, {
				...item,
				sessionId: readSessionId(this, itemIndex, video.source === 'session'),
				inputs: [video, audio],
				instruction: (files) =>
					audioReplaceInstruction({ audioName: files.audio?.fileName, videoName: files.video?.fileName, original, volume, fit }),
				delivery: readDelivery(this, itemIndex),
				options: readOptions(this, itemIndex),
				expectedChange: {
					what: 'audio replacement',
					whatToCheck: 'Check that the audio file has sound and is of a type NemoVideo accepts, and that the session has a video.',
				},
			});
		}, { canStartNewSession: true });
	}
}
