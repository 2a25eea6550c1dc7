// @ts-check
'use strict';
/**
 * `npm run test:browser [-- 1|2|both] [--screenshots DIR]`: n8n's editor in a real browser
 * (Debian's Chromium, driven by playwright-core, which downloads no browser), as a new user
 * meets the package:
 *
 *   1. set up the owner account
 *   2. find our six nodes in the nodes panel, each with its own icon
 *   3. open each node's panel: no console error caused by our package; Nemo Export offers no
 *      "Custom API Call"; the editor gets our output schemas
 *   4. open the Nemo API credential, press its test (Retry), see it succeed
 *   5. run the demo workflow with the editor's Execute button until every node is green
 *   6. open Nemo Face Swap's output, Binary view, and the face-swapped MP4 in its player
 *
 * Screenshots go to .cache/browser/<n8n version>/; with --screenshots DIR (npm run
 * screenshots: docs/images) the three the README shows are copied there too.
 * Prints `N passed, N failed` and exits non-zero on a failure.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startEditorStack } = require('./editor-stack');

const REPO_ROOT = path.resolve(__dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// As this machine's docs say Chromium must run here: no sandbox as root, no GPU, and none of
// its background connections (the network is closed; they would fail, many at a time).
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PACKAGE = 'n8n-nodes-nemovideo';
const OUR_NODES = ['Nemo Face Swap', 'Nemo Audio Replace', 'Nemo Upload', 'Nemo Credits', 'Nemo Export', 'Nemo Edit'];
const README_SHOTS = { canvas: 'editor-canvas.png', panel: 'editor-node-panel.png', video: 'editor-output-video.png' };
const OWNER = { email: 'owner@example.com', firstName: 'Nemo', lastName: 'Tester', password: 'Nemo-Test-1234' };

/** @param {string[]} argv */
function parseArgs(argv) {
	/** @type {{ hosts: Array<1 | 2>, screenshots: string | null, url: string | null }} */
	const o = { hosts: [2], screenshots: null, url: null };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '1' || a === '2') o.hosts = [a === '1' ? 1 : 2];
		else if (a === 'both') o.hosts = [1, 2];
		else if (a === '--screenshots') o.screenshots = path.resolve(argv[++i]);
		else if (a === '--url') o.url = argv[++i]; // an n8n already running (editor-stack), for work on this file
		else throw new Error(`unknown option ${a} (usage: npm run test:browser [-- 1|2|both] [--screenshots DIR])`);
	}
	return o;
}

/** Results of the named checks, printed as they come. */
function checker() {
	/** @type {Array<{ name: string, ok: boolean, detail?: string }>} */
	const results = [];
	return {
		results,
		/** @param {string} name @param {() => Promise<string | void>} fn */
		async check(name, fn) {
			const t = Date.now();
			try {
				const detail = await fn();
				results.push({ name, ok: true });
				console.log(`  ✓ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
				return true;
			} catch (e) {
				const detail = e instanceof Error ? e.message.split('\n').slice(0, 6).join('\n      ') : String(e);
				results.push({ name, ok: false, detail });
				console.log(`  ✘ ${name}: ${detail}`);
				return false;
			}
		},
	};
}

/** @param {boolean} cond @param {string} message */
function assert(cond, message) {
	if (!cond) throw new Error(message);
}

/**
 * Console errors and failed requests of the page, so each step can ask which came from us.
 * @param {import('playwright-core').Page} page
 */
function watchPage(page) {
	/** @type {string[]} */
	const events = [];
	page.on('console', (m) => {
		if (m.type() === 'error') events.push(`console error: ${m.text()} (${m.location().url})`);
	});
	page.on('pageerror', (e) => events.push(`page error: ${e.message}\n${e.stack || ''}`));
	page.on('response', (r) => {
		if (r.status() >= 400) events.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
	});
	return {
		events,
		mark: () => events.length,
		/**
		 * What happened since `mark` that names our package or our nodes. Not counted: the editor
		 * asking the npm registry about the package (its "community node" details), which this
		 * closed network refuses whatever the package does.
		 * @param {number} mark
		 */
		ours: (mark) =>
			events.slice(mark).filter((e) => /nemovideo|nemo[A-Z]|nemo-|Nemo /.test(e) && !/\/\/registry\.npmjs\.org\//.test(e)),
	};
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} shotsDir
 * @param {{ baseUrl: string, demoId: string, credentialId: string, version: string }} target
 */
async function runChecks(page, shotsDir, target) {
	const { check, results } = checker();
	const watch = watchPage(page);
	const url = (/** @type {string} */ p) => `${target.baseUrl}${p}`;
	const shot = async (/** @type {string} */ name) => {
		const file = path.join(shotsDir, name);
		await page.screenshot({ path: file });
		return file;
	};
	const byTestId = (/** @type {string} */ id) => page.locator(`[data-test-id="${id}"]`);
	/** The editor's REST API with the browser's session, as the editor itself calls it. */
	const rest = (/** @type {string} */ p) =>
		page.evaluate(async (u) => {
			const r = await fetch(u, { credentials: 'include' });
			return { status: r.status, text: await r.text() };
		}, url(p));

	await check('set up the owner account', async () => {
		await page.goto(url('/'));
		await byTestId('auth-form').or(byTestId('canvas-wrapper')).or(byTestId('resources-list-wrapper')).first().waitFor({ timeout: 60_000 });
		if (page.url().includes('/signin')) {
			// an n8n set up before (--url): sign in instead
			await page.locator('[data-test-id="emailOrLdapLoginId"] input, [data-test-id="email"] input').first().fill(OWNER.email);
			await page.locator('[data-test-id="password"] input').fill(OWNER.password);
			await byTestId('form-submit-button').click();
			await page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: 60_000 });
			return 'already set up: signed in';
		}
		if (!page.url().includes('/setup')) return 'already set up';
		for (const [field, value] of Object.entries({ email: OWNER.email, firstName: OWNER.firstName, lastName: OWNER.lastName, password: OWNER.password })) {
			await page.locator(`[data-test-id="${field}"] input`).fill(value);
		}
		await byTestId('form-submit-button').click();
		await page.waitForURL((u) => !u.pathname.startsWith('/setup'), { timeout: 60_000 });
		return `owner ${OWNER.email}`;
	});

	const openNewWorkflow = async () => {
		await page.goto(url('/workflow/new'));
		await byTestId('canvas-wrapper').waitFor({ timeout: 60_000 });
		await byTestId('canvas-add-button').or(byTestId('canvas-plus-button')).first().waitFor({ timeout: 30_000 });
	};
	const searchNodes = async (/** @type {string} */ text) => {
		await byTestId('node-creator-plus-button').click();
		await byTestId('node-creator-search-bar').fill(text);
		const items = byTestId('node-creator').locator('[data-test-id="item-iterator-item"]');
		await items.first().waitFor({ timeout: 30_000 });
		return items;
	};

	await check('the nodes panel lists our six nodes, each with its own icon', async () => {
		await openNewWorkflow();
		const items = await searchNodes('Nemo');
		await page.waitForTimeout(500);
		const found = await items.evaluateAll((els) =>
			els.map((e) => ({ name: (e.textContent || '').trim(), icons: [...e.querySelectorAll('img')].map((i) => i.getAttribute('src') || '') })),
		);
		/** @type {Record<string, string>} */
		const icons = {};
		for (const name of OUR_NODES) {
			const item = found.find((f) => f.name.startsWith(name));
			assert(!!item, `"${name}" not in the nodes panel (found: ${found.map((f) => f.name.slice(0, 30)).join('; ')})`);
			const icon = item && item.icons.find((src) => src.includes(`/icons/${PACKAGE}/`));
			assert(!!icon, `"${name}" shows no icon of ours (${item && item.icons.join(', ')})`);
			icons[name] = /** @type {string} */ (icon);
		}
		assert(new Set(Object.values(icons)).size === OUR_NODES.length, `icons are shared: ${JSON.stringify(icons)}`);
		for (const [name, src] of Object.entries(icons)) {
			const r = await rest(src);
			assert(r.status === 200 && r.text.includes('<svg'), `${name}'s icon ${src} answered ${r.status}`);
		}
		await shot('nodes-panel.png');
		await page.keyboard.press('Escape');
		return Object.values(icons).map((s) => path.basename(s)).join(', ');
	});

	for (const name of OUR_NODES) {
		await check(`${name}: its panel opens with no console error from our package`, async () => {
			try {
				return await openNodePanel(name);
			} finally {
				await page.keyboard.press('Escape');
				const close = byTestId('ndv-close-button').or(byTestId('back-to-canvas')).first(); // 2.x / 1.x
				if (await close.isVisible().catch(() => false)) await close.click().catch(() => {});
			}
		});
	}

	/** Adds `name` from the nodes panel to the open workflow, as a user does; its panel opens. @param {string} name */
	async function openNodePanel(name) {
		{
			const mark = watch.mark();
			const items = await searchNodes(name);
			await items.filter({ hasText: name }).first().click();
			// n8n 2.x shows a community node's details first, with "Add to workflow"
			const add = page.getByRole('button', { name: 'Add to workflow' });
			if (await add.isVisible({ timeout: 3000 }).catch(() => false)) await add.click();
			const ndv = byTestId('ndv');
			await ndv.waitFor({ timeout: 30_000 });
			await ndv.locator('[data-test-id="node-parameters"]').waitFor({ timeout: 30_000 });
			await page.waitForTimeout(1500); // let it ask for schemas, icons, options
			const slug = name.toLowerCase().replace(/ /g, '-');
			await shot(`panel-${slug}.png`);
			let detail = '';
			if (name === 'Nemo Export') {
				// the Operation list as a user opens it
				await ndv.locator('[data-test-id="parameter-input-exportOperation"]').click();
				const list = page.locator('.el-select-dropdown:visible, .el-popper:visible').last();
				await list.getByText('Start Export').first().waitFor({ timeout: 10_000 });
				const offered = (await list.innerText()).split('\n').map((l) => l.trim()).filter(Boolean);
				await shot('panel-nemo-export-operations.png');
				assert(!offered.some((o) => /Custom API Call/.test(o)), `Nemo Export offers "Custom API Call": ${offered.join(' | ')}`);
				detail = `Operation: ${offered.filter((o) => /^(Export and Wait|Start Export|Get Status)$/.test(o)).join(', ')}`;
				await page.keyboard.press('Escape');
			}
			const problems = watch.ours(mark);
			assert(problems.length === 0, problems.join('\n'));
			const close = byTestId('ndv-close-button').or(byTestId('back-to-canvas')).first(); // 2.x / 1.x
			if (await close.isVisible().catch(() => false)) await close.click();
			await ndv.waitFor({ state: 'hidden', timeout: 10_000 });
			return detail;
		}
	}

	await check('the editor gets our output schemas and no "Custom API Call" is injected', async () => {
		const schema = await rest('/schemas/n8n-nodes-nemovideo.nemoFaceSwap/1.0.0.json');
		assert(schema.status === 200 && /"sessionId"/.test(schema.text), `schema answered ${schema.status}`);
		const types = await rest('/types/nodes.json');
		assert(types.status === 200, `/types/nodes.json answered ${types.status}`);
		const ours = JSON.parse(types.text).filter((/** @type {any} */ t) => String(t.name).startsWith(`${PACKAGE}.`));
		const injected = ours.filter((/** @type {any} */ t) => JSON.stringify(t.properties).includes('__CUSTOM_API_CALL__')).map((/** @type {any} */ t) => t.name);
		assert(injected.length === 0, `Custom API Call in ${injected.join(', ')}`);
		return `${ours.length} node types checked`;
	});

	await check("the credential's test succeeds", async () => {
		await page.goto(url(`/home/credentials/${target.credentialId}`));
		const modal = byTestId('editCredential-modal');
		await modal.waitFor({ timeout: 60_000 });
		const success = modal.getByText('Connection tested successfully');
		// Opening a saved credential tests it; "Retry" is the dialog's test button after that.
		await success.or(modal.getByRole('button', { name: 'Retry' })).first().waitFor({ timeout: 60_000 });
		const tests = [];
		page.on('response', (r) => {
			if (r.url().includes('/rest/credentials/test')) tests.push(r.status());
		});
		await Promise.all([
			page.waitForResponse((r) => r.url().includes('/rest/credentials/test'), { timeout: 60_000 }),
			modal.getByRole('button', { name: 'Retry' }).click(),
		]);
		await success.waitFor({ timeout: 30_000 });
		await shot('credential-test.png');
		await page.keyboard.press('Escape');
		return `Connection tested successfully (${tests.length} test request)`;
	});

	await check('the demo runs from the Execute button until every node is green', async () => {
		await page.goto(url(`/workflow/${target.demoId}`));
		const nodes = byTestId('canvas-node');
		await nodes.first().waitFor({ timeout: 60_000 });
		await page.waitForTimeout(1000);
		await shot('canvas-before.png');
		await byTestId('execute-workflow-button').click();
		const count = await nodes.count();
		const deadline = Date.now() + 300_000;
		let states = '';
		for (;;) {
			const s = await nodes.evaluateAll((els) =>
				els.map((e) => ({
					name: e.getAttribute('data-node-name') || '',
					ok: !!e.querySelector('[data-test-id="canvas-node-status-success"]'),
					error: !!e.querySelector('[data-test-id="canvas-node-status-error"]'),
				})),
			);
			states = s.map((n) => `${n.name}: ${n.ok ? 'ok' : n.error ? 'ERROR' : '…'}`).join(', ');
			if (s.some((n) => n.error)) throw new Error(`a node failed: ${states}`);
			if (s.length === count && s.every((n) => n.ok)) break;
			if (Date.now() > deadline) throw new Error(`not all green after 5 min: ${states}`);
			await page.waitForTimeout(1000);
		}
		await byTestId('zoom-to-fit').click().catch(() => {});
		await page.waitForTimeout(800);
		await shot('canvas-after-run.png');
		return `${count} nodes green`;
	});

	await check("Nemo Face Swap's output shows the face-swapped MP4 in the Binary view", async () => {
		await page.locator('[data-test-id="canvas-node"][data-node-name="Nemo Face Swap"]').dblclick();
		const ndv = byTestId('ndv');
		await ndv.waitFor({ timeout: 30_000 });
		const output = byTestId('output-panel');
		await output.getByText('Binary', { exact: true }).first().click();
		await output.getByText('face-swapped.mp4').first().waitFor({ timeout: 30_000 }).catch(() => {});
		await output.getByRole('button', { name: 'View' }).first().click();
		const video = page.locator('video');
		await video.first().waitFor({ timeout: 30_000 });
		const facts = await video.first().evaluate(
			(v) =>
				new Promise((resolve) => {
					const el = /** @type {HTMLVideoElement} */ (v);
					const done = () => resolve({ duration: el.duration, width: el.videoWidth, height: el.videoHeight, error: el.error ? el.error.code : 0 });
					if (el.readyState >= 1) done();
					else {
						el.addEventListener('loadedmetadata', done, { once: true });
						el.addEventListener('error', done, { once: true });
						setTimeout(done, 20_000);
					}
				}),
		);
		const f = /** @type {{ duration: number, width: number, height: number, error: number }} */ (facts);
		assert(!f.error && f.duration > 7 && f.width === 640 && f.height === 360, `the player read ${JSON.stringify(f)}`);
		await page.waitForTimeout(1500);
		await shot('output-video.png');
		return `${f.width}x${f.height}, ${f.duration.toFixed(1)} s in the player`;
	});

	return { results, events: watch.events };
}

/**
 * @param {1 | 2} major
 * @param {{ screenshots: string | null, url: string | null }} args
 */
async function runOnHost(major, args) {
	const { chromium, selectors } = require('playwright-core');
	console.log(`\nbrowser test: n8n ${major}.x in Chromium (${CHROMIUM})`);
	const stack = args.url ? null : await startEditorStack(major, { log: (m) => console.log(`  ${m}`) });
	const target = stack
		? { baseUrl: stack.n8n.baseUrl, demoId: stack.demoId, credentialId: stack.credentialId, version: stack.host.version }
		: { baseUrl: /** @type {string} */ (args.url), demoId: 'nemoDemoPipeline', credentialId: 'nemoSimulator001', version: `${major}.x` };
	const shotsDir = path.join(REPO_ROOT, '.cache', 'browser', target.version);
	fs.rmSync(shotsDir, { recursive: true, force: true });
	fs.mkdirSync(shotsDir, { recursive: true });
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nemo-chromium-'));
	selectors.setTestIdAttribute('data-test-id');
	const browser = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_FLAGS,
		viewport: { width: 1440, height: 900 },
	});
	try {
		const page = browser.pages()[0] || (await browser.newPage());
		page.setDefaultTimeout(30_000);
		const { results, events } = await runChecks(page, shotsDir, target);
		fs.writeFileSync(path.join(shotsDir, 'page-events.log'), events.join('\n'));
		if (args.screenshots && results.every((r) => r.ok)) {
			fs.mkdirSync(args.screenshots, { recursive: true });
			const from = { canvas: 'canvas-after-run.png', panel: 'panel-nemo-face-swap.png', video: 'output-video.png' };
			for (const key of /** @type {Array<keyof typeof README_SHOTS>} */ (Object.keys(README_SHOTS))) {
				fs.copyFileSync(path.join(shotsDir, from[key]), path.join(args.screenshots, README_SHOTS[key]));
			}
			console.log(`  screenshots for the README: ${path.relative(process.cwd(), args.screenshots)}/{${Object.values(README_SHOTS).join(',')}}`);
		}
		console.log(`  screenshots and page events: ${path.relative(process.cwd(), shotsDir)}/`);
		return results;
	} finally {
		await browser.close().catch(() => {});
		fs.rmSync(profile, { recursive: true, force: true });
		if (stack) await stack.stop();
	}
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	/** @type {Array<{ name: string, ok: boolean }>} */
	const all = [];
	for (const major of args.hosts) all.push(...(await runOnHost(major, args)));
	const failed = all.filter((r) => !r.ok).length;
	console.log(`\nbrowser: ${all.length - failed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

if (require.main === module) {
	main().catch((e) => {
		console.error(`\n✘ browser test failed: ${e && e.stack ? e.stack : e}`);
		console.log('\nbrowser: 0 passed, 1 failed');
		process.exit(1);
	});
}

module.exports = { runChecks, CHROMIUM_FLAGS };
