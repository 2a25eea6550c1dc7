/**
 * In-process n8n test harness: runs workflow JSON in n8n-core's own
 * WorkflowExecute with real credentials/binary-data/cancellation plumbing.
 * See README.md beside this file.
 */
export { runWorkflow, loadWorkflow, withNode } from './run-workflow';
export type {
	RunWorkflowOptions,
	WorkflowJson,
	HarnessInputItem,
	HarnessBinaryInput,
} from './run-workflow';
export { WorkflowRunResult } from './result';
export { testCredentials, testCredentialsKeeping } from './credential-test';
export type { TestCredentialsOptions } from './credential-test';
export type { CredentialsByType } from './credentials-helper';
export type { BinaryDataMode } from './n8n-services';
export { harnessRootDir, cleanupHarness } from './n8n-services';
export { MANUAL_TRIGGER_TYPE, NO_OP_TYPE, HarnessManualTrigger, HarnessNoOp } from './node-types';
