import { EVENT_TYPES, type EventType } from '../../domain/events.ts';
import { escapeHtml, inlineMarkdown, jsonBlock } from './html.ts';
import { type Components, exampleOf } from './json-schema.ts';
import { schemaAnchor } from './render-schema.ts';

export const eventAnchor = (type: string) => `event-${type}`;

/** When each event fires, and the `data.invoice.status` it carries (README "Invoice lifecycle"). */
const WHEN: Record<EventType, { when: string; status: string }> = {
  'invoice.created': { when: 'The invoice was created (`POST /v1/invoices`).', status: 'pending' },
  'invoice.payment_detected': {
    when: 'A transfer of the invoice’s token to its deposit address was seen on chain (one event per transfer, late or excess ones included). It is written together with whatever that transfer changed, so its invoice may already be `processing`, or `paid` when the chain needs 1 confirmation.',
    status: 'pending, processing or paid',
  },
  'invoice.processing': {
    when: 'On-time payments seen now cover the amount but are not all confirmed yet. Never fires when the chain needs 1 confirmation: a payment is then confirmed when first seen.',
    status: 'processing',
  },
  'invoice.paid': {
    when: 'Confirmed on-time payments cover the amount (or, after expiry, late ones complete it: `exception` is `paid_late`). Once per invoice, ever.',
    status: 'paid',
  },
  'invoice.payment_reverted': {
    when: 'A reorg removed a payment that was not yet confirmed; the invoice is recomputed without it (a `processing` invoice returns to `pending`).',
    status: 'pending or expired',
  },
  'invoice.expired': {
    when: 'The deadline passed, and the watcher followed the chain past it, without on-time payments covering the amount (`exception` is `underpaid` if some arrived).',
    status: 'expired',
  },
  'invoice.canceled': {
    when: 'The merchant canceled it (`POST /v1/invoices/{id}/cancel`).',
    status: 'canceled',
  },
  'sweep.submitted': {
    when: 'A sweep transaction that moves the balances of paid forwarder deposit addresses to the payout was sent: the gateway’s gas wallet signed it, or, for an `unsigned` sweep, the merchant’s wallet sent it and the gateway saw it on chain or was told its hash (README “Sweeps”). Carries `data.sweep`, not an invoice. A fee bump of the same transaction does not fire it again.',
    status: 'submitted',
  },
  'sweep.confirmed': {
    when: 'The sweep transaction has the chain’s confirmations (or has reached its `safe` / `finalized` block). `data.sweep.totals` are what its receipt’s `Flushed` logs moved, per token; `depositAddresses` are the addresses it emptied. Once per sweep; a reorged sweep is re-checked before it fires.',
    status: 'confirmed',
  },
  'sweep.failed': {
    when: 'The sweep was not mined and will not be: the gas wallet has no ETH for the fee, its nonce was taken by another transaction, it reverted, or, `unsigned`, no transaction was seen before its `expiresAt`. `data.sweep.failureReason` says which; its addresses are swept by a later sweep.',
    status: 'failed',
  },
};

const ORDER = `<h3 id="event-order">Order</h3><p>Every event carries the invoice as it is after the whole change that produced it. For an exact, on-time payment, with N the chain's <code>confirmations</code> (<code>GET /v1/chains</code>):</p><ul>
<li><strong>N = 1</strong>: <code>invoice.created</code> (pending) → <code>invoice.payment_detected</code> (already <strong>paid</strong>) → <code>invoice.paid</code>. <code>invoice.processing</code> never fires.</li>
<li><strong>N &gt; 1</strong>: <code>invoice.created</code> (pending) → <code>invoice.payment_detected</code> (processing) → <code>invoice.processing</code> → after N confirmations <code>invoice.paid</code>.</li>
<li><strong><code>"safe"</code> or <code>"finalized"</code></strong>: as for N &gt; 1, with <code>invoice.paid</code> once the node's block of that tag has reached the payment's block, the payment's block still being canonical (on Ethereum the <code>safe</code> block lags the head by 32–64 blocks, the <code>finalized</code> one by 64–96).</li>
</ul><p>A payment that does not cover the amount yet fires <code>invoice.payment_detected</code> with the invoice still <code>pending</code>. Delivery is at least once: deduplicate on <code>id</code> (the <code>webhook-id</code> header).</p>`;

const ENVELOPE = `<table class="fields"><thead><tr><th>field</th><th>type</th><th></th><th>meaning</th></tr></thead><tbody>
<tr><td><code>id</code></td><td>string</td><td>required</td><td><code>evt_…</code>; equal to the <code>webhook-id</code> header, stable across retries and redeliveries</td></tr>
<tr><td><code>type</code></td><td>string</td><td>required</td><td>one of the types below</td></tr>
<tr><td><code>createdAt</code></td><td>string</td><td>required</td><td>ISO-8601 UTC time of the change</td></tr>
<tr><td><code>data.invoice</code></td><td><a href="#${schemaAnchor('Invoice')}"><code>Invoice</code></a></td><td><code>invoice.*</code></td><td>the invoice right after the change, as <code>GET /v1/invoices/{id}</code> shows it</td></tr>
<tr><td><code>data.sweep</code></td><td><a href="#${schemaAnchor('Sweep')}"><code>Sweep</code></a></td><td><code>sweep.*</code></td><td>the sweep right after the change</td></tr>
</tbody></table>`;

/** The webhook reference: signature headers, the envelope, each type with an example payload. */
export function renderEvents(components: Components): string {
  const invoice = exampleOf({ $ref: '#/components/schemas/Invoice' }, components) as Record<string, unknown>;
  const sweep = exampleOf({ $ref: '#/components/schemas/Sweep' }, components) as Record<string, unknown>;
  const sections = EVENT_TYPES.map((type) => {
    const { when, status } = WHEN[type];
    const first = status.split(/,| or /)[0]?.trim() ?? status;
    const isSweep = type.startsWith('sweep.');
    const example = {
      id: 'evt_01jd3x9q8a4f2m7c0k5n3r9t6w',
      type,
      createdAt: '2026-01-01T12:00:00.000Z',
      data: isSweep ? { sweep: { ...sweep, status: first } } : { invoice: { ...invoice, status: first } },
    };
    return `<section id="${eventAnchor(type)}" class="event"><h3><code>${escapeHtml(type)}</code></h3><p>${inlineMarkdown(
      when,
    )}</p><p>${isSweep ? 'Sweep' : 'Invoice'} status carried: ${escapeHtml(status)}.</p><details><summary>Example payload</summary>${jsonBlock(
      example,
      `${type} payload`,
    )}</details></section>`;
  });
  return `<section id="events"><h2>Webhook events</h2><p>Each event is POSTed as JSON to every enabled endpoint subscribed to its type, signed per Standard Webhooks: headers <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature: v1,&lt;base64 HMAC-SHA256&gt;</code>. Verify with the endpoint's <code>whsec_</code> secret (the <code>standardwebhooks</code> package does it). Answer 2xx within 15 s; failures are retried with jitter for about three days.</p><h3 id="event-envelope">Envelope</h3><p><code>{ id, type, createdAt, data: { invoice } }</code> (<code>data: { sweep }</code> for <code>sweep.*</code> events)</p>${ENVELOPE}${ORDER}${sections.join(
    '',
  )}</section>`;
}
