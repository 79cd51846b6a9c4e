import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks before a line is written. Secrets are also never passed to the logger by
 * design; this is the second line of defence for a header or body that slips into a log call.
 */
const REDACT_PATHS = [
  'apiKey',
  'secret',
  'xpub',
  'authorization',
  // The sweeper's gas wallet key (config holds it behind a function; this is the second line).
  'privateKey',
  '*.privateKey',
  '*.apiKey',
  '*.secret',
  '*.xpub',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'headers["webhook-signature"]',
];

/** Anything shaped like our secrets, wherever it appears in a message string. */
const SECRET_PATTERN =
  /\b(sk_[A-Za-z0-9_-]{20,}|whsec_[A-Za-z0-9+/=]{20,}|[xt]pub[1-9A-HJ-NP-Za-km-z]{100,}|[xt]prv[1-9A-HJ-NP-Za-km-z]{100,})/g;

export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (match) => `${match.slice(0, 5)}[REDACTED]`);
}

/**
 * A URL's path and query, and any `user:password@`: where hosted RPC providers put the API key
 * (`https://eth-mainnet.example/v2/<key>`). viem quotes the URL in its errors' message, stack,
 * `url` and `metaMessages`, so an error logged from an RPC call keeps only scheme, host and port.
 */
const URL_PATTERN = /\b(https?|wss?):\/\/(?:[^\s/?#@"']*@)?([^\s/?#"']+)([/?#][^\s"']*)?/g;

export function redactUrls(text: string): string {
  return text.replace(URL_PATTERN, (_match, scheme: string, host: string, rest: string | undefined) =>
    rest && rest !== '/' ? `${scheme}://${host}/[REDACTED]` : `${scheme}://${host}`,
  );
}

/** A serialized error with every string in it, nested ones too, cleared of secrets and URL paths. */
function scrubbed(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactUrls(redactSecrets(value));
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubbed(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubbed(item, depth + 1)]));
}

export function createLogger(options: {
  level: string;
  destination?: DestinationStream;
  name?: string;
}): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'stablegate',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        // Scrubs secrets from free-text messages too (e.g. an error message quoting input).
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? redactSecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: Error) => scrubbed(pino.stdSerializers.err(error)),
      },
    },
    options.destination,
  );
}
