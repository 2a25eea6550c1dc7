import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { checkSessionId, inputError } from '../client';
import type { MediaKind } from '../client/constants';

/**
 * Parameters every Nemo node shares, described once: the session that chains nodes together,
 * media inputs (binary, URL, or already in the session), what to do with the result, and the
 * batch options. Each has a reader next to it, so a node file only lists and calls them.
 */

// ---------------------------------------------------------------- session

export type SessionChoice = 'fromInput' | 'new' | 'id';

/**
 * Which session a node works in: the input item's (the default, so Upload → Face Swap → Audio
 * Replace → Export chain without wiring), a new one, or one given by ID. A choice rather than
 * a default expression, so the first Nemo node of a workflow shows no expression evaluating to
 * "undefined". `canStartNew`: false for nodes that need a session with content (Edit, Export).
 */
export function sessionParameters(options: { canStartNew: boolean; displayOptions?: IDisplayOptions }): INodeProperties[] {
	const show = options.displayOptions?.show ?? {};
	return [
		{
			displayName: 'Session',
			name: 'session',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'From Input Item',
					value: 'fromInput',
					description: options.canStartNew
						? 'Continue the session in the sessionId field of the input item (the output of an earlier Nemo node); start a new one when the item has none'
						: 'The session in the sessionId field of the input item (the output of an earlier Nemo node)',
				},
				...(options.canStartNew ? [{ name: 'New Session', value: 'new', description: 'Always start a new session' }] : []),
				{ name: 'By ID', value: 'id', description: 'Enter a session ID, or map one with an expression' },
			],
			default: 'fromInput',
			displayOptions: options.displayOptions,
			description: 'The NemoVideo session to work in',
		},
		{
			displayName: 'Session ID',
			name: 'sessionId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 8874258985916351262',
			displayOptions: { ...options.displayOptions, show: { ...show, session: ['id'] } },
			description: 'ID of the NemoVideo session (the sessionId field of a Nemo node\'s output)',
		},
	];
}

/**
 * The session id of an item, checked; undefined when a new session is to be started.
 * `required`: this item needs an existing session (its video is already there, or the node
 * edits or exports one).
 */
export function readSessionId(context: IExecuteFunctions, itemIndex: number, required: boolean): string | undefined {
	const choice = context.getNodeParameter('session', itemIndex, 'fromInput') as SessionChoice;
	if (choice === 'new') {
		if (!required) return undefined;
		throw inputError(
			'Session is "New Session", but a new session is empty: the video must already be in the session.',
			'session',
			'Choose Session → From Input Item (after the Nemo node that uploaded the video), or By ID.',
		);
	}
	const raw = readFromInputOrId(context, itemIndex, choice, 'sessionId');
	if (isEmpty(raw)) {
		if (choice === 'fromInput') {
			if (!required) return undefined;
			throw inputError(
				'The input item has no sessionId field, so there is no session to continue.',
				'session',
				'Connect this node after a Nemo node (its output has sessionId), or choose Session → By ID.',
			);
		}
		throw inputError(
			'Session ID is empty (the expression evaluated to nothing).',
			'sessionId',
			'Enter the id of a session, map the sessionId field of an earlier Nemo node, or choose Session → From Input Item.',
		);
	}
	return checkSessionId(raw, 'sessionId');
}

/**
 * An id "From Input Item" (the item's field of that name, e.g. sessionId from an earlier Nemo
 * node) or "By ID" (the parameter of that name, typed or mapped).
 */
export function readFromInputOrId(context: IExecuteFunctions, itemIndex: number, choice: string, field: string): unknown {
	if (choice === 'fromInput') return context.getInputData()[itemIndex]?.json[field];
	return context.getNodeParameter(field, itemIndex, '') as unknown;
}

export const isEmpty = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

// ---------------------------------------------------------------- costs

/**
 * What one run of a node costs, shown at the top of its panel. NemoVideo's newest documents
 * (2026-12) price a generation (a face swap is one) at about 100 credits and editing at about 50
 * per session; exports are free; a trial token has 100 credits.
 */
export function costNotice(cost: string): INodeProperties {
	return {
		displayName: `Costs NemoVideo credits: ${cost} per item (NemoVideo's own estimate). Uploads and exports are free; a free trial has 100 credits.`,
		name: 'costNotice',
		type: 'notice',
		default: '',
	};
}

// ---------------------------------------------------------------- media inputs

export type MediaSource = 'binary' | 'url' | 'session';

export interface MediaInputSpec {
	/** Parameter name prefix, e.g. "video" → videoSource, videoBinaryProperty, videoUrl. */
	key: string;
	/** Shown to the user, e.g. "Video", "Face Photo". */
	label: string;
	defaultBinaryProperty: string;
	allowSession: boolean;
	urlPlaceholder: string;
	/** The kinds of media this input can be: the instruction cannot work with any other, so it is never sent with one. */
	accepts: MediaKind[];
}

/** The video an edit node works on: a file, a URL, or the video already in the session. */
export const VIDEO_INPUT: MediaInputSpec = {
	key: 'video',
	label: 'Video',
	defaultBinaryProperty: 'data',
	allowSession: true,
	urlPlaceholder: 'https://example.com/clip.mp4',
	accepts: ['video'],
};

export function mediaInputParameters(spec: MediaInputSpec): INodeProperties[] {
	const { defaultBinaryProperty } = spec;
	const sources = [
		{ name: 'Binary File', value: 'binary', description: `The ${spec.label.toLowerCase()} is binary data of the input item` },
		...(spec.allowSession
			? [{ name: 'Already in the Session', value: 'session', description: `The ${spec.label.toLowerCase()} was uploaded to the session earlier` }]
			: []),
		{ name: 'URL', value: 'url', description: `NemoVideo fetches the ${spec.label.toLowerCase()} from a public http(s) URL` },
	];
	return [
		{
			displayName: `${spec.label} Source`,
			name: `${spec.key}Source`,
			type: 'options',
			options: sources,
			default: 'binary',
			description: `Where the ${spec.label.toLowerCase()} comes from`,
		},
		{
			displayName: `${spec.label} Binary Property`,
			name: `${spec.key}BinaryProperty`,
			type: 'string',
			// differs per input: data, face, audio
			default: defaultBinaryProperty,
			required: true,
			displayOptions: { show: { [`${spec.key}Source`]: ['binary'] } },
			description: `Name of the binary property of the input item that holds the ${spec.label.toLowerCase()}`,
		},
		{
			displayName: `${spec.label} URL`,
			name: `${spec.key}Url`,
			type: 'string',
			default: '',
			required: true,
			placeholder: spec.urlPlaceholder,
			displayOptions: { show: { [`${spec.key}Source`]: ['url'] } },
			description: `Public http(s) URL of the ${spec.label.toLowerCase()}`,
		},
	];
}

export type MediaInput = { key: string; label: string; accepts: MediaKind[] } & (
	| { source: 'binary'; propertyName: string }
	| { source: 'url'; url: string }
	| { source: 'session' }
);

export function readMediaInput(context: IExecuteFunctions, itemIndex: number, spec: MediaInputSpec): MediaInput {
	const source = context.getNodeParameter(`${spec.key}Source`, itemIndex, 'binary') as MediaSource;
	const input = { key: spec.key, label: spec.label, accepts: spec.accepts };
	if (source === 'url') {
		const url = context.getNodeParameter(`${spec.key}Url`, itemIndex, '') as unknown;
		return { ...input, source, url: typeof url === 'string' ? url : String(url ?? '') };
	}
	if (source === 'session') return { ...input, source };
	const propertyName = context.getNodeParameter(`${spec.key}BinaryProperty`, itemIndex, spec.defaultBinaryProperty) as string;
	return { ...input, source: 'binary', propertyName: String(propertyName ?? '') };
}

// ---------------------------------------------------------------- result delivery

export type ResultDelivery = 'binary' | 'url' | 'none';

export function deliveryParameter(): INodeProperties {
	return {
		displayName: 'Result',
		name: 'result',
		type: 'options',
		options: [
			{ name: 'Export and Return the Video File', value: 'binary', description: 'Render the MP4 and output it as binary data' },
			{ name: 'Export and Return the Video URL', value: 'url', description: 'Render the MP4 and output its download URL only' },
			{ name: "Don't Export (Keep Editing)", value: 'none', description: 'Output the session ID to chain more edits, then export later with Nemo Export' },
		],
		default: 'binary',
		description: 'What to do once the edit is done',
	};
}

export function readDelivery(context: IExecuteFunctions, itemIndex: number): ResultDelivery {
	return context.getNodeParameter('result', itemIndex, 'binary') as ResultDelivery;
}

// ---------------------------------------------------------------- options

export const DEFAULT_ITEMS_AT_ONCE = 5;

export interface CommonOptions {
	itemsAtOnce: number;
	timeoutMinutes: number;
	binaryPropertyOutput: string;
	fileName?: string;
	/** "Video URL" output when the service gave no public URL: say so, or download the file. */
	ifNoPublicUrl: 'note' | 'download';
}

type OptionName = keyof CommonOptions;

const OPTION_DESCRIPTIONS: Record<OptionName, INodeProperties> = {
	itemsAtOnce: {
		displayName: 'Items at Once',
		name: 'itemsAtOnce',
		type: 'number',
		// 200: a batch of long jobs mostly waits (BENCHMARKS.md: 200 in flight); the rate limiter keeps edits within the token's limit
		typeOptions: { minValue: 1, maxValue: 200 },
		default: DEFAULT_ITEMS_AT_ONCE,
		description: 'How many input items are processed at the same time. Output keeps the input order. Edits beyond what NemoVideo allows at once wait their turn.',
	},
	timeoutMinutes: {
		displayName: 'Export Timeout (Minutes)',
		name: 'timeoutMinutes',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 20,
		description: 'How long to wait for the export to finish before giving up (the render may still finish later)',
	},
	binaryPropertyOutput: {
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyOutput',
		type: 'string',
		default: 'data',
		description: 'Name of the binary property the MP4 is written to',
	},
	ifNoPublicUrl: {
		displayName: 'If No Public URL',
		name: 'ifNoPublicUrl',
		type: 'options',
		options: [
			{ name: 'Say So in the Output', value: 'note', description: 'Output downloadUrl (it needs the Nemo API token) and a note, no videoUrl' },
			{ name: 'Download the File', value: 'download', description: 'Download the MP4 and output it as binary data instead' },
		],
		default: 'note',
		description: 'For a video URL result: what to do when NemoVideo gives no public URL for the video, only its token-protected download address',
	},
	fileName: {
		displayName: 'Output File Name',
		name: 'fileName',
		type: 'string',
		default: '',
		placeholder: 'result.mp4',
		description: 'File name of the MP4. Default: nemo-&lt;session ID&gt;.mp4, or nemo-&lt;render ID&gt;.mp4 when the session is not known (Get Status on a render ID alone).',
	},
};

export function optionsParameter(names: OptionName[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...names].sort().map((name) => OPTION_DESCRIPTIONS[name]),
	};
}

export function readOptions(context: IExecuteFunctions, itemIndex: number): CommonOptions {
	const options = context.getNodeParameter('options', itemIndex, {}) as Partial<CommonOptions>;
	return {
		itemsAtOnce: Number(options.itemsAtOnce) || DEFAULT_ITEMS_AT_ONCE,
		timeoutMinutes: Number(options.timeoutMinutes) || 20,
		binaryPropertyOutput: (options.binaryPropertyOutput ?? '').trim() || 'data',
		fileName: options.fileName?.trim() || undefined,
		ifNoPublicUrl: options.ifNoPublicUrl === 'download' ? 'download' : 'note',
	};
}

/** Items at once is a node-wide setting: read from the first item. */
export function readItemsAtOnce(context: IExecuteFunctions): number {
	if (context.getInputData().length === 0) return 1;
	return readOptions(context, 0).itemsAtOnce;
}
