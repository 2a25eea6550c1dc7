import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { inputError, type NemoClient } from '../../shared/client';
import { readSessionId } from '../../shared/n8n';

/** Start Export: begin rendering and return the render id at once (check it later with Get Status). */
export async function execute(context: IExecuteFunctions, client: NemoClient, itemIndex: number, signal: AbortSignal): Promise<INodeExecutionData> {
	const sessionId = readSessionId(context, itemIndex, true) as string;
	const state = await client.getState(sessionId, signal);
	if (!state.timeline.ready) {
		throw inputError(`Nothing to export: the timeline of session ${sessionId} is empty.`, 'sessionId', 'Upload a video into the session first.');
	}
	const { renderId } = await client.startRender(sessionId, state.draft, signal);
	return { json: { sessionId, renderId, status: 'pending', timeline: state.timeline.summary } };
}
