/**
 * n8n's rules for community node packages (eslint-plugin-n8n-nodes-base), as n8n-nodes-starter
 * sets them up: `community` for package.json, `credentials` and `nodes` for the source.
 * n8n's current rules (@n8n/eslint-plugin-community-nodes, with the scanner's own config) run
 * in `npm run lint:n8n` (scripts/n8n-scan.mjs).
 * @type {import('@types/eslint').ESLint.ConfigData}
 */
module.exports = {
	root: true,
	env: { browser: false, es6: true, node: true },
	parser: '@typescript-eslint/parser',
	parserOptions: {
		project: ['./tsconfig.json'],
		sourceType: 'module',
		extraFileExtensions: ['.json'],
	},
	ignorePatterns: ['.eslintrc.js', '**/*.js', '**/node_modules/**', '**/dist/**'],
	overrides: [
		{
			files: ['package.json'],
			plugins: ['eslint-plugin-n8n-nodes-base'],
			extends: ['plugin:n8n-nodes-base/community'],
		},
		{
			files: ['./credentials/**/*.ts'],
			plugins: ['eslint-plugin-n8n-nodes-base'],
			extends: ['plugin:n8n-nodes-base/credentials'],
			rules: {
				// The plugin says it applies only to n8n's own repository (its docs slugs);
				// a community credential links to its README, as n8n-nodes-starter does.
				'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			},
		},
		{
			files: ['./nodes/**/*.ts'],
			plugins: ['eslint-plugin-n8n-nodes-base'],
			extends: ['plugin:n8n-nodes-base/nodes'],
			rules: {
				// As n8n's scanner and @n8n/node-cli set them: inputs/outputs are
				// NodeConnectionTypes.Main (@n8n/community-nodes/node-connection-type-literal).
				'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
				'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			},
		},
	],
};
