import { initialSchema } from './001-initial.ts';
import { keysAndIds } from './002-keys-and-ids.ts';
import { invoiceReturnUrl } from './003-invoice-return-url.ts';
import { depositMode } from './004-deposit-mode.ts';
import { sweepsSchema } from './005-sweeps.ts';
import { unsignedSweeps } from './006-unsigned-sweeps.ts';
import { headAdvanced } from './007-head-advanced.ts';
import type { Migration } from './migration.ts';

/** Ordered; a migration is never edited once released, only followed by a new one. */
export const migrations: readonly Migration[] = [
  initialSchema,
  keysAndIds,
  invoiceReturnUrl,
  depositMode,
  sweepsSchema,
  unsignedSweeps,
  headAdvanced,
];
