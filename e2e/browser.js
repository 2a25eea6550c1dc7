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
 * and what the editor shows a newcomer off that path (issue 21 section 2):
 *
 *   - "swap face" typed in the nodes panel finds Nemo Face Swap (2.6)
 *   - a first try, a clip read from disk straight into Nemo Face Swap: the error in its output
 *     panel and the page its Docs link opens say how to get the clip and the photo into one item
 *     (2.1)
 *   - the credential's Access Token field says, where it is seen, that empty is fine (2.2)
 *   - a credential whose Base URL is a web server that is not NemoVideo (an HTML 404 page): its
 *     test says the Base URL does not look like NemoVideo's API and names the default (2.3)
 *   - Nemo Export's Get Status with a render id that does not exist: the error leads with the
 *     missing render, its advice with Render ID (2.5)
 *   - Nemo Credits after a long item: the balance (available, frozen, total) comes first in the
 *     output, and tokenType says "account" (2.6)
 *   - the face swap of the demo, a silent success (the simulator's editor says nothing, as it
 *     does for ~30 % of NemoVideo's edits), shows no warning-like notice (2.4)
 *
 * Screenshots go to .cache/browser/<n8n version>/ (a failed check: failed-<number>.png); with --screenshots DIR (npm run
 * screenshots: docs/images) the three the README shows are copied there too. Each of those
 * three is checked as it is taken: no text on screen names a folder, the host name, a port or
 * a loopback address of the machine that ran the test (machineTraces()).
 * Prints `N passed, N failed` and exits non-zero on a failure.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startEditorStack, FIRST_TRY, NEWCOMER, NOT_NEMO_CREDENTIAL } = require('./editor-stack');

const REPO_ROOT = path.resolve(__dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// As this machine's docs say Chromium must run here: no sandbox as root, no GPU, and none of
// its background connections (the network is closed; they would fail, many at a time).
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PACKAGE = 'n8n-nodes-nemovideo';
const OUR_NODES = ['Nemo Face Swap', 'Nemo Audio Replace', 'Nemo Upload', 'Nemo Credits', 'Nemo Export', 'Nemo Edit'];
const README_SHOTS = { canvas: 'editor-canvas.png', panel: 'editor-node-panel.png', video: 'editor-output-video.png' };
/** The screenshot of this run each README screenshot is copied from. */
const README_SHOT_SOURCES = { canvas: 'canvas-after-run.png', panel: 'panel-nemo-face-swap.png', video: 'output-video.png' };
/** The Base URL a credential has by default: the advice for a wrong one names it. */
const DEFAULT_BASE_URL = 'https://mega-api-prod.nemovideo.ai';
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
		/**
		 * @param {string} name @param {() => Promise<string | void>} fn
		 * @param {(n: number) => Promise<unknown>} onFail called with the check's number, to keep what the page showed
		 */
		async check(name, fn, onFail) {
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
				await onFail(results.length).catch(() => {});
				return false;
			}
		},
	};
}

/**
 * What of the machine running the test could show up on screen: its folders (the checkout, the
 * temp and home folders, any absolute path under the usual roots), its host name, the ports and
 * the loopback address n8n and the simulator listen on. `/home/node/` is not one: it is the home of
 * n8n's Docker image, the path the examples and docs use.
 * @param {number[]} ports
 * @returns {Array<{ what: string, re: RegExp }>}
 */
function machineMarkers(ports) {
	const esc = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	/** @type {Array<{ what: string, re: RegExp }>} */
	const markers = [];
	for (const dir of new Set([REPO_ROOT, os.tmpdir(), os.homedir()])) {
		if (dir.length > 1) markers.push({ what: `the folder ${dir}`, re: new RegExp(`(^|[^\\w.~-])${esc(dir)}($|[^\\w.-])`) });
	}
	markers.push({ what: 'an absolute path of a machine', re: /(^|[^\w.~-])\/((work|tmp|root|Users|private|var\/folders|mnt|srv)\/|home\/(?!node\/))[\w.-]/ });
	const host = os.hostname();
	if (host.length >= 3 && host !== 'localhost') markers.push({ what: `the host name ${host}`, re: new RegExp(`\\b${esc(host)}\\b`, 'i') });
	const user = os.userInfo().username;
	if (user.length >= 3 && !['root', 'node'].includes(user)) markers.push({ what: `the user name ${user}`, re: new RegExp(`\\b${esc(user)}\\b`, 'i') });
	markers.push({ what: 'a loopback address', re: /\blocalhost\b|\b127\.0\.0\.1\b|\[::1\]/ });
	for (const port of ports) markers.push({ what: `the port ${port}`, re: new RegExp(`:${port}\\b`) });
	return markers;
}

/**
 * The texts a screenshot of the page shows: text nodes and the values of inputs that are
 * visible and inside the viewport.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string[]>}
 */
function textOnScreen(page) {
	return page.evaluate(() => {
		const vw = window.innerWidth;
		const vh = window.innerHeight;
		const onScreen = (/** @type {DOMRect} */ r) => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh;
		const visible = (/** @type {Element} */ el) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
		/** @type {string[]} */
		const out = [];
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		const range = document.createRange();
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const text = (n.textContent || '').trim();
			if (!text || !n.parentElement || !visible(n.parentElement)) continue;
			range.selectNodeContents(n);
			if ([...range.getClientRects()].some(onScreen)) out.push(text);
		}
		for (const el of document.querySelectorAll('input, textarea')) {
			const value = /** @type {HTMLInputElement} */ (el).value;
			if (value && visible(el) && onScreen(el.getBoundingClientRect())) out.push(value);
		}
		return out;
	});
}

/**
 * The texts on screen that name something of this machine, as "what: text".
 * @param {string[]} texts
 * @param {number[]} ports
 */
function machineTraces(texts, ports) {
	const markers = machineMarkers(ports);
	return texts.flatMap((t) => markers.filter((m) => m.re.test(t)).map((m) => `${m.what}: "${t.length > 120 ? `${t.slice(0, 120)}…` : t}"`));
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
 * @param {{ baseUrl: string, demoId: string, firstTryId: string, newcomerId: string, credentialId: string, notNemoCredentialId: string, version: string, ports: number[] }} target
 *   ports: those of n8n and the simulator (no README screenshot may show them)
 */
async function runChecks(page, shotsDir, target) {
	const checks = checker();
	const { results } = checks;
	const watch = watchPage(page);
	const url = (/** @type {string} */ p) => `${target.baseUrl}${p}`;
	/** The screenshots the README shows (`npm run screenshots`): checked for traces of this machine. */
	const readmeSources = new Set(Object.values(README_SHOT_SOURCES));
	const shot = async (/** @type {string} */ name) => {
		const file = path.join(shotsDir, name);
		await page.screenshot({ path: file });
		if (readmeSources.has(name)) {
			const traces = machineTraces(await textOnScreen(page), target.ports);
			assert(traces.length === 0, `${name} (a README screenshot) shows what belongs to this machine:\n${traces.join('\n')}`);
		}
		return file;
	};
	const byTestId = (/** @type {string} */ id) => page.locator(`[data-test-id="${id}"]`);
	/** A check that, when it fails, leaves a screenshot of the page: failed-<number>.png. */
	const check = (/** @type {string} */ name, /** @type {() => Promise<string | void>} */ fn) =>
		checks.check(name, fn, (n) => page.screenshot({ path: path.join(shotsDir, `failed-${String(n).padStart(2, '0')}.png`) }));
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

	await check('"swap face" typed in the nodes panel finds Nemo Face Swap', async () => {
		const items = await searchNodes('swap face');
		await page.waitForTimeout(500);
		const names = (await items.allInnerTexts()).map((t) => t.trim().split('\n')[0].trim());
		await shot('nodes-panel-swap-face.png');
		await page.keyboard.press('Escape');
		const at = names.findIndex((n) => n.startsWith('Nemo Face Swap'));
		assert(at >= 0, `"swap face" found: ${names.join('; ') || 'nothing'}`);
		return `result ${at + 1} of ${names.length} (${names.slice(0, 4).join('; ')})`;
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

	await check("Nemo Face Swap's first try (a clip read from disk, defaults untouched): its error and its Docs page say how to get two files into one item", async () => {
		await page.goto(url(`/workflow/${target.firstTryId}`));
		const node = page.locator('[data-test-id="canvas-node"][data-node-name="Nemo Face Swap"]');
		await node.waitFor({ timeout: 60_000 });
		await page.waitForTimeout(500);
		await node.dblclick();
		const ndv = byTestId('ndv');
		await ndv.waitFor({ timeout: 30_000 });
		// The Docs link of the panel: the node's documentation URL, which names a page of this repository.
		const codex = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'dist/nodes/NemoFaceSwap/NemoFaceSwap.node.json'), 'utf8'));
		const docsUrl = String(codex.resources.primaryDocumentation[0].url);
		const href = (await ndv.getByRole('link', { name: 'Docs' }).first().getAttribute('href')) || '';
		assert(href.split('?')[0] === docsUrl, `the panel's Docs link is ${href}, the node's documentation ${docsUrl}`);
		const page_ = /\/blob\/[^/]+\/(.+)$/.exec(docsUrl);
		assert(!!page_ && fs.existsSync(path.join(REPO_ROOT, page_[1])), `the Docs link ${docsUrl} names no file of this repository`);
		const docsText = fs.readFileSync(path.join(REPO_ROOT, /** @type {RegExpExecArray} */ (page_)[1]), 'utf8');
		for (const words of [/two files in one item/i, /Put Output File in Field/, /\bMerge\b/, /Combine[^.]*\bPosition\b/]) {
			assert(words.test(docsText), `${page_ && page_[1]} does not say ${words}`);
		}
		// Execute step, as a newcomer does: the item has the clip ("data") but no "face".
		await ndv.locator('[data-test-id="node-execute-button"]').first().click();
		const output = byTestId('output-panel');
		const error = output.locator('[data-test-id="node-error-description"]');
		await error.first().waitFor({ timeout: 60_000 });
		const message = (await output.locator('[data-test-id="node-error-message"]').first().innerText()).trim();
		const description = (await error.first().innerText()).trim();
		await shot('first-try-face-swap.png');
		assert(/no binary property "face"/.test(message), `the error says: ${message}`);
		assert(/"data"/.test(description) && /Put Output File in Field "face"/.test(description) && /Merge node \(Combine, By Position\)/.test(description), `the error's description says: ${description}`);
		await page.keyboard.press('Escape');
		return `"${message}" / "${description.slice(0, 60)}…"; Docs: ${page_ && page_[1]}`;
	});

	await check("the credential's Access Token field says, where it is seen, that an empty token is fine", async () => {
		// the hint as the credential declares it; the point is that it says so
		const { NemoApi } = require(path.join(REPO_ROOT, 'dist/credentials/NemoApi.credentials.js'));
		const field = new NemoApi().properties.find((/** @type {{ name: string }} */ p) => p.name === 'accessToken');
		const hint = String((field && field.hint) || '');
		assert(/^Empty is fine/.test(hint), `the Access Token field's hint is "${hint}"`);
		await page.goto(url(`/home/credentials/${target.credentialId}`));
		const modal = byTestId('editCredential-modal');
		await modal.waitFor({ timeout: 60_000 });
		const param = modal.locator('[data-test-id="credential-connection-parameter"]').filter({ hasText: 'Access Token' }).first();
		await param.getByText(hint).first().waitFor({ timeout: 30_000 });
		const inView = await param.getByText(hint).first().evaluate((el) => {
			const r = el.getBoundingClientRect();
			return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
		});
		await shot('credential-access-token-hint.png');
		await page.keyboard.press('Escape');
		assert(inView, 'the hint is outside the visible part of the dialog');
		return `under Access Token: "${hint.slice(0, 40)}…"`;
	});

	await check("a credential whose Base URL is a web server that is not NemoVideo (an HTML 404 page): its test says the Base URL does not look like NemoVideo's API and names the default", async () => {
		await page.goto(url(`/home/credentials/${target.notNemoCredentialId}`));
		const modal = byTestId('editCredential-modal');
		await modal.waitFor({ timeout: 60_000 });
		const retry = modal.getByRole('button', { name: 'Retry', exact: true });
		// Opening a saved credential tests it: a failed test shows n8n's banner with "Retry".
		await retry.waitFor({ timeout: 60_000 });
		// Press the test again, as a user does after reading the banner, and keep what n8n answered.
		const [response] = await Promise.all([page.waitForResponse((r) => r.url().includes('/rest/credentials/test'), { timeout: 60_000 }), retry.click()]);
		const answered = /** @type {{ data?: { status?: string, message?: string } }} */ (await response.json().catch(() => ({})));
		const banner = modal.getByText(/Couldn.t connect with these settings/).first();
		await banner.waitFor({ timeout: 30_000 });
		await retry.waitFor({ timeout: 30_000 }); // the test is over: the button reads "Retrying" meanwhile
		// n8n's banner keeps the test's message behind "More details"
		const more = modal.getByText('More details', { exact: true });
		if (await more.isVisible().catch(() => false)) await more.click();
		const details = modal.getByText(/does not look like NemoVideo/).first();
		await details.waitFor({ timeout: 10_000 });
		const said = (await details.innerText()).trim();
		await shot('credential-wrong-base-url.png');
		await page.keyboard.press('Escape');
		assert(answered.data?.status === 'Error', `the test answered ${JSON.stringify(answered).slice(0, 300)}`);
		assert(/^The Base URL in the Nemo API credential does not look like NemoVideo's API/.test(said), `the dialog says: ${said}`);
		assert(said.includes(DEFAULT_BASE_URL), `the dialog does not name ${DEFAULT_BASE_URL}: ${said}`);
		assert(/HTTP 404 \(text\/html\)/.test(said), `the dialog does not say what came back: ${said}`);
		assert(!/garbled|try again|<html|Not Found/i.test(said), `the dialog says: ${said}`);
		return `"${said.slice(0, 80)}…", naming ${DEFAULT_BASE_URL} (the test answered ${response.status()}, status Error)`;
	});

	/**
	 * Opens the workflow `workflowId` afresh (no run data of an earlier check), opens `nodeName`
	 * and presses its Execute step; returns the output panel.
	 * @param {string} workflowId
	 * @param {string} nodeName
	 */
	async function executeStep(workflowId, nodeName) {
		const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`);
		await page.goto(url(`/workflow/${workflowId}`));
		await node.waitFor({ timeout: 60_000 });
		await page.waitForTimeout(500);
		const ndv = byTestId('ndv');
		await node.dblclick();
		await ndv.waitFor({ timeout: 30_000 });
		await ndv.locator('[data-test-id="node-execute-button"]').first().click();
		return byTestId('output-panel');
	}

	await check('Nemo Credits after a long item: the balance first (available, frozen, total), tokenType "account"', async () => {
		const output = await executeStep(target.newcomerId, 'Nemo Credits');
		await output.locator('[data-test-id="radio-button-json"]').or(output.getByText('JSON', { exact: true })).first().click();
		await output.getByText('"available"').first().waitFor({ timeout: 60_000 });
		const json = await output.locator('[data-test-id="ndv-data-container"]').first().innerText();
		await shot('output-json-credits.png');
		const keys = [...json.matchAll(/"([\w]+)"\s*:/g)].map((m) => m[1]);
		assert(keys.includes('field20'), `the long item's fields are not in the output: ${keys.join(', ')}`);
		assert(JSON.stringify(keys.slice(0, 3)) === JSON.stringify(['available', 'frozen', 'total']), `the first fields are ${keys.slice(0, 6).join(', ')}`);
		assert(keys.indexOf('tokenType') < keys.indexOf('field01'), `tokenType comes after the input's fields: ${keys.join(', ')}`);
		assert(/"tokenType":\s*"account"/.test(json), `tokenType is not "account": ${json.slice(0, 300)}`);
		const available = /"available":\s*(\d+)/.exec(json);
		assert(!!available, `"available" is not a number: ${json.slice(0, 300)}`);
		// the same order in the Table view's columns
		await output.locator('[data-test-id="radio-button-table"]').or(output.getByText('Table', { exact: true })).first().click();
		const headers = output.locator('[data-test-id="ndv-data-container"] table th');
		await headers.first().waitFor({ timeout: 30_000 });
		const columns = (await headers.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
		await shot('output-table-credits.png');
		await page.keyboard.press('Escape');
		assert(JSON.stringify(columns.slice(0, 3)) === JSON.stringify(['available', 'frozen', 'total']), `the Table view's first columns are ${columns.slice(0, 6).join(', ')}`);
		return `JSON: ${keys.slice(0, 5).join(', ')}, … (${keys.length} fields; available ${available && available[1]}); Table: ${columns.slice(0, 4).join(', ')}, …`;
	});

	await check('Nemo Export → Get Status with a render id that does not exist: the error leads with the missing render, its advice with Render ID', async () => {
		const output = await executeStep(target.newcomerId, 'Nemo Export');
		const error = output.locator('[data-test-id="node-error-description"]');
		await error.first().waitFor({ timeout: 60_000 });
		const message = (await output.locator('[data-test-id="node-error-message"]').first().innerText()).trim();
		const description = (await error.first().innerText()).trim();
		await shot('get-status-missing-render.png');
		await page.keyboard.press('Escape');
		const id = NEWCOMER.missingRenderId;
		// "Item index 0: " is how each of our nodes' errors names the item (node-errors.ts); the cause follows at once
		assert(message.replace(/^Item index \d+: /, '').startsWith(`NemoVideo has no render ${id} for this account`), `the error says: ${message}`);
		assert(/^Check Render ID: it must be the renderId of a Nemo Export \(Start Export\) output/.test(description), `the advice says: ${description}`);
		assert(!/^If every call fails like this/.test(message) && !/^If every call fails like this/.test(description), 'the error leads with the Base URL');
		// the Base URL doubt, if said at all, comes after what is likely
		const doubt = description.indexOf('If every call fails like this');
		assert(doubt === -1 || doubt > description.indexOf('renderId'), `the advice puts the Base URL first: ${description}`);
		return `"${message.slice(0, 90)}" / "${description.slice(0, 70)}…"`;
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

	await check('the face swap that worked (NemoVideo said nothing) shows no warning-like notice', async () => {
		const ndv = byTestId('ndv');
		if (!(await ndv.isVisible().catch(() => false))) {
			await page.locator('[data-test-id="canvas-node"][data-node-name="Nemo Face Swap"]').dblclick();
			await ndv.waitFor({ timeout: 30_000 });
		}
		const output = byTestId('output-panel');
		await output.locator('[data-test-id="radio-button-json"]').or(output.getByText('JSON', { exact: true })).first().click();
		await output.getByText('"replied"').first().waitFor({ timeout: 30_000 });
		const json = await output.locator('[data-test-id="ndv-data-container"]').first().innerText();
		await shot('output-json-silent-success.png');
		// a silent success, or this check would prove nothing
		assert(/"replied":\s*false/.test(json), `the output is not a silent edit: ${json.slice(0, 300)}`);
		assert(/"message":\s*"Done\. Changes: /.test(json), `"message" is not the summary of the changes: ${json.slice(0, 300)}`);
		const hints = await output.locator('[data-test-id="node-hint"], [data-test-id="run-data-callout"]').allInnerTexts();
		assert(hints.length === 0, `the output panel shows: ${hints.join(' | ')}`);
		// everything the panel says besides the data itself
		const panelText = await output.evaluate((el) => {
			const copy = /** @type {HTMLElement} */ (el.cloneNode(true));
			for (const data of copy.querySelectorAll('[data-test-id="ndv-data-container"]')) data.remove();
			return (copy.textContent || '').replace(/\s+/g, ' ').trim();
		});
		assert(!/without a reply|warning/i.test(panelText), `the output panel says: ${panelText.slice(0, 300)}`);
		await page.keyboard.press('Escape');
		const warned = await page.locator('[data-test-id="canvas-node"][data-node-name="Nemo Face Swap"] [data-test-id="canvas-node-status-warning"]').count();
		assert(warned === 0, 'the Nemo Face Swap node shows a warning on the canvas');
		return '"replied": false, "message": "Done. Changes: …"; no notice in the output panel, no warning on the canvas';
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
	const portOf = (/** @type {string} */ u) => Number(new URL(u).port) || 0;
	const target = stack
		? {
				baseUrl: stack.n8n.baseUrl,
				demoId: stack.demoId,
				firstTryId: stack.firstTryId,
				newcomerId: stack.newcomerId,
				credentialId: stack.credentialId,
				notNemoCredentialId: stack.notNemoCredentialId,
				version: stack.host.version,
				ports: [portOf(stack.n8n.baseUrl), portOf(stack.sim.url)],
			}
		: {
				baseUrl: /** @type {string} */ (args.url),
				demoId: 'nemoDemoPipeline',
				firstTryId: FIRST_TRY.id,
				newcomerId: NEWCOMER.id,
				credentialId: 'nemoSimulator001',
				notNemoCredentialId: NOT_NEMO_CREDENTIAL.id,
				version: `${major}.x`,
				ports: [portOf(/** @type {string} */ (args.url))],
			};
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
			for (const key of /** @type {Array<keyof typeof README_SHOTS>} */ (Object.keys(README_SHOTS))) {
				fs.copyFileSync(path.join(shotsDir, README_SHOT_SOURCES[key]), path.join(args.screenshots, README_SHOTS[key]));
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

module.exports = { runChecks, machineTraces, CHROMIUM_FLAGS };
