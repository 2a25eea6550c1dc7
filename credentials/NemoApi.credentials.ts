import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	INodeProperties,
} from 'n8n-workflow';
import { version } from '../package.json';
import { TRIAL_FIELDS, requestTrialToken } from '../nodes/shared/n8n/trial-token';

/**
 * The NemoVideo API credential. With no Access Token the nodes use a free anonymous trial
 * token, got with a client id that is stable for this credential. n8n keeps that token in the
 * hidden, expirable `trialToken` field (preAuthentication), so every run, worker and restart
 * reuses it; it is asked for again only when it expired or the service rejected it.
 * The "Test" button reads the credit balance through n8n (the `test` request below): with no
 * Access Token, n8n first runs the preAuthentication, which gets the trial token once and keeps
 * it in the credential (a kept, unexpired token is never asked for again, so testing twice does
 * not meet NemoVideo's "one token per client id per 7 days").
 */
export class NemoApi implements ICredentialType {
	name = 'nemoApi';

	displayName = 'Nemo API';

	// <package.json repository>/blob/main/docs/credential.md: a literal, as n8n's lint rules want it;
	// node scripts/doc-links.js rewrites it from package.json, test/nodes/doc-links.test.ts checks it.
	documentationUrl = 'https://github.com/n8n-nodes-nemovideo/n8n-nodes-nemovideo/blob/main/docs/credential.md';

	icon = { light: 'file:../icons/nemo.svg', dark: 'file:../icons/nemo.dark.svg' } as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'nmv_usr_…',
			hint: 'Empty is fine for trying: the nodes then use a free trial token (100 credits, 7 days), which can upload and edit but not export.',
			description:
				'Your NemoVideo token. Leave empty to use a free anonymous trial token (100 credits, 7 days), obtained and reused automatically.',
		},
		{
			// Said where it is seen: on Save n8n shows its own "successfully created", not a test's words.
			displayName:
				"No Access Token: the nodes use NemoVideo's free trial token. It uploads and edits (100 credits), but NemoVideo's documents say a trial token cannot export: an exporting node gets the edit charged and the export refused (402). To get MP4s, register at nemovideo.com and paste that account's Access Token here.",
			name: 'trialNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { accessToken: [''] } },
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			placeholder: 'e.g. 3f6c2a1e-8b5d-4c3e-9f7a-1b2c3d4e5f60',
			description:
				'Identifies this n8n to NemoVideo for trial tokens. Leave empty: a stable ID is derived from this credential, so every worker and every run reuses the same trial token.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://mega-api-prod.nemovideo.ai',
			description: 'The NemoVideo API. Change it to use the development backend or a local simulator.',
		},
		{
			displayName: 'Allow Insecure HTTP',
			name: 'allowInsecureHttp',
			type: 'boolean',
			default: false,
			description:
				'Whether to allow a plain http:// Base URL for a host other than this machine. The token would travel unencrypted.',
		},
		// The trial token n8n keeps (filled by preAuthentication, emptied when it must be renewed).
		{
			displayName: 'Trial Token',
			name: TRIAL_FIELDS.token,
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
		{ displayName: 'Trial User ID', name: TRIAL_FIELDS.userId, type: 'hidden', default: '' },
		{ displayName: 'Trial Token Expires At', name: TRIAL_FIELDS.expiresAt, type: 'hidden', default: '' },
		// Shorter waits for tests and benchmarks (JSON, see client-factory.ts); never shown.
		{ displayName: 'Timings', name: 'tuning', type: 'hidden', default: '' },
	];

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/api/credits/balance/simple',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'code',
					value: 1001,
					message: 'NemoVideo rejected the token. Check the Access Token, or leave it empty to use the free trial token.',
				},
			},
		],
	};

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		return await requestTrialToken(this.helpers, credentials);
	}

	// Lets n8n's HTTP Request node use this credential for raw calls: the Access Token, else the
	// kept trial token.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken ? $credentials.accessToken : $credentials.trialToken}}',
				'X-Skill-Source': 'n8n-nodes-nemovideo',
				'X-Skill-Version': version,
				'X-Skill-Platform': 'n8n',
			},
		},
	};
}
