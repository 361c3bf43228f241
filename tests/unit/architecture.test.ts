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
    // An adapter imports the HTTP stack.
    'src/adapters/store/store.ts': "import { problem } from '../../http/problem.ts';\nexport const store = (id: string) => problem(id);\n",
    'src/http/problem.ts': 'export const problem = (detail: string) => ({ detail });\n',
    // A handler imports a local stand-in; the composition root may.
    'src/local/issuer.ts': "export const issuer = 'local';\n",
    'functions/handler.ts': "import { issuer } from '../src/local/issuer.ts';\nexport const handler = () => issuer;\n",
    'src/composition/identity.ts': "import { issuer } from '../local/issuer.ts';\nexport const identity = () => issuer;\n",
    // Deployed code imports the local stack's scripts.
    'scripts/start.ts': 'export const start = () => undefined;\n',
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
    expect(await violations(fixture, ['src', 'functions', 'scripts'])).toEqual([
      'adapters-not-to-http-handlers-or-wiring: src/adapters/store/store.ts → src/http/problem.ts',
      'deployed-code-not-to-scripts: src/worker/main.ts → scripts/start.ts',
      'domain-is-pure: src/domain/entity.ts → crypto',
      'domain-is-pure: src/domain/entity.ts → src/adapters/store/store.ts',
      'local-stand-ins-only-from-composition: functions/handler.ts → src/local/issuer.ts',
      'no-circular: src/one.ts → src/two.ts (circle: src/one.ts → src/two.ts → src/one.ts)',
      'not-to-unresolvable: src/lost.ts → ./gone.ts',
    ]);
  }, 60_000);
});
