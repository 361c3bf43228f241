/**
 * The architecture as import rules, checked by dependency-cruiser: `npm run lint:architecture`, and
 * tests/unit/architecture.test.ts (the same rules through its API, and a fixture that breaks each).
 * Paths are relative to the project root. Type-only imports count (`tsPreCompilationDeps`).
 */

/** Code that runs in AWS or in the browser: the handlers, src/ (bundled per function, or into the worker's image and the console), the migrations, the console. */
const DEPLOYED = '^(functions|src|migrations|web/src)/';
/** Our own code (what the rules below allow or forbid; packages and node: modules are the domain's rule's business only). */
const OWN = '^(functions|src|migrations|scripts|bench|tests|web|docs)/';
/** The plain settings (single variables, no schema): the one module of src/config the stacks and handlers read directly. */
const PLAIN_SETTINGS = '^src/config/environment[.]ts$';
/**
 * What a handler may take from an adapter module itself: the formats of the events that invoke it
 * (SQS and EventBridge messages, DynamoDB stream records, Amazon MQ deliveries) and the answer to a
 * CloudFormation custom resource. Adapters that do the work come from the composition root.
 */
const EVENT_FORMATS = '^src/adapters/(eventbridge/eventBridgeMessage|dynamodb/streamRecords|rabbitmq/rmqEvent|cloudformation/customResource)[.]ts$';

/**
 * What a part of the tree may import of our own code: every other import of our code from it is an
 * error. Each part's README.md says the same in words.
 */
function mayImport(name, from, allowed, comment) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: OWN, pathNot: allowed } };
}

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
    mayImport(
      'identity-imports-domain-and-config',
      '^src/identity/',
      ['^src/(identity|domain|config)/', '^src/http/headers[.]ts$'],
      'src/identity (the access-token verifier, the caller of a request, the authorizer policy, the identity settings) imports the domain, the configuration and the HTTP header lookup only.',
    ),
    mayImport(
      'http-stack-imports-domain-identity-observability',
      '^src/http/',
      ['^src/(http|domain|identity|observability)/', PLAIN_SETTINGS],
      'src/http (the middy stack of the HTTP handlers, problems, ETags, responses) imports the domain, identity, observability and the plain settings only: it is handed what it runs (never imports the composition root or an adapter).',
    ),
    mayImport(
      'adapters-import-domain-config-observability',
      '^src/adapters/',
      ['^src/(adapters|domain|config)/', '^src/observability/(?!eventHandler[.]ts$)'],
      'An adapter (src/adapters/<system>/) implements a port for one external system: it imports the domain (its ports and types), the configuration helpers, observability (not the event handlers’ middleware stack) and other adapters; ' +
        'no HTTP stack, identity, handler, composition root, worker or local stand-in.',
    ),
    mayImport('config-imports-domain', '^src/config/', ['^src/(config|domain)/'], 'src/config (environment schemas and settings helpers) imports the domain only (its zod locale and types).'),
    mayImport('observability-imports-nothing-else', '^src/observability/', ['^src/observability/', PLAIN_SETTINGS], 'src/observability (logger, metrics, tracing, the AWS call recorder, the event handlers’ stack) imports none of our other code but the plain settings.'),
    mayImport('local-imports-domain-config-identity', '^src/local/', ['^src/(local|domain|config|identity)/'], 'src/local (the local issuer, the in-process cache) imports the domain, configuration and identity only.'),
    mayImport('contract-imports-domain-config-http', '^src/contract/', ['^src/(contract|domain|config|http)/'], 'src/contract (build time: the OpenAPI document, the API Gateway models) imports the schemas of the domain and HTTP, and configuration defaults.'),
    mayImport('client-imports-nothing-else', '^src/client/', ['^src/client/'], 'src/client (the typed client, exported as entity-platform/client) stands alone.'),
    mayImport('console-imports-the-client', '^web/', ['^web/', '^src/client/'], 'The console (web/) imports the typed client only.'),
    mayImport(
      'handlers-import-composition-and-the-stacks',
      '^functions/',
      ['^functions/', '^src/(composition|http|identity|domain|observability|adapters)/', PLAIN_SETTINGS, '^docs/openapi[.]json$'],
      'A handler (functions/) takes what it needs from the composition root and runs it in the HTTP or event stack: it imports src/composition, src/http, src/identity, the domain, observability and the plain settings; never the rest of the configuration, the worker or the local stack.',
    ),
    {
      name: 'handlers-take-adapters-from-composition',
      comment:
        'A handler never constructs an adapter nor calls one directly: the composition root (src/composition) builds them. From src/adapters it imports types only, and the formats of the events that invoke it (EVENT_FORMATS).',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^src/adapters/', pathNot: EVENT_FORMATS, dependencyTypesNot: ['type-only'] },
    },
    mayImport(
      'composition-imports-deployed-code',
      '^src/composition/',
      ['^src/', '^migrations/'],
      'The composition roots (src/composition: the functions’ modules, worker.ts for the worker, localStage.ts choosing the local stack) build the adapters and services from the configuration: they may import any of src/ and the migrations, never a handler.',
    ),
    mayImport(
      'worker-imports-domain-config-its-root',
      '^src/worker/',
      ['^src/(worker|domain|config|adapters)/', '^src/composition/worker[.]ts$'],
      'The worker (src/worker) imports the domain, the configuration, its composition root (src/composition/worker.ts) and the adapters’ types.',
    ),
    {
      name: 'worker-takes-adapters-from-its-root',
      comment:
        'The worker’s jobs are handed their adapters by its composition root (src/composition/worker.ts): from src/adapters they import types only, and the stable UUID derivation (no I/O) an import shares with the legacy bridge.',
      severity: 'error',
      from: { path: '^src/worker/' },
      to: { path: '^src/adapters/', pathNot: '^src/adapters/dynamodb/stableUuid[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    mayImport('scripts-not-to-tests-or-bench', '^scripts/', ['^scripts/', '^src/', '^web/', '^migrations/'], 'The local stack and deploy tooling (scripts/) import src/, the console and the migrations, never tests/ or bench/.'),
    mayImport('migrations-import-migrator-types', '^migrations/', ['^migrations/', '^src/adapters/postgres/migrator[.]ts$'], 'migrations/ (SQL, and its index) imports the migrator’s types only.'),
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
        "(src/composition/localStage.ts), behind the build-time stage constant (serverless.yml's esbuild `define` of process.env.IDENTITY_PROVIDER) " +
        "that drops them from other stages' bundles (tests/infrastructure/template.test.ts checks the bundles). " +
        'Handlers, adapters, the domain, HTTP, the worker and the console never import them.',
      severity: 'error',
      from: { path: DEPLOYED, pathNot: ['^src/composition/localStage[.]ts$', '^src/local/'] },
      to: { path: '^src/local/' },
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
