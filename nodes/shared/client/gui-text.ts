/**
 * The editing agent talks as if the user sat in front of NemoVideo's app ("click Export",
 * "open the panel", "drag the clip"). An n8n user has no such app: these phrases are turned
 * into what to do in a workflow. The API doc asks clients to translate, never to pass them on.
 */

const TRANSLATIONS: Array<[RegExp, string]> = [
	[/\b(click|tap|press|hit)\s+(on\s+)?(the\s+)?["'“]?(export|download)["'”]?(\s+button)?/gi, 'run the Nemo Export node'],
	[/(点击)?导出(按钮)?/g, 'run the Nemo Export node'],
	[/\b(open|check)\s+(the\s+)?([\w ]{0,30}?)\s*(panel|tab|sidebar|menu)\b/gi, 'read the timeline in this node\'s output'],
	[/\bpreview\s+(it\s+)?in\s+the\s+timeline\b/gi, 'see the timeline summary in this node\'s output'],
	[/\b(drag(\s+and\s+drop)?|drop)\s+(it|them|the\s+\w+)\b/gi, 'describe the change in a Nemo Edit instruction'],
	[/\b(click|tap)\s+(on\s+)?(the\s+)?["'“]?([\w ]{1,30}?)["'”]?\s+button\b/gi, 'ask for "$4" in a Nemo Edit instruction'],
];

export function translateGuiText(text: string): string {
	let result = text;
	for (const [pattern, replacement] of TRANSLATIONS) {
		result = result.replace(pattern, (match: string, ...groups: unknown[]) => {
			const offset = groups[groups.length - 2] as number;
			const words = replacement.replace(/\$(\d)/g, (_, n: string) => String(groups[Number(n) - 1] ?? ''));
			// Keep the sentence's capital when the phrase starts a sentence.
			const startsSentence = /(^|[.!?。！？]\s*)$/.test(result.slice(0, offset));
			return startsSentence ? words.charAt(0).toUpperCase() + words.slice(1) : words;
		});
	}
	return result;
}
