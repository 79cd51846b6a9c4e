/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): where the CPU went, by function (self and
 * inclusive time) and by file, as shares of the profiled time. `npm run bench -- --profile` writes
 * the profiles; `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]` reads one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR } from './lib/results.ts';
import { fmt } from './lib/stats.ts';
import { printTable } from './lib/table.ts';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const ROOT = `${fileURLToPath(new URL('..', `file://${BENCH_DIR}/`))}`;

function short(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.replace(ROOT, '').replace(/^.*node_modules\//, 'node_modules/');
}

export function summarizeProfile(path: string, top = 15) {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const key = (node: Node) =>
    `${node.callFrame.functionName || '(anonymous)'}  ${short(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const idle = new Set(['(idle)', '(program)', '(garbage collector)']);

  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  // Walk the tree once: inclusive time counts a function once per stack, however deep it recurses.
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id) as Node;
    const k = idle.has(node.callFrame.functionName) ? node.callFrame.functionName : key(node);
    let sum = selfUs.get(id) ?? 0;
    self.set(k, (self.get(k) ?? 0) + sum);
    const file = idle.has(node.callFrame.functionName)
      ? node.callFrame.functionName
      : short(node.callFrame.url) || '(native)';
    byFile.set(file, (byFile.get(file) ?? 0) + sum);
    const fresh = !onStack.has(k);
    if (fresh) onStack.add(k);
    for (const child of node.children ?? []) sum += walk(child, onStack);
    if (fresh) {
      onStack.delete(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + sum);
    }
    return sum;
  };
  walk(profile.nodes[0]?.id ?? 1, new Set());
  const share = (us: number) => `${fmt((100 * us) / total, 1)} %`;
  const rows = (map: Map<string, number>, filter: (k: string) => boolean = () => true) =>
    [...map.entries()]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => [share(us), fmt(us / 1000, 0), k]);
  console.log(`\nprofile ${short(path)}: ${fmt(total / 1e6, 2)} s sampled`);
  printTable('Self time by function', ['share', 'ms', 'function  file:line'], rows(self));
  printTable(
    'Inclusive time, our code (src/)',
    ['share', 'ms', 'function  file:line'],
    rows(inclusive, (k) => k.includes(' src/')),
  );
  printTable('Self time by file', ['share', 'ms', 'file'], rows(byFile));
  return { totalMs: total / 1000 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  summarizeProfile(file, top ? Number(top) : 15);
}
