import type { ErrorCode } from '../../domain/errors.ts';
import { STATUS_BY_CODE, toProblem } from '../../http/problem.ts';
import { escapeHtml, inlineMarkdown } from './html.ts';

/** Where `/docs#error-<code>` lands: the `type` URI of every problem body (http/problem.ts). */
export const errorAnchor = (code: string) => `error-${code}`;

/**
 * What each code means and what the client should do. Exhaustive like STATUS_BY_CODE: a new code
 * does not compile without its line, so the reference never lags the table.
 */
const MEANINGS: Record<ErrorCode, string> = {
  validation_failed: 'A field is missing or invalid; `errors[].field` names each one. Fix the request.',
  malformed_json: 'The body is not valid JSON.',
  webhook_url_invalid: 'The webhook URL is not an absolute `https` (or `http`) URL.',
  webhook_url_private:
    'The webhook URL resolves to a loopback, private or link-local address, refused unless the operator sets `ALLOW_PRIVATE_WEBHOOK_URLS=true`.',
  webhook_url_unresolvable: 'The webhook host name does not resolve.',
  unauthorized: 'The `Authorization: Bearer sk_…` header is missing, unknown or revoked.',
  route_not_found: 'No operation has this method and path.',
  invoice_not_found: 'No invoice with this id belongs to your API key’s merchant.',
  event_not_found: 'No event with this id belongs to your API key’s merchant.',
  webhook_endpoint_not_found: 'No webhook endpoint with this id belongs to your API key’s merchant.',
  api_key_not_found: 'No active API key with this id belongs to your API key’s merchant.',
  sweep_not_found: 'No sweep with this id belongs to the merchant of this API key.',
  deposit_address_in_use:
    'The deposit address this invoice would get already belongs to another invoice (two merchants registered the same key); nothing was written. Ask the operator.',
  last_api_key: 'This is the merchant’s last active API key; create another before revoking it.',
  invoice_not_cancelable: 'Only a `pending` invoice that has received nothing can be canceled.',
  sweep_not_unsigned:
    'This sweep is not waiting for a transaction any more: it was sent, settled, or expired (`GET /v1/sweeps/{id}` says which).',
  transaction_not_found:
    'The chain’s node does not know this transaction hash; retry once the transaction has propagated.',
  transaction_mismatch:
    'This transaction does not send the sweep: it must call the ForwarderFactory with exactly the sweep’s `transaction.data`.',
  idempotency_key_in_flight:
    'A request with the same `Idempotency-Key` is still running; retry after `Retry-After` seconds to get its response.',
  payload_too_large: 'The body is over 64 KiB.',
  unsupported_media_type: 'Send the body as `application/json`.',
  idempotency_key_reused: 'This `Idempotency-Key` was used with a different body; use a new key.',
  address_space_exhausted: 'The merchant’s xpub has no non-hardened child index left for a deposit address.',
  rate_limited:
    'Too many requests for this API key or client address; retry after `Retry-After` seconds (`docs/security.md` lists the limits).',
  webhook_endpoint_limit:
    'The merchant has as many webhook endpoints as the operator allows (16 by default); delete one first.',
  too_many_streams:
    'Too many live status streams are open; poll the status JSON or retry after `Retry-After`.',
  database_busy: 'The database is momentarily busy; nothing was written. Retry after `Retry-After` seconds.',
  database_unavailable:
    'The database server cannot be reached (PostgreSQL restarting or unreachable); a write may or may not have committed, so retry with the same `Idempotency-Key` after `Retry-After` seconds.',
  storage_full: 'The server is out of storage; nothing was written. Retry later.',
  chain_unavailable:
    "The chain's node did not answer a read the request needs (e.g. balances to plan a sweep); nothing was written. Retry later.",
  internal_error: 'A bug on the server; it has been logged. Retrying the same request may work.',
  xpub_in_use:
    'Not sent by the API: `stablegate merchant add` refuses an xpub another merchant uses (their deposit addresses would collide).',
  address_already_sweeping:
    'Not sent by the API: a deposit address is already in a sweep that is still in flight, so it is left out of a new one.',
  gas_wallet_unfunded:
    'Not sent by the API: the gas wallet cannot pay a sweep’s fee; the sweep is recorded `failed` and the money stays in its deposit addresses until the operator funds the wallet.',
  secret_unreadable:
    'Not sent as such: a stored webhook secret does not open with the server’s key (the operator changed `STABLEGATE_SECRET_KEY` without keeping the previous one); answered as `internal_error`.',
  webhook_secret_invalid:
    'Not sent by the API: a webhook secret is not `whsec_` + base64, so the delivery is not signed and not sent.',
  webhook_id_invalid:
    'Not sent by the API: a webhook id is empty or contains a `.`, so the delivery is not signed.',
  foreign_key_violation:
    'Not sent by the API: a schema migration would leave a row pointing at nothing; it is rolled back and `stablegate migrate` stops.',
  database_copy_failed:
    'Not sent by the API: `stablegate db copy` found the target not empty, at another schema version, or different after the copy; the target is left empty.',
};

/** One row per code of the exhaustive table, sorted by status then code, each with its anchor. */
export function renderErrors(): string {
  const codes = (Object.keys(STATUS_BY_CODE) as ErrorCode[]).sort(
    (a, b) => STATUS_BY_CODE[a] - STATUS_BY_CODE[b] || a.localeCompare(b),
  );
  const rows = codes.map((code) => {
    const { title, status } = toProblem(code, '');
    const meaning = MEANINGS[code];
    return `<tr id="${errorAnchor(code)}"><td><a href="#${errorAnchor(code)}"><code>${escapeHtml(
      code,
    )}</code></a></td><td>${status}</td><td>${escapeHtml(title)}</td><td>${inlineMarkdown(meaning)}</td></tr>`;
  });
  const example = toProblem('validation_failed', 'The request body has invalid fields.', [
    { field: 'amount', message: 'at most 6 decimals' },
  ]);
  return `<section id="errors"><h2>Errors</h2><p>Every error is an RFC 9457 <code>application/problem+json</code> body. Branch on <code>code</code>; <code>type</code> is <code>/docs#error-&lt;code&gt;</code>, a link to the row below; <code>errors[].field</code> names each bad field.</p><pre class="example"><code>${escapeHtml(
    JSON.stringify(example, null, 2),
  )}</code></pre><table class="errors"><thead><tr><th>code</th><th>status</th><th>title</th><th>meaning</th></tr></thead><tbody>${rows.join(
    '',
  )}</tbody></table></section>`;
}

/** The codes a response status can carry, as links: the bridge from an operation to the table. */
export function codesForStatus(status: number): string {
  const codes = (Object.keys(STATUS_BY_CODE) as ErrorCode[]).filter(
    (code) => STATUS_BY_CODE[code] === status,
  );
  return codes
    .map((code) => `<a href="#${errorAnchor(code)}"><code>${escapeHtml(code)}</code></a>`)
    .join(', ');
}
