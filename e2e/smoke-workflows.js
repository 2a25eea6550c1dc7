// @ts-check
'use strict';
/**
 * The smoke test's workflows, built from n8n's own nodes plus the probe package's node. Node
 * typeVersions are ones both n8n 1.123 and 2.40 accept. Ids are fixed (import:workflow keeps
 * them; tests address workflows by id).
 */
const { PROBE_NODE_TYPE } = require('./probe-package');

const IDS = {
	exec: 'e2eSmokeExec0001',
	fail: 'e2eSmokeFail0001',
	hook: 'e2eSmokeHook0001',
};
const HOOK_PATH = 'e2e-smoke-hook';

/** @param {string} from @param {string} to */
const link = (from, to) => ({ [from]: { main: [[{ node: to, type: 'main', index: 0 }]] } });

/** Manual Trigger -> Code -> Set -> probe node: run with `n8n execute`. */
function execWorkflow() {
	return {
		id: IDS.exec,
		name: 'e2e smoke: execute',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'e1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'e2',
				name: 'Code',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
				parameters: { jsCode: 'return [{ json: { sum: 1 + 2 } }, { json: { sum: 20 + 1 } }];' },
			},
			{
				id: 'e3',
				name: 'Set',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [400, 0],
				parameters: {
					mode: 'manual',
					includeOtherFields: true,
					assignments: { assignments: [{ id: 'a1', name: 'doubled', value: '={{ $json.sum * 2 }}', type: 'number' }] },
					options: {},
				},
			},
			{
				id: 'e4',
				name: 'Probe',
				type: PROBE_NODE_TYPE,
				typeVersion: 1,
				position: [600, 0],
				parameters: { greeting: '=hi {{ $json.doubled }}' },
			},
		],
		connections: { ...link('Start', 'Code'), ...link('Code', 'Set'), ...link('Set', 'Probe') },
	};
}

/** Manual Trigger -> probe node told to fail: proves errors come back parsed. */
function failWorkflow() {
	return {
		id: IDS.fail,
		name: 'e2e smoke: failure',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'f1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: 'f2', name: 'Probe', type: PROBE_NODE_TYPE, typeVersion: 1, position: [200, 0], parameters: { fail: true } },
		],
		connections: link('Start', 'Probe'),
	};
}

/** Webhook (POST) -> probe node -> Respond to Webhook: answered over HTTP after n8n start. */
function hookWorkflow() {
	return {
		id: IDS.hook,
		name: 'e2e smoke: webhook',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: 'h1',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '6f1d3c2a-9b7e-4c1f-8a2d-3e2e5b0c3d4e',
				parameters: { httpMethod: 'POST', path: HOOK_PATH, responseMode: 'responseNode', options: {} },
			},
			{ id: 'h2', name: 'Probe', type: PROBE_NODE_TYPE, typeVersion: 1, position: [200, 0], parameters: { greeting: 'from webhook' } },
			{
				id: 'h3',
				name: 'Respond',
				type: 'n8n-nodes-base.respondToWebhook',
				typeVersion: 1.1,
				position: [400, 0],
				parameters: {
					respondWith: 'json',
					responseBody: '={{ JSON.stringify({ n: $json.body.n * 2, greeting: $json.greeting, node: $json.probe.node }) }}',
					options: {},
				},
			},
		],
		connections: { ...link('Webhook', 'Probe'), ...link('Probe', 'Respond') },
	};
}

module.exports = { IDS, HOOK_PATH, execWorkflow, failWorkflow, hookWorkflow };
