// Which folder may import which, checked by `npm run check` (`npm run check:arrows`): domain/
// imports nothing of ours, store/ only domain/, the parts (chain, settle, notify, api, checkout,
// sweep) never each other, only runtime/ and cli/ wire them, nothing imports test/ or bench/, and
// there are no cycles. Rule syntax: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
// A path is relative to the repository root (`src/store/db.ts`); `$1` in a `to` is the first group
// its `from` matched. `.cjs` because package.json says "type": "module".
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds types and pure rules: it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^(src/(?!domain/)|contracts-abi/|test/|bench/)' },
    },
    {
      name: 'store-only-domain',
      comment: 'store/ reads and writes; it knows domain/ types and nothing above it.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^(src/(?!store/|domain/)|contracts-abi/|test/|bench/)' },
    },
    {
      name: 'parts-are-independent',
      comment:
        'chain, settle, notify, api, checkout and sweep never import each other: what two of them ' +
        'share lives in domain/, store/, queue/, http/ or rpc/, and runtime/ wires them.',
      severity: 'error',
      from: { path: '^src/(chain|settle|notify|api|checkout|sweep)/' },
      to: { path: '^src/(chain|settle|notify|api|checkout|sweep)/', pathNot: '^src/$1/' },
    },
    {
      name: 'only-runtime-and-cli-wire',
      comment:
        'runtime/ and cli/ build the AppContext and wire the parts; a part takes the few things ' +
        'it uses (its deps) and never imports the wiring.',
      severity: 'error',
      from: { pathNot: '^(src/(runtime|cli)/|test/|bench/)' },
      to: { path: '^src/(runtime|cli)/' },
    },
    {
      name: 'http-only-domain',
      comment: 'http/ holds the HTTP helpers api/ and checkout/ share: hono and domain/ only.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^(src/(?!http/|domain/)|contracts-abi/|test/|bench/)' },
    },
    {
      name: 'rpc-below-the-parts',
      comment:
        "rpc/ (a chain's JSON-RPC providers: failover, back-off, heads) serves chain/ and sweep/, so " +
        'it sits below them: domain/ types and observability/ only.',
      severity: 'error',
      from: { path: '^src/rpc/' },
      to: { path: '^(src/(?!rpc/|domain/|observability/)|contracts-abi/|test/|bench/)' },
    },
    {
      name: 'config-only-domain',
      comment: 'config/ parses the environment and the chains file into domain values.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^(src/(?!config/|domain/)|contracts-abi/|test/|bench/)' },
    },
    {
      name: 'observability-is-a-leaf',
      comment: 'observability/ (logger, metrics) is used by every part and imports none of ours.',
      severity: 'error',
      from: { path: '^src/observability/' },
      to: { path: '^(src/(?!observability/)|contracts-abi/|test/|bench/)' },
    },
    {
      name: 'queue-below-the-parts',
      comment: 'queue/ (connections, job payloads, the outbox loop) sits below the parts that use it.',
      severity: 'error',
      // Its tests may also use the devnet's helpers (waitUntil), as every other part's tests do.
      from: { path: '^src/queue/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(src/(?!queue/|domain/|store/|observability/|config/)|contracts-abi/|test/|bench/)' },
    },
    {
      name: 'nothing-imports-test',
      comment: 'test/ holds fixtures and cross-process tests; a unit test in src/ builds what it needs.',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'nothing-imports-bench',
      comment: 'bench/ measures the product; the product and its tests never depend on it.',
      severity: 'error',
      from: { pathNot: '^bench/' },
      to: { path: '^bench/' },
    },
    {
      name: 'harness-for-tests-and-benchmarks',
      comment:
        'harness/ (the one webhook receiver) serves test/ and bench/, which may not import each other.',
      severity: 'error',
      from: { pathNot: '^(test|bench|harness)/' },
      to: { path: '^harness/' },
    },
    {
      name: 'harness-imports-nothing-of-ours',
      comment: 'harness/ stands beside the product: it imports none of src/, test/ or bench/.',
      severity: 'error',
      from: { path: '^harness/' },
      to: { path: '^(src|test|bench|contracts-abi)/' },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle (type imports counted) means two modules are one thing, or a type is in the wrong place.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Without it `import type` arrows vanish before cruising, and with verbatimModuleSyntax most
    // AppContext imports are type imports.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // bench/ponder is a separate project with its own dependencies; bench/results is output.
    exclude: { path: '^(node_modules|bench/(ponder|node_modules|results))' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
