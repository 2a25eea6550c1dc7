// @ts-check
'use strict';
/**
 * The example workflows in examples/ (importable as they are), and the few edits the demo and
 * the tests make before importing them: the values of the "Settings" node (folders, URLs), a
 * parameter of a named node (a trigger's watched folder), and which credential the nodes use.
 * Everything else is imported exactly as a user would import it.
 */
const fs = require('node:fs');
const path = require('node:path');

const EXAMPLES_DIR = path.resolve(__dirname, '..', 'examples');

/** The examples, by the id each file carries. */
const EXAMPLES = {
	demo: { file: 'demo-face-swap-audio-replace.json', id: 'nemoDemoPipeline' },
	webhook: { file: 'webhook-face-swap.json', id: 'nemoWebhookSwap1' },
	batch: { file: 'scheduled-batch.json', id: 'nemoBatchClips01' },
	folder: { file: 'folder-watch-face-swap.json', id: 'nemoFolderWatch1' },
	agent: { file: 'ai-agent-tools.json', id: 'nemoAiAgentTool1' },
};

/** Credential the examples refer to (id and name as written in the files). */
const EXAMPLE_CREDENTIAL = { id: 'nemoSimulator001', name: 'NemoVideo (local simulator)' };

/**
 * @typedef {{ id: string, name: string, nodes: Array<Record<string, any>>, connections: Record<string, any>, [k: string]: any }} Workflow
 */

/** @param {keyof typeof EXAMPLES} key @returns {Workflow} */
function loadExample(key) {
	const spec = EXAMPLES[key];
	if (!spec) throw new Error(`unknown example "${key}" (known: ${Object.keys(EXAMPLES).join(', ')})`);
	const wf = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, spec.file), 'utf8'));
	if (wf.id !== spec.id) throw new Error(`${spec.file}: id is "${wf.id}", expected "${spec.id}"`);
	return wf;
}

/**
 * @param {Workflow} wf
 * @param {string} name
 */
function nodeNamed(wf, name) {
	const node = wf.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`workflow "${wf.name}" has no node "${name}" (nodes: ${wf.nodes.map((n) => n.name).join(', ')})`);
	return node;
}

/**
 * A copy of an example with edits applied.
 * @param {Workflow} workflow
 * @param {{
 *   settings?: Record<string, string | number | boolean | unknown[]>,
 *   params?: Record<string, Record<string, unknown>>,
 *   credentials?: Record<string, { id: string, name: string }>,
 * }} edits
 *   settings: values for the "Settings" Set node's fields, by field name (arrays as JSON)
 *   params: node name -> parameter -> value (top-level parameters; "options.x" for one option)
 *   credentials: credential type -> { id, name } for every node that uses that type
 * @returns {Workflow}
 */
function configureWorkflow(workflow, edits) {
	/** @type {Workflow} */
	const wf = JSON.parse(JSON.stringify(workflow));
	if (edits.settings) {
		const settings = nodeNamed(wf, 'Settings');
		const list = settings.parameters.assignments.assignments;
		for (const [field, value] of Object.entries(edits.settings)) {
			const a = list.find((/** @type {{ name: string }} */ x) => x.name === field);
			if (!a) throw new Error(`"Settings" of "${wf.name}" has no field "${field}"`);
			a.value = Array.isArray(value) ? JSON.stringify(value) : value;
		}
	}
	for (const [nodeName, params] of Object.entries(edits.params || {})) {
		const node = nodeNamed(wf, nodeName);
		for (const [key, value] of Object.entries(params)) {
			const parts = key.split('.');
			let target = node.parameters;
			for (const p of parts.slice(0, -1)) target = target[p] ??= {};
			target[parts[parts.length - 1]] = value;
		}
	}
	for (const [type, ref] of Object.entries(edits.credentials || {})) {
		for (const node of wf.nodes) if (node.credentials && node.credentials[type]) node.credentials[type] = { ...ref };
	}
	return wf;
}

/** Every example, parsed (for import into the dev instance). */
function allExamples() {
	return /** @type {Array<keyof typeof EXAMPLES>} */ (Object.keys(EXAMPLES)).map((k) => loadExample(k));
}

module.exports = { EXAMPLES, EXAMPLES_DIR, EXAMPLE_CREDENTIAL, loadExample, configureWorkflow, nodeNamed, allExamples };
