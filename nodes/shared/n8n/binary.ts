import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { type FileToUpload, type RenderDownload, UPLOAD_CHUNK_BYTES, checkFile, inputError } from '../client';

/**
 * n8n binary data in and out, without holding a video in memory: input is streamed from n8n's
 * binary store when the binary has an id (filesystem / S3 modes), and output is handed to
 * prepareBinaryData as a stream (n8n writes it to its store as it arrives).
 */

/** The n8n binary property `propertyName` of an item, as a file the client can stream. */
export async function fileFromBinaryProperty(
	context: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
	field: string,
	what: { label: string; purpose: string },
): Promise<FileToUpload> {
	const name = propertyName.trim();
	const label = `${what.label} (binary property "${name}")`;
	if (!name) throw inputError(`The name of the binary property ${what.purpose} is empty.`, field, 'Enter the name of the binary property that holds the file, e.g. "data".');
	const binary = context.getInputData()[itemIndex]?.binary?.[name];
	if (!binary) {
		const available = Object.keys(context.getInputData()[itemIndex]?.binary ?? {});
		throw inputError(
			`The input item has no binary property "${name}" ${what.purpose}.`,
			field,
			available.length
				? `This item's binary properties are: ${available.map((key) => `"${key}"`).join(', ')}. Enter one of them, or bring the other file into this item: read it into its own binary property (e.g. Put Output File in Field "${name}") and join the two with a Merge node (Combine, By Position); or choose the URL input instead.`
				: 'This item has no binary data at all: add a node before this one that reads or downloads the file, or choose the URL input instead.',
		);
	}
	const fileName = binary.fileName ?? `${name}.${binary.fileExtension ?? 'bin'}`;
	let file: FileToUpload;
	if (binary.id) {
		const id = binary.id;
		const metadata = await context.helpers.getBinaryMetadata(id);
		file = {
			fileName: metadata.fileName ?? fileName,
			mimeType: metadata.mimeType ?? binary.mimeType,
			size: metadata.fileSize,
			label,
			field,
			open: () => context.helpers.getBinaryStream(id, UPLOAD_CHUNK_BYTES),
		};
	} else {
		// Default binary mode: n8n already holds the file in the item, base64-encoded.
		file = {
			fileName,
			mimeType: binary.mimeType,
			size: base64Length(binary.data),
			label,
			field,
			open: () => decodeInChunks(binary.data),
		};
	}
	// Type, size and content are checked now, before the caller creates a session or sends a byte.
	await checkFile(file);
	return file;
}

/** Decodes base64 a slice at a time (a multiple of 4 characters), so reading never holds a second, decoded copy of the file. */
async function* decodeInChunks(data: string, chars = 256 * 1024): AsyncGenerator<Buffer> {
	// Slices must keep 4-character alignment: with whitespace in the text they would not.
	if (/\s/.test(data)) {
		yield Buffer.from(data, 'base64');
		return;
	}
	for (let start = 0; start < data.length; start += chars) yield Buffer.from(data.slice(start, start + chars), 'base64');
}

/** The finished video as n8n binary data, streamed into n8n's binary store. */
export async function binaryFromDownload(context: IExecuteFunctions, download: RenderDownload, fileName: string): Promise<IBinaryData> {
	// The body is the stream n8n's helper answered with: n8n's store reads it as it arrives.
	const binary = await context.helpers.prepareBinaryData(download.body as Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0], fileName, download.contentType || 'video/mp4');
	binary.fileName = fileName;
	return binary;
}

function base64Length(data: string): number {
	const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
	return Math.floor((data.length * 3) / 4) - padding;
}
