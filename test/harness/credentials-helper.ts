import { Credentials, getAdditionalKeys } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsExpressionResolveValues,
	IExecuteData,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeParameters,
	INodeProperties,
	INodeType,
	IRequestOptionsSimplified,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { ICredentialsHelper, NodeHelpers, UserError, Workflow, isExpression } from 'n8n-workflow';

import type { HarnessCredentialTypes } from './node-types';
import { HarnessNodeTypes, NO_OP_TYPE } from './node-types';

/** Decrypted credential data by credential type name, e.g. `{ nemoApi: { accessToken } }`. */
export type CredentialsByType = Record<string, ICredentialDataDecryptedObject>;

/** A one-node workflow to resolve expressions in credentials outside a node run (as n8n does). */
const mockNodeType: INodeType = {
	description: {
		displayName: 'Mock',
		name: 'mock',
		group: [],
		version: 1,
		description: '',
		defaults: {},
		inputs: [],
		outputs: [],
		properties: [],
	},
};
const mockNode: INode = {
	id: 'harness-credentials',
	name: '',
	type: 'mock',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/**
 * ICredentialsHelper with the behaviour of n8n's CLI CredentialsHelper minus the
 * database: credentials are kept *encrypted* with n8n-core's Credentials/Cipher
 * (one per type, whatever id the node references), and on read we apply type
 * defaults and resolve expressions, run `preAuthentication` for expirable
 * properties (persisting the result, as n8n does), and apply the type's
 * `authenticate` (function or generic `{{$credentials.x}}` templates).
 */
export class HarnessCredentialsHelper extends ICredentialsHelper {
	private readonly store = new Map<string, Credentials>();

	constructor(
		private readonly credentialTypes: HarnessCredentialTypes,
		credentials: CredentialsByType = {},
	) {
		super();
		for (const [type, data] of Object.entries(credentials)) this.save(type, data);
	}

	/** What is stored now, e.g. to assert a preAuthentication token was persisted. */
	storedData(type: string): ICredentialDataDecryptedObject | undefined {
		return this.store.get(type)?.getData();
	}

	private save(type: string, data: ICredentialDataDecryptedObject) {
		const credentials = new Credentials({ id: `${type}-id`, name: `${type} (harness)` }, type);
		credentials.setData(data);
		this.store.set(type, credentials);
	}

	getParentTypes(name: string): string[] {
		return this.credentialTypes.getParentTypes(name);
	}

	async getCredentials(_nodeCredentials: INodeCredentialsDetails, type: string): Promise<Credentials> {
		const credentials = this.store.get(type);
		if (!credentials) {
			throw new UserError(
				`No credentials of type "${type}" given: pass runWorkflow({ credentials: { ${type}: {...} } })`,
			);
		}
		return credentials;
	}

	async getDecrypted(
		additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = (await this.getCredentials(nodeCredentials, type)).getData();
		if (raw === true) return stored;
		return await this.applyDefaultsAndExpressions(
			additionalData,
			stored,
			type,
			mode,
			executeData,
			expressionResolveValues,
		);
	}

	/** Same steps as n8n's `applyDefaultsAndOverwrites` (there are no overwrites here). */
	async applyDefaultsAndExpressions(
		additionalData: IWorkflowExecuteAdditionalData,
		stored: ICredentialDataDecryptedObject,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const properties = this.getCredentialsProperties(type);
		let data = NodeHelpers.getNodeParameters(
			properties,
			stored as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
		// Not a declared property, so getNodeParameters drops it.
		if (stored.oauthTokenData !== undefined) data.oauthTokenData = stored.oauthTokenData;

		const additionalKeys = getAdditionalKeys(additionalData, mode, null);
		if (expressionResolveValues) {
			const { workflow, runExecutionData, runIndex, itemIndex, node, connectionInputData } =
				expressionResolveValues;
			data = workflow.expression.getParameterValue(
				data as INodeParameters,
				runExecutionData,
				runIndex,
				itemIndex,
				node.name,
				connectionInputData,
				mode,
				additionalKeys,
				executeData,
				false,
				data,
			) as ICredentialDataDecryptedObject;
		} else {
			const workflow = new Workflow({
				nodes: [mockNode],
				connections: {},
				active: false,
				nodeTypes: new HarnessNodeTypes({ mock: mockNodeType }),
			});
			data = await workflow.expression.withIsolate(
				async () =>
					workflow.expression.getComplexParameterValue(
						mockNode,
						data as INodeParameters,
						mode,
						additionalKeys,
						undefined,
						undefined,
						data,
					) as ICredentialDataDecryptedObject,
			);
		}
		return data;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.credentialTypes.getByName(typeName);
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		if (authenticate?.type === 'generic') {
			// e.g. { headers: { Authorization: '=Bearer {{$credentials.token}}' } }
			const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
			for (const [outerKey, entries] of Object.entries(authenticate.properties)) {
				target[outerKey] ??= {};
				for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
					const resolve = (v: unknown) =>
						isExpression(v)
							? String(
									workflow.expression.getSimpleParameterValue(
										node,
										v,
										'internal',
										{ $credentials: credentials },
										undefined,
										'',
									) ?? '',
								)
							: v;
					target[outerKey][String(resolve(key))] = resolve(value);
				}
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	/**
	 * n8n's rule: call the type's preAuthentication when its hidden `expirable`
	 * property is empty, the server said 401 (credentialsExpired), or this is a
	 * credential test (temp noOp node); then persist the new values.
	 */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.credentialTypes.getByName(typeName);
		const expirable = credentialType.properties.find(
			(p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
		);
		if (!expirable || typeof credentialType.preAuthentication !== 'function') return undefined;

		const isCredentialTest = node.parameters?.temp === '' && node.type === NO_OP_TYPE;
		if (credentials[expirable.name] !== '' && !credentialsExpired && !isCredentialTest) {
			return undefined;
		}
		const output = await credentialType.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;

		if (node.credentials?.[typeName] && this.store.has(typeName)) {
			const stored = this.store.get(typeName)!.getData();
			const updated = { ...stored, ...output } as ICredentialDataDecryptedObject;
			await this.updateCredentials(node.credentials[typeName], typeName, updated);
		}
		return Object.assign(credentials, output);
	}

	async updateCredentials(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.save(type, data);
	}

	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const stored = this.store.get(type)?.getData() ?? {};
		this.save(type, { ...stored, oauthTokenData: data.oauthTokenData });
	}

	/** Own properties plus those of `extends` parents (the child's win). */
	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.credentialTypes.getByName(type);
		if (!credentialType.extends) return credentialType.properties;
		const combined: INodeProperties[] = [];
		for (const parent of credentialType.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}
}
