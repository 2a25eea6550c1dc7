/**
 * Keeps tokens and raw service payloads out of everything we show a user: error messages,
 * output items, logs.
 *
 * Every token the client learns (configured or anonymous) is registered here. `redactSecrets`
 * masks each of them in every form a service or a proxy may echo it in (raw, URL-encoded,
 * JSON-escaped, base64), and token-shaped words even when we never saw that token.
 * `serviceText` is the one filter every string that came from the service passes through on
 * its way to an output or an error: redacted, stack traces summarised, length capped.
 * NemoApiError redacts its own texts, and the node edge redacts every output string once more.
 */

/** Each secret with every form of it to mask, longest first. */
const knownSecrets = new Map<string, string[]>();

/** NemoVideo tokens look like `nmv_usr_…`; mask anything of that shape too. */
const TOKEN_SHAPE = /\bnmv_[A-Za-z0-9]+_[A-Za-z0-9._~+/=-]+/g;
/** A bearer credential, also URL-encoded (`Bearer%20…`, `Bearer+…`) or JSON-escaped; the word capitalised, as in a header ("the bearer of" is prose). */
const BEARER_SHAPE = /(Bearer(?:\s+|%20|\+|\\u0020))[A-Za-z0-9._~+/=%\\-]+/g;

/*
 * Every pattern below is bounded (no unbounded run before a literal that may be missing), so a
 * long service text costs linear time: an unbounded `[\w.-]*` scanned again from every word
 * boundary took seconds on 32 KB of "a.a.a…" (review of issue 18).
 */
/** A URL's user and password (`https://user:password@host/…`). */
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/?#@"'<>]{1,256}@/gi;
/** Query values that sign or authorize a URL (S3, GCS, CloudFront, Azure SAS, plain tokens and keys). */
const SIGNED_QUERY_VALUE =
	/([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|signature|sig|token|access_token|id_token|auth|key|api_key|apikey|password|secret|policy|key-pair-id|credential)=)[^&#\s"'<>]+/gi;
/** `SOMETHING_KEY=…`, `client_secret=…`, `password=…`: an assignment of a credential-looking name. */
const CREDENTIAL_ASSIGNMENT = /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{0,40}(?:key|secret|token|passw(?:or)?d|pwd|credentials?)\s{0,3}=\s{0,3})("[^"]{0,512}"|'[^']{0,512}'|[^\s"'&,;]{1,512})/gi;
/** The same as a JSON field: `"client_secret": "…"`, `"access_token":"…"`. */
const JSON_CREDENTIAL = /("[a-z_]{0,20}(?:token|secret|password|api_?key)"\s{0,3}:\s{0,3}")[^"]{1,512}"/gi;
/** The same as a header line: `x-api-key: …`, `Authorization: Basic …`. */
const HEADER_CREDENTIAL = /((?:x-api-key|authorization|proxy-authorization)\s{0,3}:\s{0,3}(?:(?:basic|bearer|token)\s{1,3})?)(?!\[redacted\])[^\s"',;]{4,512}/gi;
/** API keys of well-known shapes: Stripe-style `sk_live_…`, AWS access key ids, GitHub and Slack tokens. */
const KEY_SHAPE = /\b(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{6,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,})/g;

export const REDACTED = '[redacted]';

/** Errors and service words are shown up to this length. */
export const MAX_SERVICE_TEXT = 500;

export function registerSecret(secret: string | undefined): void {
	// Very short strings would mask ordinary words; real tokens are long.
	if (!secret || secret.length < 8 || knownSecrets.has(secret)) return;
	knownSecrets.set(secret, encodedForms(secret));
}

/**
 * The forms a secret takes in text: as it is, URL-encoded, JSON-escaped (once and twice, and
 * with `\/`), and base64 / base64url. Inside a longer base64 text the secret's encoding depends
 * on where it starts (modulo 3 bytes), so the part of it that is the same wherever it sits is
 * taken for each of the three positions.
 */
function encodedForms(secret: string): string[] {
	const forms = new Set<string>([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')]);
	const jsonOnce = JSON.stringify(secret).slice(1, -1);
	forms.add(jsonOnce);
	forms.add(JSON.stringify(jsonOnce).slice(1, -1));
	forms.add(jsonOnce.replace(/\//g, '\\/'));
	const bytes = Buffer.from(secret, 'utf8');
	for (let skip = 0; skip < 3; skip++) {
		const whole = Math.floor((bytes.length - skip) / 3) * 3;
		if (whole < 6) continue;
		const core = bytes.subarray(skip, skip + whole);
		forms.add(core.toString('base64'));
		forms.add(core.toString('base64url'));
	}
	return [...forms].filter((form) => form.length >= 8).sort((a, b) => b.length - a.length);
}

export function redactSecrets(text: string, options: { keepSignedQuery?: boolean } = {}): string {
	let result = text;
	for (const forms of knownSecrets.values()) {
		for (const form of forms) {
			if (result.includes(form)) result = result.split(form).join(REDACTED);
		}
	}
	return result
		.replace(TOKEN_SHAPE, REDACTED)
		.replace(BEARER_SHAPE, `$1${REDACTED}`)
		.replace(URL_USERINFO, `$1${REDACTED}@`)
		.replace(SIGNED_QUERY_VALUE, options.keepSignedQuery ? '$&' : `$1${REDACTED}`)
		.replace(KEY_SHAPE, REDACTED)
		.replace(JSON_CREDENTIAL, `$1${REDACTED}"`)
		.replace(HEADER_CREDENTIAL, `$1${REDACTED}`)
		.replace(CREDENTIAL_ASSIGNMENT, (whole, name: string, value: string) => (value === REDACTED || value.startsWith(REDACTED) ? whole : `${name}${REDACTED}`));
}


/**
 * A string from the service, made fit to show: secrets masked, a stack trace (Python's
 * "Traceback …" / "File …, line …", JavaScript's "at …", Java's "at …(…)") cut down to a note
 * and its final line, and at most `max` characters.
 */
export function serviceText(text: string, max = MAX_SERVICE_TEXT): string {
	// Cut before the rest: nothing past `max` is shown, and a 32 MB error text must cost nothing.
	// The margin keeps a stack trace summarisable and a secret whole where the cut falls.
	const summarised = summariseStackTraces(redactSecrets(text.length > max + 4096 ? text.slice(0, max + 4096) : text));
	return summarised.length <= max ? summarised : `${summarised.slice(0, max)}… (${summarised.length - max} more characters left out)`;
}

/** A line of a stack trace: Python's header and frames, indented JavaScript / Java frames. */
const TRACE_LINE =
	/^\s*(Traceback \(most recent call last\):|File ".*", line \d+.*|\.\.\. \d+ more)\s*$|^\s+at \S.*(\.[A-Za-z]{1,5}:\d+(:\d+)?\)?|\((native|<anonymous>|Native Method|Unknown Source)\))\s*$/;

function summariseStackTraces(text: string): string {
	if (!/Traceback \(most recent call last\)|\n\s*at \S|\n\s*File "/.test(text)) return text;
	const out: string[] = [];
	let skipped = 0;
	const lines = text.split(/\r?\n/);
	for (let index = 0; index < lines.length; index++) {
		const line = lines[index];
		// Python prints the code of a frame on the line after "File …".
		const isTrace = TRACE_LINE.test(line) || (skipped > 0 && /^\s{4,}\S/.test(line) && TRACE_LINE.test(lines[index - 1] ?? ''));
		if (isTrace) {
			skipped++;
			continue;
		}
		if (skipped > 0) {
			out.push(`(a stack trace of ${skipped} lines was left out)`);
			skipped = 0;
		}
		out.push(line);
	}
	if (skipped > 0) out.push(`(a stack trace of ${skipped} lines was left out)`);
	return out.join('\n');
}

/**
 * Every string in an output item's JSON, redacted (the last net at the node's edge). A URL the
 * item delivers (videoUrl, an upload's url) keeps its signature: it is what the user asked for,
 * and a signed CDN link without it does not work. Its user and password are masked all the same.
 */
export function redactDeep<T>(value: T, key = ''): T {
	if (typeof value === 'string') return redactSecrets(value, { keepSignedQuery: /url$/i.test(key) }) as T;
	if (Array.isArray(value)) return value.map((entry) => redactDeep(entry, key)) as T;
	if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
		const out: Record<string, unknown> = {};
		for (const [name, entry] of Object.entries(value)) out[name] = redactDeep(entry, name);
		return out as T;
	}
	return value;
}
