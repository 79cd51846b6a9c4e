import { z } from '@hono/zod-openapi';
import { SWEEP_STATUSES } from '../domain/sweep.ts';
import { TokenSchema } from './schemas.ts';

/** The zod schemas of sweeps and balances (README "Sweeps"); api/schemas.ts has the rest. */

const DecimalString = z.string().openapi({ example: '25.5', description: 'Exact decimal in token units' });
const AddressString = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const BaseUnits = z.string().regex(/^\d+$/).openapi({ description: 'Integer in wei' });

export const SweepSchema = z
  .object({
    id: z.string().openapi({ example: 'swp_01jd3x9q0000000000000000000' }),
    object: z.literal('sweep'),
    chainId: z.number().int(),
    payout: AddressString.openapi({
      description: 'Where every swept unit went (the forwarders can pay nowhere else)',
    }),
    status: z.enum(SWEEP_STATUSES).openapi({
      description:
        'unsigned: waiting for the merchant’s wallet to send `transaction`; submitted: sent (by the gas ' +
        'wallet, or seen on chain); confirmed: mined with the chain’s confirmations; failed: never mined, ' +
        'or unsigned and not sent before `expiresAt`',
    }),
    from: AddressString.nullable().openapi({ description: 'The wallet that sent it (and paid the fees)' }),
    nonce: z.number().int().nullable(),
    txHash: z.string().nullable(),
    depositAddresses: z.array(AddressString),
    planned: z.array(z.object({ token: TokenSchema, amount: DecimalString })).openapi({
      description: 'Per token, the deposit addresses’ balances when the sweep was planned',
    }),
    totals: z.array(z.object({ token: TokenSchema, amount: DecimalString })).openapi({
      description: "Per token, from the confirmed receipt's Flushed logs; empty until confirmed",
    }),
    blockNumber: z.number().int().nullable(),
    gasUsed: BaseUnits.nullable().openapi({ description: 'Gas units' }),
    effectiveGasPrice: BaseUnits.nullable(),
    failureReason: z.string().nullable(),
    transaction: z
      .object({
        to: AddressString.openapi({ description: 'The ForwarderFactory' }),
        data: z.string().openapi({ description: 'ForwarderFactory.sweep(payout, salts, tokens) calldata' }),
        gas: z
          .string()
          .regex(/^0x[0-9a-f]+$/)
          .optional()
          .openapi({ description: 'Suggested gas limit, a JSON-RPC quantity (an upper estimate)' }),
      })
      .nullable()
      .openapi({
        description:
          'While unsigned: the transaction to send from any wallet (EIP-1193 `eth_sendTransaction` takes ' +
          'it as is, with `from` added). It can only pay the payout.',
      }),
    expiresAt: z.string().nullable().openapi({
      description: 'Unsigned: when its deposit addresses are released if no transaction was seen',
    }),
    createdAt: z.string(),
    confirmedAt: z.string().nullable(),
  })
  .openapi('Sweep');

export const ReportSweepTransactionSchema = z
  .strictObject({
    txHash: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a transaction hash: 0x and 64 hex digits')
      .openapi({ example: `0x${'ab'.repeat(32)}` }),
  })
  .openapi('ReportSweepTransaction');

export const CreateSweepsSchema = z
  .strictObject({
    chainId: z.number().int().positive().optional().openapi({ example: 31337 }),
    min: z
      .string()
      .max(100)
      .regex(/^\d+(\.\d+)?$/, 'must be a decimal in token units, e.g. "10" or "0.5"')
      .optional()
      .openapi({
        example: '10',
        description: 'Skip addresses holding less than this of every token (token units)',
      }),
  })
  .openapi('CreateSweeps');

export const BalanceSchema = z
  .object({
    chainId: z.number().int(),
    token: TokenSchema,
    received: DecimalString.openapi({ description: 'Confirmed payments into forwarder deposit addresses' }),
    swept: DecimalString.openapi({ description: 'Moved to the payout by confirmed sweeps' }),
    inDepositAddresses: DecimalString.openapi({ description: 'Received and not swept yet' }),
  })
  .openapi('Balance');
