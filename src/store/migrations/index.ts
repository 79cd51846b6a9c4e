import { initialSchema } from './001-initial.ts';

/** Ordered; a migration is never edited once released, only followed by a new one. */
export const migrations: readonly string[] = [initialSchema];
