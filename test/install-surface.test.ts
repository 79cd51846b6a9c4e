import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type LockEntry = { dev?: boolean; hasInstallScript?: boolean };
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  bin: Record<string, string>;
};

/**
 * Install scripts a production install (`npm ci --omit=dev`) runs, each for a reason: the SQLite
 * binding and BullMQ's optional msgpack accelerator compile or fetch a native addon.
 */
const PRODUCTION_INSTALL_SCRIPTS = ['node_modules/better-sqlite3', 'node_modules/msgpackr-extract'];

describe('the production install surface', () => {
  it('runs no install script but the native addons it needs (never anvil or esbuild)', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript && !entry.dev)
      .map(([path]) => path);
    expect(withScripts.sort()).toEqual(PRODUCTION_INSTALL_SCRIPTS);
    for (const devOnly of ['node_modules/@foundry-rs/anvil', 'node_modules/esbuild', 'node_modules/tsx']) {
      expect({ devOnly, dev: lock.packages[devOnly]?.dev }).toEqual({ devOnly, dev: true });
    }
  });

  it('ships compiled JavaScript: the bin runs dist/, with no TypeScript loader in dependencies', () => {
    expect(readFileSync(new URL(`../${manifest.bin.stablegate}`, import.meta.url), 'utf8')).toContain(
      '../dist/src/cli/main.js',
    );
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
  });
});
