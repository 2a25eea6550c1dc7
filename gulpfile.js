// Copies what tsc does not into dist/: the icon from icons/ next to every compiled node and
// credential (n8n resolves `icon: 'file:nemo.svg'` relative to the .js file, and a copy beside
// each file works in every n8n version we support), and each node's codex file (*.node.json).
const path = require('path');
const fs = require('fs');
const { task, src, dest, parallel } = require('gulp');

function subfolders(folder) {
	if (!fs.existsSync(folder)) return [];
	return fs
		.readdirSync(folder, { withFileTypes: true })
		.filter((entry) => entry.isDirectory() && entry.name !== 'shared')
		.map((entry) => path.join(folder, entry.name));
}

function copy(glob, to) {
	const step = () => src(glob, { encoding: false, allowEmpty: true }).pipe(dest(to));
	step.displayName = `${path.relative(process.cwd(), glob)} → ${path.relative(process.cwd(), to)}`;
	return step;
}

task('build:icons', (done) => {
	const icons = path.resolve('icons', '*.svg');
	const nodeFolders = subfolders(path.resolve('dist', 'nodes'));
	const steps = [
		...nodeFolders.map((folder) => copy(icons, folder)),
		copy(icons, path.resolve('dist', 'credentials')),
		copy(path.resolve('nodes', '**', '*.node.json'), path.resolve('dist', 'nodes')),
	];
	return parallel(...steps)(done);
});
