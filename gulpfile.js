// Copies the icons from icons/ next to every compiled node and credential in dist/:
// n8n resolves `icon: 'file:nemo.svg'` relative to the .node.js / .credentials.js file,
// and a copy beside each file works in every n8n version we support.
const path = require('path');
const fs = require('fs');
const { task, src, dest, parallel } = require('gulp');

function folderContaining(pattern) {
	const root = path.resolve('dist', pattern);
	if (!fs.existsSync(root)) return [];
	return fs
		.readdirSync(root, { withFileTypes: true })
		.filter((entry) => entry.isDirectory())
		.map((entry) => path.join(root, entry.name));
}

function copyIconsTo(folder) {
	const copy = () => src(path.resolve('icons', '*.svg'), { encoding: false }).pipe(dest(folder));
	copy.displayName = `icons → ${path.relative(process.cwd(), folder)}`;
	return copy;
}

task('build:icons', (done) => {
	const targets = [...folderContaining('nodes'), path.resolve('dist', 'credentials')];
	return parallel(...targets.map(copyIconsTo))(done);
});
