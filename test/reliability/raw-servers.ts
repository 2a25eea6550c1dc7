/**
 * Tiny local servers for faults the simulator does not make: connection-level misbehaviour
 * (raw `net`), and HTTP redirects or capture points on another origin (raw `http`).
 */
import http from 'node:http';
import net from 'node:net';

export interface LocalServer {
	url: string;
	origin: string;
	close(): Promise<void>;
}

/** A TCP server that does `onSocket` with every connection (answers garbage, stalls, closes, …). */
export async function rawTcpServer(onSocket: (socket: net.Socket, firstBytes: Buffer) => void): Promise<LocalServer> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('error', () => undefined);
		socket.once('close', () => sockets.delete(socket));
		socket.once('data', (chunk) => onSocket(socket, chunk));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	const url = `http://127.0.0.1:${port}`;
	return {
		url,
		origin: url,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

export interface CapturedRequest {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
}

/** An HTTP server that records every request and answers with `handler` (default: 200 "ok"). */
export async function captureServer(
	handler: (request: http.IncomingMessage, response: http.ServerResponse) => void = (_request, response) => response.end('ok'),
	host = '127.0.0.1',
): Promise<LocalServer & { requests: CapturedRequest[] }> {
	const requests: CapturedRequest[] = [];
	const server = http.createServer((request, response) => {
		requests.push({ method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers });
		handler(request, response);
	});
	await new Promise<void>((resolve) => server.listen(0, host, resolve));
	const { port } = server.address() as net.AddressInfo;
	const url = `http://${host}:${port}`;
	return {
		url,
		origin: url,
		requests,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * A reverse proxy to `target` (the simulator) that answers some paths itself, e.g. with a
 * redirect to another origin. Requests it forwards keep their headers (the token included), as a
 * real gateway in front of the API would.
 */
/**
 * A request's headers without the hop-by-hop ones, as every real gateway forwards them. n8n's
 * helper sends `Connection: close`: forwarded over a kept-alive upstream connection (Node 20's
 * default agent), it makes the simulator refuse the next request on that connection (a 400,
 * "Data after Connection: close", that the simulator never records).
 */
export function endToEndHeaders(request: http.IncomingMessage): http.OutgoingHttpHeaders {
	const { connection: _connection, 'keep-alive': _keepAlive, 'proxy-connection': _proxyConnection, ...endToEnd } = request.headers;
	return endToEnd;
}

/** Relays `request` to host:port/path and its answer back, as a gateway does (end-to-end headers only). */
export function forward(
	request: http.IncomingMessage,
	response: http.ServerResponse,
	to: { host: string; port: string | number; path: string; hostHeader?: string },
): void {
	const headers = { ...endToEndHeaders(request), ...(to.hostHeader ? { host: to.hostHeader } : {}) };
	const upstream = http.request({ host: to.host, port: to.port, method: request.method, path: to.path, headers }, (answer) => {
		response.writeHead(answer.statusCode ?? 502, answer.headers);
		answer.pipe(response);
	});
	upstream.on('error', () => response.destroy());
	request.pipe(upstream);
}

export async function proxyServer(
	target: string,
	intercept: (request: http.IncomingMessage, response: http.ServerResponse) => boolean,
	options: { stripPrefix?: string } = {},
): Promise<LocalServer> {
	const targetUrl = new URL(target);
	const server = http.createServer((request, response) => {
		if (intercept(request, response)) return;
		let path = request.url ?? '/';
		if (options.stripPrefix) {
			if (!path.startsWith(options.stripPrefix)) {
				response.writeHead(404, { 'content-type': 'text/plain' }).end('not under the prefix');
				return;
			}
			path = path.slice(options.stripPrefix.length) || '/';
		}
		forward(request, response, { host: targetUrl.hostname, port: targetUrl.port, path, hostHeader: targetUrl.host });
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	const url = `http://127.0.0.1:${port}`;
	return {
		url,
		origin: url,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
