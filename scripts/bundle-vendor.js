// @ts-check
'use strict';
/**
 * After tsc: replaces dist/nodes/shared/client/vendor.js (which would require
 * eventsource-parser and lossless-json from node_modules) with one bundle that
 * contains them, plus its source map, so the published package needs no runtime dependencies.
 * n8n-workflow stays external: n8n provides it.
 */
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'nodes', 'shared', 'client', 'vendor.js');

esbuild
	.build({
		entryPoints: [path.join(root, 'nodes', 'shared', 'client', 'vendor.ts')],
		outfile,
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'cjs',
		minify: true,
		sourcemap: true,
		sourcesContent: false,
		legalComments: 'linked',
		external: ['n8n-workflow'],
		logLevel: 'warning',
	})
	.then(() => console.log(`bundled ${path.relative(root, outfile)}`))
	.catch(() => process.exit(1));
