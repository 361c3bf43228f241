import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { READ_WRITE, token } from '../support/api.ts';

const run = promisify(execFile);

/** `sls invoke local -f <fn>` as docs/invoke-local.md shows it, against the test run's DynamoDB Local and issuer. */
async function invoke(fn: string, event: { path: string } | { data: unknown }): Promise<{ stdout: string; code: number }> {
  const input = 'path' in event ? ['-p', event.path] : ['--data', JSON.stringify(event.data)];
  const env = { ...process.env, ESBUILD_WORK_FOLDER: '.esbuild-test-invoke', DYNAMODB_ENDPOINT: inject('dynamoEndpoint'), LOCAL_ISSUER_DIR: inject('issuerDir'), SLS_TELEMETRY_DISABLED: '1' };
  try {
    const { stdout } = await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'sls'), ['invoke', 'local', '-f', fn, ...input], { cwd: PROJECT_ROOT, env, maxBuffer: 8 * 1024 * 1024 });
    return { stdout, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; code?: number };
    return { stdout: failed.stdout ?? '', code: failed.code ?? 1 };
  }
}

/** The handler's result: the last top-level JSON object sls prints. */
function result(stdout: string): any {
  const start = stdout.lastIndexOf('\n{');
  return JSON.parse(stdout.slice(start === -1 ? stdout.indexOf('{') : start + 1));
}

describe('sls invoke local with the sample events', () => {
  it('runs the health check, the authorizer and an entity handler', async () => {
    const health = await invoke('health', { path: 'events/health.json' });
    expect(result(health.stdout)).toMatchObject({ statusCode: 200 });

    const authorizerEvent = JSON.parse(await readFile(join(PROJECT_ROOT, 'events', 'authorizer.json'), 'utf8'));
    const denied = await invoke('authorizer', { path: 'events/authorizer.json' });
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toContain('Unauthorized');
    const allowed = await invoke('authorizer', { data: { ...authorizerEvent, authorizationToken: `Bearer ${await token({ tenantId: 't1', scopes: READ_WRITE })}` } });
    const policy = result(allowed.stdout);
    expect(policy.context).toMatchObject({ tenantId: 't1', scope: 'entities/read entities/write' });
    expect(policy.policyDocument.Statement[0].Resource).toMatch(/^arn:aws:execute-api:[^/]+:abc123\/local\/\*\/\*$/);

    const missing = await invoke('getEntity', { path: 'events/get-entity.json' });
    expect(result(missing.stdout)).toMatchObject({ statusCode: 404, headers: { 'Content-Type': 'application/problem+json' } });
  }, 120_000);
});
