/**
 * Keeps tokens out of everything we show a user: error messages, output items, logs.
 *
 * Every token the client learns (configured or anonymous) is registered here, and any text
 * that may contain server-provided words passes through `redactSecrets` before it leaves the
 * client core. Token-shaped words are masked even when we never saw that token.
 */

const knownSecrets = new Set<string>();

/** NemoVideo tokens look like `nmv_usr_…`; mask anything of that shape too. */
const TOKEN_SHAPE = /\bnmv_[A-Za-z0-9]+_[A-Za-z0-9._~+/=-]+/g;
const BEARER_SHAPE = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

export const REDACTED = '[redacted]';

export function registerSecret(secret: string | undefined): void {
	// Very short strings would mask ordinary words; real tokens are long.
	if (secret && secret.length >= 8) knownSecrets.add(secret);
}

export function redactSecrets(text: string): string {
	let result = text;
	for (const secret of knownSecrets) {
		if (result.includes(secret)) result = result.split(secret).join(REDACTED);
	}
	return result.replace(TOKEN_SHAPE, REDACTED).replace(BEARER_SHAPE, `$1${REDACTED}`);
}
