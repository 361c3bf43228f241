import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Starts DynamoDB Local and serverless-offline once for the run, and packages the dev and prod
    // stages; tests find them through `inject(...)`.
    globalSetup: ['tests/support/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
    env: { AWS_REGION: 'eu-west-1' },
  },
});
