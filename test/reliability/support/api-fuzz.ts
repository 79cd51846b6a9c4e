import fc from 'fast-check';
import { edgeCases, requestArbitrary } from './api-fuzz-requests.ts';
import { createFuzzTarget } from './api-fuzz-target.ts';
import type { FuzzRequest } from './fuzz-request.ts';
import { createResponseChecker } from './openapi-checker.ts';

/**
 * A fuzzer over every route of the API and the checkout: arbitrary methods, paths, ids, queries,
 * headers, keys and bodies (JSON, not JSON, too big). Each response must be below 500, JSON or
 * problem+json (or the HTML/SVG/text a public page documents), and match the schema /openapi.json
 * documents for that operation and status; the logs must never hold a key, a secret or an xpub.
 */

export type FuzzReport = {
  requests: number;
  byStatus: Record<string, number>;
  violations: string[];
  /** Secrets found in the log output (by kind, never the value). */
  leaks: string[];
  seed: number;
};

export async function runApiFuzz(options: { requests: number; seed?: number }): Promise<FuzzReport> {
  const target = await createFuzzTarget();
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const byStatus: Record<string, number> = {};
  const violations: string[] = [];
  /** Endpoint secrets the API handed out during the run (shown once, in 201 bodies). */
  const issued: string[] = [];
  try {
    const checker = await createResponseChecker(target.app);
    let sent = 0;
    const record = async (request: FuzzRequest) => {
      sent++;
      const { status, problem, body } = await checker.check(request);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      const secret = (body as { secret?: unknown } | undefined)?.secret;
      if (typeof secret === 'string') issued.push(secret);
      if (problem) violations.push(`${problem}\n    request: ${describe(request)}`);
    };
    for (const request of edgeCases(target, checker.operations)) await record(request);
    await fc.assert(
      fc.asyncProperty(requestArbitrary(target), async (request) => {
        await record(request);
        return true;
      }),
      { numRuns: options.requests, seed, endOnFailure: true },
    );
    // Secrets handed out during the run (endpoint secrets in 201 bodies) are looked for too.
    const logs = target.ctx.logs.join('');
    const leaks: string[] = [];
    for (const key of target.apiKeys) if (logs.includes(key)) leaks.push('an API key');
    for (const xpub of target.xpubs) if (logs.includes(xpub)) leaks.push('an xpub');
    for (const secret of [...target.secrets, ...issued])
      if (logs.includes(secret)) leaks.push('a whsec_ secret');
    if (/sk_[A-Za-z0-9_-]{30,}|whsec_[A-Za-z0-9+/=]{20,}|xpub[1-9A-HJ-NP-Za-km-z]{100,}/.test(logs)) {
      leaks.push('a secret-shaped string');
    }
    return { requests: sent, byStatus, violations, leaks, seed };
  } finally {
    await target.ctx.close();
  }
}

function describe(request: FuzzRequest): string {
  const body =
    request.body === null
      ? ''
      : ` body=${JSON.stringify(request.body.slice(0, 300))}${request.body.length > 300 ? `…(${request.body.length} chars)` : ''}`;
  return `${request.method} ${request.path}${request.query ? `?${request.query.slice(0, 200)}` : ''} headers=${JSON.stringify(request.headers.map(([name, value]) => [name, value.slice(0, 80)]))}${body}`;
}
