// @ts-check
'use strict';
/**
 * `npm run test:e2e [-- 1|2|both]`: the packed package in real n8n, for n8n 1.123.81 on Node 20
 * and 2.40.7 on Node 24 (default: both, one after the other). Per version:
 *
 *   load      the tarball installs into .n8n/nodes; `n8n export:nodes` lists the six nodes and
 *             their tool variants; the editor's type list has the credential; n8n never logs a
 *             problem about the package
 *   demo      examples/demo-face-swap-audio-replace.json against the simulator in ffmpeg mode:
 *             JSON fields as documented, one session, each instruction sent once, both MP4s
 *             read by ffprobe (H.264 + AAC), the voice-over replaced the audio (same length as
 *             the video, original tone gone: the end of the track is silent)
 *   batch     examples/scheduled-batch.json (Manual Trigger): 3 clips + 1 broken URL at 3 at
 *             once; the summary counts 3 exported, 1 failed; exported URLs are real MP4s; the
 *             Credits Guard stops the batch on an account with too few credits
 *   agent     examples/ai-agent-tools.json with a scripted OpenAI-compatible model on loopback:
 *             n8n's AI Agent calls Nemo Credits and Nemo Face Swap as tools
 *   memory    filesystem binary mode, a 300 MB clip through Nemo Upload and a 300 MB render
 *             through Nemo Export (simulator in fast mode): n8n's peak RSS stays far below
 *   webhook   examples/webhook-face-swap.json activated, `n8n start`, real HTTP POSTs: the MP4
 *             URL comes back (and a 422 with the error for a bad request)
 *   folder    examples/folder-watch-face-swap.json: a video dropped into the watched folder
 *             comes out face-swapped in the output folder; a text file is ignored
 *
 * Prints `N passed, N failed` and the measured times and memory; exits 1 on any failure.
 * Figures also go to .cache/e2e/report-<n8n version>.json.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { buildAndPack, missingN8nFiles } = require('./package-tarball');
const { ensureN8n } = require('./hosts');
const { createInstance, freePort } = require('./n8n-instance');
const { outputItems, outputJson } = require('./run-data');
const { ensureSampleMedia, largeClip } = require('./sample-media');
const { startSimulatorProcess } = require('./simulator-process');
const { serveFolder } = require('./static-server');
const { startFakeLlm } = require('./fake-llm');
const { loadExample, configureWorkflow, nodeNamed, EXAMPLES } = require('./examples');
const { probeMedia, loudness } = require('./media-check');
const { n8nEnvFor, nemoCredential, formatBytes } = require('./stack');
const { largeFileWorkflow, proxyReferenceWorkflow, creditsWorkflow } = require('./e2e-workflows');
const { startTinyproxy, proxyEnv } = require('./proxy');
const { request } = require('./ports');

const REPO_ROOT = path.resolve(__dirname, '..');
const PACKAGE = 'n8n-nodes-nemovideo';
const NODE_NAMES = ['nemoFaceSwap', 'nemoAudioReplace', 'nemoUpload', 'nemoCredits', 'nemoExport', 'nemoEdit'];
const LARGE_BYTES = Number(process.env.E2E_LARGE_MB || 300) * 1024 * 1024;
/** Peak RSS growth allowed for a LARGE_BYTES file (README: "far below the file size"). */
const MAX_GROWTH_BYTES = Number(process.env.E2E_MAX_GROWTH_MB || 150) * 1024 * 1024;

const CRED = {
	sim: { id: 'nemoSimulator001', name: 'NemoVideo (local simulator)' },
	poor: { id: 'nemoE2ePoor00001', name: 'NemoVideo (simulator, 30 credits)' },
	fast: { id: 'nemoE2eFast00001', name: 'NemoVideo (simulator, fast media)' },
	openai: { id: 'openAiExample001', name: 'OpenAI account' },
	trial: { id: 'nemoE2eTrial0001', name: 'NemoVideo (simulator, trial token kept by n8n)' },
};
const POOR_TOKEN = 'nmv_usr_e2e_poor';
const SIM_TOKEN = 'nmv_usr_e2e_registered_account';
const FAST_TOKEN = 'nmv_usr_e2e_fast';
const IDS = { guard: 'nemoE2eGuard0001', large: 'nemoE2eLarge0001', proxy: 'nemoE2eProxy0001', trial: 'nemoE2eTrial0001', retry: 'nemoE2eRetry0001' };
/** The upload that goes through the proxy. */
const PROXY_UPLOAD_BYTES = 100 * 1024 * 1024;

/** @type {Array<{ version: string, name: string, ok: boolean, ms: number, error?: string }>} */
const results = [];

/**
 * Run one named check; a failure is recorded and (unless fatal) the next checks go on.
 * @template T
 * @param {string} version
 * @param {string} name
 * @param {() => Promise<T>} fn
 * @param {{ fatal?: boolean }} [o]
 * @returns {Promise<T | undefined>}
 */
async function check(version, name, fn, o = {}) {
	const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, 'i') : undefined;
	if (only && !o.fatal && !only.test(name)) {
		console.log(`\n- [${version}] ${name}: skipped (E2E_ONLY)`);
		return undefined;
	}
	const t = Date.now();
	process.stdout.write(`\n▶ [${version}] ${name}\n`);
	try {
		const r = await fn();
		const ms = Date.now() - t;
		results.push({ version, name, ok: true, ms });
		console.log(`✔ [${version}] ${name} (${(ms / 1000).toFixed(1)} s)`);
		return r;
	} catch (e) {
		const ms = Date.now() - t;
		const msg = e instanceof Error ? e.stack || e.message : String(e);
		results.push({ version, name, ok: false, ms, error: msg.split('\n')[0] });
		console.log(`✘ [${version}] ${name} (${(ms / 1000).toFixed(1)} s)\n${msg}`);
		if (o.fatal) throw new Error(`[${version}] ${name} failed: the remaining checks of this version need it`);
		return undefined;
	}
}

/** @param {string} url @param {string} file */
function download(url, file) {
	return new Promise((resolve, reject) => {
		http
			.get(url, (res) => {
				if (res.statusCode !== 200) {
					res.resume();
					reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
					return;
				}
				const out = fs.createWriteStream(file);
				res.pipe(out);
				out.on('finish', () => resolve(file));
				out.on('error', reject);
			})
			.on('error', reject);
	});
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {number} kb */
const mb = (kb) => Math.round(kb / 1024);

/**
 * An MP4 the way the issue asks: ffprobe reads it, H.264 video, AAC audio.
 * @param {string} file
 * @param {{ seconds?: number }} [o]
 */
async function assertMp4(file, o = {}) {
	const m = await probeMedia(file);
	assert.match(m.formatName, /mp4/, `${file}: container ${m.formatName}`);
	assert.equal(m.video && m.video.codec, 'h264', `${file}: video codec`);
	assert.equal(m.audio && m.audio.codec, 'aac', `${file}: audio codec`);
	if (o.seconds !== undefined) assert.ok(Math.abs(m.duration - o.seconds) < 0.25, `${file}: duration ${m.duration} s, expected ${o.seconds}`);
	return m;
}

/**
 * @param {'1' | '2'} which
 * @param {{ tarball: string, media: import('./sample-media').SampleMedia }} shared
 */
async function suite(which, shared) {
	const host = await ensureN8n(which);
	const v = `n8n ${host.version}`;
	/** @type {Record<string, any>} */
	const report = { n8n: host.version, node: host.nodeVersion, times: {}, memory: {} };
	const work = fs.mkdtempSync(path.join(os.tmpdir(), `nemo-e2e-${host.major}-`));
	const dirs = {
		out: path.join(work, 'output'),
		incoming: path.join(work, 'watch', 'incoming'),
		swapped: path.join(work, 'watch', 'swapped'),
		large: path.join(work, 'large'),
	};
	for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
	const { media } = shared;

	/** @type {Array<{ stop?: () => Promise<unknown>, close?: () => Promise<unknown>, dispose?: () => Promise<unknown> }>} */
	const cleanup = [];
	try {
		const sim = await startSimulatorProcess({
			media: 'ffmpeg',
			config: { anonymousCredits: 10_000 },
			// the examples' credential is a registered account's: NemoVideo's trial tokens cannot export
			tokens: [{ token: POOR_TOKEN, credits: 30 }, { token: SIM_TOKEN, credits: 10_000 }],
		});
		cleanup.push(sim);
		const fast = await startSimulatorProcess({ media: 'fast', tokens: [{ token: FAST_TOKEN, credits: 10_000 }] });
		cleanup.push(fast);
		// "1 token / client / 7 days": a repeat trial-token request is refused with 429
		const strict = await startSimulatorProcess({ media: 'fast', config: { repeatTokenRequest: '429' } });
		cleanup.push(strict);
		const files = await serveFolder(media.dir);
		cleanup.push(files);
		const llm = await startFakeLlm();
		cleanup.push(llm);

		const n8n = await createInstance(which, {
			env: n8nEnvFor(host.major, { fileFolders: [media.dir, work], simulator: true }),
		});
		cleanup.push(n8n);

		// ------------------------------------------------------------------ load
		await check(v, 'the tarball installs into .n8n/nodes', async () => {
			const r = await n8n.installPackage(shared.tarball);
			assert.equal(r.name, PACKAGE);
			// no runtime dependencies: undici, eventsource-parser, form-data, proxy-from-env are bundled
			const installed = JSON.parse(fs.readFileSync(path.join(n8n.nodesDir, 'node_modules', PACKAGE, 'package.json'), 'utf8'));
			assert.deepEqual(installed.dependencies, undefined, 'the package has no dependencies');
			const beside = fs.readdirSync(path.join(n8n.nodesDir, 'node_modules')).filter((n) => !n.startsWith('.'));
			assert.deepEqual(beside, [PACKAGE], 'nothing was installed beside the package');
			report.times.installPackageMs = r.ms;
		}, { fatal: true });

		await check(v, 'n8n loads all six nodes and their AI-tool variants', async () => {
			const types = await n8n.nodeTypes(`${PACKAGE}.`);
			const names = types.map((t) => t.name).sort();
			const expected = NODE_NAMES.flatMap((n) => [`${PACKAGE}.${n}`, `${PACKAGE}.${n}Tool`]).sort();
			assert.deepEqual(names, expected);
			for (const t of types) {
				assert.deepEqual((t.credentials || []).map((c) => c.name), ['nemoApi'], `${t.name} uses the nemoApi credential`);
			}
			console.log(`  ${names.length} types: ${names.map((n) => n.replace(`${PACKAGE}.`, '')).join(', ')}`);
		}, { fatal: true });

		await check(v, 'credentials and all example workflows import', async () => {
			await n8n.importCredentials([
				nemoCredential({ ...CRED.sim, baseUrl: sim.url, accessToken: SIM_TOKEN }), // a registered account's, as the demo
				nemoCredential({ ...CRED.poor, baseUrl: sim.url, accessToken: POOR_TOKEN }),
				nemoCredential({ ...CRED.fast, baseUrl: fast.url, accessToken: FAST_TOKEN }),
				nemoCredential({ ...CRED.trial, baseUrl: strict.url }),
				{ ...CRED.openai, type: 'openAiApi', data: { apiKey: 'sk-e2e-not-a-real-key', url: llm.url } },
			]);
			const batchClips = [
				...media.batch.map((f, i) => ({ name: `clip-${i + 1}`, videoUrl: files.urlOf(f) })),
				{ name: 'missing', videoUrl: `${files.url}/no-such-clip.mp4` },
			];
			const batch = configureWorkflow(loadExample('batch'), { settings: { faceUrl: files.urlOf(media.face), clips: batchClips } });
			const guard = configureWorkflow(batch, { credentials: { nemoApi: CRED.poor } });
			guard.id = IDS.guard;
			guard.name = 'e2e: batch with too few credits';
			const agent = loadExample('agent');
			const ask = nodeNamed(agent, 'Example Request').parameters.assignments.assignments[0];
			ask.value = `How many credits do I have? Then swap the face in ${files.urlOf(media.clip)} with the face in ${files.urlOf(media.face)}.`;
			await n8n.importWorkflows([
				configureWorkflow(loadExample('demo'), { settings: { mediaFolder: media.dir, outputFolder: dirs.out } }),
				(() => {
					// The demo with n8n's Retry On Fail on Nemo Face Swap (issue 20 point 1).
					const retrying = configureWorkflow(loadExample('demo'), { settings: { mediaFolder: media.dir, outputFolder: dirs.out } });
					retrying.id = IDS.retry;
					retrying.name = 'e2e: demo with Retry On Fail';
					Object.assign(nodeNamed(retrying, 'Nemo Face Swap'), { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 });
					return retrying;
				})(),
				loadExample('webhook'),
				batch,
				guard,
				configureWorkflow(loadExample('folder'), {
					settings: { faceFile: media.face, outputFolder: dirs.swapped },
					params: { 'New File in Folder': { path: dirs.incoming } },
				}),
				agent,
				largeFileWorkflow({ id: IDS.large, file: path.join(dirs.large, 'clip.mp4'), credential: CRED.fast }),
				creditsWorkflow({ id: IDS.trial, credential: CRED.trial }),
				proxyReferenceWorkflow({
					id: IDS.proxy,
					file: path.join(dirs.large, 'proxied.mp4'),
					credential: CRED.fast,
					referenceUrl: `${fast.cdnUrl}/reference-from-http-request-node`,
				}),
			]);
		}, { fatal: true });

		// ------------------------------------------------------------------ demo
		await check(v, 'demo pipeline: Credits → Face Swap → Audio Replace → Export, MP4s checked', async () => {
			const before = (await sim.admin('messages')).length;
			const res = await n8n.execute(EXAMPLES.demo.id, { timeoutMs: 240_000 });
			report.times.demoExecuteMs = res.ms;
			report.memory.demoPeakRssMb = mb(res.memory.peakKb);
			const credits = outputJson(res.run, 'Nemo Credits')[0];
			for (const k of ['available', 'frozen', 'total']) assert.equal(typeof credits[k], 'number', `credits.${k}`);

			const swap = outputItems(res.run, 'Nemo Face Swap')[0];
			const sid = swap.json.sessionId;
			assert.match(String(sid), /^\d+$/, 'face swap sessionId');
			assert.match(swap.json.renderId, /^render_/, 'face swap renderId');
			assert.equal(swap.json.status, 'completed');
			assert.match(swap.json.videoUrl, /^http:\/\/127\.0\.0\.1:\d+\/renders\//, 'videoUrl on the CDN origin');
			assert.ok(swap.json.message && typeof swap.json.message === 'string', 'message');
			assert.match(swap.json.timeline, /face swapped with face\.png/, 'timeline summary');
			assert.equal(swap.json.fileName, 'face-swapped.mp4');
			assert.ok(swap.json.sizeBytes > 1000, 'sizeBytes');
			assert.deepEqual((swap.json.uploadedFiles || []).map((/** @type {any} */ f) => f.fileType), ['video', 'image']);
			assert.ok(swap.binary && swap.binary.data, 'face swap output has binary data');
			assert.match(String(swap.binary.data.id), /^filesystem/, 'binary in n8n\'s filesystem store');

			const replace = outputJson(res.run, 'Nemo Audio Replace')[0];
			assert.equal(replace.sessionId, sid, 'audio replace works in the same session');
			assert.match(replace.timeline, /voiceover\.wav/);
			assert.match(replace.instruction, /Remove the original audio/);
			assert.equal(replace.renderId, undefined, 'Result: Don\'t Export');

			const exp = outputItems(res.run, 'Nemo Export')[0];
			assert.equal(exp.json.sessionId, sid);
			assert.match(exp.json.renderId, /^render_/);
			assert.notEqual(exp.json.renderId, swap.json.renderId);
			assert.equal(exp.json.status, 'completed');
			assert.ok(exp.json.videoUrl, 'export videoUrl');
			assert.match(exp.json.timeline, /muted.*voiceover\.wav|voiceover\.wav/);
			assert.equal(exp.binary && exp.binary.data && exp.binary.data.fileName, 'face-swapped-voiceover.mp4');

			const messages = (await sim.admin('messages')).slice(before);
			const forSession = messages.filter((/** @type {any} */ m) => String(m.sessionId ?? m.session_id) === String(sid));
			assert.equal(forSession.length, 2, `two instructions sent once each in the session (got ${JSON.stringify(messages).slice(0, 300)})`);

			const swapped = await assertMp4(path.join(dirs.out, 'face-swapped.mp4'), { seconds: media.clipSeconds });
			const final = await assertMp4(path.join(dirs.out, 'face-swapped-voiceover.mp4'), { seconds: media.clipSeconds });
			assert.ok(final.audio && Math.abs(final.audio.duration - media.clipSeconds) < 0.25, `replaced audio lasts ${final.audio?.duration} s, the video ${media.clipSeconds} s (trimmed/padded)`);
			assert.equal(final.video && final.video.width, 640);
			// The voice-over (~4.2 s) speaks at the start; with the original removed, the rest is
			// silent. The face-swapped MP4 still has the original 440 Hz tone there.
			const tail = media.voiceSeconds + 0.5;
			const span = media.clipSeconds - tail - 0.3;
			const voice = await loudness(path.join(dirs.out, 'face-swapped-voiceover.mp4'), 0.2, 2.5);
			const finalTail = await loudness(path.join(dirs.out, 'face-swapped-voiceover.mp4'), tail, span);
			const swappedTail = await loudness(path.join(dirs.out, 'face-swapped.mp4'), tail, span);
			console.log(
				`  face-swapped.mp4 ${formatBytes(swapped.size)}, final ${formatBytes(final.size)}: voice ${voice.meanDb} dB, end of final ${finalTail.maxDb} dB max, end of face-swapped ${swappedTail.meanDb} dB (tone)`,
			);
			assert.ok(voice.meanDb > -45, `voice-over audible at the start (${voice.meanDb} dB)`);
			assert.ok(finalTail.maxDb < -50, `original audio removed: the end is silent (${finalTail.maxDb} dB)`);
			assert.ok(swappedTail.meanDb > -45, `the face-swapped MP4 kept the original tone (${swappedTail.meanDb} dB)`);
		});

		await check(v, "n8n's Retry On Fail: the export fails once, the next try exports the same edit; the face swap is sent once", async () => {
			await sim.admin('faults', { endpoint: 'renderStart', renderFails: 'GPU node unavailable', times: 1 });
			const before = (await sim.admin('messages')).length;
			const res = await n8n.execute(IDS.retry, { timeoutMs: 240_000 });
			const swap = outputItems(res.run, 'Nemo Face Swap')[0];
			assert.match(String(swap.json.note), /earlier try of this node/, 'the second try says it did not send again');
			const sent = (await sim.admin('messages')).slice(before).filter((/** @type {any} */ m) => String(m.sessionId ?? m.session_id) === String(swap.json.sessionId));
			assert.equal(sent.length, 2, `face swap and audio replace sent once each (got ${sent.length})`);
			console.log(`  export failed once, retried by n8n; ${sent.length} instructions for session ${swap.json.sessionId}`);
		});

		// ------------------------------------------------------------------ batch
		await check(v, 'scheduled batch: credits guard, 4 clips at 3 at once, 1 broken, summary', async () => {
			const seqBefore = Math.max(0, ...(await sim.admin('requests')).map((/** @type {any} */ r) => r.seq));
			const res = await n8n.execute(EXAMPLES.batch.id, { timeoutMs: 240_000 });
			report.times.batchExecuteMs = res.ms;
			const guard = outputJson(res.run, 'Credits Guard')[0];
			assert.ok(guard.available >= 80, 'guard passed with enough credits');
			const summary = outputJson(res.run, 'Summary');
			assert.equal(summary.length, 1, 'one summary item');
			const s = summary[0];
			console.log(`  summary: ${JSON.stringify({ clips: s.clips, exported: s.exported, failed: s.failed, creditsBefore: s.creditsBefore })}`);
			assert.equal(s.clips, 4);
			assert.equal(s.exported, 3);
			assert.equal(s.failed, 1);
			assert.deepEqual(s.results.map((/** @type {any} */ r) => r.clip), ['clip-1', 'clip-2', 'clip-3', 'missing'], 'input order kept');
			assert.match(s.results[3].error, /no-such-clip\.mp4|404|download/i, 'the broken clip says why');
			const sessions = new Set(s.results.slice(0, 3).map((/** @type {any} */ r) => r.sessionId));
			assert.equal(sessions.size, 3, 'one session per clip');
			// "Items at Once" 3: the edit streams of the clips overlapped in time
			const streams = (await sim.admin(`requests?since=${seqBefore}`)).filter((/** @type {any} */ r) => r.endpoint === 'sse');
			let overlap = 0;
			for (const a of streams) overlap = Math.max(overlap, streams.filter((/** @type {any} */ b) => b.startedAt <= a.startedAt && (b.endedAt ?? Infinity) > a.startedAt).length);
			console.log(`  ${streams.length} edit streams, at most ${overlap} open at the same time`);
			assert.ok(overlap >= 2, `clips ran at once (max ${overlap} edit streams open together)`);
			for (const [i, r] of s.results.slice(0, 3).entries()) {
				const f = path.join(work, `batch-${i + 1}.mp4`);
				await download(r.videoUrl, f);
				await assertMp4(f, { seconds: 4 });
			}
		});

		await check(v, 'scheduled batch: the Credits Guard stops a batch the account cannot pay for', async () => {
			const res = await n8n.execute(IDS.guard, { allowError: true, timeoutMs: 120_000 });
			assert.equal(res.status, 'error');
			assert.match(res.error || '', /Credits Guard: .*Only 30 NemoVideo credits are available; this workflow requires at least 400/);
			assert.throws(() => outputItems(res.run, 'Nemo Face Swap'), /did not run/, 'nothing after the guard ran');
			console.log(`  ${res.error}`);
		});

		// ------------------------------------------------------------------ agent
		await check(v, 'AI Agent calls Nemo Credits and Nemo Face Swap as tools (scripted model)', async () => {
			const before = llm.requests.length;
			const res = await n8n.execute(EXAMPLES.agent.id, { timeoutMs: 240_000 });
			const out = outputJson(res.run, 'AI Agent')[0];
			const calls = llm.requests.slice(before);
			console.log(`  tools offered: ${calls[0] && calls[0].tools.join(', ')}; model calls: ${calls.length} (streamed: ${calls.filter((c) => c.stream).length})`);
			console.log(`  agent said: ${out.output}`);
			assert.ok(calls.length >= 3, 'credits call, swap call, final answer');
			assert.deepEqual(calls[0].tools.slice().sort(), ['Check_Credits', 'Swap_Face'].sort());
			assert.match(out.output, /credits available/);
			assert.match(out.output, /http:\/\/127\.0\.0\.1:\d+\/renders\/render_[\w.-]+\.mp4/, 'the video URL from our tool');
			const url = /** @type {RegExpMatchArray} */ (out.output.match(/http:\/\/\S+\.mp4/))[0];
			await assertMp4(await download(url, path.join(work, 'agent.mp4')).then(() => path.join(work, 'agent.mp4')), { seconds: media.clipSeconds });
		});

		// ------------------------------------------------------------------ memory
		await check(v, `filesystem binary mode: ${formatBytes(LARGE_BYTES)} upload and render, peak memory`, async () => {
			const clip = path.join(dirs.large, 'clip.mp4');
			/** @param {string} label @param {number} fileBytes @param {number} outBytes */
			const runWith = async (label, fileBytes, outBytes) => {
				fs.rmSync(clip, { force: true });
				if (fileBytes > fs.statSync(media.clip).size) largeClip(media.clip, clip, fileBytes);
				else fs.copyFileSync(media.clip, clip);
				await fast.admin('config', { outputSizeBytes: outBytes });
				const res = await n8n.execute(IDS.large, { timeoutMs: 300_000 });
				const up = outputJson(res.run, 'Nemo Upload')[0];
				const ex = outputItems(res.run, 'Nemo Export')[0];
				const stored = ex.binary && ex.binary.data;
				assert.ok(stored && String(stored.id).startsWith('filesystem'), `${label}: render stored in the filesystem binary store`);
				assert.equal(Number(ex.json.sizeBytes), outBytes, `${label}: render size`);
				const uploads = (await fast.admin('requests')).filter((/** @type {any} */ r) => r.endpoint === 'upload' && r.status === 200);
				const last = uploads[uploads.length - 1];
				assert.ok(last && last.bodyBytes >= fileBytes, `${label}: the simulator received the whole file (${last && last.bodyBytes} bytes)`);
				const figure = {
					fileMb: Math.round(fileBytes / 1048576),
					renderMb: Math.round(outBytes / 1048576),
					peakRssMb: mb(res.memory.peakKb),
					peakTreeRssMb: mb(res.memory.peakTreeRssKb),
					executeMs: res.ms,
					uploadedBytes: last.bodyBytes,
					sessionId: up.sessionId,
				};
				console.log(`  ${label.padEnd(13)} file ${figure.fileMb} MB, render ${figure.renderMb} MB: n8n peak RSS ${figure.peakRssMb} MB (process tree ${figure.peakTreeRssMb} MB), ${(res.ms / 1000).toFixed(1)} s`);
				return figure;
			};
			const base = await runWith('baseline', 0, 64 * 1024);
			const upload = await runWith('large upload', LARGE_BYTES, 64 * 1024);
			const render = await runWith('large render', 0, LARGE_BYTES);
			fs.rmSync(clip, { force: true });
			report.memory.large = { baseline: base, upload, render, maxGrowthMb: MAX_GROWTH_BYTES / 1048576 };
			const growthUp = upload.peakRssMb - base.peakRssMb;
			const growthRender = render.peakRssMb - base.peakRssMb;
			report.memory.large.growthUploadMb = growthUp;
			report.memory.large.growthRenderMb = growthRender;
			console.log(`  growth over baseline: upload ${growthUp} MB, render ${growthRender} MB (limit ${MAX_GROWTH_BYTES / 1048576} MB for ${LARGE_BYTES / 1048576} MB)`);
			assert.ok(growthUp * 1048576 < MAX_GROWTH_BYTES, `upload grew n8n's peak RSS by ${growthUp} MB`);
			assert.ok(growthRender * 1048576 < MAX_GROWTH_BYTES, `render download grew n8n's peak RSS by ${growthRender} MB`);
		});

		// ------------------------------------------------------------------ trial token
		await check(v, 'the trial token is kept by n8n: five `n8n execute` runs, one token request, repeat requests refused with 429', async () => {
			for (let run = 1; run <= 5; run++) {
				const res = await n8n.execute(IDS.trial, { timeoutMs: 120_000 });
				const balance = outputJson(res.run, 'Nemo Credits')[0];
				assert.equal(typeof balance.available, 'number', `run ${run}: the balance`);
				const stdout = res.stdout + res.stderr;
				assert.doesNotMatch(stdout, /nmv_usr_\w{8,}/, `run ${run}: no token in n8n's output`);
			}
			const tokenRequests = (await strict.admin('requests')).filter((/** @type {any} */ r) => r.endpoint === 'token');
			assert.equal(tokenRequests.length, 1, `one trial-token request in five runs (got ${tokenRequests.length})`);
			const exported = await n8n.cli(['export:credentials', `--id=${CRED.trial.id}`, '--decrypted']);
			assert.match(exported.stdout, /"trialToken":\s*"nmv_usr_/, 'the token is in n8n\'s credential store');
			const raw = await n8n.cli(['export:credentials', `--id=${CRED.trial.id}`]);
			assert.doesNotMatch(raw.stdout, /nmv_usr_/, 'stored encrypted');
			console.log(`  5 runs, ${tokenRequests.length} token request; the token is stored encrypted in the credential`);
		});

		// ------------------------------------------------------------------ proxy
		await check(v, `behind a proxy (tinyproxy): the demo chain and a ${formatBytes(PROXY_UPLOAD_BYTES)} upload go through it, like n8n's HTTP Request node`, async () => {
			const proxy = await startTinyproxy();
			cleanup.push(proxy);
			/** @param {any} r */
			const viaProxy = (r) => /tinyproxy/i.test(String(r.headers.via || ''));
			/** @param {any[]} records */
			const summary = (records) => records.map((r) => `${r.method} ${r.path}${viaProxy(r) ? '' : ' (direct)'}`).join(', ');

			// the demo chain, with the upper-case variables
			const simBefore = Math.max(0, ...(await sim.admin('requests')).map((/** @type {any} */ r) => r.seq));
			await n8n.execute(EXAMPLES.demo.id, { timeoutMs: 240_000, env: proxyEnv(proxy.url, 'upper') }).catch(async (e) => {
				const seen = await sim.admin(`requests?since=${simBefore}`);
				console.log(seen.map((/** @type {any} */ r) => `  ${r.origin} ${r.method} ${r.path} ${r.status}${r.aborted ? ' aborted' : ''} ${r.endedAt - r.startedAt} ms`).join('\n'));
				console.log(proxy.log().split('\n').slice(-40).join('\n'));
				throw e;
			});
			const demoRequests = await sim.admin(`requests?since=${simBefore}`);
			const demoEndpoints = new Set(demoRequests.map((/** @type {any} */ r) => r.endpoint));
			for (const e of ['credits', 'session', 'upload', 'sse', 'renderStart', 'renderStatus', 'cdn']) {
				assert.ok(demoEndpoints.has(e), `the demo made a ${e} request (made: ${[...demoEndpoints].join(', ')})`);
			}
			const demoDirect = demoRequests.filter((/** @type {any} */ r) => !viaProxy(r));
			assert.deepEqual(summary(demoDirect), '', `every demo request went through the proxy`);
			console.log(`  demo: ${demoRequests.length} requests to the simulator, all via tinyproxy (${[...demoEndpoints].join(', ')})`);

			// HTTP Request node + a large upload and its render download, with the lower-case variables
			const clip = path.join(dirs.large, 'proxied.mp4');
			largeClip(media.clip, clip, PROXY_UPLOAD_BYTES);
			await fast.admin('config', { outputSizeBytes: 8 * 1024 * 1024 });
			const fastBefore = Math.max(0, ...(await fast.admin('requests')).map((/** @type {any} */ r) => r.seq));
			const res = await n8n.execute(IDS.proxy, { timeoutMs: 300_000, env: proxyEnv(proxy.url, 'lower') });
			fs.rmSync(clip, { force: true });
			const records = await fast.admin(`requests?since=${fastBefore}`);
			const reference = records.filter((/** @type {any} */ r) => r.path === '/reference-from-http-request-node');
			assert.equal(reference.length, 1, 'the HTTP Request node reached the simulator');
			assert.ok(viaProxy(reference[0]), 'the reference: n8n\'s HTTP Request node went through the proxy');
			const ours = records.filter((/** @type {any} */ r) => r !== reference[0]);
			const upload = ours.find((/** @type {any} */ r) => r.endpoint === 'upload' && r.status === 200);
			assert.ok(upload && upload.bodyBytes >= PROXY_UPLOAD_BYTES, `the whole file reached the simulator (${upload && upload.bodyBytes} bytes)`);
			assert.ok(ours.some((/** @type {any} */ r) => r.endpoint === 'cdn' || r.endpoint === 'download'), 'the render was downloaded');
			assert.deepEqual(summary(ours.filter((/** @type {any} */ r) => !viaProxy(r))), '', 'every request of ours went through the proxy');
			const exported = outputItems(res.run, 'Nemo Export')[0];
			assert.equal(Number(exported.json.sizeBytes), 8 * 1024 * 1024, 'the render came back whole through the proxy');
			const carried = proxy.requests();
			console.log(`  large: ${ours.length} requests of ours + the HTTP Request node's, all via tinyproxy; upload ${formatBytes(upload.bodyBytes)} in ${(res.ms / 1000).toFixed(1)} s; tinyproxy logged ${carried.length} requests`);
			report.times.proxyLargeExecuteMs = res.ms;
		});

		// ------------------------------------------------------------------ n8n's SSRF protection (2.x)
		if (host.major === 2) {
			await check(v, "n8n's SSRF protection applies to our requests: the simulator on 127.0.0.1 is blocked until allowed, then the demo runs", async () => {
				const before = (await sim.admin('requests')).length;
				const blocked = await n8n.execute(EXAMPLES.demo.id, { allowError: true, timeoutMs: 120_000, env: { N8N_SSRF_PROTECTION_ENABLED: 'true' } });
				assert.notEqual(blocked.status, 'success', 'the demo ran although n8n blocks loopback addresses');
				assert.match(String(blocked.error), /n8n's SSRF protection blocked the request to http:\/\/127\.0\.0\.1:\d+/, `the error names n8n's protection (got ${blocked.error})`);
				assert.equal((await sim.admin('requests')).length, before, 'nothing reached the simulator');
				const allowed = await n8n.execute(EXAMPLES.demo.id, { timeoutMs: 240_000, env: { N8N_SSRF_PROTECTION_ENABLED: 'true', N8N_SSRF_ALLOWED_IP_RANGES: '127.0.0.1/32' } });
				assert.equal(allowed.status, 'success');
				console.log(`  blocked: ${String(blocked.error).slice(0, 160)}; allowed with N8N_SSRF_ALLOWED_IP_RANGES=127.0.0.1/32: demo ${(allowed.ms / 1000).toFixed(1)} s`);
			});
		}

		// ------------------------------------------------------------------ webhook + folder (n8n start)
		await check(v, 'webhook and folder-watch workflows activate, n8n starts', async () => {
			await n8n.activate(EXAMPLES.webhook.id);
			await n8n.activate(EXAMPLES.folder.id);
			const started = await n8n.start({ port: await freePort(), webhooks: ['POST nemo-face-swap'] });
			report.times.startMs = started.ms;
		}, { fatal: true });

		await check(v, 'the editor lists the credential type and the nodes; the credential\'s Test button works', async () => {
			// the editor's own endpoints need a signed-in user: create the owner as the setup page does
			const setup = await n8n.http('/rest/owner/setup', {
				json: { email: 'e2e@example.com', firstName: 'E2E', lastName: 'Owner', password: 'E2e-password-1' },
			});
			assert.equal(setup.status, 200, `owner setup: ${setup.status} ${setup.body.slice(0, 200)}`);
			const cookie = [].concat(/** @type {any} */ (setup.headers['set-cookie']) || []).map((c) => String(c).split(';')[0]).join('; ');
			const creds = await n8n.http('/types/credentials.json', { headers: { cookie } });
			assert.equal(creds.status, 200, `/types/credentials.json answered ${creds.status}`);
			const nemo = creds.json().find((/** @type {any} */ c) => c.name === 'nemoApi');
			assert.ok(nemo, 'nemoApi in /types/credentials.json');
			assert.equal(nemo.displayName, 'Nemo API');
			// n8n appends its own fields (allowed domains) to credentials that can authenticate requests
			assert.deepEqual(
				nemo.properties.map((/** @type {any} */ p) => p.name).slice(0, 5),
				['accessToken', 'trialNotice', 'clientId', 'baseUrl', 'allowInsecureHttp'],
			);
			const nodes = await n8n.http('/types/nodes.json', { headers: { cookie } });
			assert.equal(nodes.status, 200);
			const ours = nodes.json().filter((/** @type {any} */ n) => String(n.name).startsWith(`${PACKAGE}.`));
			const names = [...new Set(ours.map((/** @type {any} */ n) => n.name))];
			assert.equal(names.length, 12, `12 node types in /types/nodes.json (got ${names.join(', ')})`);
			// the credential dialog's "Test" (testedBy: testNemoCredential): trial token + balance
			const test = await n8n.http('/rest/credentials/test', {
				headers: { cookie },
				json: { credentials: { ...CRED.poor, type: 'nemoApi', data: { accessToken: POOR_TOKEN, clientId: '', baseUrl: sim.url, allowInsecureHttp: false } } },
			});
			console.log(`  credential test: HTTP ${test.status} ${test.body.slice(0, 200)}`);
			assert.equal(test.status, 200);
			assert.equal(test.json().data.status, 'OK', test.body);
		});

		await check(v, 'webhook: POST video + face URL, get the swapped MP4 URL back', async () => {
			const t = Date.now();
			const res = await n8n.http('/webhook/nemo-face-swap', {
				json: { videoUrl: files.urlOf(media.clip), faceUrl: files.urlOf(media.face) },
				timeoutMs: 180_000,
			});
			report.times.webhookMs = Date.now() - t;
			assert.equal(res.status, 200, `HTTP ${res.status}: ${res.body}`);
			const body = res.json();
			console.log(`  answered in ${Date.now() - t} ms: ${JSON.stringify(body).slice(0, 300)}`);
			for (const k of ['videoUrl', 'sessionId', 'renderId', 'message', 'timeline']) assert.ok(body[k], `response has ${k}`);
			assert.match(body.timeline, /face swapped with face\.png/);
			const f = path.join(work, 'webhook.mp4');
			await download(body.videoUrl, f);
			await assertMp4(f, { seconds: media.clipSeconds });
		});

		await check(v, 'webhook: a bad request gets HTTP 422 with the error', async () => {
			const res = await n8n.http('/webhook/nemo-face-swap', { json: { videoUrl: files.urlOf(media.clip) }, timeoutMs: 60_000 });
			console.log(`  HTTP ${res.status}: ${res.body.slice(0, 300)}`);
			assert.equal(res.status, 422);
			assert.match(res.json().error, /Face Photo URL is empty/);
		});

		await check(v, 'folder watch: a video dropped into the folder comes out face-swapped', async () => {
			const t = Date.now();
			fs.writeFileSync(path.join(dirs.incoming, 'notes.txt'), 'not a video\n');
			// copy under a name the filter ignores, then rename: the trigger sees one complete file
			const part = path.join(dirs.incoming, 'holiday.mp4.part');
			fs.copyFileSync(media.clip, part);
			fs.renameSync(part, path.join(dirs.incoming, 'holiday.mp4'));
			const want = path.join(dirs.swapped, 'holiday-face-swapped.mp4');
			const deadline = Date.now() + 120_000;
			let lastSize = -1;
			for (;;) {
				if (fs.existsSync(want)) {
					const size = fs.statSync(want).size;
					if (size > 0 && size === lastSize) break;
					lastSize = size;
				}
				if (Date.now() > deadline) {
					throw new Error(`no ${want} after 120 s; n8n said:\n${n8n.logLines.slice(-20).join('\n')}`);
				}
				await sleep(500);
			}
			report.times.folderMs = Date.now() - t;
			await assertMp4(want, { seconds: media.clipSeconds });
			await sleep(1500);
			assert.deepEqual(fs.readdirSync(dirs.swapped), ['holiday-face-swapped.mp4'], 'only the video was processed');
			console.log(`  ${path.basename(want)} written ${((Date.now() - t) / 1000).toFixed(1)} s after the drop`);
		});

		await check(v, 'n8n logged no error or warning about the package', async () => {
			const mem = await n8n.stop();
			report.memory.startPeakRssMb = mem ? mb(mem.peakKb) : undefined;
			const scan = n8n.scanLog(PACKAGE);
			assert.deepEqual(scan.problems, [], `n8n logged problems about ${PACKAGE}`);
			const unknown = n8n.logLines.filter((l) => /Unrecognized node type|Failed to load|is not a valid node/i.test(l));
			assert.deepEqual(unknown, []);
			console.log(`  ${n8n.logLines.length} log lines scanned, ${scan.mentions.length} mention the package, none a problem`);
		});
	} finally {
		for (const c of cleanup.reverse()) {
			await (c.dispose ? c.dispose() : c.stop ? c.stop() : c.close ? c.close() : undefined)?.catch?.(() => {});
		}
		if (process.env.E2E_KEEP !== '1') fs.rmSync(work, { recursive: true, force: true });
		const dir = path.join(REPO_ROOT, '.cache', 'e2e');
		fs.mkdirSync(dir, { recursive: true });
		report.checks = results.filter((r) => r.version === v);
		fs.writeFileSync(path.join(dir, `report-${host.version}.json`), JSON.stringify(report, null, 2));
	}
	return report;
}

async function main() {
	const arg = process.argv[2] || 'both';
	const versions = arg === 'both' ? ['1', '2'] : [arg];
	if (!versions.every((x) => x === '1' || x === '2')) throw new Error(`usage: npm run test:e2e -- [1|2|both], not "${arg}"`);
	const t0 = Date.now();
	/** @type {Record<string, any>} */
	const timing = {};

	let t = Date.now();
	const packed = await buildAndPack();
	const missing = missingN8nFiles(REPO_ROOT, packed.files);
	if (missing.length) throw new Error(`the tarball lacks files named in package.json "n8n": ${missing.join(', ')}`);
	timing.buildAndPackMs = Date.now() - t;
	console.log(`packed ${path.basename(packed.tarball)} (${packed.files.length} files) in ${timing.buildAndPackMs} ms`);
	t = Date.now();
	const media = await ensureSampleMedia({ log: console.log });
	timing.sampleMediaMs = Date.now() - t;

	/** @type {Record<string, any>} */
	const reports = {};
	try {
		for (const x of versions) {
			t = Date.now();
			const host = await ensureN8n(/** @type {'1' | '2'} */ (x)); // installs on first use (minutes)
			timing[`install_${host.version}_ms`] = Date.now() - t;
			t = Date.now();
			try {
				reports[host.version] = await suite(/** @type {'1' | '2'} */ (x), { tarball: packed.tarball, media });
			} catch (e) {
				const msg = e instanceof Error ? e.message : String(e);
				console.log(`\n✘ ${msg}`);
				results.push({ version: `n8n ${host.version}`, name: 'remaining checks (not run)', ok: false, ms: 0, error: msg });
			}
			timing[`e2e_${host.version}_ms`] = Date.now() - t;
		}
	} finally {
		fs.rmSync(path.dirname(packed.tarball), { recursive: true, force: true });
	}

	const passed = results.filter((r) => r.ok).length;
	const failed = results.filter((r) => !r.ok);
	console.log('\n──────── e2e summary');
	for (const r of results) console.log(`${r.ok ? '✔' : '✘'} ${(r.ms / 1000).toFixed(1).padStart(6)} s  [${r.version}] ${r.name}${r.ok ? '' : `\n           ${r.error}`}`);
	console.log('\ntimes:');
	for (const [k, ms] of Object.entries(timing)) console.log(`  ${k.padEnd(28)} ${(ms / 1000).toFixed(1)} s`);
	for (const [ver, rep] of Object.entries(reports)) {
		const l = rep.memory.large;
		if (l) {
			console.log(
				`memory (n8n ${ver}, node ${rep.node}): peak RSS baseline ${l.baseline.peakRssMb} MB, ${l.upload.fileMb} MB upload ${l.upload.peakRssMb} MB (+${l.growthUploadMb}), ${l.render.renderMb} MB render ${l.render.peakRssMb} MB (+${l.growthRenderMb})`,
			);
		}
	}
	console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	console.log(`\n${passed} passed, ${failed.length} failed`);
	if (failed.length || passed === 0) process.exitCode = 1;
}

main().catch((e) => {
	console.error(`\n✘ e2e failed: ${e && e.stack ? e.stack : e}`);
	process.exitCode = 1;
});
