import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
} from 'n8n-workflow';
import { NemoClient, isNemoApiError, redactSecrets } from '../client';
import { clientOptionsFromCredential, createNemoClient } from './client-factory';
import { type ItemResult, type ItemWork, runItems } from './item-runner';
import { readItemsAtOnce } from './parameters';

/**
 * What every Nemo node's execute() does: one client for the run, the items through it several
 * at once, the client closed at the end. A node passes only its per-item work.
 */
export async function executeNemoNode(
	context: IExecuteFunctions,
	work: (client: NemoClient, item: ItemWork) => Promise<ItemResult>,
): Promise<INodeExecutionData[][]> {
	const client = await createNemoClient(context);
	try {
		return await runItems(context, (item) => work(client, item), { concurrency: readItemsAtOnce(context) });
	} finally {
		await client.close();
	}
}

/** The credential dialog's "Test": gets a trial token when needed and reads the balance. */
export async function testNemoCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	let client: NemoClient | undefined;
	try {
		client = new NemoClient(clientOptionsFromCredential(credential.data ?? {}, credential.id ?? credential.name ?? 'default'));
		const balance = await client.getCredits();
		return { status: 'OK', message: `Connected: ${balance.available} credits available.` };
	} catch (error) {
		const message = isNemoApiError(error)
			? `${error.message}${error.description ? ` ${error.description}` : ''}`
			: redactSecrets(error instanceof Error ? error.message : String(error));
		return { status: 'Error', message };
	} finally {
		await client?.close();
	}
}
