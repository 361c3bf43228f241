import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/**
 * The architecture's import rules (.dependency-cruiser.cjs) hold on the tree; and they bite: a
 * fixture that breaks each one is reported, exactly.
 */

const ROOT = join(import.meta.dirname, '..', '..');
/** What `npm run lint:architecture` cruises. */
const TREE = ['src', 'functions', 'scripts', 'bench', 'web', 'tests', 'migrations'];

/** The violations of a cruise of `paths` from `baseDir`, one readable line each: `rule: from → to` (and a circle's path). */
async function violations(baseDir: string, paths: string[]): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
  const result = await cruise(paths, { ...options, baseDir, tsConfig: { fileName: join(baseDir, 'tsconfig.json') } }, {}, { tsConfig: extractTSConfig(join(baseDir, 'tsconfig.json')) });
  return (result.output as ICruiseResult).summary.violations.map(describeViolation).sort();
}

function describeViolation(violation: IViolation): string {
  const circle = violation.cycle ? ` (circle: ${[violation.from, ...violation.cycle.map((step) => step.name)].join(' → ')})` : '';
  return `${violation.rule.name}: ${violation.from} → ${violation.to}${circle}`;
}

describe('the architecture (npm run lint:architecture)', () => {
  it('holds: no import breaks a rule of .dependency-cruiser.cjs', async () => {
    expect(await violations(ROOT, TREE)).toEqual([]);
  }, 120_000);
});

describe('the architecture rules, on a fixture that breaks each', () => {
  let fixture: string;

  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }),
    // The domain imports an adapter and a node: module.
    'src/domain/entity.ts': "import { randomUUID } from 'node:crypto';\nimport { store } from '../adapters/store/store.ts';\nexport const entity = () => store(randomUUID());\n",
    // An adapter imports the HTTP stack; the HTTP stack imports the composition root.
    'src/adapters/store/store.ts': "import { problem } from '../../http/problem.ts';\nexport const store = (id: string) => problem(id);\n",
    'src/http/problem.ts': "import { identity } from '../composition/identity.ts';\nexport const problem = (detail: string) => ({ detail, identity });\n",
    // Identity, configuration, the local stack and the build-time contract import an adapter; observability imports the domain.
    'src/identity/verifier.ts': "import { store } from '../adapters/store/store.ts';\nexport const verify = store;\n",
    'src/config/settings.ts': "import { store } from '../adapters/store/store.ts';\nexport const settings = store;\n",
    'src/local/cache.ts': "import { store } from '../adapters/store/store.ts';\nexport const cache = store;\n",
    'src/contract/document.ts': "import { store } from '../adapters/store/store.ts';\nexport const document = store;\n",
    'src/observability/logger.ts': "import { entity } from '../domain/entity.ts';\nexport const logger = entity;\n",
    // The client, the console and the migrations import the domain.
    'src/client/index.ts': "import type { entity } from '../domain/entity.ts';\nexport type Client = typeof entity;\n",
    'web/src/main.ts': "import { entity } from '../../src/domain/entity.ts';\nentity();\n",
    'migrations/index.ts': "import type { entity } from '../src/domain/entity.ts';\nexport type Migration = typeof entity;\n",
    // A handler and a composition module other than localStage.ts import a local stand-in; localStage.ts may.
    'src/local/issuer.ts': "export const issuer = 'local';\n",
    'functions/handler.ts': "import { issuer } from '../src/local/issuer.ts';\nexport const handler = () => issuer;\n",
    'src/composition/identity.ts': "import { issuer } from '../local/issuer.ts';\nexport const identity = () => issuer;\n",
    'src/composition/localStage.ts': "import { issuer } from '../local/issuer.ts';\nexport const local = () => issuer;\n",
    // A handler and a worker job call an adapter themselves (its types they may import).
    'functions/writer.ts': "import { store } from '../src/adapters/store/store.ts';\nimport type { Shape } from '../src/adapters/store/shape.ts';\nexport const handler = (shape: Shape) => store(shape.id);\n",
    'src/adapters/store/shape.ts': 'export interface Shape { id: string }\n',
    'src/worker/job.ts': "import { store } from '../adapters/store/store.ts';\nexport const run = () => store('job');\n",
    // The composition root imports a handler.
    'src/composition/routes.ts': "import { handler } from '../../functions/handler.ts';\nexport const routes = [handler];\n",
    // Deployed code imports the local stack's scripts, which import the tests.
    'scripts/start.ts': "import { support } from '../tests/support.ts';\nexport const start = () => support;\n",
    'tests/support.ts': 'export const support = 1;\n',
    'src/worker/main.ts': "import { start } from '../../scripts/start.ts';\nstart();\n",
    // A circle of two files, through type-only imports.
    'src/one.ts': "import type { Two } from './two.ts';\nexport interface One { two?: Two }\n",
    'src/two.ts': "import type { One } from './one.ts';\nexport interface Two { one?: One }\n",
    // An import that resolves to nothing.
    'src/lost.ts': "export { gone } from './gone.ts';\n",
  };

  beforeAll(async () => {
    fixture = await mkdtemp(join(tmpdir(), 'architecture-'));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(fixture, path)), { recursive: true });
      await writeFile(join(fixture, path), text);
    }
  });
  afterAll(() => rm(fixture, { recursive: true, force: true }));

  it('reports exactly the imports that break them', async () => {
    expect(await violations(fixture, ['src', 'functions', 'scripts', 'web', 'migrations'])).toEqual([
      'adapters-import-domain-config-observability: src/adapters/store/store.ts → src/http/problem.ts',
      'client-imports-nothing-else: src/client/index.ts → src/domain/entity.ts',
      'composition-imports-deployed-code: src/composition/routes.ts → functions/handler.ts',
      'config-imports-domain: src/config/settings.ts → src/adapters/store/store.ts',
      'console-imports-the-client: web/src/main.ts → src/domain/entity.ts',
      'contract-imports-domain-config-http: src/contract/document.ts → src/adapters/store/store.ts',
      'deployed-code-not-to-scripts: src/worker/main.ts → scripts/start.ts',
      'domain-is-pure: src/domain/entity.ts → crypto',
      'domain-is-pure: src/domain/entity.ts → src/adapters/store/store.ts',
      'handlers-import-composition-and-the-stacks: functions/handler.ts → src/local/issuer.ts',
      'handlers-take-adapters-from-composition: functions/writer.ts → src/adapters/store/store.ts',
      'http-stack-imports-domain-identity-observability: src/http/problem.ts → src/composition/identity.ts',
      'identity-imports-domain-and-config: src/identity/verifier.ts → src/adapters/store/store.ts',
      'local-imports-domain-config-identity: src/local/cache.ts → src/adapters/store/store.ts',
      'local-stand-ins-only-from-composition: functions/handler.ts → src/local/issuer.ts',
      'local-stand-ins-only-from-composition: src/composition/identity.ts → src/local/issuer.ts',
      'migrations-import-migrator-types: migrations/index.ts → src/domain/entity.ts',
      'no-circular: src/one.ts → src/two.ts (circle: src/one.ts → src/two.ts → src/one.ts)',
      'not-to-unresolvable: src/lost.ts → ./gone.ts',
      'observability-imports-nothing-else: src/observability/logger.ts → src/domain/entity.ts',
      'scripts-not-to-tests-or-bench: scripts/start.ts → tests/support.ts',
      'worker-imports-domain-config-its-root: src/worker/main.ts → scripts/start.ts',
      'worker-takes-adapters-from-its-root: src/worker/job.ts → src/adapters/store/store.ts',
    ]);
  }, 60_000);
});
