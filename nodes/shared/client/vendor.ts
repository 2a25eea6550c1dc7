/**
 * The third-party libraries the client uses at run time, in one module: the SSE parser and the
 * lossless JSON reader, both plain JavaScript with no I/O. The build bundles this module with the
 * libraries inside it (scripts/bundle-vendor.js, esbuild) into dist/nodes/shared/client/vendor.js,
 * so the published package has no runtime dependencies. No networking library is here: every
 * request goes through n8n's own helper (http.ts). In development and tests the module simply
 * re-exports the installed packages.
 */
export { createParser } from 'eventsource-parser';
export { LosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
