import type { Address } from 'viem';
import { formatAmount } from '../../../src/domain/money.ts';

export type CreatedInvoice = { id: string; depositAddress: Address };

/** Why creates were tried again, and how often: `503 database_unavailable`, `TypeError ECONNREFUSED`, … */
export type RetryTally = { attempts: number; retried: Record<string, number> };

/**
 * `POST /v1/invoices` as a merchant's client that knows the API's contract: a 503 (the database
 * unavailable or busy) or a connection that failed (a `serve` killed or restarting) is tried again,
 * on the next of `baseUrls` in turn, always with the same `Idempotency-Key`, so that a retry of a
 * create that did commit answers that invoice instead of making a second. Any other answer, a 500
 * above all, fails the caller.
 */
export async function createInvoiceWithRetries(options: {
  baseUrls: readonly string[];
  apiKey: string;
  chainId: number;
  /** USDC base units (6 decimals). */
  amount: bigint;
  idempotencyKey: string;
  deadlineMs: number;
  tally: RetryTally;
}): Promise<CreatedInvoice> {
  const body = JSON.stringify({
    amount: formatAmount(options.amount, 6),
    currency: 'USDC',
    chainId: options.chainId,
  });
  const deadline = Date.now() + options.deadlineMs;
  const first = Math.floor(Math.random() * options.baseUrls.length);
  for (let attempt = 0; ; attempt++) {
    options.tally.attempts++;
    const baseUrl = options.baseUrls[(first + attempt) % options.baseUrls.length] as string;
    const outcome = await attemptCreate(baseUrl, options.apiKey, options.idempotencyKey, body);
    if (typeof outcome !== 'string') return outcome;
    options.tally.retried[outcome] = (options.tally.retried[outcome] ?? 0) + 1;
    if (Date.now() > deadline) throw new Error(`create ${options.idempotencyKey} still failing: ${outcome}`);
    // A random pause: lanes retrying together should not move in lockstep.
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
  }
}

/** One attempt: the invoice, or why it may be tried again. */
async function attemptCreate(
  baseUrl: string,
  apiKey: string,
  key: string,
  body: string,
): Promise<CreatedInvoice | string> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${baseUrl}/v1/invoices`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    // A `serve` that hangs is no outage a client should sit out.
    if ((error as Error).name === 'TimeoutError') throw new Error(`create ${key}: no answer in 15 s`);
    // Refused (a `serve` restarting) or cut mid-answer (killed).
    const cause = (error as Error).cause as { code?: string } | undefined;
    return `${(error as Error).name} ${cause?.code ?? ''}`.trim();
  }
  if (status === 201 || status === 200) return JSON.parse(text) as CreatedInvoice;
  if (status !== 503) throw new Error(`create ${key} answered ${status}: ${text}`);
  return `503 ${(JSON.parse(text) as { code?: string }).code}`;
}
