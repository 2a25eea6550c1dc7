/**
 * Bad input, through the nodes in n8n's engine: each is refused with an error that names the item
 * and the field (in words the user sees in the node's parameters) and says what to do, before
 * anything that would cost or lose something is sent; and input that only looks unusual (a very
 * long or non-Latin instruction, a token with stray spaces, a Base URL with a trailing slash or a
 * path) works.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { BinaryDataService } from 'n8n-core';
import { withNode } from '../harness';
import { clientFor, failure, freshTokens } from '../client/helpers';
import { media, runNodes, singleNode, swapItem } from '../nodes/support';
import { type Simulator, startSimulator } from '../support/simulator';
import { proxyServer } from './raw-servers';
import { MATRIX_TIMINGS, setTuning } from './support';

let sim: Simulator;

beforeAll(async () => {
	sim = await startSimulator(MATRIX_TIMINGS);
	setTuning();
});
afterAll(() => sim.close());
/** A registered account's token, new for each test: NemoVideo's trial tokens cannot export. */
let accountToken: string;
beforeEach(() => {
	sim.reset();
	sim.configure(MATRIX_TIMINGS);
	accountToken = sim.register({ credits: 10_000_000 }).token;
});

const credentials = () => ({ baseUrl: sim.url, accessToken: accountToken });
const FACE_SWAP = { videoSource: 'binary', videoBinaryProperty: 'data', faceSource: 'binary', faceBinaryProperty: 'face', result: 'url' };
/** Requests that cost or change something (everything but the trial token and reads). */
const sentWork = () => sim.requests.filter((request) => request.origin === 'api' && /upload-video|with-session|run_sse|render/.test(request.path));

/** Runs one node under Continue On Fail on the given items; returns its outputs. */
async function outputsOf(type: Parameters<typeof singleNode>[0], parameters: Record<string, unknown>, inputItems: Parameters<typeof runNodes>[1]['inputItems'], options: { binaryDataMode?: 'default' | 'filesystem'; credentials?: Record<string, unknown> } = {}) {
	const result = await runNodes(withNode(singleNode(type, parameters), 'Nemo', { onError: 'continueRegularOutput' }), {
		credentials: options.credentials ?? credentials(),
		inputItems,
		binaryDataMode: options.binaryDataMode,
	});
	expect(result.error).toBeUndefined();
	const items = result.nodeOutput('Nemo');
	await result.cleanup();
	return items;
}

type Expectation = { error: RegExp; advice: RegExp };

/** The item at `index` is an error item whose message names the item and matches; the others are results. */
function expectErrorItem(items: Awaited<ReturnType<typeof outputsOf>>, index: number, expected: Expectation) {
	const item = items[index];
	expect(item.json.error).toMatch(new RegExp(`^Item index ${index}: `));
	expect(item.json.error).toMatch(expected.error);
	expect((item.error as { description?: string }).description).toMatch(expected.advice);
	expect((item.pairedItem as { item: number }).item).toBe(index);
}

describe('files', () => {
	const cases: Array<[string, (item: ReturnType<typeof swapItem>) => void, Expectation]> = [
		[
			'a missing binary property',
			(item) => delete item.binary!.face,
			{ error: /The input item has no binary property "face" for the face photo\.$/, advice: /This item's binary properties are: "data"\. Enter one of them/ },
		],
		[
			'a 0-byte file',
			(item) => (item.binary!.face = media('face1.jpg', 0)),
			{ error: /Face Photo \(binary property "face"\) \("face1\.jpg"\) is empty \(0 bytes\)\.$/, advice: /Check the node that produced this file/ },
		],
		[
			'an unsupported type (by extension)',
			(item) => (item.binary!.face = media('face1.txt')),
			{ error: /Face Photo \(binary property "face"\) \("face1\.txt"\) is not a type NemoVideo accepts \(\.txt\)\.$/, advice: /Accepted: video \(mp4/ },
		],
		[
			'an unsupported type (by content: a PDF named .mp4)',
			(item) => (item.binary!.data = { data: Buffer.from('%PDF-1.7\n' + 'x'.repeat(4000)), fileName: 'clip1.mp4', mimeType: 'video/mp4' }),
			{ error: /Video \(binary property "data"\) \("clip1\.mp4"\) is named as a video file, but its content is a PDF document\.$/, advice: /Check that the binary property holds the file you meant/ },
		],
		[
			'an unsupported type (by content: a program named .jpg)',
			(item) => (item.binary!.face = { data: Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(4000)]), fileName: 'face1.jpg', mimeType: 'image/jpeg' }),
			{ error: /Face Photo \(binary property "face"\) \("face1\.jpg"\) is named as an image file, but its content is a Windows program\.$/, advice: /Accepted: / },
		],
		[
			'a video where the face photo should be',
			(item) => (item.binary!.face = media('face1.mp4')),
			{ error: /Face Photo .* \("face1\.mp4"\)/, advice: /./ },
		],
	];

	it.each(cases)('%s: an error item naming the item and the field; nothing sent; the batch goes on', async (_name, spoil, expected) => {
		const items = [0, 1, 2].map(swapItem);
		spoil(items[1]);
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoFaceSwap', FACE_SWAP, items);
		expect(outputs).toHaveLength(3);
		if (_name === 'a video where the face photo should be') {
			// Not refused by us (an MP4 is an accepted type); the service says what is missing. It must not be lost.
			expect(typeof outputs[1].json.error === 'string' || typeof outputs[1].json.sessionId === 'string').toBe(true);
		} else {
			expectErrorItem(outputs, 1, expected);
			// The bad item started no session and sent nothing: only the two good items' work is recorded.
			expect(sentWork().filter((request) => request.path.endsWith('/with-session/nemo_agent'))).toHaveLength(2);
		}
		for (const index of [0, 2]) expect(outputs[index].json.videoUrl).toEqual(expect.any(String));
		expect(sim.messages.length).toBeLessThanOrEqual(3);
	});

	describe('a file over 500 MB is refused before the upload starts', () => {
		const HUGE = 600 * 1024 * 1024;
		let spy: jest.SpyInstance | undefined;
		afterEach(() => spy?.mockRestore());

		it.each(['Face Swap', 'Upload'])('in %s (size from n8n binary metadata, filesystem mode)', async (node) => {
			// n8n's binary store says how big the file is; the content here is small, the metadata says 600 MB.
			const original = BinaryDataService.prototype.getMetadata;
			spy = jest.spyOn(BinaryDataService.prototype, 'getMetadata').mockImplementation(async function (this: BinaryDataService, id: string) {
				const metadata = await original.call(this, id);
				return metadata.fileName === 'huge.mp4' ? { ...metadata, fileSize: HUGE } : metadata;
			});
			const item = { json: {}, binary: { data: media('huge.mp4'), face: media('face.jpg') } };
			const outputs =
				node === 'Upload'
					? await outputsOf('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data, face' }, [item], { binaryDataMode: 'filesystem' })
					: await outputsOf('n8n-nodes-nemovideo.nemoFaceSwap', FACE_SWAP, [item], { binaryDataMode: 'filesystem' });
			const label = node === 'Upload' ? 'File' : 'Video';
			expectErrorItem(outputs, 0, {
				error: new RegExp(`${label} \\(binary property "data"\\) \\("huge\\.mp4"\\) is 600\\.0 MB, over NemoVideo's 500 MB limit\\. Nothing was uploaded\\.$`),
				advice: /Compress or trim the video/,
			});
			expect(spy).toHaveBeenCalled();
			expect(sentWork()).toHaveLength(0);
		});

		it('at the client, from a sparse 600 MB file on disk (its size from stat; not one byte read)', async () => {
			freshTokens();
			const dir = await mkdtemp(path.join(tmpdir(), 'nemo-sparse-'));
			const file = path.join(dir, 'huge.mp4');
			const handle = await open(file, 'w');
			await handle.truncate(HUGE);
			await handle.close();
			const client = clientFor(sim);
			const { sessionId } = await client.createSession();
			let opened = false;
			const error = await failure(
				client.uploadFiles(sessionId, [
					{ fileName: 'huge.mp4', size: (await stat(file)).size, label: 'file "huge.mp4"', field: 'file', open: () => ((opened = true), createReadStream(file)) },
				]),
			);
			expect(error.message).toBe('file "huge.mp4" ("huge.mp4") is 600.0 MB, over NemoVideo\'s 500 MB limit. Nothing was uploaded.');
			expect(error.field).toBe('file');
			expect(opened).toBe(false);
			expect(sim.requests.filter((request) => request.path.startsWith('/api/upload-video/'))).toHaveLength(0);
			await client.close();
			await rm(dir, { recursive: true, force: true });
		});
	});
});

describe('URLs', () => {
	const bad: Array<[string, string, RegExp, RegExp]> = [
		['file:', 'file:///etc/passwd', /Video URL uses file: which is not allowed; only http\(s\) URLs can be fetched by NemoVideo\.$/, /Upload the file as binary data instead/],
		['data:', 'data:video/mp4;base64,AAAAGGZ0eXBpc29t', /Video URL uses data: which is not allowed/, /Upload the file as binary data instead/],
		['javascript:', 'javascript:alert(1)', /Video URL uses javascript: which is not allowed/, /Upload the file as binary data instead/],
		['malformed', 'htp//clip.mp4', /Video URL "htp\/\/clip\.mp4" is not a valid URL\.$/, /Give an absolute http\(s\) URL/],
		['an expression that evaluates to nothing', '={{ $json.nothing }}', /Video URL is empty\.$/, /Give an http\(s\) URL/],
	];
	it.each(bad)('a %s URL is refused before anything is sent, naming the field', async (_name, url, error, advice) => {
		const outputs = await outputsOf(
			'n8n-nodes-nemovideo.nemoFaceSwap',
			{ ...FACE_SWAP, videoSource: 'url', videoUrl: url },
			[{ json: {}, binary: { face: media('face.jpg') } }],
		);
		expectErrorItem(outputs, 0, { error, advice });
		expect(sentWork()).toHaveLength(0);
	});

	it('an unreachable URL: the service says it could not fetch it, naming the URL', async () => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoFaceSwap', { ...FACE_SWAP, videoSource: 'url', videoUrl: 'http://127.0.0.1:1/clip.mp4' }, [
			{ json: {}, binary: { face: media('face.jpg') } },
		]);
		expectErrorItem(outputs, 0, { error: /during upload from Video URL http:\/\/127\.0\.0\.1:1\/clip\.mp4 .*Could not download http:\/\/127\.0\.0\.1:1\/clip\.mp4: connection refused"\.$/, advice: /Check the input of this item/ });
		expect(sim.messages).toHaveLength(0);
	});

	it('the Upload node names which URL of a list is bad', async () => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoUpload', { source: 'url', urls: 'https://example.com/a.mp4\njavascript:alert(1)' }, [{ json: {} }]);
		expectErrorItem(outputs, 0, { error: /URL 2 uses javascript: which is not allowed/, advice: /http\(s\) URL/ });
	});
});

describe('sessions, expressions and instructions', () => {
	it.each([
		['not-a-session', /The session id "not-a-session" is not a NemoVideo session id \(a long number\)\.$/],
		['DROP TABLE sessions;--', /The session id "DROP TABLE sessions;--" is not a NemoVideo session id/],
		['../../etc/passwd', /The session id "\.\.\/\.\.\/etc\/passwd" is not a NemoVideo session id/],
		['={{ 1234567890123456789 }}', /The session id 1234567890123456800 arrived as a number and lost its last digits\.$/],
	])('a session id that is not one (%s) is refused, naming the field', async (sessionId, error) => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoEdit', { instruction: 'make the title bigger', session: 'id', sessionId }, [{ json: {} }]);
		expectErrorItem(outputs, 0, { error, advice: /Session ID|session ids as text/ });
		expect(sentWork()).toHaveLength(0);
	});

	it.each([
		['Nemo Export: Session ID', 'n8n-nodes-nemovideo.nemoExport', { exportOperation: 'exportAndWait', session: 'id', sessionId: '={{ $json.nothing }}' }, /Session ID is empty \(the expression evaluated to nothing\)\.$/],
		['Nemo Edit: Instruction', 'n8n-nodes-nemovideo.nemoEdit', { session: 'id', sessionId: '1234567890123456789', instruction: '={{ $json.nothing }}' }, /Instruction is empty \(the expression evaluated to nothing\)\.$/],
		['Nemo Export: Render ID', 'n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', render: 'id', renderId: '={{ $json.nothing }}' }, /Render ID is empty \(the expression evaluated to nothing\)\.$/],
		['Nemo Face Swap: binary property name', 'n8n-nodes-nemovideo.nemoFaceSwap', { ...FACE_SWAP, videoBinaryProperty: '={{ $json.nothing }}' }, /The name of the binary property for the video is empty\.$/],
		['Nemo Upload: URLs', 'n8n-nodes-nemovideo.nemoUpload', { source: 'url', urls: '={{ $json.nothing }}' }, /URLs is empty \(the expression evaluated to nothing\)\.$/],
	] as const)('an expression that evaluates to nothing (%s) is refused, naming the field', async (_name, type, parameters, error) => {
		const outputs = await outputsOf(type, parameters, [{ json: { other: 1 } }]);
		expectErrorItem(outputs, 0, { error, advice: /./ });
		expect(sentWork()).toHaveLength(0);
	});

	it('a very long, non-Latin instruction works and reaches the service exactly once, unchanged', async () => {
		const upload = await outputsOf('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data' }, [{ json: {}, binary: { data: media('clip.mp4') } }]);
		const sessionId = upload[0].json.sessionId as string;
		const instruction = [
			'把标题改成“夏天的回忆”，并把字体放大。',
			'أضف العنوان "ذكريات الصيف" في البداية.',
			'Добавь титр «Лето» 🎬🌞 — ещё крупнее, s\u0301il vous plaît.',
			'日本語のテキスト、한국어 텍스트. '.repeat(800),
		]
			.join(' ')
			.trim();
		expect(instruction.length).toBeGreaterThan(10_000);
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoEdit', { session: 'id', sessionId, instruction }, [{ json: {} }]);
		expect(outputs[0].json.error).toBeUndefined();
		// Compared as booleans: a failure must not print 14,000 characters.
		expect(outputs[0].json.instruction === instruction).toBe(true);
		expect(sim.messages).toHaveLength(1);
		expect(sim.messages[0].text === instruction).toBe(true);
	});
});

describe('the credential', () => {
	it('a token with stray whitespace is trimmed', async () => {
		sim.addToken('nmv_usr_pasted_with_spaces_0003', { credits: 77 });
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoCredits', {}, [{ json: {} }], {
			credentials: { baseUrl: sim.url, accessToken: ' \t nmv_usr_pasted_with_spaces_0003 \n' },
		});
		expect(outputs[0].json).toMatchObject({ available: 77 });
		const authorizations = sim.requests.map((request) => request.headers.authorization);
		expect(authorizations).toEqual(['Bearer nmv_usr_pasted_with_spaces_0003']);
	});

	it('a Base URL with a trailing slash works', async () => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoCredits', {}, [{ json: {} }], { credentials: { baseUrl: `  ${sim.url}/  `, accessToken: '' } });
		expect(outputs[0].json.available).toEqual(expect.any(Number));
		for (const request of sim.requests) expect(request.path).not.toMatch(/^\/\//);
	});

	it('a Base URL with a path (an API behind a gateway under /nemo/) works for every call', async () => {
		const gateway = await proxyServer(sim.url, () => false, { stripPrefix: '/nemo' });
		try {
			const outputs = await outputsOf('n8n-nodes-nemovideo.nemoFaceSwap', { ...FACE_SWAP, result: 'binary' }, [swapItem(0)], {
				credentials: { baseUrl: `${gateway.url}/nemo/`, accessToken: accountToken },
			});
			expect(outputs[0].json.error).toBeUndefined();
			expect(outputs[0].binary?.data?.mimeType).toBe('video/mp4');
			expect(sim.messages).toHaveLength(1);
		} finally {
			await gateway.close();
		}
	});

	it('a Base URL with a wrong path says to check the Base URL', async () => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoCredits', {}, [{ json: {} }], { credentials: { baseUrl: `${sim.url}/v2/api`, accessToken: '' } });
		// (issue 21, 2.3) what came back and where it was sent, then the origin the Base URL should be
		expectErrorItem(outputs, 0, {
			error: /The Base URL in the Nemo API credential does not look like NemoVideo's API: while getting a trial token it answered HTTP 404 \(application\/json\) for POST \/v2\/api\/api\/auth\/anonymous-token, which is not how NemoVideo's API answers\. The Base URL ends with \/api/,
			advice: /^Set the Base URL in the Nemo API credential to NemoVideo's API origin only, with no path: https:\/\/mega-api-prod\.nemovideo\.ai/,
		});
	});
});

describe('inputs that cannot work are refused before anything is charged (issue 20 point 7)', () => {
	const AUDIO_REPLACE = { videoSource: 'binary', videoBinaryProperty: 'data', audioSource: 'binary', audioBinaryProperty: 'audio', result: 'url' };

	it('the clip given as both the video and the face photo: refused, naming both fields, nothing sent', async () => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoFaceSwap', { ...FACE_SWAP, faceBinaryProperty: 'data' }, [{ json: {}, binary: { data: media('clip.mp4') } }]);
		expectErrorItem(outputs, 0, { error: /Video and Face Photo are the same file \(binary property "data"\); they must be two different files\./, advice: /its own binary property: an image/ });
		expect(sentWork()).toHaveLength(0);
	});

	it('the photo and the clip swapped (an image as the video, a video as the face): refused, nothing sent', async () => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoFaceSwap', FACE_SWAP, [{ json: {}, binary: { data: media('face.jpg'), face: media('clip.mp4') } }]);
		expectErrorItem(outputs, 0, { error: /Video \(binary property "data"\) \("face\.jpg"\) is an image; it must be a video/, advice: /mp4, mov, avi, webm, mkv/ });
		expect(sentWork()).toHaveLength(0);
	});

	it('Audio Replace with a picture, or a video, as the new audio: refused (the service asks for an audio file), nothing sent', async () => {
		const picture = await outputsOf('n8n-nodes-nemovideo.nemoAudioReplace', AUDIO_REPLACE, [{ json: {}, binary: { data: media('clip.mp4'), audio: media('face.jpg') } }]);
		expectErrorItem(picture, 0, { error: /New Audio \(binary property "audio"\) \("face\.jpg"\) is an image; it must be an audio file\./, advice: /mp3, wav, m4a, aac/ });
		const video = await outputsOf('n8n-nodes-nemovideo.nemoAudioReplace', AUDIO_REPLACE, [{ json: {}, binary: { data: media('clip.mp4'), audio: media('voice.mp4') } }]);
		expectErrorItem(video, 0, { error: /New Audio \(binary property "audio"\) \("voice\.mp4"\) is a video; it must be an audio file\./, advice: /mp3, wav, m4a, aac/ });
		expect(sentWork()).toHaveLength(0);
	});

	it('a video as the face photo: refused by its type, nothing sent', async () => {
		const outputs = await outputsOf('n8n-nodes-nemovideo.nemoFaceSwap', FACE_SWAP, [{ json: {}, binary: { data: media('clip.mp4'), face: media('other.mp4') } }]);
		expectErrorItem(outputs, 0, { error: /Face Photo \(binary property "face"\) \("other\.mp4"\) is a video; it must be an image\./, advice: /jpg, png, gif, webp/ });
		expect(sentWork()).toHaveLength(0);
	});

	it('URLs: the type the upload reports decides before the instruction (a picture at the video URL): nothing charged', async () => {
		const picture = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/jpeg' }).end(media('x.jpg').data));
		await new Promise<void>((resolve) => picture.listen(0, '127.0.0.1', resolve));
		try {
			const outputs = await outputsOf(
				'n8n-nodes-nemovideo.nemoFaceSwap',
				{ ...FACE_SWAP, videoSource: 'url', videoUrl: `http://127.0.0.1:${(picture.address() as AddressInfo).port}/holiday.jpg` },
				[{ json: {}, binary: { face: media('face.jpg') } }],
			);
			expectErrorItem(outputs, 0, { error: /Video URL points to an image \("holiday\.jpg"\); it must be a video\. Nothing was sent to the editor\./, advice: /which costs nothing/ });
			expect(sim.messages).toHaveLength(0);
		} finally {
			picture.close();
		}
	});
});
