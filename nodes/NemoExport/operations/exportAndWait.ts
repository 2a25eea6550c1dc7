import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { NemoClient } from '../../shared/client';
import { exportSession, readOptions, readSessionId } from '../../shared/n8n';
import { deliveryFormat, readDeliveryFormat } from './format';

/** Export and Wait: render the session to MP4, wait for it, output the file or its URL. */

const show = { show: { exportOperation: ['exportAndWait'] } };

export const description: INodeProperties[] = [{ ...deliveryFormat, displayOptions: show }];

export function execute(context: IExecuteFunctions, client: NemoClient, itemIndex: number, signal: AbortSignal): Promise<INodeExecutionData> {
	return exportSession(context, client, {
		itemIndex,
		sessionId: readSessionId(context, itemIndex, true) as string,
		delivery: readDeliveryFormat(context, itemIndex),
		options: readOptions(context, itemIndex),
		signal,
	});
}
