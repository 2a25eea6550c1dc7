/**
 * The third-party libraries the client uses at run time, in one module. The build bundles this
 * module with the libraries inside it (scripts/bundle-vendor.js, esbuild) into
 * dist/nodes/shared/client/vendor.js, so the published package has no runtime dependencies:
 * nothing is npm-installed into the user's n8n beside it, and nothing can clash with n8n's
 * own undici. In development and tests the module simply re-exports the installed packages.
 */
import FormData from 'form-data';

export { Agent, ProxyAgent } from 'undici';
export { createParser } from 'eventsource-parser';
export { getProxyForUrl } from 'proxy-from-env';
export { LosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
export { FormData };
