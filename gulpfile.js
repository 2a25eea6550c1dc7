// Copies what tsc does not into dist/: the icons into dist/icons/ (nodes and the credential
// point at them relatively, `file:../../icons/….svg`, as n8n-nodes-starter does), each node's
// codex file (*.node.json) and its output schemas (__schema__/, served to the editor).
const path = require('path');
const { task, src, dest, parallel } = require('gulp');

function copy(glob, to) {
	const step = () => src(glob, { encoding: false, allowEmpty: true }).pipe(dest(to));
	step.displayName = `${path.relative(process.cwd(), glob)} → ${path.relative(process.cwd(), to)}`;
	return step;
}

task('build:icons', (done) => {
	const steps = [
		copy(path.resolve('icons', '*.svg'), path.resolve('dist', 'icons')),
		copy(path.resolve('nodes', '**', '*.node.json'), path.resolve('dist', 'nodes')),
		copy(path.resolve('nodes', '**', '__schema__', '**', '*.json'), path.resolve('dist', 'nodes')),
	];
	return parallel(...steps)(done);
});
