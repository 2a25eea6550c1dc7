// ffmpeg/ffprobe come from the system when it has them, else from the npm packages that ship them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** locateMediaBinary(name) in a fresh Node whose PATH has no ffmpeg, ffprobe or anything else. */
function locateWithoutSystemTools(name: string): { path: string; from: string } | null {
	const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'no-tools-'));
	try {
		const r = spawnSync(
			process.execPath,
			['-e', `process.stdout.write(JSON.stringify(require('./simulator/media-binaries').locateMediaBinary(${JSON.stringify(name)})))`],
			{ cwd: ROOT, env: { PATH: emptyDir }, encoding: 'utf8' },
		);
		expect(r.stderr).toBe('');
		return JSON.parse(r.stdout);
	} finally {
		fs.rmSync(emptyDir, { recursive: true, force: true });
	}
}

describe('media binaries on a machine without ffmpeg', () => {
	it.each(['ffmpeg', 'ffprobe'])('%s comes from its npm package and runs', (name) => {
		const hit = locateWithoutSystemTools(name);
		expect(hit).toMatchObject({ from: 'npm' });
		expect(hit!.path).toContain(`@${name}-installer`);
		const r = spawnSync(hit!.path, ['-version'], { encoding: 'utf8' });
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(new RegExp(`^${name} version`));
	});
});
