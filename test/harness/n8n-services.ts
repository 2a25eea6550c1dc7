import { Logger } from '@n8n/backend-common';
import { GlobalConfig, InstanceSettingsConfig } from '@n8n/config';
import { Container } from '@n8n/di';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BinaryDataConfig } from 'n8n-core';
import { BinaryDataService, ErrorReporter, InstanceSettings } from 'n8n-core';
// Not re-exported by n8n-core's index; see stopBackgroundTimers().
import { ScheduledTaskManager } from 'n8n-core/dist/execution-engine/scheduled-task-manager';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';

/**
 * Process-wide n8n services in @n8n/di's Container, which n8n-core reads from
 * (`Container.get(InstanceSettings | Logger | ErrorReporter | BinaryDataService)`).
 * We register real instances, only pointed at a temp folder and made silent, so
 * nothing touches ~/.n8n and no console noise appears.
 */

export type BinaryDataMode = 'default' | 'filesystem';

let rootDir: string | undefined;
let runCounter = 0;
let servicesReady = false;

/** One temp root (n8n folder + binary storage) per test file, created on first use. */
export function harnessRootDir(): string {
	rootDir ??= mkdtempSync(path.join(tmpdir(), 'n8n-harness-'));
	return rootDir;
}

/**
 * Deletes the temp root. Registered as an afterAll below; jest gives each test
 * file its own module registry, so it runs once per file (process 'exit'
 * handlers never fire inside jest's sandboxed `process`).
 */
export async function cleanupHarness(): Promise<void> {
	if (!rootDir) return;
	await rm(rootDir, { recursive: true, force: true });
	rootDir = undefined;
	servicesReady = false;
}
if (typeof afterAll === 'function') afterAll(cleanupHarness);

/** A fresh directory (and execution id) for one run. */
export function newRunDir(): { runDir: string; executionId: string } {
	const executionId = String(++runCounter);
	const runDir = path.join(harnessRootDir(), `run-${executionId}`);
	mkdirSync(runDir, { recursive: true });
	return { runDir, executionId };
}

export function ensureN8nServices(): void {
	if (servicesReady) return;
	const globalConfig = Container.get(GlobalConfig);
	globalConfig.logging.level = 'silent';

	// InstanceSettings would otherwise create ~/.n8n/config with a random key.
	const root = harnessRootDir();
	const instanceSettingsConfig: InstanceSettingsConfig = {
		userHome: root,
		n8nFolder: path.join(root, '.n8n'),
		encryptionKey: 'n8n-harness-encryption-key',
		enforceSettingsFilePermissions: false,
	};
	Container.set(InstanceSettingsConfig, instanceSettingsConfig);

	// Root logger also initialises n8n-workflow's LoggerProxy (silently).
	const logger = new Logger(globalConfig, instanceSettingsConfig);
	Container.set(Logger, logger);
	Container.set(InstanceSettings, new InstanceSettings(instanceSettingsConfig, logger));
	stopBackgroundTimers();
	servicesReady = true;
}

/**
 * Every node context pulls these two singletons from the Container, and their
 * constructors start intervals that n8n only clears at shutdown; left running
 * they keep jest from exiting. Create them now and stop the timers (they only
 * sweep stale SSH tunnels / log active crons, which tests don't need).
 */
function stopBackgroundTimers(): void {
	Container.get(SSHClientsManager).onShutdown();
	Container.get(ScheduledTaskManager).deregisterAllCrons();
}

/**
 * Installs a real BinaryDataService for one run, as n8n's own tests do
 * (`new BinaryDataService(config, errorReporter, logger); init(); Container.set`).
 * Like a stock n8n instance the filesystem manager is always available; `mode`
 * decides where *new* binaries go: inline base64 ('default') or files with ids
 * ('filesystem' → ids `filesystem-v2:...`, streamed with fs.createReadStream).
 */
export async function installBinaryDataService(
	mode: BinaryDataMode,
	storagePath: string,
): Promise<BinaryDataService> {
	const config: BinaryDataConfig = {
		mode,
		availableModes: ['filesystem'],
		localStoragePath: storagePath,
		signingSecret: 'n8n-harness-signing-secret',
		dbMaxFileSize: 512,
	};
	const service = new BinaryDataService(
		config,
		Container.get(ErrorReporter),
		Container.get(Logger),
	);
	await service.init();
	Container.set(BinaryDataService, service);
	return service;
}
