// @ts-check
/**
 * What the service accepts: file extensions by media type, and a sniff of the
 * first bytes that refuses files which are clearly not media (a PDF or a ZIP
 * renamed to .mp4). Unknown content is accepted, so unit tests can upload small
 * fake byte files.
 */
const path = require('node:path');

/** @type {Record<'video' | 'image' | 'audio', string[]>} */
const ACCEPTED = Object.freeze({
	video: ['mp4', 'mov', 'avi', 'webm', 'mkv'],
	image: ['jpg', 'jpeg', 'png', 'gif', 'webp'],
	audio: ['mp3', 'wav', 'm4a', 'aac'],
});

const ACCEPTED_TEXT = `video: ${ACCEPTED.video.join(', ')}; image: ${ACCEPTED.image.join(', ')}; audio: ${ACCEPTED.audio.join(', ')}`;

/** Extension by Content-Type, for URL uploads whose path has no extension. */
/** @type {Record<string, string>} */
const EXT_BY_MIME = {
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
	'audio/mp4': 'm4a',
	'audio/x-m4a': 'm4a',
	'audio/aac': 'aac',
};

/** @param {string} filename */
function extensionOf(filename) {
	return path.extname(filename).slice(1).toLowerCase();
}

/**
 * @param {string} filename
 * @returns {'video' | 'image' | 'audio' | null}
 */
function fileTypeOf(filename) {
	const ext = extensionOf(filename);
	for (const type of /** @type {const} */ (['video', 'image', 'audio'])) {
		if (ACCEPTED[type].includes(ext)) return type;
	}
	return null;
}

/** Bytes needed to sniff. */
const SNIFF_BYTES = 16;

/**
 * The kind of a known non-media file, or null.
 * @param {Buffer} head the first bytes (up to SNIFF_BYTES)
 * @returns {string | null}
 */
function sniffNonMedia(head) {
	const ascii = head.toString('latin1');
	if (ascii.startsWith('%PDF')) return 'a PDF document';
	if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'a ZIP archive';
	if (ascii.startsWith('MZ')) return 'a Windows executable';
	if (head[0] === 0x7f && ascii.slice(1, 4) === 'ELF') return 'an ELF executable';
	if (ascii.startsWith('#!')) return 'a script';
	const text = ascii.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
	if (text.startsWith('<html') || text.startsWith('<!doctype')) return 'an HTML page';
	return null;
}

module.exports = { ACCEPTED, ACCEPTED_TEXT, EXT_BY_MIME, extensionOf, fileTypeOf, SNIFF_BYTES, sniffNonMedia };
