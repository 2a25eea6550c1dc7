import type {
	ICredentialType,
	ICredentialTypes,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	ITriggerFunctions,
	ITriggerResponse,
	IVersionedNodeType,
	IExecuteFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeHelpers, UserError } from 'n8n-workflow';

export type AnyNodeType = INodeType | IVersionedNodeType;

/** Type names the n8n editor writes for the two built-in nodes we stand in for. */
export const MANUAL_TRIGGER_TYPE = 'n8n-nodes-base.manualTrigger';
export const NO_OP_TYPE = 'n8n-nodes-base.noOp';

/**
 * Stand-in for n8n-nodes-base's Manual Trigger (not installed here). Like the real
 * one it is a *trigger* node whose `manualTriggerFunction` emits, so WorkflowExecute
 * runs it through TriggersAndPollers exactly as a click on "Execute workflow" does.
 * The only difference: it emits the harness's `inputItems` instead of `[{ json: {} }]`.
 */
export class HarnessManualTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Manual Trigger',
		name: 'manualTrigger',
		group: ['trigger', 'input'],
		version: 1,
		description: 'Harness stand-in for n8n-nodes-base.manualTrigger',
		maxNodes: 1,
		defaults: { name: 'When clicking ‘Execute workflow’' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	readonly trigger: (this: ITriggerFunctions) => Promise<ITriggerResponse>;

	constructor(items: INodeExecutionData[] = [{ json: {} }]) {
		// `this` inside trigger() is n8n's trigger context, not the node, so the
		// items travel by closure.
		this.trigger = async function (this: ITriggerFunctions) {
			return { manualTriggerFunction: async () => this.emit([items]) };
		};
	}
}

/** Stand-in for n8n-nodes-base.noOp: passes items through (also used by the credential test). */
export class HarnessNoOp implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'No Operation, do nothing',
		name: 'noOp',
		group: ['organization'],
		version: 1,
		description: 'Harness stand-in for n8n-nodes-base.noOp',
		defaults: { name: 'No Operation, do nothing' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** INodeTypes over a plain map, resolving versions with n8n's own NodeHelpers. */
export class HarnessNodeTypes implements INodeTypes {
	constructor(readonly types: Record<string, AnyNodeType>) {}

	getByName(nodeType: string): AnyNodeType {
		const type = this.types[nodeType];
		if (!type) {
			throw new UserError(
				`Unknown node type "${nodeType}": pass it in runWorkflow({ nodeTypes: { '${nodeType}': new MyNode() } })`,
			);
		}
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	getKnownTypes() {
		return {};
	}

	/** Every concrete INodeType (all versions) with its registered type name. */
	*entries(): Generator<[string, INodeType]> {
		for (const [name, type] of Object.entries(this.types)) {
			const versions = 'nodeVersions' in type ? Object.values(type.nodeVersions) : [type];
			for (const version of versions) yield [name, version];
		}
	}
}

/** ICredentialTypes over the given credential classes, as n8n's CredentialTypes does it. */
export class HarnessCredentialTypes implements ICredentialTypes {
	private readonly byName = new Map<string, ICredentialType>();

	constructor(
		types: ICredentialType[],
		private readonly nodeTypes: HarnessNodeTypes,
	) {
		for (const type of types) this.byName.set(type.name, type);
	}

	recognizes(type: string): boolean {
		return this.byName.has(type);
	}

	getByName(type: string): ICredentialType {
		const found = this.byName.get(type);
		if (!found) {
			throw new UserError(
				`Unknown credential type "${type}": pass it in runWorkflow({ credentialTypes: [...] })`,
			);
		}
		return found;
	}

	/** Node type names whose description lists this credential. */
	getSupportedNodes(type: string): string[] {
		const names = new Set<string>();
		for (const [name, nodeType] of this.nodeTypes.entries()) {
			if (nodeType.description.credentials?.some((c) => c.name === type)) names.add(name);
		}
		return [...names];
	}

	/** All ancestors via `extends`, nearest first (e.g. ['oAuth2Api']). */
	getParentTypes(type: string): string[] {
		const parents = this.byName.get(type)?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}
}
