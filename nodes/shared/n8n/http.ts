import { type IDataObject, type IHttpRequestOptions, sleep } from 'n8n-workflow';
import type { HttpHelpers, HttpRequestSpec, HttpResponse, ResponseBody } from '../client/http';

/**
 * The client core's network and waits, made from n8n's own helpers: every request goes through
 * `helpers.httpRequest` (n8n applies its proxy settings, its SSRF protection and its request
 * policies, as for its own nodes) and every wait through n8n-workflow's `sleep`.
 *
 * The options are the ones that keep a 500 MB transfer flat and the token at home (measured on
 * n8n-core 1.122 and 2.40, ../../../docs/transport.md):
 * - `encoding: 'stream'` + `returnFullResponse`: the body streams, whatever the status;
 * - `ignoreHttpStatusErrors`: an error status is an answer the core reads (envelopes, 429s);
 * - `disableFollowRedirect`: the core follows redirects itself, so the bearer token never crosses
 *   to another origin (n8n's helper would carry it along), and so an upload's body is not kept
 *   whole in memory by follow-redirects in case it must be sent again;
 * - `abortSignal`: the core's own per-exchange signal, which ends the exchange on every version
 *   (on 2.x destroying the body alone does not reach the socket).
 * The helper's own `timeout` is not used: it counts the whole upload on some versions; the core
 * watches its deadlines itself (abort.ts).
 */

/** The part of an execution's (or a credential test's) helpers the client needs. */
export interface N8nRequestHelpers {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}

export function n8nHttpHelpers(helpers: N8nRequestHelpers): HttpHelpers {
	return {
		request: async (spec: HttpRequestSpec): Promise<HttpResponse> => {
			const answer = (await helpers.httpRequest({
				method: spec.method,
				url: spec.url,
				headers: spec.headers,
				// A multipart form is handed over as the object axios streams (see MultipartForm).
				body: spec.body as IDataObject | string | undefined,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				abortSignal: spec.signal,
			})) as { statusCode: number; headers: Record<string, unknown>; body: ResponseBody };
			return { status: answer.statusCode, headers: plainHeaders(answer.headers), body: answer.body };
		},
		sleep,
	};
}

/** axios hands over its own headers object: a plain one with lower-case names, as the core reads them. */
function plainHeaders(headers: Record<string, unknown>): Record<string, string | string[] | undefined> {
	const out: Record<string, string | string[] | undefined> = {};
	for (const [name, value] of Object.entries({ ...headers })) {
		if (value === undefined || value === null) continue;
		out[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
	}
	return out;
}
