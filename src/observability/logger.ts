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
        err: (error: Error) => {
          const serialized = pino.stdSerializers.err(error);
          return {
            ...serialized,
            message: redactSecrets(serialized.message),
            stack: redactSecrets(serialized.stack),
          };
        },
      },
    },
    options.destination,
  );
}
