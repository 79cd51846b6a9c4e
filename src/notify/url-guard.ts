import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicIpAddress, isUnspecifiedIpAddress } from './is-public-ip-address.ts';

/**
 * Registration-time check of a webhook URL against SSRF (docs/security.md, "Who can reach what": URLs that resolve to
 * loopback, private or link-local addresses are refused unless ALLOW_PRIVATE_WEBHOOK_URLS=true).
 * It is the first of two checks: DNS can change after registration (rebinding), so delivery checks
 * the connected address again through request-filtering-agent (deliver-webhook.ts).
 */

export type WebhookUrlErrorCode = 'webhook_url_invalid' | 'webhook_url_private' | 'webhook_url_unresolvable';

export type WebhookUrlCheck =
  | { ok: true; url: string }
  | { ok: false; code: WebhookUrlErrorCode; reason: string };

/** Resolves a host name to every address it has, as `dns.promises.lookup(host, { all: true })`. */
export type LookupAll = (hostname: string) => Promise<ReadonlyArray<{ address: string }>>;

/** Longer URLs are refused: some receivers and proxies cut them, and none needs more. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
const LOOKUP_TIMEOUT_MS = 5_000;

const defaultLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export async function checkWebhookUrl(
  url: string,
  options: { allowPrivate: boolean; lookup?: LookupAll },
): Promise<WebhookUrlCheck> {
  const { allowPrivate, lookup = defaultLookup } = options;
  if (url.length > MAX_WEBHOOK_URL_LENGTH) {
    return invalid(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  // WHATWG URL parsing is what Node's http client uses too, so both see the same host: it also turns
  // odd IPv4 notations (0x7f.1, 2130706433, 127.1, 0177.0.0.1) into their dotted form, 127.0.0.1.
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid('is not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return invalid('must use http or https');
  // Credentials in a URL end up in logs and in the Authorization header of whoever answers.
  if (parsed.username !== '' || parsed.password !== '')
    return invalid('must not contain a user name or password');
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;

  // RFC 6761 §6.3: "localhost" and names under it are loopback whatever DNS says.
  if (!allowPrivate && /(^|\.)localhost\.?$/.test(host)) return privateHost(`${host} is a loopback name`);

  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await withTimeout(lookup(host), LOOKUP_TIMEOUT_MS)).map((entry) => entry.address);
    } catch {
      return { ok: false, code: 'webhook_url_unresolvable', reason: `host ${host} does not resolve` };
    }
    if (addresses.length === 0) {
      return { ok: false, code: 'webhook_url_unresolvable', reason: `host ${host} has no address` };
    }
  }
  // Every address counts: the client may connect to any of them (RFC 8305 Happy Eyeballs).
  for (const address of addresses) {
    if (isUnspecifiedIpAddress(address)) return privateHost(`${host} is the unspecified address ${address}`);
    if (!allowPrivate && !isPublicIpAddress(address)) {
      const where = address === host ? host : `${host} (${address})`;
      return privateHost(`${where} is a loopback, private, link-local or reserved address`);
    }
  }
  return { ok: true, url: parsed.href };
}

function invalid(reason: string): WebhookUrlCheck {
  return { ok: false, code: 'webhook_url_invalid', reason: `webhook URL ${reason}` };
}

function privateHost(reason: string): WebhookUrlCheck {
  return { ok: false, code: 'webhook_url_private', reason: `webhook URL host ${reason}` };
}

/** getaddrinfo cannot be cancelled; this only stops a registration from waiting on it forever. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
