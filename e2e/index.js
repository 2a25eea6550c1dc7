// @ts-check
'use strict';
/**
 * The real-n8n e2e harness in one require: `const e2e = require('../e2e')`.
 * See e2e/README.md for what each part does and the facts behind it.
 */
module.exports = {
	...require('./hosts'), // ensureN8n(version), ensureNode24()
	...require('./package-tarball'), // buildAndPack(), packFolder(dir), missingN8nFiles()
	...require('./n8n-instance'), // createInstance(version, opts) -> N8nInstance, freePort()
	...require('./run-data'), // parseRawOutput(), outputJson(), outputItems(), runError(), summarize()
	...require('./probe-package'), // writeProbePackage() for harness self-tests
	...require('./sample-media'), // ensureSampleMedia(), largeClip()
	...require('./media-check'), // probeMedia(), loudness(), describeMedia()
	...require('./simulator-process'), // startSimulatorProcess()
	...require('./static-server'), // serveFolder()
	...require('./examples'), // loadExample(), configureWorkflow(), EXAMPLES
	...require('./stack'), // n8nEnvFor(), nemoCredential()
};
