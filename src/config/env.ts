import { z } from 'zod';
import { DEFAULT_RETRY_SCHEDULE_S, parseRetrySchedule } from '../domain/retry-schedule.ts';
import type { ChainConfig } from './chains.ts';
import { readChainsFile } from './chains.ts';

/** The only reader of process.env: every other module receives a validated `Config`. */

const EnvSchema = z.object({
  DATABASE_PATH: z.string().min(1).default('./data/stablegate.db'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** The interface the HTTP API listens on; `stablegate dev` defaults it to loopback. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** When set, /metrics is served on this port only, by a second listener, never on PORT. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  STABLEGATE_CONFIG: z.string().min(1).optional(),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((text, ctx) => {
      const parsed = parseRetrySchedule(text);
      if (parsed.ok) return parsed.schedule;
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    })
    .optional(),
  ALLOW_PRIVATE_WEBHOOK_URLS: z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((value) => value === 'true' || value === '1')
    .default(false),
  STABLEGATE_SECRET_KEY: z
    .string()
    .refine(
      (value) => Buffer.from(value, 'base64').length === 32,
      'must be base64 of 32 random bytes (openssl rand -base64 32)',
    )
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = {
  databasePath: string;
  redisUrl: string | undefined;
  port: number;
  host: string;
  /** null: /metrics is served on the public port, as before METRICS_PORT existed. */
  metrics: { port: number; host: string } | null;
  publicUrl: string;
  chains: ChainConfig[];
  webhookRetryScheduleS: number[];
  allowPrivateWebhookUrls: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Seals webhook secrets; absent: a key file beside the database (runtime/secret-key.ts). */
  secretKey: string | undefined;
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/** Validates the environment; every bad value gives one line naming the variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: { chains?: ChainConfig[] } = {},
): ConfigResult {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    };
  }
  const values = parsed.data;
  let chains: ChainConfig[] = overrides.chains ?? [];
  if (!overrides.chains) {
    if (!values.STABLEGATE_CONFIG) {
      return { ok: false, errors: ['STABLEGATE_CONFIG: required (path of the chains JSON file)'] };
    }
    const file = readChainsFile(values.STABLEGATE_CONFIG);
    if (!file.ok) return file;
    chains = file.chains;
  }
  const port = values.PORT;
  return {
    ok: true,
    config: {
      databasePath: values.DATABASE_PATH,
      redisUrl: values.REDIS_URL,
      port,
      host: values.HOST,
      metrics:
        values.METRICS_PORT === undefined ? null : { port: values.METRICS_PORT, host: values.METRICS_HOST },
      publicUrl: (values.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
      chains,
      webhookRetryScheduleS: values.WEBHOOK_RETRY_SCHEDULE ?? [...DEFAULT_RETRY_SCHEDULE_S],
      allowPrivateWebhookUrls: values.ALLOW_PRIVATE_WEBHOOK_URLS,
      logLevel: values.LOG_LEVEL,
      secretKey: values.STABLEGATE_SECRET_KEY,
    },
  };
}

/** For commands that need only the database (migrate, merchant): the chains file may not exist yet. */
export function databasePathFromEnv(env: Record<string, string | undefined> = process.env): string {
  const path = env.DATABASE_PATH?.trim();
  return path ? path : './data/stablegate.db';
}
