#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Writes the icon family into icons/: one rounded tile in NemoVideo's violet-to-pink gradient,
 * a white mark per node, each in a light variant (for n8n's light theme) and a dark one (a
 * brighter tile with a thin light rim, so it stands out on the dark canvas).
 * Run `node scripts/make-icons.js` after changing a mark; the SVGs are committed.
 */
const fs = require('node:fs');
const path = require('node:path');

/** The white mark of each icon, drawn on a 64x64 tile. */
const MARKS = {
	// the brand mark: a camera with a play triangle (the credential)
	nemo: `<rect x="12" y="19" width="30" height="26" rx="5" fill="#fff"/><path d="M44 26 L54 20 V44 L44 38 Z" fill="#fff"/><path d="M22 25 L34 32 L22 39 Z" fill="url(#g)"/>`,
	// two faces and the arrows between them
	'nemo-face-swap': `<circle cx="20" cy="27" r="9" fill="#fff"/><circle cx="44" cy="27" r="9" fill="none" stroke="#fff" stroke-width="3.5"/><path d="M14 46 H46 l-5 -5 M50 52 H18 l5 5" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/>`,
	// a sound wave over a film strip line
	'nemo-audio-replace': `<path d="M12 32 H17 M22 22 V42 M29 16 V48 M36 24 V40 M43 19 V45 M50 28 V36" stroke="#fff" stroke-width="4" stroke-linecap="round" fill="none"/>`,
	// an arrow up into a tray
	'nemo-upload': `<path d="M32 42 V16 M21 27 L32 16 L43 27" fill="none" stroke="#fff" stroke-width="4.5" stroke-linecap="round" stroke-linejoin="round"/><path d="M14 40 V48 H50 V40" fill="none" stroke="#fff" stroke-width="4.5" stroke-linecap="round" stroke-linejoin="round"/>`,
	// a stack of coins
	'nemo-credits': `<ellipse cx="32" cy="20" rx="16" ry="6" fill="#fff"/><path d="M16 20 V28 C16 31.3 23.2 34 32 34 C40.8 34 48 31.3 48 28 V20" fill="none" stroke="#fff" stroke-width="3.5"/><path d="M16 30 V38 C16 41.3 23.2 44 32 44 C40.8 44 48 41.3 48 38 V30" fill="none" stroke="#fff" stroke-width="3.5"/><path d="M16 40 V46 C16 49.3 23.2 52 32 52 C40.8 52 48 49.3 48 46 V40" fill="none" stroke="#fff" stroke-width="3.5"/>`,
	// a film frame with an arrow down out of it
	'nemo-export': `<rect x="13" y="13" width="38" height="26" rx="4" fill="#fff"/><path d="M27 20 L38 26 L27 32 Z" fill="url(#g)"/><path d="M32 40 V53 M25 46 L32 53 L39 46" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>`,
	// a magic wand with sparkles
	'nemo-edit': `<path d="M16 48 L40 24" stroke="#fff" stroke-width="5" stroke-linecap="round"/><path d="M44 12 L46 18 L52 20 L46 22 L44 28 L42 22 L36 20 L42 18 Z" fill="#fff"/><path d="M22 16 L23 19 L26 20 L23 21 L22 24 L21 21 L18 20 L21 19 Z M48 38 L49 41 L52 42 L49 43 L48 46 L47 43 L44 42 L47 41 Z" fill="#fff"/>`,
};

const THEMES = {
	light: { from: '#6D4BFF', to: '#FF4B8B', rim: '' },
	dark: { from: '#8F75FF', to: '#FF6FA3', rim: '<rect x="2.75" y="2.75" width="58.5" height="58.5" rx="13.25" fill="none" stroke="#ffffff" stroke-opacity="0.35" stroke-width="1.5"/>' },
};

/** @param {string} mark @param {{ from: string, to: string, rim: string }} theme */
function svg(mark, theme) {
	return [
		'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">',
		`  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${theme.from}"/><stop offset="1" stop-color="${theme.to}"/></linearGradient></defs>`,
		'  <rect x="2" y="2" width="60" height="60" rx="14" fill="url(#g)"/>',
		theme.rim ? `  ${theme.rim}` : '',
		`  ${mark}`,
		'</svg>',
		'',
	]
		.filter((line) => line !== '')
		.join('\n')
		.concat('\n');
}

const dir = path.resolve(__dirname, '..', 'icons');
fs.mkdirSync(dir, { recursive: true });
for (const [name, mark] of Object.entries(MARKS)) {
	fs.writeFileSync(path.join(dir, `${name}.svg`), svg(mark, THEMES.light));
	fs.writeFileSync(path.join(dir, `${name}.dark.svg`), svg(mark, THEMES.dark));
}
console.log(`wrote ${Object.keys(MARKS).length * 2} icons into ${path.relative(process.cwd(), dir) || '.'}`);
