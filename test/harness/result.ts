import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { BinaryData, BinaryDataService } from 'n8n-core';
import type {
	ExecutionError,
	IBinaryData,
	ICredentialDataDecryptedObject,
	INodeExecutionData,
	IRun,
	IRunData,
	ITaskData,
} from 'n8n-workflow';
import { BINARY_ENCODING, UserError } from 'n8n-workflow';

import type { HarnessCredentialsHelper } from './credentials-helper';

/** What runWorkflow returns: the IRun plus accessors for assertions. */
export class WorkflowRunResult {
	constructor(
		/** n8n's own result object, untouched. */
		readonly run: IRun,
		/** Node names in the order their `nodeExecuteAfter` hook fired. */
		readonly executionOrder: string[],
		private readonly binaryDataService: BinaryDataService,
		private readonly credentialsHelper: HarnessCredentialsHelper,
		private readonly runDir: string,
	) {}

	get runData(): IRunData {
		return this.run.data.resultData.runData;
	}

	/** 'success' | 'error' | 'canceled' | ... */
	get status(): IRun['status'] {
		return this.run.status;
	}

	/** The error that failed (or cancelled) the execution, if any. */
	get error(): ExecutionError | undefined {
		return this.run.data.resultData.error;
	}

	/** The task data of one run of one node; throws if the node never ran. */
	task(nodeName: string, runIndex = 0): ITaskData {
		const task = this.runData[nodeName]?.[runIndex];
		if (!task) {
			const ran = Object.keys(this.runData).join(', ') || 'none';
			throw new UserError(`Node "${nodeName}" has no run ${runIndex} (nodes that ran: ${ran})`);
		}
		return task;
	}

	/** All main outputs of a node: `[output0Items, output1Items, ...]`. */
	nodeOutputs(nodeName: string, runIndex = 0): INodeExecutionData[][] {
		return (this.task(nodeName, runIndex).data?.main ?? []).map((items) => items ?? []);
	}

	/** Items on one main output (0 = success; 1 = error output with `onError: 'continueErrorOutput'`). */
	nodeOutput(nodeName: string, outputIndex = 0, runIndex = 0): INodeExecutionData[] {
		return this.nodeOutputs(nodeName, runIndex)[outputIndex] ?? [];
	}

	/** The error a node failed with (NodeOperationError / NodeApiError, as n8n stored it). */
	nodeError(nodeName: string, runIndex = 0): ExecutionError | undefined {
		return this.runData[nodeName]?.[runIndex]?.error;
	}

	/** Binary content as a Buffer, whatever the mode (reads the file in filesystem mode). */
	async binaryBuffer(binary: IBinaryData): Promise<Buffer> {
		return await this.binaryDataService.getAsBuffer(binary);
	}

	/** Binary content as a stream (from disk in filesystem mode, without loading it). */
	async binaryStream(binary: IBinaryData): Promise<Readable> {
		if (binary.id) return await this.binaryDataService.getAsStream(binary.id);
		return Readable.from([Buffer.from(binary.data, BINARY_ENCODING)]);
	}

	/** Stored metadata of a filesystem binary (fileName, mimeType, fileSize in bytes). */
	async binaryMetadata(binary: IBinaryData): Promise<BinaryData.Metadata | undefined> {
		return binary.id ? await this.binaryDataService.getMetadata(binary.id) : undefined;
	}

	/** Decrypted credential data as stored after the run (e.g. a token set by preAuthentication). */
	storedCredentials(type: string): ICredentialDataDecryptedObject | undefined {
		return this.credentialsHelper.storedData(type);
	}

	/** Deletes this run's binary files (they are removed at process exit anyway). */
	async cleanup(): Promise<void> {
		await rm(this.runDir, { recursive: true, force: true });
	}
}
