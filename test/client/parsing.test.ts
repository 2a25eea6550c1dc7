import { parseAgentEvents, TextCollector } from '../../nodes/shared/client/agent-events';
import { inferErrorCode, unwrapEnvelope } from '../../nodes/shared/client/envelope';
import { exportRefusedAdvice } from '../../nodes/shared/client/errors';
import { translateGuiText } from '../../nodes/shared/client/gui-text';
import { parseJsonKeepingBigIds, quoteLongIntegers } from '../../nodes/shared/client/json';
import { sniffContent } from '../../nodes/shared/client/media-files';
import { redactSecrets, registerSecret } from '../../nodes/shared/client/redact';
import { checkSessionId } from '../../nodes/shared/client/session-state';
import { decodeDraft, describeChanges } from '../../nodes/shared/client/timeline';

describe('lossless JSON', () => {
	it('keeps 19-digit ids exact as strings, outside strings only', () => {
		const text = '{"session_id": 7318829475610293847, "n": 12, "s": "x 7318829475610293847", "neg": -9007199254740993, "f": 1.5e300}';
		const parsed = parseJsonKeepingBigIds(text) as Record<string, unknown>;
		expect(parsed.session_id).toBe('7318829475610293847');
		expect(parsed.n).toBe(12);
		expect(parsed.s).toBe('x 7318829475610293847');
		expect(parsed.neg).toBe('-9007199254740993');
		expect(parsed.f).toBe(1.5e300);
	});
	it('leaves text without long numbers untouched', () => {
		const text = '{"a":"\\"12345678901234567\\"","b":[1,2]}';
		expect(quoteLongIntegers(text)).toBe(text);
		expect(quoteLongIntegers('[1234567890123456789]')).toBe('["1234567890123456789"]');
	});
});

describe('envelopes', () => {
	it('unwraps both forms and reports errors', () => {
		expect(unwrapEnvelope({ code: 0, message: 'ok', data: { a: 1 } })).toEqual({ ok: true, data: { a: 1 } });
		expect(unwrapEnvelope({ success: true, data: [1] })).toEqual({ ok: true, data: [1] });
		expect(unwrapEnvelope({ code: 1001, message: 'expired' })).toEqual({ ok: false, code: 1001, message: 'expired' });
		expect(unwrapEnvelope({ success: false, error: 'nope' })).toEqual({ ok: false, code: undefined, message: 'nope' });
		expect(unwrapEnvelope({ code: '2001', msg: 'no credits' })).toEqual({ ok: false, code: 2001, message: 'no credits' });
		// Render status shape 1 has no envelope and an `error` field next to `status`.
		expect(unwrapEnvelope({ status: 'failed', error: 'boom' })).toEqual({ ok: true, data: { status: 'failed', error: 'boom' } });
	});
});

describe('error codes read from the words', () => {
	it('keeps an HTTP 429 a rate limit whatever its words say, and reads the words otherwise', () => {
		expect(inferErrorCode(429, 'Rate limited: at most 10 anonymous tokens per IP. Reuse your client id; retry in 30 seconds')).toBe(429);
		expect(inferErrorCode(429, 'Too many requests, retry after (120)')).toBe(429);
		expect(inferErrorCode(429, 'error 1001 quota')).toBe(429);
		expect(inferErrorCode(400, 'missing X-Client-Id header')).toBe(400);
		expect(inferErrorCode(200, 'token expired')).toBe(1001);
		expect(inferErrorCode(500, 'failed (2001)')).toBe(2001);
	});
});

describe('agent events', () => {
	it('reads the simple form', () => {
		expect(parseAgentEvents('{"type":"text","content":"Hi"}')).toEqual([{ kind: 'text', text: 'Hi', partial: false, id: undefined }]);
		expect(parseAgentEvents('{"type":"tool_call","name":"swap","args":{"secret":1}}')).toEqual([{ kind: 'toolCall', name: 'swap', id: undefined }]);
		expect(parseAgentEvents('{"type":"heartbeat"}')).toEqual([{ kind: 'heartbeat' }]);
		expect(parseAgentEvents('')).toEqual([{ kind: 'heartbeat' }]);
	});
	it('reads the agent-framework form, errors, and garbage', () => {
		const event = JSON.stringify({
			content: { parts: [{ text: 'Done' }, { functionCall: { name: 'edit', args: {} } }, { functionResponse: { name: 'edit', response: {} } }], role: 'model' },
			author: 'nemo_agent',
			partial: false,
			id: 'e1',
		});
		expect(parseAgentEvents(event).map((e) => e.kind)).toEqual(['text', 'toolCall', 'toolResult']);
		expect(parseAgentEvents('{"error":"bad"}')).toEqual([{ kind: 'error', message: 'bad', code: undefined }]);
		expect(parseAgentEvents('{"errorCode":"E1","errorMessage":"worse"}')).toEqual([{ kind: 'error', message: 'worse', code: 'E1' }]);
		expect(parseAgentEvents('{"type":"te')).toEqual([{ kind: 'unknown', garbled: true }]);
		expect(parseAgentEvents('{"type":"mystery"}')).toEqual([{ kind: 'unknown' }]);
	});
	it('collects partial chunks and a repeated final text once', () => {
		const collector = new TextCollector();
		collector.add({ kind: 'text', text: 'Swapped ', partial: true, id: 'a' });
		collector.add({ kind: 'text', text: 'the face.', partial: true, id: 'b' });
		collector.add({ kind: 'text', text: 'Swapped the face.', partial: false, id: 'c' });
		collector.add({ kind: 'text', text: 'Swapped the face.', partial: false, id: 'c' });
		collector.add({ kind: 'text', text: 'Anything else?', partial: false });
		expect(collector.text()).toBe('Swapped the face.\nAnything else?');
	});
});

describe('GUI text translation', () => {
	it('turns app instructions into workflow ones', () => {
		// The whole table, in both wordings: test/client/gui-text.test.ts.
		expect(translateGuiText('Done! Click Export to download your video.')).toBe("Done! To get the video, run Nemo Export on this session, or set this node's Result to export it.");
		expect(translateGuiText('Swapped. Open the timeline panel to check.')).toBe("Swapped. The timeline is in this node's output (the timeline field).");
		expect(translateGuiText('You can click Export now.', { exported: true })).toBe("The exported video is in this node's output.");
		expect(translateGuiText('完成，点击导出')).toContain('Nemo Export');
		expect(translateGuiText('Nothing to translate.')).toBe('Nothing to translate.');
	});
});

describe('timeline', () => {
	const draft = {
		t: [
			{ tt: 0, sg: [{ id: 'v', st: 0, d: 10000, m: { name: 'city timelapse' } }] },
			{ tt: 1, sg: [{ st: 0, d: 10000, m: { name: 'Lo-fi', volume: 35, role: 'bgm' } }] },
			{ tt: 7, sg: [{ st: 0, d: 3000, m: { text: 'Urban Dreams' } }] },
		],
	};
	it('summarises in the documented format', () => {
		const timeline = decodeDraft(draft);
		expect(timeline.summary).toBe('Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) 3. Title: "Urban Dreams" (0-3s)');
		expect(timeline.ready).toBe(true);
		expect(timeline.durationMs).toBe(10000);
		expect(decodeDraft({ t: [] }).ready).toBe(false);
		expect(decodeDraft(undefined).summary).toBe('Timeline (0 tracks): empty');
	});
	it('describes what an edit changed', () => {
		const before = decodeDraft({ t: [draft.t[0]] });
		const after = decodeDraft({
			t: [{ tt: 0, sg: [{ st: 0, d: 10000, m: { name: 'city timelapse', volume: 0, faceSwap: { reference: 'me.jpg' } } }] }, draft.t[1]],
		});
		expect(describeChanges(before, after)).toEqual([
			'changed track 1: Video: city timelapse (0-10s) → Video: city timelapse (0-10s, muted, face swapped with me.jpg)',
			'added track 2. BGM: Lo-fi (0-10s, 35%)',
		]);
	});
});

describe('input checks', () => {
	it('knows media by content', () => {
		expect(sniffContent(Buffer.from('\x00\x00\x00\x18ftypisom', 'latin1'))?.kinds).toContain('video');
		expect(sniffContent(Buffer.from('%PDF-1.7 xxxxxxxx'))?.kinds).toEqual(['other']);
		expect(sniffContent(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))?.kinds).toEqual(['image']);
		expect(sniffContent(Buffer.from('random bytes here'))).toBeUndefined();
	});
	it('accepts session ids only as exact digit strings', () => {
		expect(checkSessionId(' 7318829475610293847 ')).toBe('7318829475610293847');
		expect(() => checkSessionId('abc')).toThrow(/not a NemoVideo session id/);
		expect(() => checkSessionId(7318829475610293847)).toThrow(/lost its last digits/);
		expect(() => checkSessionId(undefined)).toThrow(/not a NemoVideo session id/);
	});
	it('redacts tokens, known or token-shaped', () => {
		registerSecret('my-very-secret-token');
		expect(redactSecrets('a my-very-secret-token b nmv_usr_abc123 Bearer xyz.abc')).toBe('a [redacted] b [redacted] Bearer [redacted]');
	});
});

describe('agent-framework events (issue 19 point 6)', () => {
	it('an event with "errorCode": null or an empty "error" is not an error: its text counts', async () => {
		const { parseAgentEvents } = await import('../../nodes/shared/client/agent-events');
		expect(parseAgentEvents('{"content":{"parts":[{"text":"Done."}],"role":"model"},"errorCode":null,"errorMessage":null}')).toEqual([expect.objectContaining({ kind: 'text', text: 'Done.' })]);
		expect(parseAgentEvents('{"type":"text","content":"Done.","error":""}')).toEqual([expect.objectContaining({ kind: 'text', text: 'Done.' })]);
		expect(parseAgentEvents('{"errorCode":"INTERNAL","errorMessage":"boom"}')).toEqual([{ kind: 'error', message: 'boom', code: 'INTERNAL' }]);
	});
});

describe('the advice for a refused export (issue 19 point 1)', () => {
	it('without the trial user id, claims no tie to the new account and sends the user to the web app for the session', () => {
		const advice = exportRefusedAdvice({ trial: true, sessionId: '1234567890123456789', taskId: '42' });
		expect(advice).toBe(
			"Trial tokens cannot export (NemoVideo's plan rule, not a lack of credits). Register at https://nemovideo.com/register (this trial's user id is not known, so the registration cannot take its work along). " +
				"Then put the new account's Access Token in the Nemo API credential and export again. Or open the work in NemoVideo's web app and export it there (log in first): https://nemovideo.com/workspace/task/42?session=1234567890123456789.",
		);
	});

	it('with it, the bind link and Nemo Export on the session', () => {
		expect(exportRefusedAdvice({ trial: true, trialUserId: 'anon_x1', sessionId: '1234567890123456789' })).toBe(
			"Trial tokens cannot export (NemoVideo's plan rule, not a lack of credits). Register at https://nemovideo.com/register?bind=anon_x1: that link ties this trial's work, session 1234567890123456789 included, to the new account. " +
				"Then put the new account's Access Token in the Nemo API credential and run Nemo Export on session 1234567890123456789.",
		);
	});
});
