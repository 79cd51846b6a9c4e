import { readFileSync } from 'node:fs';
import { ponder } from 'ponder:registry';
import { transfer } from 'ponder:schema';

// The same matching stablegate does: only transfers to a watched deposit address become rows.
// Without PONDER_WATCHED_FILE every Transfer is a row.
const watchedFile = process.env.PONDER_WATCHED_FILE;
const watched = watchedFile
  ? new Set(
      (JSON.parse(readFileSync(watchedFile, 'utf8')) as string[]).map((address) => address.toLowerCase()),
    )
  : null;

ponder.on('Token:Transfer', async ({ event, context }) => {
  if (watched && !watched.has(event.args.to.toLowerCase())) return;
  await context.db.insert(transfer).values({
    id: event.id,
    to: event.args.to,
    amount: event.args.value,
    blockNumber: event.block.number,
    indexedAt: BigInt(Date.now()),
  });
});
