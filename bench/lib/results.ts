import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const PROFILES_DIR = join(RESULTS_DIR, 'profiles');

/** Writes `bench/results/<name>.json` (gitignored) with the machine it ran on; returns the path. */
export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
  writeFileSync(
    path,
    `${JSON.stringify({ name, at: new Date().toISOString(), machine, ...(data as object) }, null, 2)}\n`,
  );
  console.log(`results: ${path}`);
  return path;
}

/**
 * Node flags for a V8 CPU profile of a child into bench/results/profiles/<name>/. Node names each
 * thread's file CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile (tsx's loader is a thread of
 * its own), so the directory is emptied first and `mainThreadProfile` picks the main thread's.
 */
export function cpuProfileArgs(name: string): string[] {
  const dir = join(PROFILES_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir];
}

export function mainThreadProfile(name: string): string | undefined {
  const dir = join(PROFILES_DIR, name);
  const files =
    existsSync(dir) && statSync(dir).isDirectory()
      ? readdirSync(dir).filter((file) => /\.0\.\d+\.cpuprofile$/.test(file))
      : [];
  const biggest = files.map((file) => join(dir, file)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  return biggest;
}
