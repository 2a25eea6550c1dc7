/**
 * Issue 21, section 2 points 3, 5 and 6: what a newcomer reads when the Base URL is not
 * NemoVideo's, when an id is wrong, and where the useful fields of an output item are.
 * Every case runs our nodes (or the credential's Test) inside n8n against real HTTP servers.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { withNode, testCredentials } from '../harness';
import { NemoApi } from '../../credentials/NemoApi.credentials';
import { NODE_TYPES, media, runNodes, singleNode, useNodeSimulator } from './support';
import { type LocalServer, captureServer } from '../reliability/raw-servers';
import type { Simulator } from '../support/simulator';

const env = useNodeSimulator();
let sim: Simulator;
beforeEach(() => ({ sim } = env));

const DEFAULT_BASE_URL = 'https://mega-api-prod.nemovideo.ai';
const TOKEN = 'nmv_usr_first_contact_token_0001';

/** What a newcomer's wrong Base URL answers: a web server's 404 page, a plain-text 404, a 200 home page. */
const NOT_NEMO: Array<[string, (response: http.ServerResponse) => void, RegExp]> = [
	['an HTML 404 page', (res) => res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><body><h1>Not Found</h1><p>secret-page-words</p></body></html>'), /HTTP 404 \(text\/html\)/],
	['a plain-text 404', (res) => res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found secret-page-words'), /HTTP 404 \(text\/plain\)/],
	['a 200 home page', (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome secret-page-words</body></html>'), /HTTP 200 \(text\/html\)/],
];

let server: LocalServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function runOne(type: keyof typeof NODE_TYPES, parameters: Record<string, unknown>, credentials: Record<string, unknown>, inputItems = [{ json: {} }] as Parameters<typeof runNodes>[1]['inputItems']) {
	const result = await runNodes(withNode(singleNode(type, parameters), 'Nemo', { onError: 'continueRegularOutput' }), { credentials, inputItems });
	expect(result.error).toBeUndefined();
	const items = result.nodeOutput('Nemo');
	await result.cleanup();
	return items;
}

const errorOf = (item: { json: Record<string, unknown>; error?: unknown }) => ({ message: String(item.json.error), description: String((item.error as { description?: string })?.description) });

describe('a Base URL that is not NemoVideo (issue 21, 2.3)', () => {
	it.each(NOT_NEMO)('%s: the credential Test says the Base URL does not look like NemoVideo, what it should be, and what came back', async (_name, answer, received) => {
		server = await captureServer((_req, res) => answer(res));
		for (const accessToken of ['', TOKEN]) {
			const tested = await testCredentials({ type: 'nemoApi', data: { baseUrl: server.url, accessToken, clientId: randomUUID() } as never, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
			expect(tested.status).toBe('Error');
			// n8n's Test shows only the message: it carries the advice
			expect(tested.message).toMatch(/Base URL .*does not look like NemoVideo's API/);
			expect(tested.message).toContain(DEFAULT_BASE_URL);
			expect(tested.message).toMatch(received);
			expect(tested.message).not.toMatch(/secret-page-words|<html|garbled|Try again/i);
		}
	});

	it.each(NOT_NEMO)('%s: Nemo Credits says the same, naming the item and the credential field', async (_name, answer, received) => {
		server = await captureServer((_req, res) => answer(res));
		for (const accessToken of ['', TOKEN]) {
			const [item] = await runOne('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl: server.url, accessToken });
			const { message, description } = errorOf(item);
			expect(message).toMatch(/^Item index 0: The Base URL in the Nemo API credential does not look like NemoVideo's API/);
			expect(message).toMatch(received);
			expect(description).toContain(DEFAULT_BASE_URL);
			expect(description).toMatch(/origin only|no path/);
			expect(`${message} ${description}`).not.toMatch(/secret-page-words|<html|garbled|no longer exists/i);
			expect(`${message} ${description}`).not.toContain(TOKEN);
		}
	});

	it('a Base URL with an extra path (…/api): the credential Test and the nodes say the path is the problem, not a missing session or render', async () => {
		sim.addToken(TOKEN, { credits: 500 });
		const baseUrl = `${sim.url}/api`;
		const tested = await testCredentials({ type: 'nemoApi', data: { baseUrl, accessToken: '', clientId: randomUUID() } as never, credentialTypes: [new NemoApi()], nodeTypes: NODE_TYPES });
		expect(tested.status).toBe('Error');
		expect(tested.message).toMatch(/Base URL .*does not look like NemoVideo's API/);
		expect(tested.message).toContain(DEFAULT_BASE_URL);
		expect(tested.message).toMatch(/\/api\/api\//);

		const [credits] = await runOne('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl, accessToken: '' });
		expect(errorOf(credits).message).toMatch(/^Item index 0: The Base URL in the Nemo API credential does not look like NemoVideo's API/);
		expect(errorOf(credits).description).toContain(DEFAULT_BASE_URL);
		expect(`${errorOf(credits).message} ${errorOf(credits).description}`).not.toMatch(/no longer exists/);

		// with a token, an id-specific call is the first one: still the path first, not "no such render"
		const [status] = await runOne('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', render: 'id', renderId: 'render_1796166302986_33b07ce4' }, { baseUrl, accessToken: TOKEN });
		expect(errorOf(status).message).toMatch(/^Item index 0: .*Base URL .*ends with \/api/);
		expect(errorOf(status).description).toContain(DEFAULT_BASE_URL);
	});

	it('an HTML 503 from a gateway in front of the service keeps its gateway advice (try again), not the Base URL one', async () => {
		server = await captureServer((_req, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>'));
		const [item] = await runOne('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl: server.url, accessToken: TOKEN });
		expect(errorOf(item).message).toMatch(/with a web page \(HTTP 503\) instead of data: usually a gateway or proxy error/);
		expect(errorOf(item).description).toMatch(/Try again in a few minutes/);
		expect(errorOf(item).message).not.toMatch(/does not look like/);
	});
});

describe('errors lead with the likely cause and name only options the node has (issue 21, 2.5)', () => {
	it('Get Status with a render id this account has no render of: says so first, with where the id comes from; the Base URL doubt comes last', async () => {
		const [item] = await runOne('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', render: 'id', renderId: 'render_1796166302986_33b07ce4' }, env.credentials);
		const { message, description } = errorOf(item);
		expect(message).toMatch(/^Item index 0: NemoVideo has no render render_1796166302986_33b07ce4 for this account \(HTTP 404\) while reading the export status\./);
		expect(description).toMatch(/^Check Render ID: it must be the renderId of a Nemo Export \(Start Export\) output, made with this same Nemo API credential/);
		expect(description).toMatch(/If every call fails like this, the Base URL in the Nemo API credential is wrong: it should be https:\/\/mega-api-prod\.nemovideo\.ai\.$/);
		expect(description.indexOf('Base URL')).toBeGreaterThan(description.indexOf('renderId'));
	});

	it('Nemo Export with a session id that does not exist: the 1002 error names the field and never suggests New Session (Export has no such option)', async () => {
		for (const operation of ['exportAndWait', 'start']) {
			const [item] = await runOne('n8n-nodes-nemovideo.nemoExport', { exportOperation: operation, session: 'id', sessionId: '7318829475610293847', output: 'url' }, env.credentials);
			const { message, description } = errorOf(item);
			expect(message).toMatch(/^Item index 0: The NemoVideo session was not found while reading the session state \(code 1002\)/);
			// The node's own advice takes the place of the core's general one (said once, not twice).
			expect(description).toMatch(/^Check Session ID: sessions expire and belong to the token that made them/);
			expect(description).not.toContain("use the session id of an earlier Nemo node's output");
			expect(`${message} ${description}`).not.toMatch(/New Session/);
		}
		const [fromInput] = await runOne('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'exportAndWait', session: 'fromInput', output: 'url' }, env.credentials, [{ json: { sessionId: '7318829475610293847' } }]);
		expect(errorOf(fromInput).description).toMatch(/sessionId field of the input item/);
		expect(errorOf(fromInput).description).not.toMatch(/New Session/);
	});

	it('a node that has New Session (Nemo Upload) still offers it for a session that does not exist', async () => {
		const [item] = await runOne('n8n-nodes-nemovideo.nemoUpload', { session: 'id', sessionId: '7318829475610293847' }, env.credentials, [{ json: {}, binary: { data: media('clip.mp4') } }]);
		expect(errorOf(item).message).toMatch(/code 1002/);
		expect(errorOf(item).description).toMatch(/Session → New Session/);
	});
});

describe('the output items a newcomer reads (issue 21, 2.6)', () => {
	it('one file name scheme for every export operation: nemo-<sessionId>.mp4 whenever the session is known (Get Status reads it from the Start Export item), else nemo-<renderId>.mp4', async () => {
		const upload = await runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data' }), { credentials: env.credentials, inputItems: [{ json: {}, binary: { data: media('clip.mp4') } }] });
		const sessionId = upload.nodeOutput('Nemo')[0].json.sessionId as string;
		const exported = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'exportAndWait', output: 'binary' }), { credentials: env.credentials, inputItems: [{ json: { sessionId } }] });
		const [waited] = exported.nodeOutput('Nemo');
		expect(waited.json.fileName).toBe(`nemo-${sessionId}.mp4`);
		expect(waited.binary?.data?.fileName).toBe(`nemo-${sessionId}.mp4`);

		const started = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'start' }), { credentials: env.credentials, inputItems: [{ json: { sessionId } }] });
		const start = started.nodeOutput('Nemo')[0].json;
		let done: Awaited<ReturnType<typeof runNodes>> | undefined;
		for (let look = 0; look < 50; look++) {
			await done?.cleanup();
			done = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', output: 'binary' }), { credentials: env.credentials, inputItems: [{ json: start }] });
			if (done.nodeOutput('Nemo')[0].json.status === 'completed') break;
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		const [status] = done!.nodeOutput('Nemo');
		expect(status.json).toMatchObject({ status: 'completed', renderId: start.renderId, sessionId, fileName: `nemo-${sessionId}.mp4` });
		expect(status.binary?.data?.fileName).toBe(`nemo-${sessionId}.mp4`);

		// a render id alone (By ID, nothing else known): the render id names the file
		const byId = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', render: 'id', renderId: String(start.renderId), output: 'binary' }), { credentials: env.credentials, inputItems: [{ json: {} }] });
		expect(byId.nodeOutput('Nemo')[0].json.fileName).toBe(`nemo-${String(start.renderId)}.mp4`);
		// By ID with an input item about another render: its session is not this render's
		const other = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'getStatus', render: 'id', renderId: String(start.renderId), output: 'binary' }), { credentials: env.credentials, inputItems: [{ json: { sessionId: '1111111111111111111', renderId: 'render_other' } }] });
		expect(other.nodeOutput('Nemo')[0].json.fileName).toBe(`nemo-${String(start.renderId)}.mp4`);
		await Promise.all([upload.cleanup(), exported.cleanup(), started.cleanup(), done!.cleanup(), byId.cleanup(), other.cleanup()]);
	});

	it('Nemo Credits puts available, frozen and total first, before the fields of a long input item (and its balance wins over an input field of the same name)', async () => {
		sim.addToken(TOKEN, { credits: 321 });
		const input: Record<string, string> = { available: 'stale', note: 'kept' };
		for (let field = 0; field < 30; field++) input[`field${field}`] = `value ${field}`;
		const [item] = await runOne('n8n-nodes-nemovideo.nemoCredits', {}, { baseUrl: sim.url, accessToken: TOKEN }, [{ json: input }]);
		expect(Object.keys(item.json).slice(0, 3)).toEqual(['available', 'frozen', 'total']);
		expect(item.json).toMatchObject({ available: 321, frozen: 0, total: 321, note: 'kept', field29: 'value 29' });
		expect(Object.keys(item.json)).toHaveLength(4 + 31); // and tokenType (issue 19 point 1);
	});
});
