import { describe, expect, it } from 'vitest';
import { isExpiryReached } from './is-expiry-reached.ts';

const EXPIRES_AT = new Date('2025-01-01T12:00:00.000Z');
const at = (offsetS: number) => new Date(EXPIRES_AT.getTime() + offsetS * 1000);

// now: before, at or after the deadline × syncedAt: never, before, at or after the deadline.
const rows: [string, Date, string, Date | null, boolean][] = [
  ['before', at(-60), 'never', null, false],
  ['before', at(-60), 'before the deadline', at(-120), false],
  ['before', at(-60), 'at the deadline', at(0), false],
  ['at', at(0), 'never', null, false],
  ['at', at(0), 'before the deadline', at(-120), false],
  ['at', at(0), 'at the deadline', at(0), false],
  ['after', at(60), 'never', null, false],
  ['after', at(60), 'before the deadline', at(-120), false],
  ['after', at(60), 'at the deadline', at(0), false],
  ['after', at(60), 'after the deadline', at(30), true],
  ['after', at(60), 'after the deadline, just now', at(60), true],
];

describe('isExpiryReached', () => {
  it.each(rows)(
    'now %s the deadline, watcher level with the head %s: %s',
    (_now, now, _synced, syncedAt, expected) => {
      expect(isExpiryReached({ expiresAt: EXPIRES_AT, syncedAt, now })).toBe(expected);
    },
  );
});
