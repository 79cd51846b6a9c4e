/**
 * `npm run bench` runs every scenario in turn; `npm run bench -- <name> [<name>…]` runs some.
 * Flags: --quick (scaled down, to check the harness), --no-ponder, --profile (--cpu-prof of the
 * system under test into bench/results/profiles/). Each scenario prints Markdown tables and writes
 * bench/results/<name>.json.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mainThreadProfile, PROFILES_DIR } from './lib/results.ts';
import type { Scenario } from './lib/scenario.ts';
import { summarizeProfile } from './profile-summary.ts';
import { addresses } from './scenarios/addresses.ts';
import { api } from './scenarios/api.ts';
import { backfill } from './scenarios/backfill.ts';
import { detection } from './scenarios/detection.ts';
import { engines } from './scenarios/engines.ts';
import { sweepGas } from './scenarios/sweep-gas.ts';
import { webhooks } from './scenarios/webhooks.ts';

const SCENARIOS: Scenario[] = [detection, backfill, api, webhooks, addresses, sweepGas, engines];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    'no-ponder': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});

const unknown = positionals.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; one of: ${SCENARIOS.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const selected = positionals.length > 0 ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
const options = { quick: values.quick, ponder: !values['no-ponder'], profile: values.profile };

let failed = 0;
for (const scenario of selected) {
  const started = Date.now();
  console.log(`\n== ${scenario.title} (${scenario.name})${options.quick ? ' [quick]' : ''} ==`);
  try {
    // Profiles of an earlier run of this scenario would be summarised with this run's.
    if (options.profile && existsSync(PROFILES_DIR)) {
      for (const dir of readdirSync(PROFILES_DIR).filter((name) => name.startsWith(`${scenario.name}-`)))
        rmSync(join(PROFILES_DIR, dir), { recursive: true, force: true });
    }
    await scenario.run(options);
    if (options.profile && existsSync(PROFILES_DIR)) {
      for (const name of readdirSync(PROFILES_DIR).filter((dir) => dir.startsWith(`${scenario.name}-`))) {
        const file = mainThreadProfile(name);
        if (file) summarizeProfile(file, 12);
      }
    }
  } catch (error) {
    failed++;
    console.error(`${scenario.name} failed:`, error);
  }
  console.log(`${scenario.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
process.exit(failed > 0 ? 1 : 0);
