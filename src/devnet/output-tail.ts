import type { Readable } from 'node:stream';

const MAX_TAIL_CHARS = 16_000;

export type OutputTail = { text(): string };

/**
 * Keeps the last characters a child wrote to the given streams, to quote when it fails. Reading
 * also drains the pipes: an undrained pipe blocks the child once its buffer fills.
 */
export function createOutputTail(
  streams: readonly (Readable | null)[],
  maxChars = MAX_TAIL_CHARS,
): OutputTail {
  let tail = '';
  for (const stream of streams) {
    stream?.on('data', (chunk: Buffer) => {
      tail += chunk.toString('utf8');
      if (tail.length > maxChars) tail = tail.slice(-maxChars);
    });
  }
  return { text: () => tail.trim() };
}
