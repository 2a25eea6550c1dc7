/**
 * Secrets that are not our token (issue 20 point 5, and the review of issue 18): what the
 * shared redaction masks in service text, and what it must leave alone.
 */
import { redactDeep, redactSecrets } from '../../nodes/shared/client/redact';

it.each([
	['a URL\'s user and password', 'fetch https://alice:s3cret@cdn.example.com/a.mp4 failed', 'fetch https://[redacted]@cdn.example.com/a.mp4 failed'],
	['signed query values', 'GET /a.mp4?X-Amz-Signature=abc123&X-Amz-Credential=AKIA%2Fx&part=1', 'GET /a.mp4?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&part=1'],
	['a credential-looking assignment', 'env RENDER_API_KEY=sk_live_51HqLyjWDarjtT1zdp7dc exit 1', 'env RENDER_API_KEY=[redacted] exit 1'],
	['password=', 'login with password=hunter2hunter2 failed', 'login with password=[redacted] failed'],
	['a JSON credential field', '{"access_token":"abc123456","ok":1}', '{"access_token":"[redacted]","ok":1}'],
	['an Authorization header line', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [redacted]'],
	['an x-api-key header line', 'x-api-key: 9f8e7d6c5b4a', 'x-api-key: [redacted]'],
])('masks %s', (_what, text, shown) => {
	expect(redactSecrets(text)).toBe(shown);
});

it.each([
	['ordinary words about bearers', 'The bearer of this session'],
	['a title with "Key" in it', 'Done. Changes: added track 2. Title: "Key moments" (0-3s)'],
])('leaves %s alone', (_what, text) => {
	expect(redactSecrets(text)).toBe(text);
});

it('keeps the signature of a URL an item delivers (a signed CDN link must work), masking only its user and password', () => {
	const out = redactDeep({
		videoUrl: 'https://u:p@cdn.example.com/x.mp4?Signature=abc&Key-Pair-Id=K1',
		message: 'see https://cdn.example.com/x.mp4?sig=abc',
		uploadedFiles: [{ url: 'https://cdn.example.com/y.mp4?X-Amz-Signature=def' }],
	});
	expect(out).toEqual({
		videoUrl: 'https://[redacted]@cdn.example.com/x.mp4?Signature=abc&Key-Pair-Id=K1',
		message: 'see https://cdn.example.com/x.mp4?sig=[redacted]',
		uploadedFiles: [{ url: 'https://cdn.example.com/y.mp4?X-Amz-Signature=def' }],
	});
});
