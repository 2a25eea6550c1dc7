import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import {
	executeNemoNode,
	fileFromBinaryProperty,
	optionsParameter,
	readSessionId,
	sessionParameters,
	uploadedFileJson,
} from '../shared/n8n';
import { type FileToUpload, type UploadedFile, checkMediaUrl, inputError } from '../shared/client';

export class NemoUpload implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Nemo Upload',
		name: 'nemoUpload',
		icon: { light: 'file:../../icons/nemo-upload.svg', dark: 'file:../../icons/nemo-upload.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{ "Upload " + ($parameter["source"] === "url" ? "from URLs" : "binary files") }}',
		description: 'Upload videos, images and audio into a NemoVideo session (streamed, up to 500 MB each)',
		defaults: { name: 'Nemo Upload' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'nemoApi', required: true }],
		properties: [
			{
				displayName: 'Source',
				name: 'source',
				type: 'options',
				options: [
					{ name: 'Binary Files', value: 'binary', description: 'Binary properties of the input item' },
					{ name: 'URLs', value: 'url', description: 'Public http(s) URLs that NemoVideo fetches' },
				],
				default: 'binary',
			},
			{
				displayName: 'Binary Properties',
				name: 'binaryPropertyNames',
				type: 'string',
				default: 'data',
				required: true,
				displayOptions: { show: { source: ['binary'] } },
				placeholder: 'data, face, audio',
				description: 'Names of the binary properties to upload, separated by commas',
			},
			{
				displayName: 'URLs',
				name: 'urls',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				required: true,
				displayOptions: { show: { source: ['url'] } },
				placeholder: 'https://example.com/clip.mp4',
				description: 'URLs of the media files, one per line or separated by commas',
			},
			...sessionParameters({ canStartNew: true }),
			optionsParameter(['itemsAtOnce']),
		],
	};


	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeNemoNode(this, async (client, { itemIndex, signal }) => {
			const source = this.getNodeParameter('source', itemIndex, 'binary') as 'binary' | 'url';
			let files: FileToUpload[] = [];
			let urls: Array<{ url: string; field: string; label: string }> = [];
			if (source === 'binary') {
				const names = splitList(this.getNodeParameter('binaryPropertyNames', itemIndex, 'data'));
				if (names.length === 0) throw inputError('Binary Properties is empty.', 'binaryPropertyNames', 'Enter the binary property names to upload, e.g. "data".');
				files = await Promise.all(names.map((name) => fileFromBinaryProperty(this, itemIndex, name, 'binaryPropertyNames', { label: 'File', purpose: 'to upload' })));
			} else {
				const list = splitList(this.getNodeParameter('urls', itemIndex, ''));
				if (list.length === 0) throw inputError('URLs is empty (the expression evaluated to nothing).', 'urls', 'Enter at least one http(s) URL.');
				urls = list.map((url, index) => {
					const label = list.length > 1 ? `URL ${index + 1}` : 'URL';
					return { url: checkMediaUrl(url, 'urls', label), field: 'urls', label };
				});
			}

			const session = await client.openSession(readSessionId(this, itemIndex, false), signal);
			const uploaded: UploadedFile[] = await client.inSession(
				session,
				(id) => (files.length ? client.uploadFiles(id, files, { signal }) : client.uploadUrls(id, urls, { signal })),
				signal,
			);
			const state = await client.getState(session.sessionId, signal);
			const json: IDataObject = {
				sessionId: session.sessionId,
				files: uploaded.map(uploadedFileJson),
				timeline: state.timeline.summary,
			};
			if (state.taskId) json.taskId = state.taskId;
			return { json, pairedItem: { item: itemIndex } };
		}, { canStartNewSession: true });
	}
}

/** "a, b\nc" → ["a", "b", "c"]; also accepts an array from an expression. */
function splitList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.map(String) : String(value ?? '').split(/[\n,]/);
	return parts.map((part) => part.trim()).filter(Boolean);
}
