import { ACCEPTED_EXTENSIONS, ACCEPTED_TYPES_TEXT, MAX_UPLOAD_BYTES, type MediaKind } from './constants';
import { inputError } from './errors';

/**
 * Checks a file before any byte of it is sent: its type (by name and by content) and its size.
 * The service would refuse it anyway (4001, 4002), but only after we streamed up to 500 MB.
 */

/** Bytes to read once, in chunks: a Node readable stream or any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

export interface FileToUpload {
	fileName: string;
	mimeType?: string;
	/** Bytes, when known (n8n binary metadata, a file's stat). */
	size?: number;
	/** Opens the content (n8n's binary stream, or chunks); called once per attempt, so a retry can read it again. */
	open: () => ByteSource | Promise<ByteSource>;
	/** Words that name this file for the user, e.g. `binary property "video"`. */
	label: string;
	/** The parameter the file came from, for errors. */
	field: string;
}

const MIME_EXTENSIONS: Readonly<Record<string, string>> = {
	'video/mp4': 'mp4',
	'video/quicktime': 'mov',
	'video/x-msvideo': 'avi',
	'video/webm': 'webm',
	'video/x-matroska': 'mkv',
	'image/jpeg': 'jpg',
	'image/png': 'png',
	'image/gif': 'gif',
	'image/webp': 'webp',
	'audio/mpeg': 'mp3',
	'audio/wav': 'wav',
	'audio/x-wav': 'wav',
	'audio/wave': 'wav',
	'audio/mp4': 'm4a',
	'audio/x-m4a': 'm4a',
	'audio/aac': 'aac',
};

export function extensionOf(fileName: string, mimeType?: string): string | undefined {
	const match = /\.([A-Za-z0-9]+)$/.exec(fileName);
	if (match) return match[1].toLowerCase();
	return mimeType ? MIME_EXTENSIONS[mimeType.toLowerCase().split(';')[0].trim()] : undefined;
}

/** Name, type and size checks; returns the media kind the service will treat the file as. */
export function checkFileBeforeUpload(file: FileToUpload): MediaKind {
	const extension = extensionOf(file.fileName, file.mimeType);
	const kind = extension ? ACCEPTED_EXTENSIONS[extension] : undefined;
	if (!kind) {
		throw inputError(
			`${file.label} ("${file.fileName}") is not a type NemoVideo accepts${extension ? ` (.${extension})` : ''}.`,
			file.field,
			`Accepted: ${ACCEPTED_TYPES_TEXT}.`,
		);
	}
	if (file.size === 0) {
		throw inputError(`${file.label} ("${file.fileName}") is empty (0 bytes).`, file.field, 'Check the node that produced this file.');
	}
	if (file.size !== undefined && file.size > MAX_UPLOAD_BYTES) {
		throw inputError(
			`${file.label} ("${file.fileName}") is ${formatBytes(file.size)}, over NemoVideo's 500 MB limit. Nothing was uploaded.`,
			file.field,
			'Compress or trim the video (lower bitrate, shorter clip) and try again.',
		);
	}
	return kind;
}

/** What the first bytes of a file say it is. */
export interface SniffedContent {
	/** The media kinds this content can be (an MP4 container holds video or audio only). */
	kinds: Array<MediaKind | 'other'>;
	what: string;
	/** The MIME type of a video container, when that is what it is. */
	videoMimeType?: string;
}

export function sniffContent(head: Buffer): SniffedContent | undefined {
	const ascii = head.subarray(0, 16).toString('latin1');
	if (head.length >= 12 && ascii.slice(4, 8) === 'ftyp') {
		const brand = ascii.slice(8, 12);
		return { kinds: ['video', 'audio'], what: 'an MP4/MOV/M4A media file', videoMimeType: brand === 'qt  ' ? 'video/quicktime' : 'video/mp4' };
	}
	if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'AVI ') return { kinds: ['video'], what: 'an AVI video', videoMimeType: 'video/x-msvideo' };
	if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WAVE') return { kinds: ['audio'], what: 'a WAV audio file' };
	if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return { kinds: ['image'], what: 'a WebP image' };
	if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return { kinds: ['video'], what: 'a WebM/MKV video', videoMimeType: 'video/webm' };
	if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { kinds: ['image'], what: 'a JPEG image' };
	if (ascii.startsWith('\x89PNG')) return { kinds: ['image'], what: 'a PNG image' };
	if (ascii.startsWith('GIF8')) return { kinds: ['image'], what: 'a GIF image' };
	if (ascii.startsWith('ID3')) return { kinds: ['audio'], what: 'an MP3 audio file' };
	if (ascii.startsWith('%PDF')) return { kinds: ['other'], what: 'a PDF document' };
	if (ascii.startsWith('PK\x03\x04')) return { kinds: ['other'], what: 'a ZIP archive (or an Office document)' };
	if (ascii.startsWith('MZ')) return { kinds: ['other'], what: 'a Windows program' };
	if (ascii.startsWith('\x7fELF')) return { kinds: ['other'], what: 'a Linux program' };
	if (ascii.startsWith('#!')) return { kinds: ['other'], what: 'a script' };
	if (/^\s*<(!doctype|html|\?xml)/i.test(ascii)) return { kinds: ['other'], what: 'a web page or XML document' };
	return undefined;
}

/**
 * Reads the first bytes of `source` to check its content against its name, and returns chunks
 * that still hold every byte. Unknown content passes (the service has the last word); content
 * that is clearly not media, or media of another kind, is refused.
 */
export async function checkContent(source: ByteSource, file: FileToUpload, expected: MediaKind): Promise<PeekedBytes> {
	const peeked = await peek(source, 16);
	const { head } = peeked;
	if (head.length === 0) {
		await peeked.close();
		throw inputError(`${file.label} ("${file.fileName}") is empty (0 bytes).`, file.field, 'Check the node that produced this file.');
	}
	const found = sniffContent(head);
	if (found && !found.kinds.includes(expected)) {
		await peeked.close();
		throw inputError(
			`${file.label} ("${file.fileName}") is named as ${article(expected)} file, but its content is ${found.what}.`,
			file.field,
			`Accepted: ${ACCEPTED_TYPES_TEXT}. Check that the binary property holds the file you meant.`,
		);
	}
	return peeked;
}

export interface PeekedBytes {
	/** The first bytes (fewer when the source is shorter). */
	head: Buffer;
	/** Every byte of the source, the head first; to be read once. */
	rest: AsyncIterable<Buffer>;
	/** Stops reading the source (closes n8n's file stream). */
	close(): Promise<void>;
}

/** The first `bytes` of a source, and all of it (the head put back in front). */
export async function peek(source: ByteSource, bytes: number): Promise<PeekedBytes> {
	const iterator = source[Symbol.asyncIterator]();
	const taken: Buffer[] = [];
	let length = 0;
	let finished = false;
	while (length < bytes) {
		const next = await iterator.next();
		if (next.done) {
			finished = true;
			break;
		}
		const chunk = asBuffer(next.value);
		taken.push(chunk);
		length += chunk.length;
	}
	const head = Buffer.concat(taken);
	const close = async () => {
		if (!finished) await iterator.return?.();
	};
	async function* everything(): AsyncGenerator<Buffer> {
		try {
			if (head.length > 0) yield head;
			while (!finished) {
				const next = await iterator.next();
				if (next.done) finished = true;
				else yield asBuffer(next.value);
			}
		} finally {
			await close();
		}
	}
	return { head, rest: everything(), close };
}

function asBuffer(chunk: Uint8Array | string): Buffer {
	return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Refuses a file, by the kind its name and content say, for an input that cannot work with that
 * kind (a video as the face photo): before anything is uploaded or charged.
 */
export function checkFileKind(file: FileToUpload, accepts: MediaKind[]): void {
	const kind = checkFileBeforeUpload(file);
	if (accepts.includes(kind)) return;
	throw inputError(`${file.label} ("${file.fileName}") is ${article(kind)}${kind === 'audio' ? ' file' : ''}; it must be ${acceptedKinds(accepts)}.`, file.field, `Accepted here: ${acceptedKinds(accepts, true)}. Check that the binary property holds the file you meant.`);
}

/** What an input accepts, in words: "an image", "an audio file or a video with sound"; with the extensions too when `detailed`. */
export function acceptedKinds(accepts: MediaKind[], detailed = false): string {
	const words: Record<MediaKind, [string, string]> = {
		video: [accepts.includes('audio') ? 'a video with sound' : 'a video', 'mp4, mov, avi, webm, mkv'],
		image: ['an image', 'jpg, png, gif, webp'],
		audio: ['an audio file', 'mp3, wav, m4a, aac'],
	};
	// Audio first: where a video serves too, it is for its sound.
	const ordered = [...accepts].sort((a, b) => (a === 'audio' ? -1 : b === 'audio' ? 1 : 0));
	return ordered.map((kind) => (detailed ? `${words[kind][0]} (${words[kind][1]})` : words[kind][0])).join(' or ');
}

function article(kind: MediaKind): string {
	return kind === 'image' ? 'an image' : kind === 'audio' ? 'an audio' : 'a video';
}

export function formatBytes(bytes: number): string {
	if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
	if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
	return `${bytes} bytes`;
}
