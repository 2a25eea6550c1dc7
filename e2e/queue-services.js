// @ts-check
'use strict';
/**
 * Redis and PostgreSQL for n8n's queue mode, from Debian's packages (`redis-server`,
 * `postgresql`; scripts/install-system-packages.sh installs them), started by the test itself
 * on loopback with ports the OS picked, data in temp folders, stopped and deleted afterwards.
 * Nothing of the machine's own services is used or touched (no `pg_ctlcluster`, no port 5432).
 *
 * PostgreSQL refuses to run as root: as root (CI) the cluster belongs to the `postgres` user
 * the Debian package creates, and its commands run through `runuser`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { run, killTree, track, untrack, tail } = require('./proc');
const { freePort } = require('./ports');
const net = require('node:net');

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The newest /usr/lib/postgresql/<major>/bin, or the PATH (pg_ctl there). */
function postgresBinDir() {
	const root = '/usr/lib/postgresql';
	const majors = fs.existsSync(root)
		? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
		: [];
	if (!majors.length) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/install-system-packages.sh');
	return path.join(root, majors[0], 'bin');
}

/** @param {number} port @param {number} timeoutMs */
async function waitForPort(port, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const open = await new Promise((resolve) => {
			const socket = net.connect(port, '127.0.0.1');
			socket.once('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (open) return;
		if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
		await sleep(100);
	}
}

/**
 * `redis-server` in the foreground as our child: loopback, a free port, no persistence.
 * @returns {Promise<{ host: string, port: number, stop: () => Promise<void> }>}
 */
async function startRedis() {
	const port = await freePort();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-redis-'));
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	let out = '';
	child.stdout?.on('data', (b) => (out += b));
	child.stderr?.on('data', (b) => (out += b));
	const pid = /** @type {number} */ (child.pid);
	track(pid);
	const stop = async () => {
		if (child.exitCode === null) {
			const gone = new Promise((r) => child.once('exit', r));
			killTree(pid, 'SIGTERM');
			await Promise.race([gone, sleep(3000)]);
			killTree(pid, 'SIGKILL');
		}
		untrack(pid);
		fs.rmSync(dir, { recursive: true, force: true });
	};
	try {
		await waitForPort(port, 10_000);
	} catch (e) {
		await stop();
		throw new Error(`redis-server did not start: ${e instanceof Error ? e.message : e}\n${tail(out)}`);
	}
	return { host: '127.0.0.1', port, stop };
}

/**
 * A throwaway PostgreSQL cluster: `initdb` into a temp folder (trust auth, superuser
 * `postgres`), `pg_ctl start` on loopback and a free port, one database per name given.
 * @param {{ databases: string[] }} o
 * @returns {Promise<{ host: string, port: number, user: string, password: string, version: string, stop: () => Promise<void> }>}
 */
async function startPostgres(o) {
	const bin = postgresBinDir();
	const asRoot = process.getuid && process.getuid() === 0;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-pg-'));
	const data = path.join(dir, 'data');
	const port = await freePort();
	if (asRoot) await run('chown', ['-R', 'postgres:postgres', dir], { label: 'chown the cluster folder' });
	/** @param {string} cmd @param {string[]} args @param {string} label */
	const pg = (cmd, args, label) =>
		asRoot
			? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { label, cwd: dir, timeoutMs: 120_000 })
			: run(path.join(bin, cmd), args, { label, cwd: dir, timeoutMs: 120_000 });
	await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], 'initdb');
	const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`;
	await pg('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'], 'pg_ctl start');
	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], 'pg_ctl stop').catch(() => undefined);
		fs.rmSync(dir, { recursive: true, force: true });
	};
	try {
		for (const db of o.databases) {
			await run(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE "${db}"`], {
				label: `create database ${db}`,
				timeoutMs: 30_000,
			});
		}
		const v = await run(path.join(bin, 'postgres'), ['--version'], { label: 'postgres --version' });
		return { host: '127.0.0.1', port, user: 'postgres', password: 'postgres', version: v.stdout.trim(), stop };
	} catch (e) {
		const log = fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8') : '';
		await stop();
		throw new Error(`${e instanceof Error ? e.message : e}\n${tail(log)}`);
	}
}

/**
 * One query through psql, rows as arrays of strings (tab-separated, unaligned).
 * @param {{ host: string, port: number, user: string }} pg
 * @param {string} database
 * @param {string} sql
 * @returns {Promise<string[][]>}
 */
async function query(pg, database, sql) {
	const r = await run(path.join(postgresBinDir(), 'psql'), ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', database, '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
		label: 'psql',
		timeoutMs: 30_000,
	});
	return r.stdout
		.split('\n')
		.filter((l) => l !== '')
		.map((l) => l.split('\t'));
}

module.exports = { startRedis, startPostgres, query };
