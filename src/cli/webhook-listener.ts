import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A devnet event is a few kB; a bigger body is not one of ours and is not buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

export type WebhookListener = { url: string; close(): Promise<void> };

/** What listen prints per request: a verified event, or a refusal with its reason. */
export type ListenerOutcome =
  | { verified: true; webhookId: string; event: unknown }
  | { verified: false; webhookId: string | undefined; reason: string };

/** Header values as standardwebhooks reads them (a repeated header joined, as node does for most). */
function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * A webhook receiver on 127.0.0.1 (never a public interface: it is a development tool). Each
 * delivery is verified as the Standard Webhooks spec says (HMAC-SHA256 over
 * `webhook-id.webhook-timestamp.body`, timestamp within 5 minutes) by the `standardwebhooks`
 * package a merchant would use; verified deliveries are answered 204, anything else 400, so the
 * gateway's retries and its delivery log show the refusal too.
 */
export async function startWebhookListener(options: {
  port: number;
  secret: string;
  onRequest: (outcome: ListenerOutcome) => void;
}): Promise<WebhookListener> {
  const webhook = new Webhook(options.secret);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413).end();
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const headers = flattenHeaders(request);
      const webhookId = headers['webhook-id'];
      let outcome: ListenerOutcome;
      try {
        const event: unknown = webhook.verify(Buffer.concat(chunks).toString('utf8'), headers);
        outcome = { verified: true, webhookId: webhookId ?? '', event };
      } catch (error) {
        outcome = { verified: false, webhookId, reason: (error as Error).message };
      }
      options.onRequest(outcome);
      response.writeHead(outcome.verified ? 204 : 400).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type EventShape = {
  id?: unknown;
  type?: unknown;
  data?: {
    invoice?: { id?: unknown; status?: unknown; amountPaid?: unknown; token?: { symbol?: unknown } };
    sweep?: { id?: unknown; status?: unknown; payout?: unknown; totals?: unknown };
  };
};

/** `sweep swp_… confirmed (35.5 USDC to 0x…)`: what a sweep moved, as exact decimal strings. */
function describeSweep(sweep: NonNullable<NonNullable<EventShape['data']>['sweep']>): string {
  const totals = Array.isArray(sweep.totals)
    ? (sweep.totals as { amount?: unknown; token?: { symbol?: unknown } }[])
    : [];
  const moved = totals
    .map((total) => `${String(total.amount)} ${String(total.token?.symbol ?? '')}`)
    .join(' + ');
  return `sweep ${String(sweep.id)} ${String(sweep.status)}${moved ? ` (${moved} to ${String(sweep.payout)})` : ''}`;
}

/** One short line per request: `✓ invoice.paid evt_… invoice inv_… paid (25.5 USDC paid)`. */
export function formatOutcome(outcome: ListenerOutcome): string {
  if (!outcome.verified)
    return `✗ refused ${outcome.webhookId ?? '(no webhook-id)'}: ${outcome.reason} (answered 400)`;
  const event = (outcome.event ?? {}) as EventShape;
  const parts = ['✓', String(event.type ?? '(no type)'), String(event.id ?? outcome.webhookId)];
  const invoice = event.data?.invoice;
  if (invoice) {
    parts.push(`invoice ${String(invoice.id)} ${String(invoice.status)}`);
    // Amounts are exact decimal strings in the payload: printed as they came, never as numbers.
    if (typeof invoice.amountPaid === 'string' && invoice.amountPaid !== '0')
      parts.push(`(${invoice.amountPaid} ${String(invoice.token?.symbol ?? '')} paid)`);
  }
  if (event.data?.sweep) parts.push(describeSweep(event.data.sweep));
  return parts.join(' ');
}
