/**
 * The editing agent's GUI talk ("click Export", "drag the clip", "请点击导出按钮") turned into what
 * to do in n8n: each sentence with a GUI verb is replaced by one sentence, worded for the node's
 * Result setting (point 9 of issue 12). The phrasings: the seeds' table (click / 点击, open / 打开,
 * drag/drop / 拖拽, preview in timeline, Export button / 导出) and more.
 */
import { translateGuiText } from '../../nodes/shared/client/gui-text';

const EXPORTED = "The exported video is in this node's output.";
const TO_EXPORT = "To get the video, run Nemo Export on this session, or set this node's Result to export it.";
const SAVED = 'Nothing needs saving: the edit is already in the session.';
const TIMELINE = "The timeline is in this node's output (the timeline field).";
const PREVIEW_EXPORTED = "The exported video is in this node's output; its timeline field summarises the tracks.";
const PREVIEW = "The timeline field of this node's output summarises the tracks; export the session to watch it.";
const EDIT = 'To change it further, describe the change in a Nemo Edit instruction.';

type Kind = 'export' | 'save' | 'open' | 'preview' | 'edit';
const wording = (kind: Kind, exported: boolean) =>
	({ export: exported ? EXPORTED : TO_EXPORT, save: SAVED, open: TIMELINE, preview: exported ? PREVIEW_EXPORTED : PREVIEW, edit: EDIT })[kind];

/** [what the agent says, which instruction it is] */
const PHRASINGS: Array<[string, Kind]> = [
	['Click Export to download your video.', 'export'],
	['Click the "Export" button.', 'export'],
	['Tap Download to save the MP4.', 'export'],
	['Press the export button in the top right corner.', 'export'],
	['Select Export from the File menu.', 'export'],
	['You can download the video by clicking Export.', 'export'],
	['Hit "Download" when you are happy with it!', 'export'],
	['Choose File > Export > MP4 to render it.', 'export'],
	['Use the Export option to get your final video.', 'export'],
	['请点击右上角的导出按钮。', 'export'],
	['点击导出即可下载视频。', 'export'],
	['完成后，点击“导出”按钮下载。', 'export'],
	['Please click Save.', 'save'],
	['Press Ctrl+S to save your project.', 'save'],
	['请点击保存。', 'save'],
	['Open the timeline panel to check.', 'open'],
	['Check the Audio tab to see the new track.', 'open'],
	['Go to the Media Library sidebar to find your clip.', 'open'],
	['打开时间线面板查看。', 'open'],
	['You can see the changes in the properties window.', 'open'],
	['Preview it in the timeline.', 'preview'],
	['Play the preview to see the result.', 'preview'],
	['Watch it in the player before exporting.', 'preview'],
	['在时间线中预览效果。', 'preview'],
	['Drag the audio track in the timeline to adjust it.', 'edit'],
	['Drag and drop the clip onto the timeline.', 'edit'],
	['Drop your logo onto the canvas.', 'edit'],
	['Resize the text box by dragging its corners.', 'edit'],
	['Move the slider to change the volume.', 'edit'],
	['Double-click the title to edit it.', 'edit'],
	['Right-click the clip and choose Split.', 'edit'],
	['Click the "Add Music" button to pick a track.', 'edit'],
	['拖拽音频轨道来调整位置。', 'edit'],
	['双击字幕进行编辑。', 'edit'],
	['您可以拖动滑块调整音量。', 'edit'],
];

describe('GUI talk becomes what to do in n8n', () => {
	it(`has at least 30 phrasings, English and Chinese (${PHRASINGS.length})`, () => {
		expect(PHRASINGS.length).toBeGreaterThanOrEqual(30);
		expect(PHRASINGS.filter(([text]) => /[\u4e00-\u9fff]/.test(text)).length).toBeGreaterThanOrEqual(8);
	});

	describe.each([
		['the node exported (Result: export)', true],
		['the node did not export (Result: keep editing)', false],
	])('when %s', (_name, exported) => {
		it.each(PHRASINGS)('"%s" → %s', (text, kind) => {
			expect(translateGuiText(`The face is swapped. ${text}`, { exported })).toBe(`The face is swapped. ${wording(kind, exported)}`);
		});
	});

	it('never tells to run Nemo Export when this node just exported', () => {
		for (const [text] of PHRASINGS) expect(translateGuiText(text, { exported: true })).not.toMatch(/Nemo Export/);
	});

	it('whole sentences are replaced, one sentence each; two alike in a row become one', () => {
		expect(translateGuiText('Done! Click Export. Then click Download to save it.', { exported: false })).toBe(`Done! ${TO_EXPORT}`);
		expect(translateGuiText('Added the title "Summer" (0-3 s). Drag it to move it.\nThe video is 12.5 s long.', { exported: false })).toBe(
			`Added the title "Summer" (0-3 s). ${EDIT}\nThe video is 12.5 s long.`,
		);
	});

	it('text without GUI talk is left as it is', () => {
		for (const text of ['Nothing to translate.', 'I exported the audio levels to match the voice-over.', 'The clip was saved at 1.5x speed.', '已将背景音乐音量调整为 35%。', 'The title opens the video.']) {
			expect(translateGuiText(text, { exported: false })).toBe(text);
		}
	});
});
