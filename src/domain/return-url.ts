/**
 * A merchant's `returnUrl`: absolute, with a host, no credentials, and https — plain http only
 * where the operator allows private URLs (ALLOW_PRIVATE_WEBHOOK_URLS=true, which `stablegate dev`
 * sets), since a devnet shop runs on http://localhost. Returned normalized (WHATWG URL serializer).
 */
export function parseReturnUrl(
  text: string,
  options: { allowHttp: boolean },
): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'must be an absolute URL' };
  }
  const http = url.protocol === 'http:';
  if (url.protocol !== 'https:' && !(http && options.allowHttp)) {
    return {
      ok: false,
      message: options.allowHttp
        ? 'must be an https or http URL'
        : 'must be an https URL (http only where ALLOW_PRIVATE_WEBHOOK_URLS=true)',
    };
  }
  if (!url.hostname) return { ok: false, message: 'must have a host' };
  if (url.username || url.password) return { ok: false, message: 'must not contain credentials' };
  return { ok: true, url: url.href };
}
