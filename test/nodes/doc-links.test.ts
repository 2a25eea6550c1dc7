/**
 * The nodes' and the credential's Docs links lead to pages of this tree, in the publisher's
 * repository as package.json names it (repository.url): a publisher changes package.json, runs
 * `node scripts/doc-links.js` (the codex files and the credential must hold literal URLs), and this
 * test says whether they agree.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NemoApi } from '../../credentials/NemoApi.credentials';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	homepage: string;
	bugs: { url: string };
	repository: { type: string; url: string };
	author: { name: string; email?: string };
};
const repository = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
const docsPrefix = `${repository}/blob/main/docs/`;
const docsUrl = (page: string) => `${docsPrefix}${page}`;

/** Every codex file's resource URLs, with the file they came from. */
function codexLinks(): Array<{ file: string; url: string }> {
	const links: Array<{ file: string; url: string }> = [];
	for (const dir of fs.readdirSync(path.join(root, 'nodes'))) {
		const file = path.join(root, 'nodes', dir, `${dir}.node.json`);
		if (!fs.existsSync(file)) continue;
		const codex = JSON.parse(fs.readFileSync(file, 'utf8')) as { resources?: Record<string, Array<{ url: string }>> };
		for (const list of Object.values(codex.resources ?? {})) for (const { url } of list) links.push({ file: path.relative(root, file), url });
	}
	return links;
}

function pageOf(url: string): string {
	expect(url.startsWith(docsPrefix)).toBe(true);
	return url.slice(docsPrefix.length);
}

describe('Docs links follow package.json', () => {
	test('package.json names the publisher\'s own addresses, in one repository', () => {
		expect(pkg.repository.type).toBe('git');
		expect(repository).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/);
		expect(pkg.homepage.startsWith(repository)).toBe(true);
		expect(pkg.bugs.url.startsWith(repository)).toBe(true);
		// n8n's scanner wants an author email: the publisher's own (a reserved .invalid placeholder until
		// one is set), never an address of NemoVideo's.
		expect(pkg.author.email).toMatch(/^[^@\s]+@[^@\s]+$/);
		expect(pkg.author.email).not.toMatch(/nemovideo\.(ai|com)$/);
		expect(JSON.stringify(pkg)).not.toMatch(/@nemovideo\.ai|github\.com\/nemovideo\//);
	});

	test('every codex Docs link starts with the repository and names a page in docs/ (else run node scripts/doc-links.js)', () => {
		const links = codexLinks();
		expect(links.length).toBeGreaterThanOrEqual(12); // six nodes × (primary + credential)
		for (const { file, url } of links) {
			if (!url.startsWith(docsPrefix)) throw new Error(`${file}: ${url} does not start with ${docsPrefix}; run node scripts/doc-links.js`);
			expect(fs.existsSync(path.join(root, 'docs', pageOf(url)))).toBe(true);
		}
	});

	test('each node links its own page and the credential page', () => {
		for (const dir of fs.readdirSync(path.join(root, 'nodes')).filter((name) => name.startsWith('Nemo'))) {
			const codex = JSON.parse(fs.readFileSync(path.join(root, 'nodes', dir, `${dir}.node.json`), 'utf8'));
			const slug = dir.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
			expect(codex.resources.primaryDocumentation[0].url).toBe(docsUrl(`nodes/${slug}.md`));
			expect(codex.resources.credentialDocumentation[0].url).toBe(docsUrl('credential.md'));
		}
	});

	test('the credential\'s documentationUrl is the credential page of that repository', () => {
		const url = new NemoApi().documentationUrl;
		if (url !== docsUrl('credential.md')) throw new Error(`The credential's documentationUrl ${url} is not ${docsUrl('credential.md')}; run node scripts/doc-links.js`);
		expect(fs.existsSync(path.join(root, 'docs', pageOf(url)))).toBe(true);
	});
});
