import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import type { IHttpRequestOptions } from 'n8n-workflow';
import type { HttpHelpers, NemoClient, RenderDownload, RenderStatus } from '../../nodes/shared/client';
import { n8nHttpHelpers } from '../../nodes/shared/n8n/http';

/**
 * The client's network and waits in tests: the shipped adapter (nodes/shared/n8n/http.ts) over
 * n8n-core's own `httpRequest`, the function behind `this.helpers.httpRequest` in a node. So the
 * client tests send every request exactly as the nodes do inside n8n.
 */
export function n8nHttp(): HttpHelpers {
	return n8nHttpHelpers({ httpRequest: async (options: IHttpRequestOptions) => await httpRequest(options) });
}

/** Downloads a finished render into memory (n8n's in-memory binary mode does the same). */
export async function downloadToBuffer(client: NemoClient, status: RenderStatus, signal?: AbortSignal): Promise<RenderDownload & { bytes: Buffer }> {
	const { download, stored } = await client.download(
		status,
		async (video) =>
			await new Promise<Buffer>((resolve, reject) => {
				const chunks: Buffer[] = [];
				video.body.on('data', (chunk: Buffer) => chunks.push(chunk));
				video.body.once('end', () => resolve(Buffer.concat(chunks)));
				video.body.once('error', reject);
			}),
		signal,
	);
	return { ...download, bytes: stored };
}
