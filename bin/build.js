#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` leaves a runnable CLI): src/ → dist/ as JavaScript,
// so a production install runs no TypeScript loader (tsx, esbuild). Each file is transpiled on its
// own (`isolatedModules` makes that exact): the type check is `npm run check`'s job, and a build
// of the whole tree takes about a second, so the tests can rebuild before every run.
// A production install from a built tree (the Docker image builds dist/ in an earlier stage and
// copies no src/) keeps the dist/ it was given instead of failing the install.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

// Nothing to build without the sources or TypeScript (viem's optional peer dependency may bring it):
// keep the dist/ that came with the install, or say what is missing.
let ts;
try {
  if (!existsSync(join(root, 'src'))) throw new Error('no src/');
  ts = createRequire(import.meta.url)('typescript');
} catch {
  if (existsSync(join(dist, 'src/cli/main.js'))) process.exit(0);
  console.error(
    'build: dist/ is missing and cannot be built here: run `npm ci` with dev dependencies in a checkout',
  );
  process.exit(1);
}

const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
// `./x.ts` imports become `./x.js` (TypeScript 5.7+); the rest of tsconfig.json applies as it is.
// Every file is an ES module (package.json "type": "module"); NodeNext would need each file's format.
const compilerOptions = {
  ...options,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noEmit: false,
  rewriteRelativeImportExtensions: true,
};

const filesUnder = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(path) : [path];
      })
    : [];

/**
 * Writes only what changed, each file through a rename, so a CLI process that another test run
 * starts meanwhile never reads a half-written or missing module.
 */
function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

const built = new Set();
const sources = filesUnder(join(root, 'src')).filter(
  (path) => /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path),
);
for (const file of [...sources, join(root, 'contracts-abi/index.ts')]) {
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
    reportDiagnostics: true,
  });
  if (diagnostics?.length) {
    console.error(
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => root,
        getNewLine: () => '\n',
      }),
    );
    process.exit(1);
  }
  const out = join(dist, relative(root, file)).replace(/\.tsx?$/, '.js');
  writeIfChanged(out, outputText);
  built.add(out);
}
// Files the code reads at run time beside itself (checkout-assets.ts).
for (const asset of filesUnder(join(root, 'src/checkout/assets'))) {
  const out = join(dist, relative(root, asset));
  writeIfChanged(out, readFileSync(asset, 'utf8'));
  built.add(out);
}
// A module whose source was deleted must not linger where an import could still find it.
for (const stale of filesUnder(dist).filter((path) => !built.has(path))) rmSync(stale);
