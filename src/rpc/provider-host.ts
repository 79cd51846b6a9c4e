/**
 * How a provider is named in logs and metrics: its host and port, never the whole URL. Hosted
 * providers put the API key in the path (`/v2/<key>`) or the query, and a URL may carry
 * `user:password@`; the host alone carries neither.
 */
export function providerHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
