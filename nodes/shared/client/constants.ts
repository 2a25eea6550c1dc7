/**
 * Facts about the NemoVideo API that more than one module needs, in one place.
 * Source: ../shared/nemo-api.md (the API as documented by NemoVideo's product documents).
 */

export const DEFAULT_BASE_URL = 'https://mega-api-prod.nemovideo.ai';

/** The uploader refuses anything larger before a byte is sent (the service answers 4002). */
export const MAX_UPLOAD_BYTES = 500 * 1024 * 1024;

export type MediaKind = 'video' | 'image' | 'audio';

/** Accepted file extensions, by the kind of media the service treats them as. */
export const ACCEPTED_EXTENSIONS: Readonly<Record<string, MediaKind>> = {
	mp4: 'video',
	mov: 'video',
	avi: 'video',
	webm: 'video',
	mkv: 'video',
	jpg: 'image',
	jpeg: 'image',
	png: 'image',
	gif: 'image',
	webp: 'image',
	mp3: 'audio',
	wav: 'audio',
	m4a: 'audio',
	aac: 'audio',
};

export const ACCEPTED_TYPES_TEXT =
	'video (mp4, mov, avi, webm, mkv), image (jpg, png, gif, webp) or audio (mp3, wav, m4a, aac)';

/** The app and path segments every session-scoped endpoint uses. */
export const APP_NAME = 'nemo_agent';

/** Where an anonymous (free trial) user registers to keep their work; `bind` links the trial. */
export const REGISTRATION_URL = 'https://nemovideo.com/register';

/** NemoVideo's web app opens a session's work at `<this>/<task id>?session=<session id>` (the user logs in there). */
export const WEB_APP_TASK_URL = 'https://nemovideo.com/workspace/task';
