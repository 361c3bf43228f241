/**
 * The architecture as import rules, checked by dependency-cruiser: `npm run lint:architecture`, and
 * tests/unit/architecture.test.ts (the same rules through its API, and a fixture that breaks each).
 * Paths are relative to the project root. Type-only imports count (`tsPreCompilationDeps`).
 */

/** Code that runs in AWS or in the browser: the handlers, src/ (bundled per function, or into the worker's image and the console), the migrations, the console. */
const DEPLOYED = '^(functions|src|migrations|web/src)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'src/domain imports nothing but the domain and zod: no adapters, HTTP, composition, configuration, node: modules, SDKs (DESIGN.md, "Layers").',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^node_modules/zod/'] },
    },
    {
      name: 'deployed-code-not-to-scripts',
      comment: 'Deployed code never imports scripts/ (the local stack, deploy tooling and the template plugin).',
      severity: 'error',
      from: { path: DEPLOYED },
      to: { path: '^scripts/' },
    },
    {
      name: 'local-stand-ins-only-from-composition',
      comment:
        "The local stand-ins (src/local/: the local token issuer, the in-process cache) are selected in the composition root only " +
        "(src/composition/), behind the build-time stage constant (serverless.yml's esbuild `define` of process.env.IDENTITY_PROVIDER) " +
        "that drops them from other stages' bundles (tests/infrastructure/template.test.ts checks the bundles). " +
        'Handlers, adapters, the domain, HTTP, the worker and the console never import them.',
      severity: 'error',
      from: { path: DEPLOYED, pathNot: '^src/(composition|local)/' },
      to: { path: '^src/local/' },
    },
    {
      name: 'adapters-not-to-http-handlers-or-wiring',
      comment:
        'An adapter (src/adapters/) implements a port for one external system: it imports no HTTP stack (src/http/) nor the event handlers’ middleware stack (src/observability/eventHandler.ts), ' +
        'no handler (functions/), and not the composition root or the worker that wire adapters together.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: ['^(src/(http|composition|worker)|functions)/', '^src/observability/eventHandler[.]ts$'] },
    },
    {
      name: 'no-circular',
      comment: 'No import circles anywhere (type-only imports included): move the shared piece where both can import it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (one that does not would escape the rules above).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    moduleSystems: ['es6', 'cjs'],
    doNotFollow: { path: '^node_modules/' },
    exclude: { path: '^web/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      // package.json "exports" (the console imports the client as entity-platform/client).
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
