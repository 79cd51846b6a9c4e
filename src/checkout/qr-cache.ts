/** Distinct (invoice, amount due) QR codes kept: a few KiB each, so a few MiB in all. */
export const QR_CACHE_ENTRIES = 1_000;

export type QrCache = {
  /** The SVG of `text`, rendered once per `key` while the key stays among the recently used. */
  get(key: string, text: string): Promise<string>;
};

/**
 * Rendering a QR code costs milliseconds of CPU on a public route, while what it encodes (the
 * EIP-681 request for what is still due) changes only when a payment arrives: cache it per
 * invoice and amount due, least recently used out first. A pending render is shared, so a burst
 * of requests for the same code renders it once; a failed one is forgotten.
 */
export function createQrCache(options: {
  render: (text: string) => Promise<string>;
  maxEntries?: number;
}): QrCache {
  const maxEntries = options.maxEntries ?? QR_CACHE_ENTRIES;
  const entries = new Map<string, Promise<string>>();
  return {
    get(key, text) {
      const cacheKey = `${key}\n${text}`;
      const cached = entries.get(cacheKey);
      if (cached) {
        entries.delete(cacheKey);
        entries.set(cacheKey, cached);
        return cached;
      }
      const rendered = options.render(text);
      entries.set(cacheKey, rendered);
      rendered.catch(() => entries.delete(cacheKey));
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
      return rendered;
    },
  };
}
