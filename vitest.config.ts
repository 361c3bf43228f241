import { defineConfig } from 'vitest/config';
import { SuiteSequencer } from './tests/support/sequencer.ts';

export default defineConfig({
  // migrations/*.sql import as text, as esbuild's `.sql: text` loader bundles them (migrations/index.ts).
  plugins: [{ name: 'sql-as-text', transform: (code, id) => (id.endsWith('.sql') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined) }],
  test: {
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
    env: { AWS_REGION: 'eu-west-1' },
    sequence: { sequencer: SuiteSequencer },
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'stack',
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/infrastructure/**/*.test.ts', 'tests/browser/**/*.test.ts'],
          // Starts DynamoDB Local and serverless-offline once for the run (tests find them through
          // `inject(...)`), packages the local stage before any test and the AWS stages while the
          // tests run (the template tests wait for them: tests/support/testRun.ts).
          globalSetup: ['tests/support/globalSetup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'permissions',
          include: ['tests/permissions/**/*.test.ts'],
          // After the stack project: it reads the AWS calls that project's run recorded, and the stages it packaged.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
