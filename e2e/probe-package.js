// @ts-check
'use strict';
/**
 * Writes a tiny throwaway community package, laid out as n8n-nodes-starter lays one out
 * (package.json with an `n8n` attribute naming dist/ node files), so the smoke test can prove
 * that a tarball installed in `.n8n/nodes` is loaded by a real n8n, without depending on our
 * own package being finished. Its node type is `n8n-nodes-e2e-probe.e2eProbe`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PROBE_PACKAGE = 'n8n-nodes-e2e-probe'; // n8n only loads n8n-nodes-* from .n8n/nodes
const PROBE_NODE_TYPE = `${PROBE_PACKAGE}.e2eProbe`;

// Plain JS, as tsc would emit it. The class name must match the file name (Probe.node.js ->
// Probe): n8n's loader looks the class up by that name. It requires n8n-workflow on purpose:
// installed without peer dependencies, the package must get n8n's own copy (n8n puts its
// module paths on NODE_PATH), exactly like our real package's dist does.
const NODE_SOURCE = `'use strict';
const { NodeOperationError } = require('n8n-workflow');

class Probe {
	constructor() {
		this.description = {
			displayName: 'E2E Probe',
			name: 'e2eProbe',
			group: ['transform'],
			version: 1,
			description: 'Adds a greeting; proves a community package was loaded',
			defaults: { name: 'E2E Probe' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [
				{ displayName: 'Greeting', name: 'greeting', type: 'string', default: 'hello' },
				{ displayName: 'Fail', name: 'fail', type: 'boolean', default: false },
			],
		};
	}

	async execute() {
		const items = this.getInputData();
		const out = [];
		for (let i = 0; i < items.length; i++) {
			if (this.getNodeParameter('fail', i)) {
				throw new NodeOperationError(this.getNode(), 'probe asked to fail', { itemIndex: i });
			}
			out.push({
				json: {
					...items[i].json,
					greeting: this.getNodeParameter('greeting', i),
					probe: { node: process.version, workflowLib: require.resolve('n8n-workflow') },
				},
				pairedItem: { item: i },
			});
		}
		return [out];
	}
}
module.exports = { Probe };
`;

/**
 * Create the probe package folder and return it (pack it with package-tarball.packFolder).
 * @param {{ dir?: string, version?: string }} [o]
 */
function writeProbePackage(o = {}) {
	const dir = o.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-probe-'));
	const nodeDir = path.join(dir, 'dist', 'nodes', 'Probe');
	fs.mkdirSync(nodeDir, { recursive: true });
	fs.writeFileSync(path.join(nodeDir, 'Probe.node.js'), NODE_SOURCE);
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify(
			{
				name: PROBE_PACKAGE,
				version: o.version || '0.0.1',
				description: 'Throwaway package made by e2e/probe-package.js',
				keywords: ['n8n-community-node-package'],
				license: 'MIT',
				main: 'index.js',
				files: ['dist'],
				n8n: { n8nNodesApiVersion: 1, credentials: [], nodes: ['dist/nodes/Probe/Probe.node.js'] },
				peerDependencies: { 'n8n-workflow': '*' },
			},
			null,
			2,
		),
	);
	return dir;
}

module.exports = { writeProbePackage, PROBE_PACKAGE, PROBE_NODE_TYPE };
