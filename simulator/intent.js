// @ts-check
/**
 * What a /run_sse message does, decided deterministically from its text and
 * the session (so tests can predict it), and the edit it applies to the draft.
 * The replies talk as if the user had a GUI ("click Export", "open the timeline
 * panel"), like the real backend: the client is expected to translate these.
 *
 *   "swap" + "face"        face swap: needs a video and an image
 *   "audio" + "replace"    replacement audio track: needs a video and an audio file
 *   "title"/"text" + "..." a text track with the quoted text
 *   "bigger"/"larger"      text segments size += 16
 *   "generate"             any of the above, with the longer generateDurationMs
 *   anything else          a text reply, no change
 */
const { shortId } = require('./ids');
const { videoSegments, videoEndMs } = require('./sessions');

/**
 * @typedef {object} Plan
 * @property {'faceSwap' | 'audioReplace' | 'addText' | 'biggerText' | 'chat'} kind
 * @property {boolean} edit       true when the message changes the state
 * @property {boolean} generate
 * @property {string | null} intro text sent before the tool call (edits)
 * @property {string} reply       the final text
 * @property {{ name: string, args: Record<string, any> } | null} tool
 * @property {() => Record<string, any>} apply  applies the edit, returns the tool result
 * @property {number} cost        credits charged
 */

/** @param {string} text */
function quotedText(text) {
	const m =
		/"([^"]+)"/.exec(text) ||
		/\u201c([^\u201d]+)\u201d/.exec(text) ||
		/(?:^|\s)'([^']+)'(?=$|[\s.,!?;:])/.exec(text) ||
		/\u2018([^\u2019]+)\u2019/.exec(text);
	return m ? m[1].trim() : null;
}

/**
 * Original-audio volume asked for in an audio replacement: a number, or null to leave it.
 * @param {string} text
 */
function originalVolume(text) {
	const keep = /\bkeep\b[^.]*?\boriginal\b[^.]*?(\d{1,3})\s*%/i.exec(text) || /\boriginal\b[^.]*?\bat\s+(\d{1,3})\s*%/i.exec(text);
	if (keep) return Math.min(100, Number(keep[1]));
	if (
		/\b(remove|mute|drop|silence|delete|without)\b[^.]*\boriginal\b/i.test(text) ||
		/\boriginal\b[^.]*\b(removed|muted|remove|mute|dropped|silenced)\b/i.test(text)
	) {
		return 0;
	}
	return null;
}

/**
 * @param {import('./sessions').Session} session
 * @param {'image' | 'audio'} type
 */
function lastFile(session, type) {
	for (let i = session.files.length - 1; i >= 0; i--) {
		if (session.files[i].fileType === type) return session.files[i];
	}
	return undefined;
}

/** @param {string[]} missing */
function missingText(missing) {
	return missing.length === 2 ? `${missing[0]} and ${missing[1]}` : missing[0];
}

/**
 * @param {string} text
 * @param {import('./sessions').Session} session
 * @param {import('./config').SimConfig} config
 * @returns {Plan}
 */
function planMessage(text, session, config) {
	const lower = text.toLowerCase();
	const generate = lower.includes('generate');
	const draft = session.state.draft;
	const segments = videoSegments(draft);
	const videoName = segments.length ? segments[0].m.name : '';
	/** @type {Omit<Plan, 'cost'> & { cost?: number }} */
	let plan;

	if (lower.includes('swap') && lower.includes('face')) {
		const image = lastFile(session, 'image');
		const missing = [];
		if (!segments.length) missing.push('a video');
		if (!image) missing.push('a reference photo of the face');
		if (missing.length || !image) {
			plan = chat(`To swap a face I need ${missingText(missing)} in this project. Click the Upload button to add ${missingText(missing)}, then ask me again.`);
		} else {
			plan = {
				kind: 'faceSwap',
				edit: true,
				generate,
				intro: `Sure! Swapping the face in ${videoName} with the face from ${image.filename}...`,
				reply: `Done! The face in ${videoName} now matches ${image.filename}. Open the timeline panel to preview it, then click Export to download your video.`,
				tool: { name: 'face_swap', args: { video: videoName, reference_image: image.filename } },
				apply() {
					for (const seg of videoSegments(draft)) seg.m.faceSwap = { reference: image.filename, url: image.cdnUrl };
					return { status: 'success', segments_updated: videoSegments(draft).length };
				},
				cost: config.faceSwapCredits,
			};
		}
	} else if (lower.includes('audio') && lower.includes('replace')) {
		const audio = lastFile(session, 'audio');
		const missing = [];
		if (!segments.length) missing.push('a video');
		if (!audio) missing.push('an audio file');
		if (missing.length || !audio) {
			plan = chat(`To replace the audio I need ${missingText(missing)}. Drag ${missingText(missing)} into the media panel (or click Upload), then ask again.`);
		} else {
			const fit = /\bloop/i.test(text) ? 'loop' : 'trim';
			const volume = originalVolume(text);
			const volumeText =
				volume === null ? '' : volume === 0 ? ' The original audio is muted.' : ` The original audio stays at ${volume}%.`;
			plan = {
				kind: 'audioReplace',
				edit: true,
				generate,
				intro: `Replacing the audio of ${videoName} with ${audio.filename}...`,
				reply: `Replaced the audio with ${audio.filename} (${fit === 'loop' ? 'looped' : 'trimmed'} to the video length).${volumeText} Drag the audio track in the timeline to adjust it, or click Export when you're ready.`,
				tool: { name: 'replace_audio', args: { audio: audio.filename, fit, original_volume: volume } },
				apply() {
					draft.t = draft.t.filter((t) => !(t.tt === 1 && t.sg.some((s) => s.m.role === 'replacement')));
					draft.t.push({
						id: shortId('trk'),
						tt: 1,
						sg: [
							{
								id: shortId('seg'),
								st: 0,
								d: videoEndMs(draft),
								m: { name: audio.filename, url: audio.cdnUrl, volume: 100, role: 'replacement', fit },
							},
						],
					});
					if (volume !== null) for (const seg of videoSegments(draft)) seg.m.volume = volume;
					return { status: 'success', track: 'audio', fit };
				},
			};
		}
	} else if ((lower.includes('title') || lower.includes('text')) && quotedText(text)) {
		const title = /** @type {string} */ (quotedText(text));
		plan = {
			kind: 'addText',
			edit: true,
			generate,
			intro: `Adding the title "${title}"...`,
			reply: `Added the title "${title}" at the start (0-3s). Open the text panel to change its font and color.`,
			tool: { name: 'add_text', args: { text: title, start: 0, duration: 3000 } },
			apply() {
				draft.t.push({ id: shortId('trk'), tt: 7, sg: [{ id: shortId('seg'), st: 0, d: 3000, m: { text: title, size: 48 } }] });
				return { status: 'success', track: 'text' };
			},
		};
	} else if (lower.includes('bigger') || lower.includes('larger')) {
		const texts = draft.t.filter((t) => t.tt === 7).flatMap((t) => t.sg);
		if (!texts.length) {
			plan = chat('There is no text in the timeline yet. Add a title first, e.g. add the title "My video".');
		} else {
			plan = {
				kind: 'biggerText',
				edit: true,
				generate,
				intro: 'Making the text bigger...',
				reply: `Made the text bigger (size ${texts[0].m.size + 16}). Preview in timeline to check it.`,
				tool: { name: 'update_text_style', args: { size_delta: 16 } },
				apply() {
					for (const seg of draft.t.filter((t) => t.tt === 7).flatMap((t) => t.sg)) seg.m.size = (seg.m.size || 48) + 16;
					return { status: 'success' };
				},
			};
		}
	} else if ((lower.includes('title') || lower.includes('text')) && !quotedText(text)) {
		plan = chat('What should the title say? Put the words in quotes, e.g. add the title "Summer Trip". You can also open the text panel to pick a style.');
	} else {
		plan = chat(
			segments.length
				? `I can swap a face with a reference photo, replace the audio, or add a title to ${videoName}. Tell me what to change, then click Export to download your video.`
				: 'Hi! Click Upload to add a video, then tell me what to change: swap a face, replace the audio, or add a title.',
		);
	}
	return { ...plan, generate, cost: plan.cost === undefined ? config.creditsPerMessage : plan.cost };

	/** @param {string} reply @returns {Omit<Plan, 'cost'>} */
	function chat(reply) {
		return { kind: 'chat', edit: false, generate, intro: null, reply, tool: null, apply: () => ({}) };
	}
}

module.exports = { planMessage, quotedText, originalVolume };
