#!/usr/bin/env node
// Adds lock entries for platform-specific optional packages that this registry does not serve
// (e.g. @foundry-rs/anvil-darwin-arm64). `npm install` leaves them out of package-lock.json when
// it cannot fetch their manifests, and `npm ci` then refuses the lock as "Missing: …". An entry
// with the platform's os/cpu makes `npm ci` accept the lock and skip the package on other
// platforms, exactly as it does for the optional packages it could resolve.
// Run after `npm install` changes the lock: `node bin/repair-lockfile.js` (the project's lock), or
// `node bin/repair-lockfile.js bench/package-lock.json` (the benchmarks' own).
import { readFileSync, writeFileSync } from 'node:fs';

const path = process.argv[2] ?? new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;

function platformOf(name) {
  const os = [
    'darwin',
    'win32',
    'linux',
    'android',
    'freebsd',
    'openbsd',
    'netbsd',
    'sunos',
    'aix',
    'openharmony',
  ].find((candidate) => name.includes(candidate));
  const cpu = [
    'arm64',
    'x64',
    'amd64',
    'arm',
    'ia32',
    'ppc64',
    's390x',
    'riscv64',
    'loong64',
    'mips64el',
  ].find((candidate) => new RegExp(`[-_]${candidate}(\\b|[-_]|$)`).test(name));
  if (!os || !cpu) return null;
  return {
    os: [os],
    cpu: [cpu === 'amd64' ? 'x64' : cpu],
    ...(name.includes('musl') ? { libc: ['musl'] } : {}),
  };
}

let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = key ? `${key}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[base] || packages[`node_modules/${name}`]) continue;
    const platform = platformOf(name);
    const version = /^\d+\.\d+\.\d+/.exec(spec)?.[0];
    if (!platform || !version) continue;
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`repair-lockfile: added ${added} platform entries`);
