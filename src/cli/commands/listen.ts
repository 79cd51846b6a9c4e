import { resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { readDevnetFile } from '../../devnet/devnet-file.ts';
import { createLogger } from '../../observability/logger.ts';
import { CliError } from '../cli-error.ts';
import { parseCommandArgs, parsePortFlag, UsageExit } from '../parse-command-args.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';
import { formatOutcome, startWebhookListener } from '../webhook-listener.ts';

export const LISTEN_USAGE = `Usage: stablegate listen [--port 9000] (--secret whsec_… | --register [--data-dir ./data])

A webhook receiver on 127.0.0.1 for development: verifies each delivery (Standard Webhooks) and
prints the event; a delivery with a bad signature is printed as refused and answered 400.

Options:
  --port <port>      where to listen on 127.0.0.1 (default 9000)
  --secret <whsec>   the endpoint's signing secret, as POST /v1/webhook-endpoints returned it
  --register         register this listener as a webhook endpoint of the running devnet (its
                     API URL and key from <data dir>/devnet.json) and use the secret it returns;
                     the endpoint is deleted again when listen stops
  --data-dir <dir>   the devnet's data dir, for --register (default ./data)
  -h, --help         this help`;

type Registration = { id: string; secret: string; apiUrl: string; apiKey: string };

async function callApi(apiUrl: string, apiKey: string, method: string, path: string, body?: unknown) {
  try {
    return await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new CliError(`devnet API at ${apiUrl} not reachable — is \`npm start\` running?`);
  }
}

/** POST /v1/webhook-endpoints with the devnet's key; the secret is only in this response. */
async function register(dataDir: string, url: string): Promise<Registration> {
  const devnet = readDevnetFile(dataDir);
  if (!devnet)
    throw new CliError(`no devnet in ${dataDir}: start one with "npx stablegate dev" (or pass --data-dir)`);
  const response = await callApi(devnet.apiUrl, devnet.apiKey, 'POST', '/v1/webhook-endpoints', { url });
  const text = await response.text();
  if (response.status !== 201)
    throw new CliError(`registering ${url} at ${devnet.apiUrl} failed: ${response.status} ${text}`);
  const { id, secret } = JSON.parse(text) as { id: string; secret: string };
  return { id, secret, apiUrl: devnet.apiUrl, apiKey: devnet.apiKey };
}

/** Best effort: a devnet that stopped first has nothing left to delete. */
async function unregister(registration: Registration): Promise<void> {
  const { apiUrl, apiKey, id } = registration;
  const response = await callApi(apiUrl, apiKey, 'DELETE', `/v1/webhook-endpoints/${id}`).catch(() => null);
  await response?.body?.cancel();
  if (response?.ok) console.log(`webhook endpoint ${id} deleted`);
}

/** Refused up front, so a typo is one line now rather than every delivery refused later. */
function checkSecret(secret: string): string {
  const problem = '--secret: not a Standard Webhooks secret (whsec_ then base64)';
  if (!secret.startsWith('whsec_')) throw new UsageExit(LISTEN_USAGE, problem);
  try {
    new Webhook(secret);
  } catch {
    throw new UsageExit(LISTEN_USAGE, problem);
  }
  return secret;
}

/** `stablegate listen`: see LISTEN_USAGE. Runs until SIGINT or SIGTERM. */
export async function listenCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(LISTEN_USAGE, args, {
    options: {
      port: { type: 'string' },
      secret: { type: 'string' },
      register: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: './data' },
    },
  });
  const port = parsePortFlag(LISTEN_USAGE, '--port', values.port, 9000);
  if (values.secret !== undefined && values.register)
    throw new UsageExit(LISTEN_USAGE, '--secret and --register: give one (--register brings its own secret)');
  if (values.secret === undefined && !values.register)
    throw new UsageExit(LISTEN_USAGE, '--secret or --register: one is required to verify deliveries');
  const url = `http://127.0.0.1:${port}/`;
  // Registered before binding: the secret comes from the registration, and a delivery that
  // arrives in between is simply retried by the gateway.
  const registration = values.register ? await register(resolve(values['data-dir'] ?? './data'), url) : null;
  const secret = registration?.secret ?? checkSecret(values.secret ?? '');
  let listener: Awaited<ReturnType<typeof startWebhookListener>>;
  try {
    listener = await startWebhookListener({
      port,
      secret,
      onRequest: (outcome) => console.log(formatOutcome(outcome)),
    });
  } catch (error) {
    if (registration) await unregister(registration);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError(`--port: ${port} is already in use; choose another with --port`);
    throw error;
  }
  const source = registration
    ? `registered as webhook endpoint ${registration.id} at ${registration.apiUrl}`
    : 'verifying with the given secret';
  console.log(`listening for webhooks on ${listener.url} (${source}); Ctrl-C stops`);
  await onShutdownSignal(createLogger({ level: 'warn', name: 'stablegate-listen' }));
  await listener.close();
  if (registration) await unregister(registration);
  return 0;
}
