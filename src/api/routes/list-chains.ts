import { createRoute, z } from '@hono/zod-openapi';
import { FINALITY_TAGS } from '../../domain/chain.ts';
import type { ApiConfig } from '../api-deps.ts';
import type { ApiApp } from '../api-env.ts';
import { TokenSchema } from '../schemas.ts';

const ChainSchema = z
  .object({
    chainId: z.number().int(),
    name: z.string(),
    confirmations: z.union([z.number().int().min(1), z.enum(FINALITY_TAGS)]).openapi({
      description:
        'When a payment counts as confirmed: a number of blocks (the payment’s own included), or ' +
        '"safe" / "finalized": once its block is at or below the node’s block of that tag and still canonical',
      example: 12,
    }),
    tokens: z.array(TokenSchema),
  })
  .openapi('Chain');

const route = createRoute({
  method: 'get',
  path: '/v1/chains',
  summary: 'Chains and tokens this gateway accepts (public)',
  responses: {
    200: {
      description: 'Configured chains',
      content: { 'application/json': { schema: z.object({ data: z.array(ChainSchema) }) } },
    },
  },
});

export function registerListChains(app: ApiApp, deps: { config: Pick<ApiConfig, 'chains'> }): void {
  app.openapi(route, (c) =>
    c.json(
      {
        data: deps.config.chains.map((chain) => ({
          chainId: chain.chainId,
          name: chain.name,
          confirmations: chain.confirmations,
          tokens: chain.tokens.map((token) => ({ ...token })),
        })),
      },
      200,
    ),
  );
}
