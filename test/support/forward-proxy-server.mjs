// A real forward proxy for the tests, from the npm registry (the `proxy` package, the one
// undici's own tests use): plain http:// requests are forwarded, https:// ones tunnelled with
// CONNECT, and every relayed answer carries `Via: 1.1 <host> (proxy/<version>)`.
// With --close-after-answer it closes each client connection once an answer is relayed, without
// Connection: close, as Debian's tinyproxy does (the case that once cut whole downloads).
// Prints `listening <port>` once ready; stops when its parent closes stdin.
import http from 'node:http';
import { createProxy } from 'proxy';

const closeAfterAnswer = process.argv.includes('--close-after-answer');
// One upstream connection per relayed request, as tinyproxy does. The package forwards the
// client's `Proxy-Connection`/`Connection: close` intent poorly: over Node 20's default keep-alive
// agent it reuses an upstream connection whose last request said `Connection: close`, and the
// simulator's parser refuses the next request on it (400, "Data after Connection: close").
http.globalAgent = new http.Agent({ keepAlive: false });
const server = createProxy(http.createServer());
if (closeAfterAnswer) {
	server.prependListener('request', (request, response) => {
		response.on('finish', () => response.socket?.end());
	});
}
server.listen(0, '127.0.0.1', () => {
	process.stdout.write(`listening ${server.address().port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.on('close', () => process.exit(0));
