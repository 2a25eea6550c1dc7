import { asArray, asNumber, asRecord, asString, firstDefined, type JsonRecord } from './values';

/**
 * The session's draft, decoded from its short keys into a typed timeline, and the one-line human
 * summary the API doc describes:
 *   Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) 3. Title: "Urban Dreams" (0-3s)
 * Short keys: t tracks, tt track type (0 video, 1 audio, 7 text), sg segments, d duration (ms), m metadata.
 */

export type TrackType = 'video' | 'audio' | 'text' | 'other';

export interface TimelineSegment {
	id?: string;
	startMs: number;
	durationMs: number;
	/** A file name, a text, or what the metadata calls it. */
	name?: string;
	text?: string;
	/** Percent; 100 is unchanged, 0 muted. */
	volume?: number;
	url?: string;
	/** The reference photo a face swap used, when the segment has one. */
	faceSwapReference?: string;
	/** Loop or trim, for audio fitted to the video. */
	fit?: string;
	role?: string;
}

export interface TimelineTrack {
	type: TrackType;
	typeCode: number | undefined;
	segments: TimelineSegment[];
	/** The track as the draft has it, every property included (most are not in the summary). */
	raw: JsonRecord;
}

export interface Timeline {
	tracks: TimelineTrack[];
	durationMs: number;
	/** Ready for export: at least one track with a segment. */
	ready: boolean;
	summary: string;
}

const TRACK_TYPES: Readonly<Record<number, TrackType>> = { 0: 'video', 1: 'audio', 7: 'text' };

export function decodeDraft(draft: unknown): Timeline {
	const tracks = asArray(asRecord(draft).t).map((raw): TimelineTrack => {
		const track = asRecord(raw);
		const typeCode = asNumber(track.tt);
		let cursor = 0;
		const segments = asArray(track.sg).map((rawSegment) => {
			const segment = decodeSegment(asRecord(rawSegment), cursor);
			cursor = segment.startMs + segment.durationMs;
			return segment;
		});
		return { type: (typeCode !== undefined && TRACK_TYPES[typeCode]) || 'other', typeCode, segments, raw: track };
	});
	const durationMs = Math.max(0, ...tracks.flatMap((track) => track.segments.map((s) => s.startMs + s.durationMs)));
	const timeline = { tracks, durationMs, ready: tracks.some((track) => track.segments.length > 0), summary: '' };
	timeline.summary = summarizeTimeline(timeline);
	return timeline;
}

function decodeSegment(segment: JsonRecord, defaultStart: number): TimelineSegment {
	const meta = asRecord(segment.m);
	const faceSwap = asRecord(meta.faceSwap ?? meta.face_swap);
	return {
		id: asString(segment.id),
		startMs: firstDefined(asNumber(segment.st), asNumber(segment.s), asNumber(segment.start), asNumber(meta.start)) ?? defaultStart,
		durationMs: firstDefined(asNumber(segment.d), asNumber(meta.d), asNumber(meta.duration)) ?? 0,
		name: firstDefined(asString(meta.name), asString(meta.title), asString(meta.file), asString(segment.name)),
		text: firstDefined(asString(meta.text), asString(meta.content)),
		volume: firstDefined(asNumber(meta.volume), asNumber(meta.v)),
		url: firstDefined(asString(meta.url), asString(meta.src)),
		faceSwapReference: firstDefined(asString(faceSwap.reference), asString(faceSwap.name)),
		fit: asString(meta.fit),
		role: asString(meta.role),
	};
}

export function summarizeTimeline(timeline: Pick<Timeline, 'tracks'>): string {
	const count = timeline.tracks.length;
	if (count === 0) return 'Timeline (0 tracks): empty';
	const parts = timeline.tracks.map((track, index) => `${index + 1}. ${describeTrack(track)}`);
	return `Timeline (${count} track${count === 1 ? '' : 's'}): ${parts.join(' ')}`;
}

/** One track in words, e.g. `BGM: Lo-fi (0-10s, 35%)`. */
export function describeTrack(track: TimelineTrack): string {
	const label = trackLabel(track);
	if (track.segments.length === 0) return `${label}: empty`;
	return `${label}: ${track.segments.map(describeSegment(track)).join(', ')}`;
}

function trackLabel(track: TimelineTrack): string {
	switch (track.type) {
		case 'video':
			return 'Video';
		case 'audio':
			return track.segments.some((segment) => segment.role === 'bgm') ? 'BGM' : 'Audio';
		case 'text':
			return 'Title';
		default:
			return `Track type ${track.typeCode ?? '?'}`;
	}
}

const describeSegment = (track: TimelineTrack) => (segment: TimelineSegment): string => {
	const name = track.type === 'text' ? `"${segment.text ?? segment.name ?? ''}"` : segment.name ?? 'untitled';
	const details = [`${seconds(segment.startMs)}-${seconds(segment.startMs + segment.durationMs)}s`];
	if (segment.volume !== undefined && segment.volume !== 100) details.push(segment.volume === 0 ? 'muted' : `${segment.volume}%`);
	if (segment.fit === 'loop') details.push('looped');
	if (segment.faceSwapReference) details.push(`face swapped with ${segment.faceSwapReference}`);
	return `${name} (${details.join(', ')})`;
};

function seconds(ms: number): string {
	const value = ms / 1000;
	return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * What changed between two timelines, in words: used when an edit closes without any text,
 * so the user still learns what the edit did.
 */
export function describeChanges(before: Timeline, after: Timeline): string[] {
	const changes: string[] = [];
	const longest = Math.max(before.tracks.length, after.tracks.length);
	for (let index = 0; index < longest; index++) {
		const old = before.tracks[index];
		const now = after.tracks[index];
		if (!old && now) changes.push(`added track ${index + 1}. ${describeTrack(now)}`);
		else if (old && !now) changes.push(`removed track ${index + 1}. ${describeTrack(old)}`);
		else if (old && now && describeTrack(old) !== describeTrack(now)) {
			changes.push(`changed track ${index + 1}: ${describeTrack(old)} → ${describeTrack(now)}`);
		} else if (old && now) {
			// The same in words, but the draft differs: a property the summary does not show (a text's size, a font).
			const properties = changedProperties(old.raw, now.raw);
			if (properties.length > 0) changes.push(`changed track ${index + 1}. ${describeTrack(now)}: ${properties.join(', ')} (not shown in the summary)`);
		}
	}
	return changes;
}

/** Short draft keys in words, for the properties a change names. */
const PROPERTY_NAMES: Readonly<Record<string, string>> = { st: 'start', s: 'start', d: 'duration', tt: 'track type', sg: 'segments', v: 'volume' };

/** The names of the leaf properties that differ between two parts of a draft (e.g. ["size"]). */
function changedProperties(before: unknown, after: unknown, key = ''): string[] {
	if (JSON.stringify(before) === JSON.stringify(after)) return [];
	const isObject = (value: unknown) => typeof value === 'object' && value !== null;
	if (!isObject(before) || !isObject(after)) return key ? [PROPERTY_NAMES[key] ?? key] : ['contents'];
	const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
	const names = new Set<string>();
	for (const child of keys) {
		const childKey = Array.isArray(before) && Array.isArray(after) ? key : child;
		for (const name of changedProperties((before as JsonRecord)[child], (after as JsonRecord)[child], childKey)) names.add(name);
	}
	return [...names];
}
