/**
 * The audio-replace instruction in the words the editing agent understands. Each option maps
 * to one plain sentence, so a reader of the output's `instruction` field sees what was asked.
 */

export type OriginalAudio = 'remove' | 'keep';
export type AudioFit = 'trim' | 'loop';

export function audioReplaceInstruction(options: {
	audioName?: string;
	videoName?: string;
	original: OriginalAudio;
	volume: number;
	fit: AudioFit;
}): string {
	const audio = options.audioName ? `the uploaded audio "${options.audioName}"` : 'the uploaded audio';
	const video = options.videoName ? `the video "${options.videoName}"` : 'the video';
	const volume = Math.min(100, Math.max(1, Math.round(options.volume || 20)));
	return [
		`Replace the audio track of ${video} with ${audio}.`,
		options.original === 'remove'
			? 'Remove the original audio completely (mute it).'
			: `Keep the original audio at ${volume}% volume under the new audio.`,
		options.fit === 'loop' ? 'Loop the new audio to fill the whole video.' : 'Trim the new audio to the length of the video.',
	].join(' ');
}
