import { createRoute, z } from '@hono/zod-openapi';
import { formatAmount } from '../../domain/money.ts';
import { tokenLookup } from '../../domain/sweep.ts';
import { readMerchantBalances } from '../../store/sweep-candidates.ts';
import type { ApiConfig, ApiDeps } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { errorResponses } from '../schemas.ts';
import { BalanceSchema } from '../sweep-schemas.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/balances',
  summary: 'Forwarder money per chain and token: received, swept to the payout, still in deposit addresses',
  description:
    'From the database alone (no RPC): `received` counts confirmed payments into forwarder deposit ' +
    'addresses, `swept` what confirmed sweeps moved according to their receipts, and ' +
    '`inDepositAddresses` the difference.',
  security: [{ bearer: [] }],
  responses: {
    200: {
      description: 'One entry per chain and token that received anything',
      content: { 'application/json': { schema: z.object({ data: z.array(BalanceSchema) }) } },
    },
    ...errorResponses(401, 503),
  },
});

export function registerListBalances(
  app: ApiApp,
  deps: Pick<ApiDeps, 'store'> & { config: Pick<ApiConfig, 'chains'> },
): void {
  app.openapi(route, async (c) => {
    const rows = await deps.store.read(readMerchantBalances, c.get('merchant').id);
    const data = rows.flatMap((row) => {
      const chain = deps.config.chains.find((candidate) => candidate.chainId === row.chainId);
      if (!chain) return [];
      const token = tokenLookup(chain)(row.token);
      const format = (value: bigint) => formatAmount(value, token.decimals);
      // A sweep can move a payment the watcher has not confirmed yet: never show a negative rest.
      const rest = row.received > row.swept ? row.received - row.swept : 0n;
      return [
        {
          chainId: row.chainId,
          token,
          received: format(row.received),
          swept: format(row.swept),
          inDepositAddresses: format(rest),
        },
      ];
    });
    return c.json({ data }, 200);
  });
}
