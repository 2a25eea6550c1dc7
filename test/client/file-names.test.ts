/**
 * Multipart file names (issue 20 point 6): the service receives the binary's file name as it is,
 * safely encoded, on the upload path that ships (n8n's helper streaming a MultipartForm); a name
 * that cannot be written into a Content-Disposition as it is gets a stable substitute, which the
 * output then names (the service's answer echoes what it received).
 */
import { type Simulator, FAST_TIMINGS, startSimulator } from '../support/simulator';
import { clientFor, fakeFile, freshTokens } from './helpers';
import { multipartFileName } from '../../nodes/shared/client/upload';

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator(FAST_TIMINGS);
});
afterAll(() => sim.close());
beforeEach(() => {
	freshTokens();
	sim.reset();
});

it.each([
	['a name with slashes is sent whole (form-data kept only what followed the last one)', 'holiday/2026/clip.mp4', 'holiday/2026/clip.mp4'],
	['a name in other scripts is sent as UTF-8', 'vid\u00e9o \u00e9t\u00e9 \u65e5\u672c.mp4', 'vid\u00e9o \u00e9t\u00e9 \u65e5\u672c.mp4'],
	['double quotes get a stable substitute (form-data sent %22)', 'my "best" clip.mp4', 'my _best_ clip.mp4'],
	['line breaks get one too (form-data sent %0D%0A)', 'evil\r\nX-Injected: yes.mp4', 'evil__X-Injected: yes.mp4'],
])('%s', async (_what, name, sent) => {
	const client = clientFor(sim);
	const { sessionId } = await client.createSession();
	const [uploaded] = await client.uploadFiles(sessionId, [fakeFile(name)]);
	expect(multipartFileName(name)).toBe(sent);
	const upload = sim.requests.find((r) => r.endpoint === 'upload')!;
	expect(upload.status).toBe(200);
	expect(upload.fileNames).toEqual([sent]);
	// The service's answer (the output's uploadedFiles) names what it kept: here, the base name.
	expect(uploaded.fileName).toBe(sent.split('/').pop());
	await client.close();
});
