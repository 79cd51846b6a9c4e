/**
 * The stale-head alarm (README "Readiness"): when the watcher last saw the node's head advance,
 * and how long the head may stand still before the chain is not ready (10 block times of the
 * chain's clock, or the configured `staleAfterMs`; NULL for a chain without a block clock, such
 * as anvil's automine). `/readyz` runs in `serve`, another process than the watcher, so the
 * watcher keeps both here. NULL on every cursor written before this migration, until the next
 * write of its watcher.
 */
export const headAdvanced = `
ALTER TABLE chain_cursors ADD COLUMN head_advanced_at TEXT;
ALTER TABLE chain_cursors ADD COLUMN stale_after_ms INTEGER;
`;
