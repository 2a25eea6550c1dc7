import { spawn } from 'node:child_process';
import path from 'node:path';

export interface ForwardProxy {
	url: string;
	stop(): Promise<void>;
}

/** Starts test/support/forward-proxy-server.mjs (the npm `proxy` package) on a free loopback port. */
export async function startForwardProxy(options: { closeAfterAnswer?: boolean } = {}): Promise<ForwardProxy> {
	const child = spawn(process.execPath, [path.join(__dirname, 'forward-proxy-server.mjs'), ...(options.closeAfterAnswer ? ['--close-after-answer'] : [])], {
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	const port = await new Promise<number>((resolve, reject) => {
		let seen = '';
		child.once('error', reject);
		child.once('exit', (code) => reject(new Error(`the forward proxy exited (${code}) before it listened`)));
		child.stdout.on('data', (chunk: Buffer) => {
			seen += chunk.toString();
			const match = /listening (\d+)/.exec(seen);
			if (match) resolve(Number(match[1]));
		});
	});
	return {
		url: `http://127.0.0.1:${port}`,
		stop: async () => {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.stdin.end();
			await exited;
		},
	};
}

export const viaForwardProxy = (request: { headers: Record<string, unknown> }): boolean => /\(proxy\/\d/.test(String(request.headers.via ?? ''));
