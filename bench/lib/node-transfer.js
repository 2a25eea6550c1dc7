#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * The "plain Node" peer of the transfer benchmarks: the leanest Node code for the same
 * transfer, without n8n (what any Node program can reach on this machine). Run as its own
 * process, like curl; prints the elapsed milliseconds of the transfer itself (Node's start-up
 * is not counted).
 *
 *   node node-transfer.js upload <url> <token> <file>     streaming multipart, field "files"
 *   node node-transfer.js download <url> <outFile>        undici → fs.createWriteStream
 */
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { pipeline } = require('node:stream/promises');

async function upload(/** @type {string} */ url, /** @type {string} */ token, /** @type {string} */ file) {
	const size = fs.statSync(file).size;
	const boundary = `----nodepeer${Date.now()}`;
	const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${path.basename(file)}"\r\nContent-Type: video/mp4\r\n\r\n`);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
	const t = process.hrtime.bigint();
	await new Promise((resolve, reject) => {
		const req = http.request(
			url,
			{
				method: 'POST',
				headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
			},
			(res) => {
				res.resume();
				res.on('end', () => (res.statusCode === 200 ? resolve(undefined) : reject(new Error(`HTTP ${res.statusCode}`))));
			},
		);
		req.on('error', reject);
		req.write(head);
		const rs = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
		rs.on('error', reject);
		rs.on('end', () => req.end(tail));
		rs.pipe(req, { end: false });
	});
	return Number(process.hrtime.bigint() - t) / 1e6;
}

async function download(/** @type {string} */ url, /** @type {string} */ out) {
	const { request } = require('undici');
	const t = process.hrtime.bigint();
	const res = await request(url);
	if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
	await pipeline(res.body, fs.createWriteStream(out));
	return Number(process.hrtime.bigint() - t) / 1e6;
}

const [, , what, ...args] = process.argv;
(what === 'upload' ? upload(args[0], args[1], args[2]) : download(args[0], args[1]))
	.then((ms) => process.stdout.write(`${ms}\n`))
	.catch((e) => {
		console.error(e);
		process.exit(1);
	});
