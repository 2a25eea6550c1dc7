import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
	ExecutionLifecycleHooks,
	WorkflowExecute,
	copyBinaryFile,
	prepareBinaryData,
} from 'n8n-core';
import type {
	IBinaryKeyData,
	ICredentialType,
	IDataObject,
	INode,
	INodeParameters,
	INodeExecutionData,
	IWorkflowBase,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { UserError, Workflow } from 'n8n-workflow';

import { buildAdditionalData } from './additional-data';
import type { CredentialsByType } from './credentials-helper';
import { HarnessCredentialsHelper } from './credentials-helper';
import type { BinaryDataMode } from './n8n-services';
import { ensureN8nServices, installBinaryDataService, newRunDir } from './n8n-services';
import type { AnyNodeType } from './node-types';
import {
	HarnessCredentialTypes,
	HarnessManualTrigger,
	HarnessNoOp,
	HarnessNodeTypes,
	MANUAL_TRIGGER_TYPE,
	NO_OP_TYPE,
} from './node-types';
import { WorkflowRunResult } from './result';
import { recordCredentialTokens, recordRun } from '../reliability/leak-sink';

/** Workflow JSON as the n8n editor exports it (extra fields are ignored). */
export type WorkflowJson = Pick<IWorkflowBase, 'nodes' | 'connections'> &
	Partial<Pick<IWorkflowBase, 'id' | 'name' | 'settings' | 'staticData'>>;

/** A binary property of an input item: content (Buffer / stream / utf-8 text) or a file to copy. */
export type HarnessBinaryInput = { fileName?: string; mimeType?: string } & (
	| { data: Buffer | Readable | string }
	| { filePath: string }
);

export interface HarnessInputItem {
	json?: IDataObject;
	binary?: Record<string, HarnessBinaryInput>;
}

export interface RunWorkflowOptions {
	workflow: WorkflowJson;
	/** Node classes by the type name used in the workflow JSON. Manual Trigger and NoOp are built in. */
	nodeTypes?: Record<string, AnyNodeType>;
	credentialTypes?: ICredentialType[];
	/** Decrypted data by credential type, e.g. `{ nemoApi: { accessToken: 'x' } }`. */
	credentials?: CredentialsByType;
	/** Items the Manual Trigger emits (default: one empty item, like n8n). */
	inputItems?: HarnessInputItem[];
	/** 'default': binaries inline as base64; 'filesystem': files on disk with ids. Default 'default'. */
	binaryDataMode?: BinaryDataMode;
	/** Aborting it cancels the execution (PCancelable.cancel, as n8n's "Stop" does). */
	signal?: AbortSignal;
	/** Cancels the execution after this many ms. */
	cancelAfterMs?: number;
}

/** Reads an exported workflow JSON file. */
export function loadWorkflow(filePath: string): WorkflowJson {
	const json = JSON.parse(readFileSync(filePath, 'utf-8')) as WorkflowJson;
	if (!Array.isArray(json.nodes) || typeof json.connections !== 'object') {
		throw new UserError(`${filePath} is not an n8n workflow export (needs nodes and connections)`);
	}
	return json;
}

/**
 * Copy of `workflow` with one node changed, e.g.
 * `withNode(wf, 'Upload', { onError: 'continueErrorOutput', parameters: { waitMs: 10 } })`
 * (parameters are merged into the existing ones).
 */
export function withNode(
	workflow: WorkflowJson,
	nodeName: string,
	patch: Partial<Omit<INode, 'parameters'>> & { parameters?: INodeParameters },
): WorkflowJson {
	const copy = structuredClone(workflow);
	const node = copy.nodes.find((n) => n.name === nodeName);
	if (!node) throw new UserError(`No node "${nodeName}" in the workflow`);
	Object.assign(node, { ...patch, parameters: { ...node.parameters, ...patch.parameters } });
	return copy;
}

/**
 * Runs a workflow in n8n-core's WorkflowExecute, the engine n8n itself uses: real
 * node contexts and helpers, real BinaryDataService, real ExecutionLifecycleHooks,
 * real PCancelable cancellation; only the database/server parts are replaced.
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowRunResult> {
	// The token-leak check (test/reliability/leak-sink.ts) sees every run of every test: its
	// credentials' tokens, and its whole IRun (output items, error items, errors).
	const nemoCredential = options.credentials?.nemoApi as { accessToken?: unknown } | undefined;
	recordCredentialTokens(nemoCredential);
	// The harness's own fixture nodes (no Nemo credential) echo their test key on purpose.
	return recordRun(await runWorkflowUnrecorded(options), { nemoCredential: nemoCredential !== undefined });
}

async function runWorkflowUnrecorded(options: RunWorkflowOptions): Promise<WorkflowRunResult> {
	ensureN8nServices();
	const { runDir, executionId } = newRunDir();
	const binaryDataService = await installBinaryDataService(
		options.binaryDataMode ?? 'default',
		path.join(runDir, 'binaryData'),
	);
	// An editor run ("Execute workflow"): the mode the Manual Trigger is built for.
	const mode: WorkflowExecuteMode = 'manual';
	const workflowId = options.workflow.id ?? 'harness-workflow';

	const inputItems = await toExecutionData(options.inputItems, workflowId, executionId);
	const nodeTypes = new HarnessNodeTypes({
		[MANUAL_TRIGGER_TYPE]: new HarnessManualTrigger(inputItems),
		[NO_OP_TYPE]: new HarnessNoOp(),
		...options.nodeTypes,
	});
	const credentialTypes = new HarnessCredentialTypes(options.credentialTypes ?? [], nodeTypes);
	const credentialsHelper = new HarnessCredentialsHelper(credentialTypes, options.credentials);

	const { nodes, connections, settings, staticData, name } = options.workflow;
	const workflow = new Workflow({
		id: workflowId,
		name,
		// Deep copy: n8n mutates nodes/parameters, and tests often reuse one fixture.
		nodes: structuredClone(nodes),
		connections,
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1', ...settings },
		staticData,
	});
	const startNode = Object.values(workflow.nodes).find((n) => n.type === MANUAL_TRIGGER_TYPE);
	if (!startNode) throw new UserError(`The workflow needs a "${MANUAL_TRIGGER_TYPE}" node`);

	const workflowData: IWorkflowBase = {
		id: workflowId,
		name: name ?? 'Harness workflow',
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes,
		connections,
		settings,
	};
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const executionOrder: string[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executionOrder.push(nodeName);
	});

	const additionalData = buildAdditionalData({ credentialsHelper, executionId, hooks });
	// run() is the entry point of a full manual execution (it builds the execution stack).
	const execution = new WorkflowExecute(additionalData, mode).run(workflow, startNode);

	// Cancelling the PCancelable aborts the engine's AbortController, which is
	// what nodes see through this.getExecutionCancelSignal().
	const cancel = () => execution.cancel();
	const { signal, cancelAfterMs } = options;
	signal?.addEventListener('abort', cancel, { once: true });
	if (signal?.aborted) cancel();
	const timer = cancelAfterMs === undefined ? undefined : setTimeout(cancel, cancelAfterMs);
	try {
		const run = await execution;
		if (execution.isCanceled) {
			// What n8n's WorkflowRunner does with a stopped execution: the engine's IRun
			// may say 'error' (the node threw on abort), but the execution is 'canceled'.
			run.finished = false;
			run.status = 'canceled';
		}
		return new WorkflowRunResult(run, executionOrder, binaryDataService, credentialsHelper, runDir);
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', cancel);
	}
}

/** Stores input binaries through n8n-core's own helpers, so ids/metadata are real. */
async function toExecutionData(
	items: HarnessInputItem[] | undefined,
	workflowId: string,
	executionId: string,
): Promise<INodeExecutionData[]> {
	if (!items) return [{ json: {} }];
	const result: INodeExecutionData[] = [];
	for (const item of items) {
		const binary: IBinaryKeyData = {};
		for (const [key, input] of Object.entries(item.binary ?? {})) {
			binary[key] =
				'filePath' in input
					? await copyBinaryFile(
							workflowId,
							executionId,
							input.filePath,
							input.fileName ?? path.basename(input.filePath),
							input.mimeType,
						)
					: await prepareBinaryData(
							typeof input.data === 'string' ? Buffer.from(input.data) : input.data,
							executionId,
							workflowId,
							input.fileName,
							input.mimeType,
						);
		}
		result.push({
			json: item.json ?? {},
			...(item.binary ? { binary } : {}),
		});
	}
	return result;
}
