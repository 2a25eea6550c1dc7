/**
 * The nodes as n8n's editor shows them: what a user sees before running anything. The browser
 * test (e2e/browser.js) checks the same in a real n8n; these checks are on the descriptions,
 * plus the Session choice inside n8n's own execution engine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';
import { NemoApi } from '../../credentials/NemoApi.credentials';
import { NODE_TYPES, media, runNodes, singleNode, useNodeSimulator, workflowFixture } from './support';

const ROOT = path.resolve(__dirname, '..', '..');
const descriptions = Object.values(NODE_TYPES).map((node) => node.description as INodeTypeDescription);
const byName = (name: string) => descriptions.find((d) => d.name === name)!;
const property = (d: INodeTypeDescription, name: string) => d.properties.find((p) => p.name === name);
const optionValues = (p: INodeProperties | undefined) => ((p?.options ?? []) as INodePropertyOptions[]).map((o) => o.value);

describe('the editor, before anything runs', () => {
	it.each(descriptions.map((d) => [d.displayName, d] as const))('%s: no parameter defaults to an expression (it would show red "undefined" on a first node)', (_name, d) => {
		const expressions = d.properties.filter((p) => typeof p.default === 'string' && p.default.startsWith('=')).map((p) => `${p.name}: ${String(p.default)}`);
		expect(expressions).toEqual([]);
	});

	it('nodes that work in a session offer New / From Input Item / By ID, and those that need one have no New', () => {
		const choices = Object.fromEntries(descriptions.filter((d) => property(d, 'session')).map((d) => [d.name, optionValues(property(d, 'session'))]));
		expect(choices).toEqual({
			nemoFaceSwap: ['fromInput', 'new', 'id'],
			nemoAudioReplace: ['fromInput', 'new', 'id'],
			nemoUpload: ['fromInput', 'new', 'id'],
			nemoEdit: ['fromInput', 'id'],
			nemoExport: ['fromInput', 'id'],
		});
		for (const d of descriptions.filter((x) => property(x, 'session'))) {
			expect(property(d, 'session')!.default).toBe('fromInput');
			expect(property(d, 'sessionId')!.displayOptions?.show?.session).toEqual(['id']);
		}
	});

	it("Nemo Export's operations come in the order a user thinks: Export and Wait, Start Export, Get Status", () => {
		expect(optionValues(property(byName('nemoExport'), 'exportOperation'))).toEqual(['exportAndWait', 'start', 'getStatus']);
	});

	it('no node offers n8n\'s "Custom API Call" (n8n adds it to a "resource" or "operation" list when the credential declares authenticate)', () => {
		expect(new NemoApi().authenticate).toBeDefined(); // why the parameter names matter
		for (const d of descriptions) expect(d.properties.filter((p) => p.name === 'resource' || p.name === 'operation').map((p) => p.name)).toEqual([]);
	});

	it('every node has its own icon, light and dark, and the credential has one too', () => {
		const files = descriptions.map((d) => d.icon as unknown as { light: string; dark: string });
		for (const [i, icon] of files.entries()) {
			expect(icon).toEqual({ light: expect.stringMatching(/^file:.+\.svg$/), dark: expect.stringMatching(/^file:.+\.dark\.svg$/) });
			const folder = path.join(ROOT, 'nodes', descriptions[i].displayName.replace(/ /g, '')); // relative to the node file
			for (const f of [icon.light, icon.dark]) {
				const svg = fs.readFileSync(path.join(folder, f.slice('file:'.length)), 'utf8');
				expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"/);
			}
		}
		expect(new Set(files.map((f) => f.light)).size).toBe(6);
		expect(new Set(files.map((f) => f.dark)).size).toBe(6);
		const credentialIcon = new NemoApi().icon as unknown as { light: string; dark: string };
		expect(credentialIcon).toEqual({ light: 'file:../icons/nemo.svg', dark: 'file:../icons/nemo.dark.svg' });
		for (const f of [credentialIcon.light, credentialIcon.dark]) expect(fs.existsSync(path.join(ROOT, 'credentials', f.slice('file:'.length)))).toBe(true);
	});

	it("each node's Docs link is a page of its own (n8n appends ?utm_… after the link, which would break an #anchor)", () => {
		for (const d of descriptions) {
			const codexFile = path.join(ROOT, 'nodes', d.displayName.replace(/ /g, ''), `${d.displayName.replace(/ /g, '')}.node.json`);
			const codex = JSON.parse(fs.readFileSync(codexFile, 'utf8'));
			const [primary] = codex.resources.primaryDocumentation;
			expect(primary.url).not.toContain('#');
			const page = /\/blob\/main\/(docs\/nodes\/[\w-]+\.md)$/.exec(primary.url);
			expect(page).not.toBeNull();
			expect(fs.existsSync(path.join(ROOT, page![1]))).toBe(true);
		}
	});
});

describe('the Session choice, run in n8n', () => {
	const env = useNodeSimulator();
	let credentials: Record<string, unknown>;
	beforeEach(() => ({ credentials } = env));

	/** The schema n8n serves for a node (resolveSchema: <node folder>/__schema__/v1.0.0[/<operation>].json). */
	const schemaFields = (folder: string, operation?: string) =>
		Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', folder, '__schema__', operation ? `v1.0.0/${operation}.json` : 'v1.0.0.json'), 'utf8')).properties).sort();

	it('the output schemas the editor asks for name every field the nodes really output', async () => {
		const chain = await runNodes(workflowFixture('chain'), {
			credentials,
			inputItems: [{ json: {}, binary: { data: media('clip.mp4'), face: media('face.jpg'), audio: media('voice.mp3') } }],
		});
		const credits = await runNodes(singleNode('n8n-nodes-nemovideo.nemoCredits', {}), { credentials });
		const outputs: Array<[string, string | undefined, object]> = [
			['NemoUpload', undefined, chain.nodeOutput('Nemo Upload')[0].json],
			['NemoFaceSwap', undefined, chain.nodeOutput('Nemo Face Swap')[0].json],
			['NemoAudioReplace', undefined, chain.nodeOutput('Nemo Audio Replace')[0].json],
			['NemoExport', undefined, chain.nodeOutput('Nemo Export')[0].json],
			['NemoCredits', undefined, credits.nodeOutput('Nemo')[0].json],
		];
		for (const [folder, operation, json] of outputs) {
			expect({ folder, missing: Object.keys(json).filter((k) => !schemaFields(folder, operation).includes(k)) }).toEqual({ folder, missing: [] });
		}
		await Promise.all([chain.cleanup(), credits.cleanup()]);
	});

	const upload = (parameters: Record<string, unknown>, json: Record<string, string> = {}) =>
		runNodes(singleNode('n8n-nodes-nemovideo.nemoUpload', { source: 'binary', binaryPropertyNames: 'data', ...parameters }), {
			credentials,
			inputItems: [{ json, binary: { data: media('clip.mp4') } }],
		});

	it('From Input Item (the default) continues the input item’s session, and starts one when the item has none', async () => {
		const first = await upload({});
		const sessionId = first.nodeOutput('Nemo')[0].json.sessionId as string;
		expect(sessionId).toMatch(/^\d+$/);
		const second = await upload({}, { sessionId });
		expect(second.nodeOutput('Nemo')[0].json.sessionId).toBe(sessionId);
		await Promise.all([first.cleanup(), second.cleanup()]);
	});

	it('New Session starts a new session even when the input item has one', async () => {
		const first = await upload({});
		const sessionId = first.nodeOutput('Nemo')[0].json.sessionId as string;
		const fresh = await upload({ session: 'new' }, { sessionId });
		expect(fresh.nodeOutput('Nemo')[0].json.sessionId).toMatch(/^\d+$/);
		expect(fresh.nodeOutput('Nemo')[0].json.sessionId).not.toBe(sessionId);
		await Promise.all([first.cleanup(), fresh.cleanup()]);
	});

	it('By ID uses the given id', async () => {
		const first = await upload({});
		const sessionId = first.nodeOutput('Nemo')[0].json.sessionId as string;
		const byId = await upload({ session: 'id', sessionId }, { sessionId: '999999999999' });
		expect(byId.nodeOutput('Nemo')[0].json.sessionId).toBe(sessionId);
		await Promise.all([first.cleanup(), byId.cleanup()]);
	});

	it('Nemo Export after a node without sessionId says so and what to do', async () => {
		const run = await runNodes(singleNode('n8n-nodes-nemovideo.nemoExport', { exportOperation: 'exportAndWait' }), { credentials });
		const error = run.nodeError('Nemo')!;
		expect(error.message).toBe('Item index 0: The input item has no sessionId field, so there is no session to continue.');
		expect(error.description).toMatch(/after a Nemo node .*or choose Session → By ID/);
		await run.cleanup();
	});
});
