import type { Dispatcher } from 'undici';
import { Agent, ProxyAgent, getProxyForUrl } from './vendor';
import { finishWholeBodies } from './whole-body';

/**
 * Sends each request directly or through a proxy exactly as n8n's own HTTP Request node does
 * under the same environment: n8n-core asks proxy-from-env for every target URL, which reads
 * HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY (lower-case first, then upper-case) when the
 * request is made. Plain http:// targets are forwarded (absolute-form requests, like
 * http-proxy-agent); https:// targets are tunnelled with CONNECT (like https-proxy-agent).
 * Streaming bodies (uploads, SSE, downloads) pass through unchanged either way. Every
 * dispatcher finishes a whole body even when the other side closes right after it (whole-body.ts).
 */

// No cap on connections (issue 14): Items at Once already bounds the requests in flight, one per item,
// and a cap below it would queue edit streams of items that are meant to run (200 in flight).
const POOL_OPTIONS = { keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 } as const;

export class ProxyRoutingDispatchers {
	private direct?: { agent: Agent; dispatcher: Dispatcher };
	private readonly viaProxy = new Map<string, { agent: ProxyAgent; tunnelling: Dispatcher; forwarding: Dispatcher }>();

	/** The dispatcher for a request to `origin` (e.g. "https://mega-api-prod.nemovideo.ai"). */
	forOrigin(origin: string): Dispatcher {
		const proxyUrl = getProxyForUrl(origin);
		if (!proxyUrl) {
			if (!this.direct) {
				const agent = new Agent(POOL_OPTIONS);
				this.direct = { agent, dispatcher: agent.compose(finishWholeBodies) };
			}
			return this.direct.dispatcher;
		}
		let entry = this.viaProxy.get(proxyUrl);
		if (!entry) {
			const agent = new ProxyAgent({ uri: proxyUrl, proxyTunnel: false, ...POOL_OPTIONS });
			// A forwarded request gets its own connection to the proxy, as with n8n's
			// http-proxy-agent: some proxies keep relaying a connection after a chunked answer
			// (an SSE stream) and answer the next request sent on it with 400 (tinyproxy does).
			// A CONNECT tunnel is plain TCP to the service, so it is kept alive.
			const forwarding = agent.compose(finishWholeBodies, (dispatch) => (options, handler) => dispatch({ ...options, reset: true }, handler));
			entry = { agent, tunnelling: agent.compose(finishWholeBodies), forwarding };
			this.viaProxy.set(proxyUrl, entry);
		}
		return origin.startsWith('http:') ? entry.forwarding : entry.tunnelling;
	}

	async close(): Promise<void> {
		const all: Dispatcher[] = [...this.viaProxy.values()].map((entry) => entry.agent);
		if (this.direct) all.push(this.direct.agent);
		this.viaProxy.clear();
		this.direct = undefined;
		await Promise.all(all.map((dispatcher) => dispatcher.close()));
	}
}
