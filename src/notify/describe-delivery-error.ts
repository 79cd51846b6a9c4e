/**
 * Turns a network error of a delivery attempt into the short text stored with the attempt and shown
 * to the merchant. It never carries a secret: docs/security.md ("Who can reach what") keeps webhook secrets out of
 * logs and errors, and the signature, which is derived from one, is scrubbed as well.
 */

/** Long enough for "connect ECONNREFUSED [2001:db8::1]:443" and a TLS reason, short enough to store. */
export const MAX_DELIVERY_ERROR_LENGTH = 200;

// request-filtering-agent's refusal: "DNS lookup 127.0.0.1(family:4, host:localhost) is not
// allowed. Because, It is private IP address." (its source, validateIPAddress).
const FILTER_REFUSAL = /^DNS lookup (\S+?)\(family:[^,]*, host:([^)]*)\) is not allowed\. Because,? (.*)$/;

export function describeDeliveryError(error: unknown, secrets: readonly string[]): string {
  const message = (error instanceof Error ? error.message : String(error)).trim();
  const code = errorCode(error);
  const refusal = FILTER_REFUSAL.exec(message);
  let text: string;
  if (refusal) {
    const [, address, host, why] = refusal;
    const name = host && host !== 'undefined' ? `${host} (${address})` : address;
    const reason = why?.includes('meta')
      ? 'the unspecified address is never allowed'
      : 'not a public address, and private webhook URLs are not allowed';
    text = `refused to connect to ${name}: ${reason}`;
  } else if (code && !message.includes(code)) {
    text = `${code}: ${message}`;
  } else {
    text = message || code || 'unknown network error';
  }
  return truncate(redact(text, secrets), MAX_DELIVERY_ERROR_LENGTH);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  // Tiny fragments ("v1") would mangle the text without protecting anything.
  for (const secret of secrets) if (secret.length >= 8) result = result.split(secret).join('[redacted]');
  return result;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
