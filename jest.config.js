/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testTimeout: 60_000,
	// The token-leak check across all test files (test/reliability/leak-sink.ts).
	globalSetup: '<rootDir>/test/reliability/global-setup.ts',
	setupFilesAfterEnv: ['<rootDir>/test/reliability/setup-after-env.ts'],
	globalTeardown: '<rootDir>/test/reliability/global-teardown.ts',
};
