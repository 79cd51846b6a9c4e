import { initialSchema } from './001-initial.ts';
import { invoiceReturnUrl } from './003-invoice-return-url.ts';

/** Ordered; a migration is never edited once released, only followed by a new one. */
export const migrations: readonly string[] = [initialSchema, invoiceReturnUrl];
