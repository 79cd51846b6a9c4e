import type { Address, Hex } from 'viem';
import { query, type Sql } from './sql.ts';

/**
 * Forwarder deposit addresses that may hold money to sweep, and the merchant balances
 * (README "Sweeps"). Sums are taken in code: amounts are TEXT base units, which SQL's SUM would
 * turn into floats.
 */

export type OutstandingAddress = {
  merchantId: string;
  payout: Address;
  depositAddress: Address;
  salt: Hex;
  /** A confirmed sweep deployed its forwarder already. */
  deployed: boolean;
  /** Per token: confirmed payments minus what confirmed sweeps took out (may be ≤ 0). */
  outstanding: Map<Address, bigint>;
};

type AmountRow = { deposit_address: Address; token_address: Address; amount: string };

/** Deposit address → token → summed base units: looked up per address, never scanned per address. */
function sumBy(rows: AmountRow[]): Map<Address, Map<Address, bigint>> {
  const sums = new Map<Address, Map<Address, bigint>>();
  for (const row of rows) {
    let byToken = sums.get(row.deposit_address);
    if (!byToken) {
      byToken = new Map();
      sums.set(row.deposit_address, byToken);
    }
    byToken.set(row.token_address, (byToken.get(row.token_address) ?? 0n) + BigInt(row.amount));
  }
  return sums;
}

/**
 * Every forwarder invoice of the chain with confirmed money not yet swept out, whatever the
 * invoice's status (an underpaid or late payment is the merchant's money too), except addresses a
 * sweep still in flight covers. The chain's balances decide in the end (sweep/read-balances.ts).
 */
export function* listOutstandingAddresses(filter: {
  chainId: number;
  merchantId?: string | undefined;
}): Sql<OutstandingAddress[]> {
  const merchant = filter.merchantId ?? null;
  const invoices = yield* query<{
    merchant_id: string;
    forwarder_payout: Address;
    deposit_address: Address;
    forwarder_salt: Hex;
    deployed: number;
  }>(`SELECT i.merchant_id, i.forwarder_payout, i.deposit_address, i.forwarder_salt,
       CASE WHEN EXISTS (SELECT 1 FROM sweep_addresses a JOIN sweeps s ON s.id = a.sweep_id
               WHERE a.deposit_address = i.deposit_address AND s.chain_id = i.chain_id AND s.status = 'confirmed')
         THEN 1 ELSE 0 END AS deployed
     FROM invoices i
     WHERE i.chain_id = @chainId AND i.deposit_mode = 'forwarder' AND (CAST(@merchantId AS TEXT) IS NULL OR i.merchant_id = @merchantId)
       AND EXISTS (SELECT 1 FROM transfers t WHERE t.invoice_id = i.id AND t.status = 'confirmed')
       AND NOT EXISTS (SELECT 1 FROM sweep_addresses a JOIN sweeps s ON s.id = a.sweep_id
               WHERE a.deposit_address = i.deposit_address AND s.chain_id = i.chain_id AND s.status IN ('unsigned','submitted'))`).all(
    { chainId: filter.chainId, merchantId: merchant },
  );
  if (invoices.length === 0) return [];
  const received = sumBy(
    yield* query<AmountRow>(`SELECT t.to_address AS deposit_address, t.token_address, t.amount FROM transfers t
       JOIN invoices i ON i.id = t.invoice_id
       WHERE t.chain_id = @chainId AND t.status = 'confirmed' AND i.deposit_mode = 'forwarder' AND (CAST(@merchantId AS TEXT) IS NULL OR i.merchant_id = @merchantId)`).all(
      { chainId: filter.chainId, merchantId: merchant },
    ),
  );
  const swept = sumBy(yield* sweptRows(filter.chainId, merchant));
  const result: OutstandingAddress[] = [];
  for (const invoice of invoices) {
    const outstanding = new Map<Address, bigint>();
    let any = false;
    const sweptHere = swept.get(invoice.deposit_address);
    for (const [token, amount] of received.get(invoice.deposit_address) ?? []) {
      const left = amount - (sweptHere?.get(token) ?? 0n);
      outstanding.set(token, left);
      if (left > 0n) any = true;
    }
    if (!any) continue;
    result.push({
      merchantId: invoice.merchant_id,
      payout: invoice.forwarder_payout,
      depositAddress: invoice.deposit_address,
      salt: invoice.forwarder_salt,
      deployed: invoice.deployed === 1,
      outstanding,
    });
  }
  return result;
}

type SweptRow = AmountRow & { chain_id: number };

function* sweptRows(chainId: number | null, merchantId: string | null): Sql<SweptRow[]> {
  return yield* query<SweptRow>(`SELECT f.deposit_address, f.token_address, f.amount, s.chain_id FROM sweep_flushes f
     JOIN sweeps s ON s.id = f.sweep_id
     WHERE s.status = 'confirmed' AND (CAST(@chainId AS BIGINT) IS NULL OR s.chain_id = @chainId) AND (CAST(@merchantId AS TEXT) IS NULL OR s.merchant_id = @merchantId)`).all(
    { chainId, merchantId },
  );
}

export type BalanceRow = { chainId: number; token: Address; received: bigint; swept: bigint };

/**
 * A merchant's forwarder money per chain and token: received (confirmed payments into its
 * forwarder deposit addresses) and swept (the Flushed amounts of its confirmed sweeps).
 */
export function* readMerchantBalances(merchantId: string): Sql<BalanceRow[]> {
  const balances = new Map<string, BalanceRow>();
  const add = (chainId: number, token: Address, field: 'received' | 'swept', amount: bigint) => {
    const key = `${chainId}:${token}`;
    const row = balances.get(key) ?? { chainId, token, received: 0n, swept: 0n };
    row[field] += amount;
    balances.set(key, row);
  };
  const received = yield* query<{
    chain_id: number;
    token_address: Address;
    amount: string;
  }>(`SELECT t.chain_id, t.token_address, t.amount FROM transfers t JOIN invoices i ON i.id = t.invoice_id
     WHERE i.merchant_id = ? AND i.deposit_mode = 'forwarder' AND t.status = 'confirmed'`).all(merchantId);
  for (const row of received) add(row.chain_id, row.token_address, 'received', BigInt(row.amount));
  const swept = yield* sweptRows(null, merchantId);
  for (const row of swept) add(row.chain_id, row.token_address, 'swept', BigInt(row.amount));
  return [...balances.values()];
}
