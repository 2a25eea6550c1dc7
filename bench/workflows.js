// @ts-check
'use strict';
/**
 * The benchmark workflows: our nodes and their peer, n8n's own HTTP Request node (v4.2),
 * doing the same job in the same n8n. Every workflow starts with a Manual Trigger (run with
 * `n8n execute`); ids are fixed.
 */
const { CREDENTIAL } = require('./lib/n8n');

const TRIGGER = { id: 'b0', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
const NEMO = 'n8n-nodes-nemovideo';
const credentials = { nemoApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } };

/** A fixed 16-character workflow id: prefix, tag, then Z padding (tags never contain Z). @param {string} prefix @param {string | number} tag */
function wid(prefix, tag) {
	const id = `${prefix}${tag}`;
	if (id.length > 16) throw new Error(`workflow id ${id} is too long`);
	return id.padEnd(16, 'Z');
}

/**
 * A straight chain of nodes after the trigger.
 * @param {string} id
 * @param {string} name
 * @param {Array<Record<string, any>>} nodes
 */
function chain(id, name, nodes) {
	/** @type {Array<Record<string, any>>} */
	const all = [TRIGGER, ...nodes.map((n, i) => ({ id: `b${i + 1}`, position: [(i + 1) * 220, 0], ...n }))];
	/** @type {Record<string, any>} */
	const connections = {};
	for (let i = 0; i + 1 < all.length; i++) connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	return { id, name, active: false, settings: { executionOrder: 'v1' }, nodes: all, connections };
}

/** Read/Write Files from Disk, read: one item per matching file, binary in `data`. @param {string} selector */
const readFiles = (selector) => ({
	name: 'Read Files',
	type: 'n8n-nodes-base.readWriteFile',
	typeVersion: 1,
	parameters: { operation: 'read', fileSelector: selector, options: {} },
});

/** @param {string} token */
const authHeader = (token) => ({ sendHeaders: true, headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${token}` }] } });

/** Code node making `n` plain items. @param {number} n */
const makeItems = (n) => ({
	name: 'Make Items',
	type: 'n8n-nodes-base.code',
	typeVersion: 2,
	parameters: { jsCode: `return Array.from({ length: ${n} }, (_, i) => ({ json: { i } }));` },
});

const W = {
	/** @param {string} tag @param {string} clip */
	uploadNemo: (tag, clip) =>
		chain(wid('benchUpNemo', tag), `bench: upload ${tag} (Nemo Upload)`, [
			readFiles(clip),
			{
				name: 'Nemo Upload',
				type: `${NEMO}.nemoUpload`,
				typeVersion: 1,
				credentials,
				parameters: { source: 'binary', binaryPropertyNames: 'data', sessionId: '', options: {} },
			},
		]),
	/** @param {string} tag @param {string} clip @param {string} url @param {string} token */
	uploadHttp: (tag, clip, url, token) =>
		chain(wid('benchUpHttp', tag), `bench: upload ${tag} (HTTP Request)`, [
			readFiles(clip),
			{
				name: 'HTTP Request',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				parameters: {
					method: 'POST',
					url,
					...authHeader(token),
					sendBody: true,
					contentType: 'multipart-form-data',
					bodyParameters: { parameters: [{ parameterType: 'formBinaryData', name: 'files', inputDataFieldName: 'data' }] },
					options: {},
				},
			},
		]),
	/** @param {string} tag @param {string} renderId */
	downloadNemo: (tag, renderId) =>
		chain(wid('benchDnNemo', tag), `bench: download ${tag} (Nemo Export)`, [
			{
				name: 'Nemo Export',
				type: `${NEMO}.nemoExport`,
				typeVersion: 1,
				credentials,
				parameters: { exportOperation: 'getStatus', render: 'id', renderId, output: 'binary', options: { fileName: 'result.mp4' } },
			},
		]),
	/** @param {string} tag @param {string} url */
	downloadHttp: (tag, url) =>
		chain(wid('benchDnHttp', tag), `bench: download ${tag} (HTTP Request)`, [
			{
				name: 'HTTP Request',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				parameters: { method: 'GET', url, options: { response: { response: { responseFormat: 'file' } } } },
			},
		]),
	/** @param {number} n @param {number} [itemsAtOnce] */
	creditsNemo: (n, itemsAtOnce) =>
		chain(wid('benchCrNemo', itemsAtOnce ?? 'd'), `bench: ${n} items (Nemo Credits${itemsAtOnce ? `, ${itemsAtOnce} at once` : ''})`, [
			makeItems(n),
			{
				name: 'Nemo Credits',
				type: `${NEMO}.nemoCredits`,
				typeVersion: 1,
				credentials,
				parameters: { minimumAvailable: 0, options: itemsAtOnce ? { itemsAtOnce } : {} },
			},
		]),
	/** @param {number} n @param {string} url @param {string} token */
	creditsHttp: (n, url, token) =>
		chain('benchCrHttp00000', `bench: ${n} items (HTTP Request)`, [
			makeItems(n),
			{
				name: 'HTTP Request',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				parameters: { method: 'GET', url, ...authHeader(token), options: {} },
			},
		]),
	/** @param {number} itemsAtOnce @param {string} selector @param {string} faceUrl */
	batch: (itemsAtOnce, selector, faceUrl) =>
		chain(wid('benchBatch', itemsAtOnce), `bench: batch of face swaps, ${itemsAtOnce} at once`, [
			readFiles(selector),
			{
				name: 'Nemo Face Swap',
				type: `${NEMO}.nemoFaceSwap`,
				typeVersion: 1,
				credentials,
				parameters: {
					videoSource: 'binary',
					videoBinaryProperty: 'data',
					faceSource: 'url',
					faceUrl,
					result: 'binary',
					sessionId: '',
					options: { itemsAtOnce, binaryPropertyOutput: 'result' },
				},
			},
		]),
};

module.exports = { W };
