import { CredentialTestContext, ExecuteContext, RoutingNode } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunction,
	ICredentialTestRequestData,
	ICredentialType,
	ICredentialsDecrypted,
	INode,
	INodeCredentialTestResult,
	INodeType,
} from 'n8n-workflow';
import { Workflow, createRunExecutionData } from 'n8n-workflow';

import { buildAdditionalData } from './additional-data';
import { HarnessCredentialsHelper } from './credentials-helper';
import { ensureN8nServices } from './n8n-services';
import type { AnyNodeType } from './node-types';
import { HarnessCredentialTypes, HarnessNoOp, HarnessNodeTypes, NO_OP_TYPE } from './node-types';
import { recordCredentialTokens, recordEmitted } from '../reliability/leak-sink';

export interface TestCredentialsOptions {
	/** Credential type name to test, e.g. 'nemoApi'. */
	type: string;
	/** Decrypted data as a user would type it into the credential dialog. */
	data: ICredentialDataDecryptedObject;
	credentialTypes: ICredentialType[];
	/** Needed only when the test lives on a node (`credentials: [{ name, testedBy }]`). */
	nodeTypes?: Record<string, AnyNodeType>;
}

/**
 * The "Test credential" button: a port of n8n's CLI CredentialsTester. Either the
 * credential type's `test` request is run through n8n-core's RoutingNode on a
 * temporary NoOp node (so preAuthentication + authenticate apply, and `rules`
 * decide), or the node's `methods.credentialTest[testedBy]` function is called.
 */
export async function testCredentials(
	options: TestCredentialsOptions,
): Promise<INodeCredentialTestResult> {
	return (await testCredentialsKeeping(options)).answer;
}

/** The Test's answer, and the credential as n8n stores it afterwards (a preAuthentication's token kept). */
export async function testCredentialsKeeping(
	options: TestCredentialsOptions,
): Promise<{ answer: INodeCredentialTestResult; stored: ICredentialDataDecryptedObject | undefined }> {
	ensureN8nServices();
	// The token-leak check (test/reliability/leak-sink.ts) sees every credential test's answer.
	recordCredentialTokens(options.data as { accessToken?: unknown });
	const noOp = new HarnessNoOp();
	const nodeTypes = new HarnessNodeTypes({ [NO_OP_TYPE]: noOp, ...options.nodeTypes });
	const credentialTypes = new HarnessCredentialTypes(options.credentialTypes, nodeTypes);
	const credentialsHelper = new HarnessCredentialsHelper(credentialTypes, {
		[options.type]: options.data,
	});
	const answer = await testCredentialsUnrecorded(options, { noOp, nodeTypes, credentialTypes, credentialsHelper });
	recordEmitted('credential test answer', answer);
	return { answer, stored: credentialsHelper.storedData(options.type) };
}

async function testCredentialsUnrecorded(
	options: TestCredentialsOptions,
	{ noOp, nodeTypes, credentialTypes, credentialsHelper }: { noOp: HarnessNoOp; nodeTypes: HarnessNodeTypes; credentialTypes: HarnessCredentialTypes; credentialsHelper: HarnessCredentialsHelper },
): Promise<INodeCredentialTestResult> {
	const additionalData = buildAdditionalData({ credentialsHelper });

	const test = findCredentialTest(options.type, credentialTypes, nodeTypes);
	if (!test) return { status: 'Error', message: 'No testing function found for this credential.' };

	const credentials: ICredentialsDecrypted = {
		id: `${options.type}-id`,
		name: `${options.type} (harness)`,
		type: options.type,
		data: await credentialsHelper.applyDefaultsAndExpressions(
			additionalData,
			options.data,
			options.type,
			'internal',
		),
	};

	if (typeof test === 'function') return await test.call(new CredentialTestContext(), credentials);

	const baseType: INodeType = test.nodeType ?? noOp;
	// A throwaway node type whose only parameter carries the test request, as n8n does.
	const tempType: INodeType = {
		description: {
			...baseType.description,
			credentials: [{ name: options.type, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: test.testRequest.request },
					default: '',
				},
			],
		},
	};
	const version = baseType.description.version;
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: NO_OP_TYPE,
		typeVersion: Array.isArray(version) ? version[version.length - 1] : version,
		position: [0, 0],
		// `temp: ''` is how n8n's preAuthentication recognises a credential test.
		parameters: { temp: '' },
		credentials: { [options.type]: { id: credentials.id, name: credentials.name } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new HarnessNodeTypes({ [NO_OP_TYPE]: tempType }),
	});
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		createRunExecutionData(),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);

	let response;
	try {
		response = await new RoutingNode(context, tempType, credentials).runNode();
	} catch (error) {
		return failedTestResult(error, test);
	}
	for (const rule of test.testRequest.rules ?? []) {
		if (rule.type !== 'responseSuccessBody') continue;
		const body = response?.[0]?.[0]?.json ?? {};
		if (getPath(body, rule.properties.key) === rule.properties.value) {
			return { status: 'Error', message: rule.properties.message };
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}

function findCredentialTest(
	type: string,
	credentialTypes: HarnessCredentialTypes,
	nodeTypes: HarnessNodeTypes,
): ICredentialTestFunction | ICredentialTestRequestData | undefined {
	const credentialType = credentialTypes.getByName(type);
	if (credentialType.test) return { testRequest: credentialType.test };
	for (const [, nodeType] of nodeTypes.entries()) {
		for (const { name, testedBy } of nodeType.description.credentials ?? []) {
			if (name !== type || !testedBy) continue;
			if (typeof testedBy === 'string') return nodeType.methods?.credentialTest?.[testedBy];
			return { nodeType, testRequest: testedBy };
		}
	}
	return undefined;
}

/** Error → result, with the same precedence as n8n: responseCode rules, non-2xx, error code. */
function failedTestResult(error: unknown, test: ICredentialTestRequestData): INodeCredentialTestResult {
	const cause = (error as { cause?: { response?: { status: number; statusText?: string }; code?: string } })
		.cause;
	if (cause?.response) {
		const { status, statusText } = cause.response;
		for (const rule of test.testRequest.rules ?? []) {
			if (rule.type === 'responseCode' && rule.properties.value === status) {
				return { status: 'Error', message: rule.properties.message };
			}
		}
		if (status < 199 || status > 299) {
			return { status: 'Error', message: statusText || `Received HTTP status code: ${status}` };
		}
	} else if (cause?.code) {
		return { status: 'Error', message: cause.code };
	}
	return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
}

function getPath(value: unknown, dottedKey: string): unknown {
	return dottedKey
		.split('.')
		.reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}
