#!/usr/bin/env node
// @ts-check
/**
 * Runs the simulator as its own process (npm run simulator), for the demo,
 * benchmarks and manual poking:
 *
 *   node simulator/cli.js --port 8787 [--cdn-port 8788] [--host 127.0.0.1]
 *        [--media fast|ffmpeg] [--data-dir DIR] [--seed N]
 *        [--config '{"sseDurationMs":5000}'] [--token nmv_usr_x[:credits]]...
 *
 * Prints its URLs, then a machine-readable line
 *   SIMULATOR_READY {"url":...,"cdnUrl":...,"adminUrl":...,"dataDir":...}
 * that a parent process can wait for. Stops cleanly on SIGINT/SIGTERM.
 */
const { startSimulator } = require('./index');

const USAGE = `usage: node simulator/cli.js [--port N] [--cdn-port N] [--host H] [--media fast|ffmpeg]
                            [--data-dir DIR] [--seed N] [--config JSON] [--token TOKEN[:CREDITS]]...`;

/** @param {string[]} argv */
function parseArgs(argv) {
	/** @type {{ port: number, cdnPort: number | null, host: string, dataDir?: string, config: Record<string, unknown>, tokens: { token: string, credits: number }[] }} */
	const out = { port: 8787, cdnPort: null, host: '127.0.0.1', config: {}, tokens: [] };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
		const value = () => {
			const v = inline !== undefined ? inline : argv[++i];
			if (v === undefined) throw new Error(`${flag} needs a value`);
			return v;
		};
		switch (flag) {
			case '--port':
				out.port = Number(value());
				break;
			case '--cdn-port':
				out.cdnPort = Number(value());
				break;
			case '--host':
				out.host = value();
				break;
			case '--media':
				out.config.media = value();
				break;
			case '--data-dir':
				out.dataDir = value();
				break;
			case '--seed':
				out.config.seed = Number(value());
				break;
			case '--config':
				Object.assign(out.config, JSON.parse(value()));
				break;
			case '--token': {
				const [token, credits] = value().split(':');
				out.tokens.push({ token, credits: credits === undefined ? 100 : Number(credits) });
				break;
			}
			case '--help':
			case '-h':
				process.stdout.write(`${USAGE}\n`);
				process.exit(0);
				break;
			default:
				throw new Error(`unknown option ${arg}\n${USAGE}`);
		}
	}
	if (!Number.isInteger(out.port) || out.port < 0) throw new Error('--port must be a port number');
	return out;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const cdnPort = args.cdnPort !== null ? args.cdnPort : args.port === 0 ? 0 : args.port + 1;
	const sim = await startSimulator({ host: args.host, port: args.port, cdnPort, dataDir: args.dataDir, ...args.config });
	for (const t of args.tokens) sim.addToken(t.token, { credits: t.credits });
	const info = { url: sim.url, cdnUrl: sim.cdnUrl, adminUrl: `${sim.url}/__sim/`, dataDir: sim.dataDir, media: sim.config.media };
	process.stdout.write(
		`NemoVideo API simulator (media: ${info.media})\n` +
			`  API:   ${info.url}\n` +
			`  CDN:   ${info.cdnUrl}\n` +
			`  Admin: ${info.adminUrl}\n` +
			`  Data:  ${info.dataDir}\n` +
			`SIMULATOR_READY ${JSON.stringify(info)}\n`,
	);
	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		await sim.close();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	process.stderr.write(`nemo simulator: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
});
