/**
 * The editing agent talks as if the user sat in front of NemoVideo's app ("click Export",
 * "open the panel", "drag the clip", "请点击右上角的导出按钮"). An n8n user has no such app. The API
 * doc asks clients to translate, never to pass such words on: each sentence with a GUI verb is
 * replaced, whole, by one sentence of what to do in n8n, worded for the node's Result setting
 * (a node that has just exported must not say "run Nemo Export"). Patching words inside a
 * sentence garbled it ("Describe the change in a Nemo Edit instruction track in the timeline").
 */

export interface GuiWording {
	/** The node exports the video itself (its Result is the file or the URL). */
	exported: boolean;
}

type Instruction = 'export' | 'save' | 'preview' | 'open' | 'edit';

/** Sentences that are GUI instructions, by what they ask for; the first kind that matches wins. */
const INSTRUCTIONS: Array<[Instruction, RegExp[]]> = [
	[
		'export',
		[
			/\b(click|clicking|tap|tapping|press|pressing|hit|hitting|select|selecting|choose|choosing|use|using)\b[^.!?]*\b(export|download)\b/i,
			/(点击|单击|点|按|选择|使用)[^。！？]*(导出|下载)/,
			/导出按钮|下载按钮/,
		],
	],
	['save', [/\b(click|tap|press|hit|select|choose)\b[^.!?]*\bsave\b/i, /\b(ctrl|cmd|command)\s*\+\s*s\b/i, /(点击|单击|点|按|选择)[^。！？]*保存/]],
	['preview', [/^\s*preview\b/i, /\b(preview|play|watch)\b[^.!?]*\b(timeline|player|preview|result)\b/i, /预览/]],
	[
		'open',
		[
			/\b(open|check|go to|switch to|see|look at|view)\b[^.!?]*\b(panel|tab|sidebar|menu|window|library|inspector)\b/i,
			/(打开|查看|切换到)[^。！？]*(面板|标签|侧边栏|菜单|窗口|时间线)/,
		],
	],
	[
		'edit',
		[
			/\b(drag|dragging|drop|double-click|right-click|resize|slider)\b/i,
			/\b(click|tap|press)\b[^.!?]*\bbutton\b/i,
			/\b(click|tap)\b/i,
			/(拖拽|拖动|双击|单击|右键|点击)/,
		],
	],
];

function wordingFor(instruction: Instruction, { exported }: GuiWording): string {
	switch (instruction) {
		case 'export':
			return exported ? "The exported video is in this node's output." : "To get the video, run Nemo Export on this session, or set this node's Result to export it.";
		case 'save':
			return 'Nothing needs saving: the edit is already in the session.';
		case 'preview':
			return exported
				? "The exported video is in this node's output; its timeline field summarises the tracks."
				: "The timeline field of this node's output summarises the tracks; export the session to watch it.";
		case 'open':
			return "The timeline is in this node's output (the timeline field).";
		case 'edit':
			return 'To change it further, describe the change in a Nemo Edit instruction.';
	}
}

/** Sentence ends: . ! ? before a space, Chinese 。！？, and line breaks (a decimal point is not one). */
const SENTENCE_END = /(?<=[.!?])(?=\s)|(?<=[。！？\n])/;

export function translateGuiText(text: string, wording: GuiWording = { exported: false }): string {
	let out = '';
	let lastReplacement: string | undefined;
	for (const piece of text.split(SENTENCE_END)) {
		const [, leading, sentence, trailing] = /^(\s*)([\s\S]*?)(\s*)$/.exec(piece) as RegExpExecArray;
		const instruction = sentence ? INSTRUCTIONS.find(([, patterns]) => patterns.some((pattern) => pattern.test(sentence)))?.[0] : undefined;
		if (!instruction) {
			out += piece;
			if (sentence) lastReplacement = undefined;
			continue;
		}
		const replacement = wordingFor(instruction, wording);
		// Two GUI sentences in a row that ask for the same thing say it once.
		if (replacement === lastReplacement) continue;
		out += `${leading}${replacement}${trailing}`;
		lastReplacement = replacement;
	}
	return out;
}
