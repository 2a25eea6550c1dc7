#!/usr/bin/env node
// The Docs links follow package.json's `repository.url`, the one place a publisher sets it: this
// rewrites the URLs of every codex file (nodes/*/*.node.json) and the credential's documentationUrl
// (credentials/*.credentials.ts) to <repository>/blob/main/docs/<page>, keeping each page. Both
// must be literals (codex JSON; n8n's lint rules want a literal documentationUrl).
// `node scripts/doc-links.js` writes them; `--check` only says which differ (exit 1).
// test/nodes/doc-links.test.ts checks them, and that each page exists.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { repository } = require(path.join(root, 'package.json'));
const base = String(repository && repository.url ? repository.url : '')
	.replace(/^git\+/, '')
	.replace(/\.git$/, '');
if (!/^https:\/\//.test(base)) {
	console.error('package.json has no https repository.url');
	process.exit(1);
}
const check = process.argv.includes('--check');
let differing = 0;
const files = [
	...fs.readdirSync(path.join(root, 'nodes')).map((dir) => path.join(root, 'nodes', dir, `${dir}.node.json`)),
	...fs.readdirSync(path.join(root, 'credentials')).filter((name) => name.endsWith('.credentials.ts')).map((name) => path.join(root, 'credentials', name)),
];
for (const file of files) {
	if (!fs.existsSync(file)) continue;
	const text = fs.readFileSync(file, 'utf8');
	const next = text
		.replace(/"url": "https?:\/\/[^"]*?\/blob\/main\/docs\/([^"]+)"/g, (_, page) => `"url": "${base}/blob/main/docs/${page}"`)
		.replace(/documentationUrl = 'https?:\/\/[^']*?\/blob\/main\/docs\/([^']+)'/g, (_, page) => `documentationUrl = '${base}/blob/main/docs/${page}'`);
	if (next === text) continue;
	differing++;
	console.log(`${check ? 'differs' : 'rewrote'}: ${path.relative(root, file)}`);
	if (!check) fs.writeFileSync(file, next);
}
if (check && differing) process.exit(1);
