/**
 * jest globalSetup: a fresh directory for the token-leak sink files of this run (leak-sink.ts).
 * Workers start after this and inherit the variable.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SINK_DIR_ENV } from './leak-sink';

export default function globalSetup(): void {
	process.env[SINK_DIR_ENV] = mkdtempSync(path.join(tmpdir(), 'nemo-leak-sink-'));
}
